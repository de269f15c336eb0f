//! `ar-client`: AR inspection overlay and VR training client (Bevy, OpenXR) — a named skeleton until issue #7 lands.

use clap::Parser;

/// AR inspection overlay and VR training client (Bevy, OpenXR).
///
/// Not built yet: this binary only parses its arguments and says so (issue #7).
#[derive(Parser)]
#[command(name = "ar-client", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    eprintln!("ar-client is not implemented yet (issue #7); see the README's status table");
    std::process::exit(2);
}
