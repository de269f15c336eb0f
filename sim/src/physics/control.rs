//! The flight controller, simplified from ArduPilot's: position P → shaped velocity → PI → attitude and thrust.

use nalgebra::{Matrix3, Rotation3, UnitQuaternion, Vector2, Vector3};

use super::{Airframe, BodyState, Setpoint};

/// Standard gravity, m/s².
pub const GRAVITY: f64 = 9.80665;

/// Position P gains (horizontal, vertical), 1/s, as ArduPilot's PSC_POSXY_P / PSC_POSZ_P.
const KP_POS_XY: f64 = 1.0;
const KP_POS_Z: f64 = 1.0;
/// Velocity PI gains, as ArduPilot's PSC_VELXY_P/I; vertical a little stiffer, as with PSC_VELZ_P.
const KP_VEL_XY: f64 = 2.0;
const KI_VEL_XY: f64 = 1.0;
const KP_VEL_Z: f64 = 4.0;
const KI_VEL_Z: f64 = 2.0;
/// Acceleration limits of the shaped velocity command, m/s²: smooth starts and stops.
const ACCEL_XY: f64 = 5.0;
const ACCEL_Z: f64 = 2.5;
/// Share of the tilt limit the feed-forward may use; the rest is left to the feedback.
const TILT_MARGIN: f64 = 0.85;
/// However fast it flies, it can always change its velocity this quickly, m/s².
const MIN_ACCEL_XY: f64 = 0.5;
/// The stopping-distance (sqrt) controller brakes below the shaping limit, so the command can follow.
const BRAKE_FRACTION: f64 = 0.8;
/// Integrator limits, m/s²: enough for ~14 m/s of wind, small enough to unwind quickly.
const I_MAX_XY: f64 = 5.0;
const I_MAX_Z: f64 = 3.0;
/// Time constant of the attitude response the horizontal reference model expects, seconds (the
/// body's own is 0.15 s; the model need not match it exactly).
const ATTITUDE_LAG_S: f64 = 0.15;
/// LAND's rate when the caller gives none that makes sense, m/s (ArduPilot's LAND_SPEED).
const DEFAULT_LAND_M_S: f64 = 0.5;

/// What the controller asks of the airframe.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub attitude: UnitQuaternion<f64>,
    /// Collective thrust, newtons.
    pub thrust_n: f64,
}

/// Controller memory between steps.
#[derive(Debug, Clone)]
pub struct Controller {
    /// Yaw target after the yaw-rate limit.
    yaw_cmd: f64,
    /// Velocity command after acceleration shaping (NED).
    vel_cmd: Vector3<f64>,
    /// Horizontal reference model: the shaped acceleration as the attitude lag lets the vehicle
    /// realise it. The PI loop corrects deviations from the reference velocity that follows
    /// (`vel_ref`) rather than fighting a lag it cannot remove, which would wind the integrator
    /// up into an overshoot.
    acc_ref: Vector2<f64>,
    /// Velocity-loop integrators, m/s² (NED).
    integ: Vector3<f64>,
    /// The horizontal demand hit the tilt limit on the last update.
    tilt_limited: bool,
    /// Where LAND holds horizontally, latched when it starts.
    land_hold: Option<Vector2<f64>>,
    /// LAND touched down: motors stay stopped until the setpoint changes.
    landed: bool,
}

impl Controller {
    /// A controller taking over a vehicle in state `s` without a jolt.
    pub fn new(s: &BodyState) -> Self {
        Self {
            yaw_cmd: s.yaw_rad(),
            vel_cmd: s.vel_ned,
            acc_ref: Vector2::zeros(),
            integ: Vector3::zeros(),
            tilt_limited: false,
            land_hold: None,
            landed: false,
        }
    }

    /// Called once per step before `update`: leaving LAND forgets its hold point and touchdown.
    pub fn begin_step(&mut self, setpoint: &Setpoint) {
        if !matches!(setpoint, Setpoint::Land { .. }) {
            self.land_hold = None;
            self.landed = false;
        }
    }

    /// The vehicle touched the ground under `setpoint`.
    pub fn touched_down(&mut self, setpoint: &Setpoint) {
        if matches!(setpoint, Setpoint::Land { .. }) {
            self.landed = true;
        }
    }

