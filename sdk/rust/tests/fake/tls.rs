//! `wss://` against a server whose certificate a private CA signed: trusted only when the
//! client is given that CA.

use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;

use crate::server::{FakeServer, decision};
use expacti::{Client, Error};

/// A server config for 127.0.0.1 signed by a fresh CA; the CA's certificate (DER).
pub fn server_config() -> (Arc<rustls::ServerConfig>, Vec<u8>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().signed_by(&leaf_key, &issuer).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    (Arc::new(config), ca.der().to_vec())
}

#[tokio::test]
async fn a_private_ca_given_to_the_builder_is_trusted() {
    let (server, ca) = FakeServer::tls().await;
    let client = Client::builder(server.url(), "agent-token").add_root_certificate(ca).connect().await.unwrap();
    let waiting = tokio::spawn(async move { client.run("uptime").await });
    let submit = server.submit_of("uptime").await;
    server.send(decision(&submit, "approved", json!({})));
    waiting.await.unwrap().unwrap();
}

#[tokio::test]
async fn without_it_the_certificate_is_refused() {
    let (server, _ca) = FakeServer::tls().await;
    let error =
        Client::builder(server.url(), "agent-token").reconnect_timeout(Duration::from_millis(300)).connect().await;
    assert!(matches!(&error, Err(Error::Connection(m)) if m.contains("certificate")), "{error:?}");
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn a_root_that_is_not_a_certificate_is_an_argument_error() {
    let (server, _ca) = FakeServer::tls().await;
    let error = Client::builder(server.url(), "agent-token").add_root_certificate(b"not DER".to_vec()).connect().await;
    assert!(matches!(error, Err(Error::InvalidArgument(_))), "{error:?}");
}
