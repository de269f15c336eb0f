//! Navigation tasks (take-off, go-to, orbit, return, land, hold) and the setpoints that fly them.

use nalgebra::Vector3;

use crate::physics::Setpoint;

/// Speeds and distances from the vehicle's parameters (SI units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NavSettings {
    /// WPNAV_SPEED.
    pub wp_speed: f64,
    /// WPNAV_SPEED_UP / WPNAV_SPEED_DN.
    pub climb_speed: f64,
    pub descent_speed: f64,
    /// WPNAV_RADIUS: a waypoint is reached within this horizontal distance.
    pub wp_radius: f64,
    /// LAND_SPEED: final descent rate below 10 m.
    pub land_speed: f64,
    /// RTL_ALT: return no lower than this.
    pub rtl_alt: f64,
    /// RTL_SPEED (0 = WPNAV_SPEED).
    pub rtl_speed: f64,
}

impl Default for NavSettings {
    fn default() -> Self {
        Self {
            wp_speed: 10.0,
            climb_speed: 2.5,
            descent_speed: 1.5,
            wp_radius: 2.0,
            land_speed: 0.5,
            rtl_alt: 15.0,
            rtl_speed: 0.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RtlPhase {
    Climb,
    Return,
    Descend,
}

/// What the vehicle is doing now. Positions are NED metres from home.
#[derive(Debug, Clone, PartialEq)]
pub enum Task {
    /// On the ground, motors off.
    Idle,
    /// Hold a position (LOITER, BRAKE, GUIDED with nothing to do, AUTO after the last item).
    Hold { at: Vector3<f64> },
    /// Climb vertically to `alt` metres above home.
    Takeoff { at_ne: [f64; 2], alt: f64 },
    /// Fly to a point, then wait `hold_s` there.
    GoTo {
        target: Vector3<f64>,
        speed: f64,
        hold_s: f64,
        arrived_at: Option<f64>,
    },
    /// Circle a point; `turns_left` None circles until told otherwise.
    Orbit {
        center_ne: [f64; 2],
        radius: f64,
        alt: f64,
        clockwise: bool,
        speed: f64,
        angle: f64,
        turns_left: Option<f64>,
        on_circle: bool,
    },
    /// Return to `home_ne` (home or a rally point) at `alt`, then land.
    Rtl {
        target_ne: [f64; 2],
        alt: f64,
        phase: RtlPhase,
    },
    /// Descend and land where the vehicle is (or at `hold_ne`).
    Land { hold_ne: [f64; 2] },
    /// STABILIZE / ALT_HOLD with centred sticks.
    Level,
}

/// Whether a task has finished this step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Running,
    Done,
    /// On the ground after a landing.
    Landed,
}

pub fn horizontal_distance(a: &Vector3<f64>, b: &Vector3<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

impl Task {
    /// The setpoint for this step and whether the task is complete, given where the vehicle is.
    pub fn step(
        &mut self,
        now: f64,
        dt: f64,
        pos: &Vector3<f64>,
        on_ground: bool,
        s: &NavSettings,
    ) -> (Setpoint, Progress) {
        match self {
            Task::Idle => (Setpoint::Idle, Progress::Done),
            Task::Level => (Setpoint::Level { climb_m_s: 0.0 }, Progress::Running),
            Task::Hold { at } => (
                Setpoint::Position {
                    target_ned: *at,
                    speed_m_s: s.wp_speed,
                    yaw_rad: None,
                },
                Progress::Running,
            ),
            Task::Takeoff { at_ne, alt } => {
                let target = Vector3::new(at_ne[0], at_ne[1], -*alt);
                let done = (-pos.z - *alt).abs() < 0.5 || -pos.z > *alt;
                let sp = Setpoint::Position {
                    target_ned: target,
                    speed_m_s: s.climb_speed.max(0.5),
                    yaw_rad: None,
                };
                (sp, if done { Progress::Done } else { Progress::Running })
            }
            Task::GoTo {
                target,
                speed,
                hold_s,
                arrived_at,
            } => {
                let sp = Setpoint::Position {
                    target_ned: *target,
                    speed_m_s: *speed,
                    yaw_rad: None,
                };
                if arrived_at.is_none()
                    && horizontal_distance(pos, target) <= s.wp_radius
                    && (pos.z - target.z).abs() < 2.0
                {
                    *arrived_at = Some(now);
                }
                let done = arrived_at.is_some_and(|t| now - t >= *hold_s);
                (sp, if done { Progress::Done } else { Progress::Running })
            }
            Task::Orbit {
                center_ne,
                radius,
                alt,
                clockwise,
                speed,
                angle,
                turns_left,
                on_circle,
            } => {
                let r = radius.max(1.0);
                let point = |a: f64| Vector3::new(center_ne[0] + r * a.cos(), center_ne[1] + r * a.sin(), -*alt);
                if !*on_circle {
                    // Join the circle at the point nearest to where the vehicle is.
                    *angle = (pos.y - center_ne[1]).atan2(pos.x - center_ne[0]);
                    let entry = point(*angle);
                    if horizontal_distance(pos, &entry) <= s.wp_radius && (pos.z - entry.z).abs() < 2.0 {
                        *on_circle = true;
                    }
                    return (
                        Setpoint::Position {
                            target_ned: entry,
                            speed_m_s: *speed,
                            yaw_rad: None,
                        },
                        Progress::Running,
                    );
                }
                // North-east-down: clockwise seen from above is increasing bearing.
                let step = speed.max(0.5) / r * dt * if *clockwise { 1.0 } else { -1.0 };
                *angle += step;
                if let Some(left) = turns_left {
                    *left -= step.abs() / (2.0 * std::f64::consts::PI);
                    if *left <= 0.0 {
                        return (
                            Setpoint::Position {
                                target_ned: point(*angle),
                                speed_m_s: *speed,
                                yaw_rad: None,
                            },
                            Progress::Done,
                        );
                    }
                }
                // Lead the target a little so that the position loop flies a smooth circle.
                let lead = *angle + 4.0 * step / dt * 0.25;
                (
                    Setpoint::Position {
                        target_ned: point(lead),
                        speed_m_s: *speed * 1.5,
                        yaw_rad: None,
                    },
                    Progress::Running,
                )
            }
            Task::Rtl { target_ne, alt, phase } => {
                let speed = if s.rtl_speed > 0.0 { s.rtl_speed } else { s.wp_speed };
                match phase {
                    RtlPhase::Climb => {
                        let target = Vector3::new(pos.x, pos.y, -*alt);
                        if -pos.z >= *alt - 0.5 {
                            *phase = RtlPhase::Return;
                        }
                        (
                            Setpoint::Position {
                                target_ned: target,
                                speed_m_s: s.climb_speed,
                                yaw_rad: None,
                            },
                            Progress::Running,
                        )
                    }
                    RtlPhase::Return => {
                        let target = Vector3::new(target_ne[0], target_ne[1], -*alt);
                        if horizontal_distance(pos, &target) <= s.wp_radius {
                            *phase = RtlPhase::Descend;
                        }
                        (
                            Setpoint::Position {
                                target_ned: target,
                                speed_m_s: speed,
                                yaw_rad: None,
                            },
                            Progress::Running,
                        )
                    }
                    RtlPhase::Descend => land_step(target_ne, pos, on_ground, s),
                }
            }
            Task::Land { hold_ne } => land_step(hold_ne, pos, on_ground, s),
        }
    }
}

fn land_step(hold_ne: &[f64; 2], pos: &Vector3<f64>, on_ground: bool, s: &NavSettings) -> (Setpoint, Progress) {
    if on_ground {
        return (Setpoint::Idle, Progress::Landed);
    }
    // Descend at the normal rate high up and slow to LAND_SPEED for the last 10 m, as ArduPilot.
    let rate = if -pos.z > 10.0 {
        s.descent_speed.max(s.land_speed)
    } else {
        s.land_speed
    };
    (
        Setpoint::Land {
            hold_ne: Some(*hold_ne),
            descent_m_s: rate,
        },
        Progress::Running,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goto_completes_after_arrival_and_hold() {
        let s = NavSettings::default();
        let mut t = Task::GoTo {
            target: Vector3::new(100.0, 0.0, -30.0),
            speed: 10.0,
            hold_s: 2.0,
            arrived_at: None,
        };
        let far = Vector3::new(0.0, 0.0, -30.0);
        assert_eq!(t.step(0.0, 0.01, &far, false, &s).1, Progress::Running);
        let near = Vector3::new(99.0, 0.5, -30.2);
        assert_eq!(t.step(10.0, 0.01, &near, false, &s).1, Progress::Running);
        assert_eq!(t.step(12.1, 0.01, &near, false, &s).1, Progress::Done);
    }

    #[test]
    fn rtl_climbs_returns_then_lands() {
        let s = NavSettings::default();
        let mut t = Task::Rtl {
            target_ne: [0.0, 0.0],
            alt: 15.0,
            phase: RtlPhase::Climb,
        };
        let low = Vector3::new(50.0, 50.0, -5.0);
        let (sp, _) = t.step(0.0, 0.01, &low, false, &s);
        assert!(matches!(sp, Setpoint::Position { target_ned, .. } if target_ned.z == -15.0 && target_ned.x == 50.0));
        let high = Vector3::new(50.0, 50.0, -15.0);
        t.step(1.0, 0.01, &high, false, &s);
        let (sp, _) = t.step(1.0, 0.01, &high, false, &s);
        assert!(matches!(sp, Setpoint::Position { target_ned, .. } if target_ned.x == 0.0 && target_ned.y == 0.0));
        let over_home = Vector3::new(0.5, 0.0, -15.0);
        t.step(2.0, 0.01, &over_home, false, &s);
        let (sp, p) = t.step(2.0, 0.01, &over_home, false, &s);
        assert!(matches!(sp, Setpoint::Land { .. }));
        assert_eq!(p, Progress::Running);
        let (_, p) = t.step(3.0, 0.01, &Vector3::zeros(), true, &s);
        assert_eq!(p, Progress::Landed);
    }

    #[test]
    fn orbit_counts_turns() {
        let s = NavSettings::default();
        let mut t = Task::Orbit {
            center_ne: [0.0, 0.0],
            radius: 50.0,
            alt: 30.0,
            clockwise: true,
            speed: 5.0,
            angle: 0.0,
            turns_left: Some(1.0),
            on_circle: true,
        };
        let pos = Vector3::new(50.0, 0.0, -30.0);
        let dt = 0.1;
        let mut steps = 0;
        while t.step(steps as f64 * dt, dt, &pos, false, &s).1 == Progress::Running {
            steps += 1;
            assert!(steps < 10_000);
        }
        // One turn of a 50 m circle at 5 m/s takes 2π·50/5 ≈ 62.8 s.
        assert!((steps as f64 * dt - 62.8).abs() < 0.5, "{}", steps as f64 * dt);
    }
}
