//! Telemetry downsampling: the first sample of each period (1 s by default) per vehicle is kept.
//!
//! Periods are aligned to the epoch (a sample at 12.3 s falls in the period [12 s, 13 s)), so a
//! stream at any rate, with jitter, keeps exactly one row per vehicle and second, and a restart
//! of the station keeps the same rows the first run would have.

use std::collections::HashMap;

use super::records::Millis;

#[derive(Debug, Clone)]
pub struct Downsampler {
    period_ms: i64,
    /// Per vehicle, the last period a sample was kept in.
    last: HashMap<String, i64>,
}

impl Downsampler {
    /// `period_ms` below 1 keeps every sample.
    pub fn new(period_ms: i64) -> Self {
        Self {
            period_ms: period_ms.max(1),
            last: HashMap::new(),
        }
    }

    pub fn period_ms(&self) -> i64 {
        self.period_ms
    }

    /// Whether a sample of `vehicle` at `time` starts a new period (and so is kept). Samples
    /// older than the last kept one are refused: they are late or replayed.
    pub fn admit(&mut self, vehicle: &str, time: Millis) -> bool {
        let period = time.div_euclid(self.period_ms);
        match self.last.get_mut(vehicle) {
            Some(last) if period <= *last => false,
            Some(last) => {
                *last = period;
                true
            }
            None => {
                self.last.insert(vehicle.to_string(), period);
                true
            }
        }
    }
}

impl Default for Downsampler {
    fn default() -> Self {
        Self::new(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_hertz_with_jitter_keeps_one_sample_a_second_per_vehicle() {
        let mut d = Downsampler::default();
        let mut kept = Vec::new();
        for i in 0..100i64 {
            // 10 Hz with ±30 ms of jitter, two vehicles interleaved.
            let t = 5_000 + i * 100 + [0, 30, -30, 10][i as usize % 4];
            for v in ["1", "2"] {
                if d.admit(v, t) {
                    kept.push((v, t));
                }
            }
        }
        let one: Vec<i64> = kept.iter().filter(|(v, _)| *v == "1").map(|(_, t)| t / 1000).collect();
        assert_eq!(one, (5..=14).collect::<Vec<_>>(), "{kept:?}");
        assert_eq!(kept.len(), 2 * one.len());
        assert!(!d.admit("1", 6_500), "an old sample is refused");
    }
}
