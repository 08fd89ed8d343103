//! A Genesys Cloud stand-in on 127.0.0.1 for trying `dapa fetch` without an
//! org: the same server the fetch tests use. It prints its URL and serves
//! until stopped. Each input's `case` field picks a fault (`429-once`,
//! `503-once`, `500-always`, `501`, `slow`, `slow-once`, `cut-once`,
//! `cut-always`, `html-502`, `401-once`, `stall`, `off-contract`; anything
//! else is a 200). It serves each action's definition too (`dapa pull`, and
//! `fetch` beside the captures); an id starting `missing` is a 404.
//!
//! `cargo run --example genesys_standin -- [TOKEN_LIFETIME_SECONDS]`

#![allow(clippy::print_stdout, reason = "an example that says where it listens")]

#[path = "../tests/it/standin.rs"]
#[allow(dead_code, reason = "the example serves; the tests use the rest")]
mod standin;

fn main() {
    let lifetime = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3600);
    let server = standin::StandIn::start(lifetime);
    println!("stand-in listening on {}", server.url);
    println!(
        "client id {}; the secret is in tests/it/standin.rs",
        standin::CLIENT_ID
    );
    loop {
        std::thread::park();
    }
}
