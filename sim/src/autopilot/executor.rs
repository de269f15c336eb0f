//! AUTO mode: turns stored mission items into navigation tasks and actions, item by item.

use mavlink::dialects::common::{MISSION_ITEM_INT_DATA, MavCmd, MavFrame};
use mission::geodesy::{Geodetic, LatLon, LocalFrame};
use nalgebra::Vector3;

use super::nav::{NavSettings, RtlPhase, Task};

/// What one mission item asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A navigation item: fly this task; MISSION_ITEM_REACHED when it is done.
    Nav(Task),
    /// Set the cruise speed for what follows.
    ChangeSpeed(f64),
    /// Camera trigger distance, metres (0 stops).
    CameraTriggerDistance(f64),
    /// One photo now.
    CameraShot,
    /// Continue at another item, `repeat` more times (-1: for ever).
    Jump { target: u16, repeat: i32 },
    /// An item the simulator does not fly, with the reason; the mission goes on past it.
    Skip(String),
}

/// Where the vehicle is and how it is set up, for converting items into tasks.
pub struct Context<'a> {
    pub home: &'a Geodetic,
    pub frame: &'a LocalFrame,
    pub pos_ned: Vector3<f64>,
    pub speed: f64,
    pub nav: &'a NavSettings,
    /// Where to return: home or the nearest rally point, NE metres.
    pub return_ne: [f64; 2],
}

impl Context<'_> {
    fn ne_of(&self, lat: f64, lon: f64) -> [f64; 2] {
        let en = self.frame.to_local(LatLon::new(lat, lon));
        [en.y, en.x]
    }
}

/// Altitude above home of an item, from its frame.
fn relative_alt(item: &MISSION_ITEM_INT_DATA, home: &Geodetic) -> f64 {
    match item.frame {
        #[allow(deprecated)] // Old ground stations still send the _INT frames.
        MavFrame::MAV_FRAME_GLOBAL | MavFrame::MAV_FRAME_GLOBAL_INT => f64::from(item.z) - home.alt,
        // Terrain frames fly over the flat port as relative altitudes.
        _ => f64::from(item.z),
    }
}

#[allow(deprecated)] // Old ground stations still send the _INT frames.
fn is_global(frame: MavFrame) -> bool {
    matches!(
        frame,
        MavFrame::MAV_FRAME_GLOBAL
            | MavFrame::MAV_FRAME_GLOBAL_INT
            | MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT
            | MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
            | MavFrame::MAV_FRAME_GLOBAL_TERRAIN_ALT
            | MavFrame::MAV_FRAME_GLOBAL_TERRAIN_ALT_INT
    )
}

