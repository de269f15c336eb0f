//! GNSS receiver: correlated position error, fix type, satellites and DOP, with loss, glitch and jamming.

use mission::geodesy::{Geodetic, WGS84_A, WGS84_E2};
use nalgebra::Vector3;

use crate::rng::SimRng;

/// Correlation time of the position error, seconds: ionosphere, multipath and orbit errors wander
/// over tens of seconds, so consecutive fixes are close together rather than scattered.
const ERROR_TAU_S: f64 = 20.0;
/// Vertical error relative to horizontal: satellites are all above, so VDOP > HDOP.
const VERTICAL_RATIO: f64 = 1.5;
/// Doppler velocity noise, m/s (white: each epoch measures it afresh).
const VEL_NOISE_M_S: f64 = 0.05;
/// How fast jamming sets in and clears, seconds.
const JAM_TAU_S: f64 = 3.0;

#[derive(Debug, Clone, PartialEq)]
pub struct GpsConfig {
    pub hdop: f64,
    /// Standard deviation of the horizontal error per axis, metres.
    pub noise_m: f64,
    pub sats: u8,
    /// Fixes per second; call [`Gps::sample`] at this rate.
    pub rate_hz: f64,
}

impl Default for GpsConfig {
    /// A good open-sky multi-constellation receiver (no RTK), 5 Hz as ArduPilot's default.
    fn default() -> Self {
        Self {
            hdop: 0.8,
            noise_m: 0.5,
            sats: 16,
            rate_hz: 5.0,
        }
    }
}

/// Injected GNSS failures (SIM_GPS_DISABLE, SIM_GPS_GLITCH_*, jamming).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum GpsFailure {
    #[default]
    None,
    /// No fix: the receiver is there but sees nothing.
    Lost,
    /// A sudden position offset (multipath, spoofing), NED metres.
    Glitch { offset_ned_m: Vector3<f64> },
    /// Satellites drop, DOP rises, noise grows and the fix comes and goes.
    Jamming,
}

/// One receiver epoch, in the terms of GPS_RAW_INT.
#[derive(Debug, Clone, PartialEq)]
pub struct GpsReading {
    /// MAVLink GPS_FIX_TYPE: 0 no GPS, 1 no fix, 2 2D, 3 3D.
    pub fix_type: u8,
    pub sats: u8,
    /// Position with altitude above mean sea level.
    pub position: Geodetic,
    pub vel_ned: Vector3<f64>,
    /// Estimated horizontal and vertical accuracy (1σ), metres.
    pub eph_m: f64,
    pub epv_m: f64,
    pub hdop: f64,
}

#[derive(Debug, Clone)]
pub struct Gps {
    cfg: GpsConfig,
    rng: SimRng,
    /// Error state in units of its standard deviation (N, E, D).
    err: Vector3<f64>,
    /// 0 = clear sky, 1 = fully jammed; it ramps rather than switching.
    jam: f64,
    /// What the receiver last output with a 3-D fix: held through outages, as receivers do.
    last_fix: Option<Geodetic>,
}

impl Gps {
    pub fn new(cfg: GpsConfig, mut rng: SimRng) -> Self {
        let err = Vector3::new(rng.normal(), rng.normal(), rng.normal());
        Self {
            cfg,
            rng,
            err,
            jam: 0.0,
            last_fix: None,
        }
    }

    pub fn config(&self) -> &GpsConfig {
        &self.cfg
    }

    /// Seconds between fixes.
    pub fn period_s(&self) -> f64 {
        1.0 / self.cfg.rate_hz.max(1e-3)
    }

