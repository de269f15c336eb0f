//! Helpers shared by the cross-crate integration tests in `tests/tests/`.

/// The example port every crate's tests and the demo use.
pub const EXAMPLE_PORT: &str = include_str!("../../data/scenarios/example-port.geojson");
