//! Wind: a mean wind from a meteorological direction, Gauss-Markov turbulence and occasional gusts.

use nalgebra::Vector3;

use crate::rng::SimRng;

/// Correlation times of the turbulence, seconds: Dryden length scales of ~50 m (horizontal) and
/// ~15 m (vertical) near the ground, met at a few m/s.
const TAU_HORIZONTAL_S: f64 = 4.0;
const TAU_VERTICAL_S: f64 = 1.5;
/// Vertical turbulence is weaker than horizontal close to the ground.
const VERTICAL_RATIO: f64 = 0.5;

#[derive(Debug, Clone, PartialEq)]
pub struct WindConfig {
    /// Mean horizontal speed, m/s.
    pub speed_m_s: f64,
    /// Direction the wind blows FROM, degrees clockwise from north (as METARs and SIM_WIND_DIR).
    pub direction_deg: f64,
    /// Standard deviation of the horizontal turbulence, m/s.
    pub turbulence_m_s: f64,
    /// Mean time between gusts, seconds; 0 for none.
    pub gust_period_s: f64,
}

impl Default for WindConfig {
    /// Calm, like ArduPilot SITL's defaults: tests and scenarios ask for wind explicitly.
    fn default() -> Self {
        Self {
            speed_m_s: 0.0,
            direction_deg: 0.0,
            turbulence_m_s: 0.0,
            gust_period_s: 0.0,
        }
    }
}

/// A gust in progress: a 1-cosine bump along the mean wind.
#[derive(Debug, Clone, Copy)]
struct Gust {
    elapsed_s: f64,
    duration_s: f64,
    peak_m_s: f64,
}

/// Time-varying wind at the vehicle, NED m/s (where the air moves to).
#[derive(Debug, Clone)]
pub struct Wind {
    cfg: WindConfig,
    rng: SimRng,
    /// Turbulence state in units of its standard deviation, so a new config scales it smoothly.
    turb: Vector3<f64>,
    gust: Option<Gust>,
    /// `(dt, horizontal φ, vertical φ)` cached: the same `dt` comes every step.
    phi: (f64, f64, f64),
}

impl Wind {
    pub fn new(cfg: WindConfig, mut rng: SimRng) -> Self {
        // Start the turbulence from its stationary distribution rather than from zero.
        let turb = Vector3::new(rng.normal(), rng.normal(), rng.normal());
        Self {
            cfg,
            rng,
            turb,
            gust: None,
            phi: (0.0, 0.0, 0.0),
        }
    }

    pub fn config(&self) -> &WindConfig {
        &self.cfg
    }

    /// Changes the wind at run time (failure injection, SIM_WIND_* parameters); turbulence carries on.
    pub fn set_config(&mut self, cfg: WindConfig) {
        if cfg.gust_period_s.is_nan() || cfg.gust_period_s <= 0.0 {
            self.gust = None;
        }
        self.cfg = cfg;
    }

    /// The mean wind, NED m/s.
    pub fn mean_ned(&self) -> Vector3<f64> {
        let (s, c) = self.cfg.direction_deg.to_radians().sin_cos();
        // Blowing FROM the direction means moving towards its opposite.
        Vector3::new(-c, -s, 0.0) * self.cfg.speed_m_s
    }

    /// Advances by `dt` seconds and returns the wind now, NED m/s.
    pub fn sample(&mut self, dt: f64) -> Vector3<f64> {
        let dt = if dt.is_finite() { dt.max(0.0) } else { 0.0 };
        if self.phi.0 != dt {
            self.phi = (dt, (-dt / TAU_HORIZONTAL_S).exp(), (-dt / TAU_VERTICAL_S).exp());
        }
        let (_, ph, pv) = self.phi;
        // Exact discretisation of a first-order Gauss-Markov process with unit variance.
        let (kh, kv) = ((1.0 - ph * ph).sqrt(), (1.0 - pv * pv).sqrt());
        self.turb.x = ph * self.turb.x + kh * self.rng.normal();
        self.turb.y = ph * self.turb.y + kh * self.rng.normal();
        self.turb.z = pv * self.turb.z + kv * self.rng.normal();

        let mean = self.mean_ned();
        let gust = self.gust_m_s(dt);
        let along = mean.try_normalize(1e-9).unwrap_or_else(|| {
            // In calm air a gust still comes from somewhere: the configured direction.
            let (s, c) = self.cfg.direction_deg.to_radians().sin_cos();
            Vector3::new(-c, -s, 0.0)
        });
        let sigma = self.cfg.turbulence_m_s.max(0.0);
        let turb = Vector3::new(
            self.turb.x * sigma,
            self.turb.y * sigma,
            self.turb.z * sigma * VERTICAL_RATIO,
        );
        mean + turb + along * gust
    }

