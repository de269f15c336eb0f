//! `drone-agent`: Companion computer: MAVLink router with signing, video, onboard detection, MQTT — a named skeleton until issue #4 lands.

use clap::Parser;

/// Companion computer: MAVLink router with signing, video, onboard detection, MQTT.
///
/// Not built yet: this binary only parses its arguments and says so (issue #4).
#[derive(Parser)]
#[command(name = "drone-agent", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    eprintln!("drone-agent is not implemented yet (issue #4); see the README's status table");
    std::process::exit(2);
}