    /// Attitude and thrust for the next `h` seconds.
    pub fn update(&mut self, h: f64, setpoint: &Setpoint, s: &BodyState, af: &Airframe) -> Command {
        let (climb_max, descent_max) = (af.max_climb_m_s, af.max_descent_m_s);
        let here = Vector2::new(s.pos_ned.x, s.pos_ned.y);
        let mut yaw_target = None;
        // Desired velocity; no horizontal part means the horizontal loop is off (Level).
        let (v_des_h, v_des_z): (Option<Vector2<f64>>, f64) = match setpoint {
            Setpoint::Idle => return self.motors_off(s),
            Setpoint::Position {
                target_ned,
                speed_m_s,
                yaw_rad,
            } => {
                yaw_target = *yaw_rad;
                // A missing or silly speed means "as fast as the airframe goes".
                let speed = if speed_m_s.is_finite() && *speed_m_s > 0.0 {
                    speed_m_s.min(af.max_horizontal_speed_m_s)
                } else {
                    af.max_horizontal_speed_m_s
                };
                let e = target_ned - s.pos_ned;
                let vh = sqrt_controller_vec(Vector2::new(e.x, e.y), KP_POS_XY, BRAKE_FRACTION * ACCEL_XY);
                let vz = sqrt_controller(e.z, KP_POS_Z, BRAKE_FRACTION * ACCEL_Z);
                (Some(limit_norm(vh, speed)), vz.clamp(-climb_max, descent_max))
            }
            Setpoint::Velocity { vel_ned, yaw_rad } => {
                yaw_target = *yaw_rad;
                let vh = limit_norm(Vector2::new(vel_ned.x, vel_ned.y), af.max_horizontal_speed_m_s);
                (Some(vh), vel_ned.z.clamp(-climb_max, descent_max))
            }
            Setpoint::Land { hold_ne, descent_m_s } => {
                if self.landed {
                    return self.motors_off(s);
                }
                let hold = *self
                    .land_hold
                    .get_or_insert_with(|| hold_ne.map_or(here, Vector2::from));
                let vh = sqrt_controller_vec(hold - here, KP_POS_XY, BRAKE_FRACTION * ACCEL_XY);
                // A non-positive rate would hover for ever: LAND always comes down.
                let rate = if descent_m_s.is_finite() {
                    *descent_m_s
                } else {
                    DEFAULT_LAND_M_S
                };
                (
                    Some(limit_norm(vh, af.max_horizontal_speed_m_s)),
                    rate.clamp(0.1, descent_max),
                )
            }
            Setpoint::Level { climb_m_s } => (None, (-climb_m_s).clamp(-climb_max, descent_max)),
        };

        // Yaw: slew towards the target at the yaw-rate limit; without one, keep the present command.
        if let Some(y) = yaw_target {
            let max_step = af.max_yaw_rate_deg_s.to_radians() * h;
            self.yaw_cmd = wrap_pi(self.yaw_cmd + wrap_pi(y - self.yaw_cmd).clamp(-max_step, max_step));
        }

        // Shape the velocity command with acceleration limits; its change is the feed-forward.
        let prev = self.vel_cmd;
        let cur_h = prev.xy();
        let next_z = prev.z + (v_des_z - prev.z).clamp(-ACCEL_Z * h, ACCEL_Z * h);
        let (ff_h, err_h) = match v_des_h {
            Some(vh) => {
                let next_h = cur_h + limit_norm(vh - cur_h, self.accel_limit_xy(vh - cur_h, af) * h);
                let ff_h = (next_h - cur_h) / h;
                self.acc_ref = (self.acc_ref + (ff_h - self.acc_ref) * (h / ATTITUDE_LAG_S).min(1.0)).map(flush_tiny);
                self.vel_cmd = Vector3::new(next_h.x, next_h.y, next_z);
                (ff_h, self.vel_ref() - s.vel_ned.xy())
            }
            None => {
                // Level: no horizontal loop; the command tracks the actual velocity for a bumpless handover.
                self.vel_cmd = Vector3::new(s.vel_ned.x, s.vel_ned.y, next_z);
                self.acc_ref = Vector2::zeros();
                (Vector2::zeros(), Vector2::zeros())
            }
        };
        let ff_z = (next_z - prev.z) / h;
        let err_z = next_z - s.vel_ned.z;

        // The integrators learn the wind and drag the model does not know; on the ground they
        // would wind up against it, and in Level nothing steers horizontally.
        let ih = if s.on_ground || v_des_h.is_none() {
            Vector2::zeros()
        } else if self.tilt_limited {
            // Conditional integration: at the tilt limit more integral only stores up an overshoot.
            self.integ.xy()
        } else {
            limit_norm(self.integ.xy() + KI_VEL_XY * h * err_h, I_MAX_XY)
        };
        let iz = if s.on_ground {
            0.0
        } else {
            (self.integ.z + KI_VEL_Z * h * err_z).clamp(-I_MAX_Z, I_MAX_Z)
        };
        self.integ = Vector3::new(ih.x, ih.y, iz).map(flush_tiny);

        // Drag feed-forward on the reference ground velocity (the controller cannot know the wind).
        let vr = self.vel_ref().push(next_z);
        let drag_ff = af.drag_coeff / af.mass_kg * vr.norm() * vr;
        let mut acc = self.integ
            + drag_ff
            + Vector3::new(
                ff_h.x + KP_VEL_XY * err_h.x,
                ff_h.y + KP_VEL_XY * err_h.y,
                ff_z + KP_VEL_Z * err_z,
            );
        if v_des_h.is_none() {
            acc.x = 0.0;
            acc.y = 0.0;
        }

        // Thrust vector; never less than 10 % of gravity upwards (the props cannot pull down).
        let m = af.mass_kg;
        let fz = (m * (acc.z - GRAVITY)).min(-0.1 * m * GRAVITY);
        let max_h = -fz * af.max_tilt_deg.to_radians().tan();
        let fh_wanted = Vector2::new(m * acc.x, m * acc.y);
        self.tilt_limited = fh_wanted.norm() > max_h;
        let fh = limit_norm(fh_wanted, max_h);
        let f = Vector3::new(fh.x, fh.y, fz);
        let attitude = attitude_from_thrust(&f, self.yaw_cmd).unwrap_or(s.attitude);
        // Collective thrust along the present thrust axis, so attitude lag does not throw it off course.
        let axis = s.attitude * Vector3::new(0.0, 0.0, -1.0);
        Command {
            attitude,
            thrust_n: f.dot(&axis).clamp(0.0, af.max_thrust_n),
        }
    }