    /// Gust speed now, m/s along the mean wind: Poisson arrivals, 1-cosine shape.
    fn gust_m_s(&mut self, dt: f64) -> f64 {
        let period = self.cfg.gust_period_s;
        if period.is_nan() || period <= 0.0 {
            return 0.0;
        }
        if self.gust.is_none() && self.rng.chance(dt / period) {
            // Gusts scale with the turbulence and the mean wind: gusty days are windy days.
            let strength = 2.0 * self.cfg.turbulence_m_s.max(0.0) + 0.25 * self.cfg.speed_m_s.max(0.0);
            self.gust = Some(Gust {
                elapsed_s: 0.0,
                duration_s: self.rng.range(2.0, 6.0),
                peak_m_s: strength * self.rng.range(0.5, 1.0),
            });
        }
        let Some(g) = self.gust.as_mut() else {
            return 0.0;
        };
        g.elapsed_s += dt;
        if g.elapsed_s >= g.duration_s {
            self.gust = None;
            return 0.0;
        }
        let phase = std::f64::consts::TAU * g.elapsed_s / g.duration_s;
        0.5 * g.peak_m_s * (1.0 - phase.cos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(speed: f64, dir: f64, turb: f64, gusts: f64) -> WindConfig {
        WindConfig {
            speed_m_s: speed,
            direction_deg: dir,
            turbulence_m_s: turb,
            gust_period_s: gusts,
        }
    }

    fn stats(w: &mut Wind, secs: f64, dt: f64) -> (Vector3<f64>, Vector3<f64>, f64) {
        let n = (secs / dt) as usize;
        let (mut sum, mut sq, mut peak) = (Vector3::zeros(), Vector3::zeros(), 0.0f64);
        for _ in 0..n {
            let v = w.sample(dt);
            sum += v;
            sq += v.component_mul(&v);
            peak = peak.max(v.xy().norm());
        }
        let mean = sum / n as f64;
        let var = sq / n as f64 - mean.component_mul(&mean);
        (mean, var.map(f64::sqrt), peak)
    }

    #[test]
    fn wind_from_the_west_blows_east_on_average() {
        let mut w = Wind::new(cfg(8.0, 270.0, 1.5, 30.0), SimRng::new(1));
        let (mean, std, peak) = stats(&mut w, 600.0, 0.02);
        assert!(
            (mean.y - 8.0).abs() < 0.5 && mean.x.abs() < 0.4 && mean.z.abs() < 0.2,
            "{mean}"
        );
        assert!((std.x - 1.5).abs() < 0.45 && std.z < std.x, "{std}");
        assert!(peak > 10.0, "no gusts or turbulence: peak {peak}");
        // From the north (0°) is towards the south: −N.
        let w = Wind::new(cfg(5.0, 0.0, 0.0, 0.0), SimRng::new(1));
        assert!((w.mean_ned() - Vector3::new(-5.0, 0.0, 0.0)).norm() < 1e-9);
    }

    #[test]
    fn calm_is_calm_and_config_changes_at_run_time() {
        let mut w = Wind::new(WindConfig::default(), SimRng::new(2));
        for _ in 0..1000 {
            assert_eq!(w.sample(0.01), Vector3::zeros());
        }
        w.set_config(cfg(10.0, 90.0, 0.0, 0.0));
        // From the east: towards the west.
        assert!((w.sample(0.01) - Vector3::new(0.0, -10.0, 0.0)).norm() < 1e-9);
    }

    #[test]
    fn turbulence_is_correlated_and_deterministic() {
        let mut a = Wind::new(cfg(0.0, 0.0, 2.0, 0.0), SimRng::new(5));
        let mut b = Wind::new(cfg(0.0, 0.0, 2.0, 0.0), SimRng::new(5));
        let xs: Vec<f64> = (0..20_000).map(|_| a.sample(0.05).x).collect();
        assert!(xs.iter().all(|&x| x == b.sample(0.05).x));
        // Consecutive samples 50 ms apart barely differ: no white noise hitting the airframe.
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        let lag1 = xs.windows(2).map(|w| (w[0] - mean) * (w[1] - mean)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!(lag1 / var > 0.95, "{}", lag1 / var);
    }
}