    /// One epoch (1 / rate_hz after the last) of the receiver seeing `true_pos` (AMSL) and `true_vel_ned`.
    pub fn sample(&mut self, true_pos: Geodetic, true_vel_ned: Vector3<f64>, failure: &GpsFailure) -> GpsReading {
        let dt = self.period_s();
        let jamming = matches!(failure, GpsFailure::Jamming);
        let a = 1.0 - (-dt / JAM_TAU_S).exp();
        self.jam += a * (f64::from(u8::from(jamming)) - self.jam);

        // First-order Gauss-Markov error, exact discretisation, unit variance.
        let phi = (-dt / ERROR_TAU_S).exp();
        let k = (1.0 - phi * phi).sqrt();
        for i in 0..3 {
            self.err[i] = phi * self.err[i] + k * self.rng.normal();
        }

        let j = self.jam;
        // Jamming: noise ×15, HDOP ×9 and two thirds of the satellites gone at full strength.
        let noise = self.cfg.noise_m.max(0.0) * (1.0 + 14.0 * j);
        let hdop = self.cfg.hdop * (1.0 + 8.0 * j) * (1.0 + 0.2 * j * self.rng.range(-1.0, 1.0));
        let sats_f = f64::from(self.cfg.sats) * (1.0 - 0.7 * j) + j * self.rng.range(-1.5, 1.5);
        let mut sats = sats_f.round().clamp(0.0, 255.0) as u8;
        let mut fix_type = 3;
        if j > 0.5 {
            // The fix comes and goes: about a quarter of epochs without, a third only 2-D.
            let u = self.rng.uniform();
            fix_type = if u < 0.25 {
                1
            } else if u < 0.6 {
                2
            } else {
                3
            };
        }
        if sats < 4 {
            fix_type = fix_type.min(if sats == 3 { 2 } else { 1 });
        }
        if matches!(failure, GpsFailure::Lost) {
            fix_type = 1;
            sats = (self.rng.uniform() * 3.0) as u8;
        }

        let mut offset = Vector3::new(
            self.err.x * noise,
            self.err.y * noise,
            self.err.z * noise * VERTICAL_RATIO,
        );
        if let GpsFailure::Glitch { offset_ned_m } = failure {
            offset += offset_ned_m;
        }
        let measured = offset_geodetic(true_pos, &offset);
        let vel_noise = VEL_NOISE_M_S * (1.0 + 14.0 * j);
        let vel = true_vel_ned + Vector3::new(self.rng.normal(), self.rng.normal(), self.rng.normal()) * vel_noise;

        match fix_type {
            3 => {
                self.last_fix = Some(measured);
                GpsReading {
                    fix_type,
                    sats,
                    position: measured,
                    vel_ned: vel,
                    eph_m: noise * std::f64::consts::SQRT_2,
                    epv_m: noise * VERTICAL_RATIO,
                    hdop,
                }
            }
            2 => {
                // A 2-D fix has no altitude of its own: the receiver keeps the last one.
                let alt = self.last_fix.map_or(measured.alt, |g| g.alt);
                GpsReading {
                    fix_type,
                    sats,
                    position: Geodetic::new(measured.lat, measured.lon, alt),
                    vel_ned: Vector3::new(vel.x, vel.y, 0.0),
                    eph_m: 2.0 * noise * std::f64::consts::SQRT_2,
                    epv_m: 999.0,
                    hdop,
                }
            }
            _ => GpsReading {
                fix_type,
                sats,
                position: self.last_fix.unwrap_or(Geodetic::new(0.0, 0.0, 0.0)),
                vel_ned: Vector3::zeros(),
                eph_m: 9999.0,
                epv_m: 9999.0,
                hdop: 99.99,
            },
        }
    }
}

