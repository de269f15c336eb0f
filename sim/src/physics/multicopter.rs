//! Multicopter rigid body: thrust, gravity, drag in the wind, ground contact and a first-order attitude response.

use nalgebra::{Quaternion, UnitQuaternion, Vector3};

use super::control::{Controller, flush_tiny, yaw_of};
use super::{Airframe, BodyState, Environment, Setpoint};

pub use super::control::GRAVITY;

/// Time constant of the (unsimulated) inner attitude loop, seconds.
const ATTITUDE_TAU_S: f64 = 0.15;
/// Longest integration step; larger `dt`s are split so that the controller stays stable.
const MAX_SUBSTEP_S: f64 = 0.01;
/// Net upward acceleration needed to leave the ground, m/s²: hysteresis against hopping.
const LIFTOFF_ACCEL: f64 = 0.1;

impl Default for Airframe {
    /// A ~3.7 kg enterprise quad: 2.2:1 thrust to weight, 15 m/s, ~40 min hover on 263 Wh.
    fn default() -> Self {
        Self {
            mass_kg: 3.7,
            max_thrust_n: 2.2 * 3.7 * GRAVITY,
            // 15 m/s level flight at 25° tilt: m·g·tan(25°) = k·15².
            drag_coeff: 3.7 * GRAVITY * 25f64.to_radians().tan() / (15.0 * 15.0),
            max_tilt_deg: 30.0,
            max_horizontal_speed_m_s: 15.0,
            max_climb_m_s: 5.0,
            max_descent_m_s: 3.0,
            max_yaw_rate_deg_s: 90.0,
            hover_power_w: 390.0,
            idle_power_w: 15.0,
        }
    }
}

impl BodyState {
    /// A vehicle resting level (on the ground at `pos_ned.z >= 0`), motionless, heading `yaw_rad`.
    pub fn resting(pos_ned: Vector3<f64>, yaw_rad: f64) -> Self {
        Self {
            pos_ned,
            vel_ned: Vector3::zeros(),
            acc_ned: Vector3::zeros(),
            attitude: UnitQuaternion::from_euler_angles(0.0, 0.0, yaw_rad),
            rates: Vector3::zeros(),
            on_ground: pos_ned.z >= 0.0,
            thrust_n: 0.0,
        }
    }

    /// Heading (Euler yaw, ZYX), radians in (-π, π].
    pub fn yaw_rad(&self) -> f64 {
        yaw_of(&self.attitude)
    }
}

/// One simulated multicopter: the body and the flight controller that flies it.
#[derive(Debug, Clone)]
pub struct Multicopter {
    airframe: Airframe,
    state: BodyState,
    controller: Controller,
    touchdown_speed: Option<f64>,
    just_touched_down: bool,
    /// `(h, 1 - exp(-h/τ))` for the last sub-step `h`, cached: `exp` is the costliest call here.
    att_alpha: (f64, f64),
}

impl Multicopter {
    /// A vehicle resting on the ground at the origin, heading north.
    pub fn new(airframe: Airframe) -> Self {
        let state = BodyState::resting(Vector3::zeros(), 0.0);
        Self {
            airframe,
            controller: Controller::new(&state),
            state,
            touchdown_speed: None,
            just_touched_down: false,
            att_alpha: (0.0, 0.0),
        }
    }

    pub fn airframe(&self) -> &Airframe {
        &self.airframe
    }

    pub fn state(&self) -> &BodyState {
        &self.state
    }

    /// Places the vehicle; the controller restarts from this state (no stored wind-up or targets).
    pub fn set_state(&mut self, s: BodyState) {
        self.controller = Controller::new(&s);
        self.just_touched_down = false;
        self.state = s;
    }

    /// Vertical speed (m/s, positive down) at the most recent touchdown, gentle or a crash.
    pub fn touchdown_speed_m_s(&self) -> Option<f64> {
        self.touchdown_speed
    }

    /// True when the last `step` brought the vehicle into contact with the ground.
    pub fn just_touched_down(&self) -> bool {
        self.just_touched_down
    }

    /// Electrical power drawn now: motors (momentum theory, P ∝ T^1.5) plus avionics.
    pub fn electrical_power_w(&self) -> f64 {
        let hover_thrust = self.airframe.mass_kg * GRAVITY;
        let ratio = (self.state.thrust_n / hover_thrust).max(0.0);
        self.airframe.hover_power_w * ratio * ratio.sqrt() + self.airframe.idle_power_w
    }

