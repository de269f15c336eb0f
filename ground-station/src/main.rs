//! `ground-station`: Fleet, missions, alerts, customs data, HTTP API and web console — a named skeleton until issue #5 lands.

use clap::Parser;

/// Fleet, missions, alerts, customs data, HTTP API and web console.
///
/// Not built yet: this binary only parses its arguments and says so (issue #5).
#[derive(Parser)]
#[command(name = "ground-station", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    eprintln!("ground-station is not implemented yet (issue #5); see the README's status table");
    std::process::exit(2);
}