/// `p` moved by a small NED offset, through the ellipsoid's local radii of curvature (exact to
/// millimetres for offsets of metres to kilometres, and far cheaper than an ECEF round trip).
fn offset_geodetic(p: Geodetic, ned: &Vector3<f64>) -> Geodetic {
    let lat = p.lat.to_radians();
    let s = lat.sin();
    let w = (1.0 - WGS84_E2 * s * s).sqrt();
    let meridian = WGS84_A * (1.0 - WGS84_E2) / (w * w * w) + p.alt;
    let normal = WGS84_A / w + p.alt;
    Geodetic::new(
        p.lat + (ned.x / meridian).to_degrees(),
        p.lon + (ned.y / (normal * lat.cos().max(1e-9))).to_degrees(),
        p.alt - ned.z,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use mission::geodesy::LocalFrame;

    const HOME: Geodetic = Geodetic::new(51.95, 4.05, 10.0);

    fn errors(gps: &mut Gps, n: usize, failure: &GpsFailure) -> Vec<(Vector3<f64>, GpsReading)> {
        let frame = LocalFrame::new(HOME);
        (0..n)
            .map(|_| {
                let r = gps.sample(HOME, Vector3::zeros(), failure);
                let enu = frame.to_enu(r.position);
                (Vector3::new(enu.y, enu.x, -enu.z), r)
            })
            .collect()
    }

    #[test]
    fn noise_has_the_configured_size_and_is_correlated() {
        let mut gps = Gps::new(GpsConfig::default(), SimRng::new(11));
        let samples = errors(&mut gps, 40_000, &GpsFailure::None);
        assert!(
            samples
                .iter()
                .all(|(_, r)| r.fix_type == 3 && r.sats == 16 && r.hdop == 0.8)
        );
        let north: Vec<f64> = samples.iter().map(|(e, _)| e.x).collect();
        let n = north.len() as f64;
        let mean = north.iter().sum::<f64>() / n;
        let var = north.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        assert!((var.sqrt() - 0.5).abs() < 0.1, "std {}", var.sqrt());
        let lag1 = north.windows(2).map(|w| (w[0] - mean) * (w[1] - mean)).sum::<f64>() / (n - 1.0);
        assert!(lag1 / var > 0.95, "lag-1 correlation {}", lag1 / var);
        let up_std = (samples.iter().map(|(e, _)| e.z * e.z).sum::<f64>() / n).sqrt();
        assert!(up_std > 0.5, "{up_std}");
    }

    #[test]
    fn lost_means_no_fix_and_the_last_position_is_held() {
        let mut gps = Gps::new(GpsConfig::default(), SimRng::new(1));
        let good = gps.sample(HOME, Vector3::zeros(), &GpsFailure::None);
        for r in errors(&mut gps, 50, &GpsFailure::Lost) {
            assert!(r.1.fix_type <= 1 && r.1.sats < 3 && r.1.hdop > 50.0);
            assert_eq!(r.1.position, good.position);
        }
        assert_eq!(gps.sample(HOME, Vector3::zeros(), &GpsFailure::None).fix_type, 3);
    }

    #[test]
    fn glitch_offsets_the_position() {
        let offset = Vector3::new(30.0, -20.0, 0.0);
        let (mut a, mut b) = (
            Gps::new(GpsConfig::default(), SimRng::new(4)),
            Gps::new(GpsConfig::default(), SimRng::new(4)),
        );
        let clean = errors(&mut a, 10, &GpsFailure::None);
        let glitched = errors(&mut b, 10, &GpsFailure::Glitch { offset_ned_m: offset });
        for ((c, _), (g, _)) in clean.iter().zip(&glitched) {
            assert!((g - c - offset).norm() < 0.01, "{}", g - c);
        }
    }

    #[test]
    fn jamming_drops_satellites_raises_dop_and_breaks_the_fix() {
        let mut gps = Gps::new(GpsConfig::default(), SimRng::new(8));
        let jammed = errors(&mut gps, 300, &GpsFailure::Jamming);
        let late = &jammed[100..];
        let mean_sats = late.iter().map(|(_, r)| f64::from(r.sats)).sum::<f64>() / late.len() as f64;
        assert!(mean_sats < 8.0, "{mean_sats}");
        assert!(late.iter().all(|(_, r)| r.hdop > 3.0 * 0.8));
        let fixes = |t: u8| late.iter().filter(|(_, r)| r.fix_type == t).count();
        assert!(
            fixes(1) > 20 && fixes(2) > 20 && fixes(3) > 20,
            "{} {} {}",
            fixes(1),
            fixes(2),
            fixes(3)
        );
        let spread = late
            .iter()
            .filter(|(_, r)| r.fix_type == 3)
            .map(|(e, _)| e.xy().norm())
            .fold(0.0, f64::max);
        assert!(spread > 2.0, "{spread}");
        // The jamming ramps in and out rather than switching.
        assert_eq!(jammed[0].1.fix_type, 3);
        let cleared = errors(&mut gps, 200, &GpsFailure::None);
        assert!(cleared[150..].iter().all(|(_, r)| r.fix_type == 3 && r.sats >= 15));
    }

    #[test]
    fn velocity_is_measured_and_seeded_runs_repeat() {
        let v = Vector3::new(10.0, -5.0, 1.0);
        let mut a = Gps::new(GpsConfig::default(), SimRng::new(2));
        let mut b = Gps::new(GpsConfig::default(), SimRng::new(2));
        for _ in 0..100 {
            let (ra, rb) = (
                a.sample(HOME, v, &GpsFailure::None),
                b.sample(HOME, v, &GpsFailure::None),
            );
            assert!((ra.vel_ned - v).norm() < 0.5);
            assert_eq!(ra, rb);
        }
    }
}