    /// Advances the vehicle by `dt` seconds under `setpoint` in `env`.
    pub fn step(&mut self, dt: f64, setpoint: &Setpoint, env: &Environment) {
        if !(dt.is_finite() && dt > 0.0) {
            return;
        }
        self.controller.begin_step(setpoint);
        let q_start = self.state.attitude;
        self.just_touched_down = false;
        let n = (dt / MAX_SUBSTEP_S).ceil().max(1.0);
        let h = dt / n;
        for _ in 0..n as usize {
            self.substep(h, setpoint, env);
        }
        // Body rates from the attitude change: q_start⁻¹·q_end is the rotation in body axes.
        self.state.rates = (q_start.inverse() * self.state.attitude).scaled_axis() / dt;
    }

    fn substep(&mut self, h: f64, setpoint: &Setpoint, env: &Environment) {
        let cmd = self.controller.update(h, setpoint, &self.state, &self.airframe);
        if self.att_alpha.0 != h {
            self.att_alpha = (h, 1.0 - (-h / ATTITUDE_TAU_S).exp());
        }
        let af = &self.airframe;
        let s = &mut self.state;
        s.attitude = nlerp(&s.attitude, &cmd.attitude, self.att_alpha.1);
        s.thrust_n = cmd.thrust_n;

        let thrust_ned = s.attitude * Vector3::new(0.0, 0.0, -s.thrust_n);
        let v_air = s.vel_ned - env.wind_ned;
        let drag = -af.drag_coeff * v_air.norm() * v_air;
        let mut acc = (thrust_ned + drag) / af.mass_kg + Vector3::new(0.0, 0.0, GRAVITY);
        if s.on_ground {
            if acc.z < -LIFTOFF_ACCEL {
                s.on_ground = false;
            } else {
                // The ground's reaction and friction hold it still: no sliding in the wind.
                acc = Vector3::zeros();
                s.vel_ned = Vector3::zeros();
            }
        }
        // Semi-implicit Euler: cheap, and stable for this stiff-ish drag at these step sizes.
        s.vel_ned += acc * h;
        s.pos_ned += s.vel_ned * h;
        s.acc_ned = acc;
        if s.pos_ned.z >= 0.0 && !s.on_ground && s.vel_ned.z >= 0.0 {
            self.touchdown_speed = Some(s.vel_ned.z);
            self.just_touched_down = true;
            s.on_ground = true;
            self.controller.touched_down(setpoint);
        }
        if s.on_ground {
            s.pos_ned.z = 0.0;
            s.vel_ned = Vector3::zeros();
            s.acc_ned = Vector3::zeros();
        }
        s.pos_ned = s.pos_ned.map(flush_tiny);
        s.vel_ned = s.vel_ned.map(flush_tiny);
        let q = s.attitude.quaternion();
        s.attitude = UnitQuaternion::new_unchecked(Quaternion::new(
            flush_tiny(q.w),
            flush_tiny(q.i),
            flush_tiny(q.j),
            flush_tiny(q.k),
        ));
    }
}

