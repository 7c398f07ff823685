"""Values that look like secrets are masked; ordinary commands are left alone."""

from __future__ import annotations

import pytest

from expacti_server.policy.secret_mask import mask, secret_spans

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # key=value, where the key names a secret
        ("export API_TOKEN=abc123 && run", "export API_TOKEN=**** && run"),
        ("DB_PASSWORD=hunter2 ./migrate", "DB_PASSWORD=**** ./migrate"),
        ("deploy --password=hunter2 web", "deploy --password=**** web"),
        ("deploy --passwd='my pass' web", "deploy --passwd=**** web"),
        (
            "app --client-secret=s3 --api_key=k1 --apikey=k2",
            "app --client-secret=**** --api_key=**** --apikey=****",
        ),
        ("run pwd=x auth_header=y credentials=z", "run pwd=**** auth_header=**** credentials=****"),
        ('echo \'{"password": "p4ss"}\'', "echo '{\"password\": ****}'"),
        # the option and its value as two words
        ("vault login --token s.abcdef", "vault login --token ****"),
        ('deploy --password "two words" now', "deploy --password **** now"),
        # tool-specific
        ("mysql -u root -pS3cret db", "mysql -u root -p**** db"),
        ("mysqldump -h db -pS3cret app", "mysqldump -h db -p**** app"),
        ("docker login -p s3cr3t registry.example", "docker login -p **** registry.example"),
        ("sshpass -p 'pw' ssh host", "sshpass -p **** ssh host"),
        ("curl -u admin:pw https://x", "curl -u admin:**** https://x"),
        # headers
        (
            "curl -H 'Authorization: Bearer abc.def' https://x",
            "curl -H 'Authorization: Bearer ****' https://x",
        ),
        ('curl -H "Authorization: Basic dXNlcjpwdw==" x', 'curl -H "Authorization: Basic ****" x'),
        ('curl -H "X-Api-Key: k3y" x', 'curl -H "X-Api-Key: ****" x'),
        ("http x bearer xyz", "http x bearer ****"),
        # known token formats
        ("expacti_0123456789abcdef0123456789abcdef", "****"),
        ("echo expacti_agent_Zm9vYmFyYmF6cXV4cXV1eA", "echo ****"),
        ("aws sts get-caller-identity AKIAIOSFODNN7EXAMPLE", "aws sts get-caller-identity ****"),
        (
            "git clone https://ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1@github.com/x",
            "git clone https://****@github.com/x",
        ),
        ("gh auth status github_pat_11AAAAAAA0abcdefghijklmnop", "gh auth status ****"),
        ("notify xoxb-123456789012-abcdefghij", "notify ****"),
        (f"curl -d {JWT} x", "curl -d **** x"),
        (
            "printf '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n"
            "-----END RSA PRIVATE KEY-----\n'",
            "printf '-----BEGIN RSA PRIVATE KEY-----****\n'",
        ),
        # passwords in URLs
        ("psql postgres://admin:hunter2@db:5432/app", "psql postgres://admin:****@db:5432/app"),
        # long random runs
        ("echo 3f2a9c1d4e5b6a7980112233445566778899aabb", "echo ****"),
        ("echo dGhpcyBpcyBhIHRlc3Qgb2YgYmFzZTY0IGVuY29kaW5nIQ==", "echo ****"),
    ],
)
def test_secrets_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "kubectl get pods -n web",
        "git log --author=bob",
        "mysql -P3306 -p db",  # -P is the port; a bare -p prompts
        "TOKEN=$GITHUB_TOKEN make release",  # a reference, not a value
        "TOKEN=${GITHUB_TOKEN} make release",
        "cat /usr/local/lib/python3.11/site-packages/foo/bar/baz_module.py",
        "rm /tmp/build-12.log",
        "docker logs web-7d9f8b6c5d-x2x4z",
        "echo 12345678901234567890123456789012345",  # digits only
        "kubectl rollout status deployment/my-very-long-deployment-name-for-prod",
    ],
)
def test_ordinary_commands_are_left_alone(text: str) -> None:
    assert mask(text) == text
    assert secret_spans(text) == []


def test_spans_are_sorted_merged_and_cover_only_the_values() -> None:
    text = "a password=x token=y"
    assert secret_spans(text) == [(11, 12), (19, 20)]
    assert [text[s:e] for s, e in secret_spans(text)] == ["x", "y"]
    # Two rules finding the same value give one span.
    assert secret_spans("--token=expacti_0123456789abcdef0123456789abcdef") == [(8, 48)]


def test_masking_long_input_stays_fast() -> None:
    # Bounded keys: a long run of word characters is linear, not quadratic.
    text = "a" * 50_000 + "=x " + "password" * 2000
    assert mask(text).startswith("a" * 100)
