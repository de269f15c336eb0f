//! ArduPilot Copter flight modes and their custom-mode numbers, as ground stations know them.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CopterMode {
    Stabilize,
    AltHold,
    Auto,
    Guided,
    Loiter,
    Rtl,
    Land,
    Brake,
}

impl CopterMode {
    /// HEARTBEAT.custom_mode for this mode (ArduCopter's `Mode::Number`).
    pub fn custom_mode(self) -> u32 {
        match self {
            CopterMode::Stabilize => 0,
            CopterMode::AltHold => 2,
            CopterMode::Auto => 3,
            CopterMode::Guided => 4,
            CopterMode::Loiter => 5,
            CopterMode::Rtl => 6,
            CopterMode::Land => 9,
            CopterMode::Brake => 17,
        }
    }

    pub fn from_custom_mode(n: u32) -> Option<Self> {
        Some(match n {
            0 => CopterMode::Stabilize,
            2 => CopterMode::AltHold,
            3 => CopterMode::Auto,
            4 => CopterMode::Guided,
            5 => CopterMode::Loiter,
            6 => CopterMode::Rtl,
            9 => CopterMode::Land,
            17 => CopterMode::Brake,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            CopterMode::Stabilize => "STABILIZE",
            CopterMode::AltHold => "ALT_HOLD",
            CopterMode::Auto => "AUTO",
            CopterMode::Guided => "GUIDED",
            CopterMode::Loiter => "LOITER",
            CopterMode::Rtl => "RTL",
            CopterMode::Land => "LAND",
            CopterMode::Brake => "BRAKE",
        }
    }

    /// Modes the vehicle may be armed in. AUTO is armable as with ArduPilot's AUTO_OPTIONS
    /// "allow arming" and "take off without raising throttle": the mission then starts.
    pub fn armable(self) -> bool {
        !matches!(self, CopterMode::Rtl | CopterMode::Land | CopterMode::Brake)
    }

    /// Modes that need a position estimate (GPS) to be entered.
    pub fn needs_position(self) -> bool {
        !matches!(self, CopterMode::Stabilize | CopterMode::AltHold | CopterMode::Land)
    }
}

impl fmt::Display for CopterMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_mode_numbers_round_trip() {
        for m in [
            CopterMode::Stabilize,
            CopterMode::AltHold,
            CopterMode::Auto,
            CopterMode::Guided,
            CopterMode::Loiter,
            CopterMode::Rtl,
            CopterMode::Land,
            CopterMode::Brake,
        ] {
            assert_eq!(CopterMode::from_custom_mode(m.custom_mode()), Some(m));
        }
        assert_eq!(CopterMode::from_custom_mode(1), None, "ACRO is not simulated");
        assert_eq!(CopterMode::Auto.custom_mode(), 3);
        assert_eq!(CopterMode::Rtl.custom_mode(), 6);
    }
}