    /// The velocity the lagged reference acceleration integrates to: the command less what the lag
    /// still owes it (exactly, for a first-order lag, so no separate state to drift).
    fn vel_ref(&self) -> Vector2<f64> {
        self.vel_cmd.xy() - ATTITUDE_LAG_S * self.acc_ref
    }

    /// The largest shaping acceleration along `dir` that, with the drag feed-forward, stays within
    /// the tilt limit (less a margin for the feedback): a fast vehicle speeds up slowly, as it
    /// must, and brakes hard, as drag helps it to.
    fn accel_limit_xy(&self, dir: Vector2<f64>, af: &Airframe) -> f64 {
        let Some(u) = dir.try_normalize(1e-12) else {
            return ACCEL_XY;
        };
        let available = TILT_MARGIN * GRAVITY * af.max_tilt_deg.to_radians().tan();
        let vr = self.vel_ref();
        let d = af.drag_coeff / af.mass_kg * vr.norm() * vr;
        // Largest λ with |λ·u + d| = available.
        let ud = u.dot(&d);
        let disc = ud * ud - d.norm_squared() + available * available;
        let lambda = if disc > 0.0 { disc.sqrt() - ud } else { 0.0 };
        lambda.clamp(MIN_ACCEL_XY, ACCEL_XY)
    }

    /// Motors stopped: no thrust; on the ground the airframe sits level, in the air it tumbles freely.
    fn motors_off(&mut self, s: &BodyState) -> Command {
        self.vel_cmd = s.vel_ned;
        self.acc_ref = Vector2::zeros();
        self.integ = Vector3::zeros();
        self.yaw_cmd = s.yaw_rad();
        let attitude = if s.on_ground {
            UnitQuaternion::from_euler_angles(0.0, 0.0, self.yaw_cmd)
        } else {
            s.attitude
        };
        Command {
            attitude,
            thrust_n: 0.0,
        }
    }
}

