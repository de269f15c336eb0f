//! `sim`: Software-in-the-loop multicopters over MAVLink, a port world and a camera — a named skeleton until issue #3 lands.

use clap::Parser;

/// Software-in-the-loop multicopters over MAVLink, a port world and a camera.
///
/// Not built yet: this binary only parses its arguments and says so (issue #3).
#[derive(Parser)]
#[command(name = "sim", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    eprintln!("sim is not implemented yet (issue #3); see the README's status table");
    std::process::exit(2);
}