/// The step for one stored item.
pub fn step_for(item: &MISSION_ITEM_INT_DATA, ctx: &Context) -> Step {
    let here_ne = [ctx.pos_ned.x, ctx.pos_ned.y];
    let here_alt = -ctx.pos_ned.z;
    // Latitude/longitude 0,0 means "where the vehicle is" for take-off, land and loiters.
    let target_ne = if is_global(item.frame) && (item.x != 0 || item.y != 0) {
        Some(ctx.ne_of(f64::from(item.x) / 1e7, f64::from(item.y) / 1e7))
    } else {
        None
    };
    let alt = relative_alt(item, ctx.home);
    let alt_or_here = if alt == 0.0 { here_alt } else { alt };
    match item.command {
        MavCmd::MAV_CMD_NAV_TAKEOFF => Step::Nav(Task::Takeoff {
            at_ne: here_ne,
            alt: alt.max(1.0),
        }),
        MavCmd::MAV_CMD_NAV_WAYPOINT | MavCmd::MAV_CMD_NAV_LOITER_TIME => {
            let [n, e] = target_ne.unwrap_or(here_ne);
            let hold = if item.command == MavCmd::MAV_CMD_NAV_LOITER_TIME {
                item.param1
            } else {
                item.param1.max(0.0)
            };
            Step::Nav(Task::GoTo {
                target: Vector3::new(n, e, -alt_or_here),
                speed: ctx.speed,
                hold_s: f64::from(hold).max(0.0),
                arrived_at: None,
            })
        }
        MavCmd::MAV_CMD_NAV_LOITER_UNLIM => {
            let [n, e] = target_ne.unwrap_or(here_ne);
            Step::Nav(Task::Hold {
                at: Vector3::new(n, e, -alt_or_here),
            })
        }
        MavCmd::MAV_CMD_NAV_LOITER_TURNS => {
            let center = target_ne.unwrap_or(here_ne);
            let radius = f64::from(item.param3);
            Step::Nav(Task::Orbit {
                center_ne: center,
                radius: radius.abs().max(2.0),
                alt: alt_or_here,
                clockwise: radius >= 0.0,
                speed: ctx.speed.min(8.0),
                angle: 0.0,
                turns_left: Some(f64::from(item.param1).max(0.0)),
                on_circle: false,
            })
        }
        MavCmd::MAV_CMD_NAV_RETURN_TO_LAUNCH => Step::Nav(Task::Rtl {
            target_ne: ctx.return_ne,
            alt: here_alt.max(ctx.nav.rtl_alt),
            phase: RtlPhase::Climb,
        }),
        MavCmd::MAV_CMD_NAV_LAND => match target_ne {
            // Fly to the landing point at the present altitude, then descend.
            Some(ne) => Step::Nav(Task::Rtl {
                target_ne: ne,
                alt: here_alt,
                phase: RtlPhase::Return,
            }),
            None => Step::Nav(Task::Land { hold_ne: here_ne }),
        },
        MavCmd::MAV_CMD_DO_CHANGE_SPEED => {
            let speed = f64::from(item.param2);
            if speed > 0.0 {
                Step::ChangeSpeed(speed)
            } else {
                Step::Skip("DO_CHANGE_SPEED with no speed".into())
            }
        }
        MavCmd::MAV_CMD_DO_SET_CAM_TRIGG_DIST => Step::CameraTriggerDistance(f64::from(item.param1).max(0.0)),
        MavCmd::MAV_CMD_DO_DIGICAM_CONTROL | MavCmd::MAV_CMD_IMAGE_START_CAPTURE => Step::CameraShot,
        MavCmd::MAV_CMD_DO_JUMP => Step::Jump {
            target: item.param1.max(0.0) as u16,
            repeat: item.param2 as i32,
        },
        other => Step::Skip(format!("mission command {other:?} is not simulated; skipped")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink::dialects::common::MavMissionType;

    fn item(command: MavCmd, frame: MavFrame, params: [f32; 4], x: i32, y: i32, z: f32) -> MISSION_ITEM_INT_DATA {
        MISSION_ITEM_INT_DATA {
            param1: params[0],
            param2: params[1],
            param3: params[2],
            param4: params[3],
            x,
            y,
            z,
            seq: 1,
            command,
            target_system: 1,
            target_component: 1,
            frame,
            current: 0,
            autocontinue: 1,
            mission_type: MavMissionType::MAV_MISSION_TYPE_MISSION,
        }
    }

    #[test]
    fn items_become_tasks_in_home_relative_metres() {
        let home = Geodetic::new(44.4, 8.9, 10.0);
        let frame = LocalFrame::new(home);
        let nav = NavSettings::default();
        let ctx = Context {
            home: &home,
            frame: &frame,
            pos_ned: Vector3::new(0.0, 0.0, -20.0),
            speed: 10.0,
            nav: &nav,
            return_ne: [0.0, 0.0],
        };
        let north = mission::geodesy::destination(home.horizontal(), 0.0, 100.0);
        let wp = item(
            MavCmd::MAV_CMD_NAV_WAYPOINT,
            MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
            [0.0; 4],
            (north.lat * 1e7).round() as i32,
            (north.lon * 1e7).round() as i32,
            30.0,
        );
        let Step::Nav(Task::GoTo { target, .. }) = step_for(&wp, &ctx) else {
            panic!()
        };
        assert!(
            (target.x - 100.0).abs() < 0.1 && target.y.abs() < 0.1 && target.z == -30.0,
            "{target:?}"
        );
        // The same point in the AMSL frame: 40 m AMSL is 30 m above a 10 m home.
        let amsl = MISSION_ITEM_INT_DATA {
            frame: MavFrame::MAV_FRAME_GLOBAL,
            z: 40.0,
            ..wp
        };
        let Step::Nav(Task::GoTo { target, .. }) = step_for(&amsl, &ctx) else {
            panic!()
        };
        assert!((target.z + 30.0).abs() < 1e-6);
        let servo = item(
            MavCmd::MAV_CMD_DO_SET_SERVO,
            MavFrame::MAV_FRAME_MISSION,
            [9.0, 1500.0, 0.0, 0.0],
            0,
            0,
            0.0,
        );
        assert!(matches!(step_for(&servo, &ctx), Step::Skip(reason) if reason.contains("DO_SET_SERVO")));
        let orbit = item(
            MavCmd::MAV_CMD_NAV_LOITER_TURNS,
            MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
            [2.0, 0.0, -50.0, 0.0],
            0,
            0,
            0.0,
        );
        assert!(
            matches!(step_for(&orbit, &ctx), Step::Nav(Task::Orbit { clockwise: false, radius, alt, .. }) if radius == 50.0 && alt == 20.0)
        );
    }
}
