//! Flight battery: LiPo state-of-charge curve, current from the power drawn, I·R sag, failure injection.

/// Open-circuit voltage of one LiPo cell against state of charge (0 → 1), at rest, 25 °C.
/// The usual shape: a steep first and last 10 %, a long flat middle around 3.8 V.
const OCV_CURVE: [(f64, f64); 21] = [
    (0.00, 3.27),
    (0.05, 3.61),
    (0.10, 3.69),
    (0.15, 3.71),
    (0.20, 3.73),
    (0.25, 3.75),
    (0.30, 3.77),
    (0.35, 3.79),
    (0.40, 3.80),
    (0.45, 3.82),
    (0.50, 3.84),
    (0.55, 3.85),
    (0.60, 3.87),
    (0.65, 3.91),
    (0.70, 3.95),
    (0.75, 3.98),
    (0.80, 4.02),
    (0.85, 4.08),
    (0.90, 4.11),
    (0.95, 4.15),
    (1.00, 4.20),
];

/// Where a pack drawn past empty ends up per cell: the knee falls off quickly.
const CELL_DEAD_V: f64 = 3.0;

#[derive(Debug, Clone, PartialEq)]
pub struct BatteryConfig {
    pub cells: u32,
    pub capacity_mah: f64,
    /// Whole-pack internal resistance (cells, wiring, connectors), ohms.
    pub internal_resistance_ohm: f64,
}

impl Default for BatteryConfig {
    /// Two 6S 130 Wh packs in parallel: 6 × 3.7 V × 11.85 Ah ≈ 263 Wh, ~40 min at a 390 W hover.
    fn default() -> Self {
        Self {
            cells: 6,
            capacity_mah: 11_850.0,
            // ~3 mΩ per cell in two parallel strings plus ~15 mΩ of wiring: ~0.5 V sag at hover.
            internal_resistance_ohm: 0.025,
        }
    }
}

/// A battery discharged by the power the vehicle draws.
#[derive(Debug, Clone)]
pub struct Battery {
    cfg: BatteryConfig,
    consumed_mah: f64,
    current_a: f64,
    consumed_wh: f64,
    sag_multiplier: f64,
    capacity_fraction: f64,
}

impl Battery {
    pub fn new(cfg: BatteryConfig) -> Self {
        Self {
            cfg,
            consumed_mah: 0.0,
            current_a: 0.0,
            consumed_wh: 0.0,
            sag_multiplier: 1.0,
            capacity_fraction: 1.0,
        }
    }

    pub fn config(&self) -> &BatteryConfig {
        &self.cfg
    }

    /// Draws `power_w` at the terminals for `dt` seconds.
    pub fn step(&mut self, dt: f64, power_w: f64) {
        if !(dt.is_finite() && dt > 0.0) {
            return;
        }
        let power = if power_w.is_finite() { power_w.max(0.0) } else { 0.0 };
        let voc = self.open_circuit_voltage();
        let r = self.resistance();
        // P = I·(Voc − I·R): take the smaller root; past the maximum-power point the pack gives
        // what it can (Voc/2R), as a collapsing pack does.
        let disc = voc * voc - 4.0 * r * power;
        self.current_a = if r <= 0.0 {
            power / voc.max(1e-3)
        } else if disc <= 0.0 {
            voc / (2.0 * r)
        } else {
            (voc - disc.sqrt()) / (2.0 * r)
        };
        self.consumed_mah += self.current_a * dt / 3.6;
        self.consumed_wh += self.current_a * self.voltage() * dt / 3600.0;
    }

    /// Terminal voltage under the present load, volts.
    pub fn voltage(&self) -> f64 {
        (self.open_circuit_voltage() - self.current_a * self.resistance()).max(0.0)
    }

    /// Resting voltage at the present state of charge, volts.
    pub fn open_circuit_voltage(&self) -> f64 {
        let cells = f64::from(self.cfg.cells.max(1));
        let soc = 1.0 - self.consumed_mah / self.capacity_mah().max(1e-9);
        let per_cell = if soc >= 0.0 {
            cell_ocv(soc)
        } else {
            // Over-discharged: down towards a dead cell within another 5 % of capacity.
            let (_, empty) = OCV_CURVE[0];
            (empty + (empty - CELL_DEAD_V) * soc / 0.05).max(CELL_DEAD_V)
        };
        cells * per_cell
    }

    pub fn current_a(&self) -> f64 {
        self.current_a
    }

    pub fn consumed_mah(&self) -> f64 {
        self.consumed_mah
    }

    /// Energy delivered at the terminals so far, watt-hours.
    pub fn consumed_wh(&self) -> f64 {
        self.consumed_wh
    }

    /// Remaining charge of the (possibly failing) pack, 0–100 %.
    pub fn remaining_pct(&self) -> f64 {
        (100.0 * (1.0 - self.consumed_mah / self.capacity_mah().max(1e-9))).clamp(0.0, 100.0)
    }

    /// Starts from a partly used pack (scenario files: "battery at 60 %").
    pub fn set_remaining_pct(&mut self, pct: f64) {
        let pct = if pct.is_finite() { pct.clamp(0.0, 100.0) } else { 100.0 };
        self.consumed_mah = self.capacity_mah() * (1.0 - pct / 100.0);
    }