/// Normalised linear interpolation along the shorter arc: for small steps it is slerp, and cheaper.
fn nlerp(a: &UnitQuaternion<f64>, b: &UnitQuaternion<f64>, t: f64) -> UnitQuaternion<f64> {
    let (qa, qb) = (a.quaternion(), b.quaternion());
    let sign = if qa.dot(qb) < 0.0 { -1.0 } else { 1.0 };
    let q: Quaternion<f64> = qa * (1.0 - t) + qb * (sign * t);
    UnitQuaternion::new_normalize(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::{Wind, WindConfig};
    use crate::rng::SimRng;

    const DT: f64 = 1.0 / 400.0;

    fn still() -> Environment {
        Environment::default()
    }

    fn pos(t: [f64; 3]) -> Setpoint {
        Setpoint::Position {
            target_ned: Vector3::from(t),
            speed_m_s: 10.0,
            yaw_rad: None,
        }
    }

    /// Steps for `secs` seconds, calling `each` after every step.
    fn fly(mc: &mut Multicopter, sp: &Setpoint, env: &Environment, secs: f64, mut each: impl FnMut(&Multicopter)) {
        for _ in 0..(secs / DT).round() as usize {
            mc.step(DT, sp, env);
            each(mc);
        }
    }

    fn airborne_at(alt: f64) -> Multicopter {
        let mut mc = Multicopter::new(Airframe::default());
        fly(&mut mc, &pos([0.0, 0.0, -alt]), &still(), 25.0, |_| {});
        mc
    }

    #[test]
    fn default_airframe_figures() {
        let af = Airframe::default();
        let weight = af.mass_kg * GRAVITY;
        assert!((af.max_thrust_n / weight - 2.2).abs() < 1e-9);
        // 15 m/s of drag takes 25° of tilt.
        let tilt = (af.drag_coeff * 225.0 / weight).atan().to_degrees();
        assert!((tilt - 25.0).abs() < 0.01, "{tilt}");
        let mc = Multicopter::new(af);
        assert!(mc.state().on_ground);
        assert_eq!(mc.electrical_power_w(), 15.0);
    }

    #[test]
    fn takes_off_and_hovers_within_20_cm_for_a_minute() {
        let mut mc = airborne_at(10.0);
        assert!(!mc.state().on_ground);
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        fly(&mut mc, &pos([0.0, 0.0, -10.0]), &still(), 60.0, |m| {
            lo = lo.min(-m.state().pos_ned.z);
            hi = hi.max(-m.state().pos_ned.z);
        });
        assert!(lo > 9.8 && hi < 10.2, "{lo}..{hi}");
        let p = mc.electrical_power_w();
        assert!((p - 405.0).abs() < 2.0, "hover power {p}");
        assert!(mc.state().rates.norm() < 1e-3);
    }

    #[test]
    fn flies_200_m_at_the_set_speed_without_overshoot() {
        let mut mc = Multicopter::new(Airframe::default());
        let mut max_climb = 0.0f64;
        fly(&mut mc, &pos([0.0, 0.0, -30.0]), &still(), 15.0, |m| {
            max_climb = max_climb.max(-m.state().vel_ned.z);
        });
        assert!((mc.state().pos_ned.z + 30.0).abs() < 0.5, "{}", mc.state().pos_ned.z);
        assert!(max_climb <= 5.05, "climb {max_climb}");
        let target = Vector3::new(120.0, 160.0, -30.0);
        let dir = (target - mc.state().pos_ned).normalize();
        let sp = Setpoint::Position {
            target_ned: target,
            speed_m_s: 12.0,
            yaw_rad: Some(dir.y.atan2(dir.x)),
        };
        let (mut vmax, mut past, mut alt_err) = (0.0f64, f64::MIN, 0.0f64);
        fly(&mut mc, &sp, &still(), 40.0, |m| {
            let s = m.state();
            vmax = vmax.max(s.vel_ned.xy().norm());
            past = past.max((s.pos_ned - target).dot(&dir));
            alt_err = alt_err.max((s.pos_ned.z + 30.0).abs());
        });
        let miss = (mc.state().pos_ned - target).norm();
        assert!(miss < 1.0, "missed by {miss}");
        assert!(vmax <= 12.2 && vmax > 11.5, "max speed {vmax}");
        assert!(past < 2.0, "overshoot {past}");
        assert!(alt_err < 1.0, "altitude error {alt_err}");
        assert!((mc.state().yaw_rad() - dir.y.atan2(dir.x)).abs() < 0.01);
    }

    #[test]
    fn holds_position_in_8_m_s_gusty_wind() {
        let mut mc = airborne_at(20.0);
        let mut wind = Wind::new(
            WindConfig {
                speed_m_s: 8.0,
                direction_deg: 270.0,
                turbulence_m_s: 1.0,
                gust_period_s: 30.0,
            },
            SimRng::new(3),
        );
        let sp = pos([0.0, 0.0, -20.0]);
        let mut worst = 0.0f64;
        for i in 0..(180.0 / DT) as usize {
            let env = Environment {
                wind_ned: wind.sample(DT),
            };
            mc.step(DT, &sp, &env);
            if i as f64 * DT > 30.0 {
                worst = worst.max((mc.state().pos_ned - Vector3::new(0.0, 0.0, -20.0)).norm());
            }
        }
        assert!(worst < 1.0, "drifted {worst} m");
        // It leans into the wind: from the west, so the thrust tilts west (negative east).
        let thrust_dir = mc.state().attitude * Vector3::new(0.0, 0.0, -1.0);
        assert!(thrust_dir.y < -0.05, "{thrust_dir}");
    }

    #[test]
    fn land_descends_at_the_rate_and_stops_on_the_ground() {
        let mut mc = airborne_at(20.0);
        let sp = Setpoint::Land {
            hold_ne: None,
            descent_m_s: 1.0,
        };
        let mut rates = Vec::new();
        fly(&mut mc, &sp, &still(), 30.0, |m| {
            let s = m.state();
            if s.pos_ned.z > -15.0 && s.pos_ned.z < -2.0 {
                rates.push(s.vel_ned.z);
            }
        });
        assert!(
            !rates.is_empty() && rates.iter().all(|v| (v - 1.0).abs() < 0.05),
            "{rates:?}"
        );
        let s = mc.state();
        assert!(s.on_ground && s.vel_ned == Vector3::zeros() && s.pos_ned.z == 0.0);
        assert_eq!(s.thrust_n, 0.0);
        assert!(s.pos_ned.xy().norm() < 0.1);
        let td = mc.touchdown_speed_m_s().unwrap_or(f64::NAN);
        assert!((td - 1.0).abs() < 0.1, "touchdown at {td}");
    }

    #[test]
    fn idle_in_the_air_falls_and_stays_on_the_ground() {
        let mut mc = airborne_at(20.0);
        let mut touched = 0;
        fly(&mut mc, &Setpoint::Idle, &still(), 5.0, |m| {
            touched += m.just_touched_down() as usize
        });
        assert_eq!(touched, 1);
        let s = mc.state();
        assert!(s.on_ground && s.vel_ned == Vector3::zeros() && s.pos_ned.z == 0.0 && s.thrust_n == 0.0);
        // A 20 m fall: a crash at well over 15 m/s.
        assert!(mc.touchdown_speed_m_s().unwrap_or(0.0) > 15.0);
        fly(&mut mc, &Setpoint::Idle, &still(), 2.0, |_| {});
        assert!(mc.state().on_ground && mc.state().pos_ned.z == 0.0);
    }

    #[test]
    fn level_climbs_at_the_rate_and_velocity_is_limited() {
        let mut mc = airborne_at(10.0);
        fly(&mut mc, &Setpoint::Level { climb_m_s: 2.0 }, &still(), 5.0, |_| {});
        assert!((mc.state().vel_ned.z + 2.0).abs() < 0.02, "{}", mc.state().vel_ned);
        let tilt = (mc.state().attitude * Vector3::z()).angle(&Vector3::z());
        assert!(tilt < 0.01);
        let sp = Setpoint::Velocity {
            vel_ned: Vector3::new(30.0, 0.0, -9.0),
            yaw_rad: None,
        };
        let mut max_tilt = 0.0f64;
        fly(&mut mc, &sp, &still(), 20.0, |m| {
            max_tilt = max_tilt.max((m.state().attitude * Vector3::z()).angle(&Vector3::z()));
        });
        let v = mc.state().vel_ned;
        assert!((v.x - 15.0).abs() < 0.1 && (v.z + 5.0).abs() < 0.05, "{v}");
        assert!(max_tilt.to_degrees() < 30.5, "tilt {}", max_tilt.to_degrees());
    }

    #[test]
    fn yaw_turns_at_the_rate_limit() {
        let mut mc = airborne_at(10.0);
        let sp = Setpoint::Position {
            target_ned: mc.state().pos_ned,
            speed_m_s: 5.0,
            yaw_rad: Some(3.0),
        };
        let (mut prev, mut max_rate) = (mc.state().yaw_rad(), 0.0f64);
        fly(&mut mc, &sp, &still(), 5.0, |m| {
            max_rate = max_rate.max((m.state().yaw_rad() - prev).abs() / DT);
            prev = m.state().yaw_rad();
        });
        assert!(
            max_rate.to_degrees() < 90.01 && max_rate.to_degrees() > 85.0,
            "{}",
            max_rate.to_degrees()
        );
        assert!((mc.state().yaw_rad() - 3.0).abs() < 1e-3);
    }

    #[test]
    fn same_seed_same_trajectory() {
        let run = |seed| {
            let mut mc = Multicopter::new(Airframe::default());
            let mut wind = Wind::new(
                WindConfig {
                    speed_m_s: 6.0,
                    direction_deg: 45.0,
                    turbulence_m_s: 1.5,
                    gust_period_s: 10.0,
                },
                SimRng::new(seed),
            );
            for _ in 0..8000 {
                let env = Environment {
                    wind_ned: wind.sample(DT),
                };
                mc.step(DT, &pos([50.0, -20.0, -15.0]), &env);
            }
            mc.state().clone()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }
}
