//! The three lines: ask a human, and run only what was approved.
//!
//! Against `make eval` (the server with its demo tokens): `cargo run --example run`.

#[tokio::main]
async fn main() -> Result<(), expacti::Error> {
    let client = expacti::Client::connect("ws://localhost:3001/shell/ws", "demo-shell-token").await?;
    let decision = client.run("terraform apply").await?; // Err unless a human approved
    println!("approved by {:?}; run: {}", decision.reviewer, decision.command);
    Ok(())
}