    /// Failure injection: internal resistance × `m` (an aged or cold pack sags under load).
    pub fn set_sag_multiplier(&mut self, m: f64) {
        self.sag_multiplier = if m.is_finite() { m.max(0.0) } else { 1.0 };
    }

    /// Failure injection: the pack holds only this fraction of its rated capacity (a failing
    /// cell); the charge already drawn counts against the smaller capacity.
    pub fn set_capacity_fraction(&mut self, f: f64) {
        self.capacity_fraction = if f.is_finite() { f.clamp(0.0, 1.0) } else { 1.0 };
    }

    fn capacity_mah(&self) -> f64 {
        self.cfg.capacity_mah * self.capacity_fraction
    }

    fn resistance(&self) -> f64 {
        self.cfg.internal_resistance_ohm.max(0.0) * self.sag_multiplier
    }
}

/// Per-cell open-circuit voltage by linear interpolation in the table.
fn cell_ocv(soc: f64) -> f64 {
    let soc = soc.clamp(0.0, 1.0);
    // The table is evenly spaced by 5 %: index directly, no search.
    let step = OCV_CURVE[1].0 - OCV_CURVE[0].0;
    let i = ((soc / step) as usize).min(OCV_CURVE.len() - 2);
    let (s0, v0) = OCV_CURVE[i];
    let (s1, v1) = OCV_CURVE[i + 1];
    v0 + (v1 - v0) * (soc - s0) / (s1 - s0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hover power of the default airframe: 390 W for the motors and 15 W for the avionics.
    const HOVER_W: f64 = 405.0;

    #[test]
    fn hover_drains_linearly_to_empty_in_about_40_minutes() {
        let mut b = Battery::new(BatteryConfig::default());
        assert!((b.voltage() - 25.2).abs() < 1e-9 && b.remaining_pct() == 100.0);
        let dt = 0.1;
        let mut t = 0.0;
        let mut at_10_min = 0.0;
        let mut last_v = b.voltage();
        while b.remaining_pct() > 0.0 {
            b.step(dt, HOVER_W);
            t += dt;
            if (t - 600.0).abs() < dt / 2.0 {
                at_10_min = b.remaining_pct();
            }
            // Voltage only falls as the pack discharges at a steady load.
            assert!(b.voltage() <= last_v + 1e-9);
            last_v = b.voltage();
        }
        let minutes = t / 60.0;
        assert!((35.0..=45.0).contains(&minutes), "{minutes} min");
        // Linear in time: a quarter of the flight uses a quarter of the charge (within 3 %, as
        // current rises a little while the voltage falls).
        let expected = 100.0 * (1.0 - 10.0 / minutes);
        assert!((at_10_min - expected).abs() < 3.0, "{at_10_min} vs {expected}");
        assert!((b.consumed_wh() - 255.0).abs() < 15.0, "{} Wh", b.consumed_wh());
        let per_cell = b.voltage() / 6.0;
        assert!((3.0..3.4).contains(&per_cell), "{per_cell} V per cell at empty");
    }

    #[test]
    fn voltage_follows_charge_and_sags_under_load() {
        let mut b = Battery::new(BatteryConfig::default());
        b.set_remaining_pct(50.0);
        assert!((b.remaining_pct() - 50.0).abs() < 1e-9);
        let rest = b.voltage();
        assert!((rest - 6.0 * 3.84).abs() < 1e-9);
        b.step(0.01, HOVER_W);
        let sag = rest - b.voltage();
        assert!(sag > 0.3 && sag < 0.8, "hover sag {sag}");
        assert!((b.current_a() * b.voltage() - HOVER_W).abs() < 0.01);
        b.set_sag_multiplier(5.0);
        b.step(0.01, HOVER_W);
        let bad_sag = b.open_circuit_voltage() - b.voltage();
        assert!(bad_sag > 4.0 * sag, "{bad_sag} vs {sag}");
        // Resting again, the voltage recovers: sag is load, not charge.
        b.step(0.01, 0.0);
        assert!((b.voltage() - b.open_circuit_voltage()).abs() < 1e-12);
        let mut low = Battery::new(BatteryConfig::default());
        low.set_remaining_pct(10.0);
        assert!(low.voltage() < rest - 0.8);
    }

    #[test]
    fn a_failing_pack_empties_early_and_runs_are_deterministic() {
        let run = |fraction: f64| {
            let mut b = Battery::new(BatteryConfig::default());
            b.set_capacity_fraction(fraction);
            let mut steps = 0;
            while b.remaining_pct() > 0.0 && steps < 1_000_000 {
                b.step(1.0, HOVER_W);
                steps += 1;
            }
            (steps, b.voltage(), b.consumed_mah())
        };
        let (full, half) = (run(1.0), run(0.5));
        assert!((half.0 as f64 / full.0 as f64 - 0.5).abs() < 0.02, "{full:?} {half:?}");
        assert_eq!(run(0.5), half);
        // Past empty the voltage keeps dropping, to a dead pack but never below zero.
        let mut b = Battery::new(BatteryConfig::default());
        b.set_remaining_pct(0.0);
        for _ in 0..600 {
            b.step(1.0, HOVER_W);
        }
        assert!(b.open_circuit_voltage() >= 6.0 * CELL_DEAD_V - 1e-9 && b.voltage() > 0.0);
        assert_eq!(b.remaining_pct(), 0.0);
    }
}