/// Attitude whose body -Z axis points along `f` and whose Euler yaw is `yaw`.
fn attitude_from_thrust(f: &Vector3<f64>, yaw: f64) -> Option<UnitQuaternion<f64>> {
    let z_b = -f.try_normalize(1e-9)?;
    let (s, c) = yaw.sin_cos();
    // Body X perpendicular to the horizontal "right" of the heading lies in the heading's vertical
    // plane, so the ZYX Euler yaw is exactly `yaw` (pitch, then roll, take up the tilt).
    let x_b = Vector3::new(-s, c, 0.0).cross(&z_b).try_normalize(1e-9)?;
    let y_b = z_b.cross(&x_b);
    let rot = Rotation3::from_matrix_unchecked(Matrix3::from_columns(&[x_b, y_b, z_b]));
    Some(UnitQuaternion::from_rotation_matrix(&rot))
}

/// Heading (Euler yaw, ZYX) of an attitude, radians in (-π, π].
pub fn yaw_of(q: &UnitQuaternion<f64>) -> f64 {
    let (w, x, y, z) = (q.w, q.i, q.j, q.k);
    (2.0 * (w * z + x * y)).atan2(1.0 - 2.0 * (y * y + z * z))
}

/// Zero for magnitudes far below anything physical. States that decay exponentially in calm air
/// (a velocity, a lag, a tilt) would otherwise sink into subnormal floats after a few minutes of
/// hovering, and subnormal arithmetic is several times slower.
pub fn flush_tiny(x: f64) -> f64 {
    if x.abs() < 1e-60 { 0.0 } else { x }
}

fn wrap_pi(a: f64) -> f64 {
    (a + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI
}

fn limit_norm(v: Vector2<f64>, max: f64) -> Vector2<f64> {
    let n = v.norm();
    if n > max && n > 0.0 { v * (max / n) } else { v }
}

/// ArduPilot's sqrt controller: linear near the target, and beyond that the speed from which
/// braking at `accel` stops exactly on it.
fn sqrt_controller(error: f64, p: f64, accel: f64) -> f64 {
    let linear = accel / (p * p);
    if error > linear {
        (2.0 * accel * (error - linear / 2.0)).sqrt()
    } else if error < -linear {
        -(2.0 * accel * (-error - linear / 2.0)).sqrt()
    } else {
        error * p
    }
}

fn sqrt_controller_vec(e: Vector2<f64>, p: f64, accel: f64) -> Vector2<f64> {
    let n = e.norm();
    if n < 1e-12 {
        return Vector2::zeros();
    }
    e * (sqrt_controller(n, p, accel) / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt_controller_is_continuous_and_brakes_in_time() {
        let (p, a) = (1.0, 4.0);
        for e in [3.999, 4.0, 4.001, -3.999, -4.001] {
            let lin = e * p;
            assert!((sqrt_controller(e, p, a) - lin).abs() < 0.01, "{e}");
        }
        // Far out, v² = 2·a·d (less the linear part): it can always stop at `a`.
        let v = sqrt_controller(100.0, p, a);
        assert!((v * v - 2.0 * a * 98.0).abs() < 1e-9);
    }

    #[test]
    fn attitude_from_thrust_tilts_towards_the_force_and_keeps_the_heading() {
        let f = Vector3::new(1.0, 0.0, -2.0);
        for yaw in [0.0, 1.0, -2.5, 3.0] {
            let q = attitude_from_thrust(&f, yaw).unwrap_or_else(UnitQuaternion::identity);
            let axis = q * Vector3::new(0.0, 0.0, -1.0);
            assert!((axis - f.normalize()).norm() < 1e-12);
            assert!(wrap_pi(yaw_of(&q) - yaw).abs() < 1e-12);
        }
        assert!(attitude_from_thrust(&Vector3::zeros(), 0.0).is_none());
        assert!((wrap_pi(0.5 + 4.0 * std::f64::consts::PI) - 0.5).abs() < 1e-12);
        assert!((wrap_pi(-0.5 - std::f64::consts::TAU) + 0.5).abs() < 1e-12);
    }
}
