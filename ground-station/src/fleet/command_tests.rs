//! The command machine without sockets.

use super::*;
use mavlink::dialects::ardupilotmega::COMMAND_ACK_DATA;

const MS: Duration = Duration::from_millis(1);

fn vehicle() -> MavHeader {
    MavHeader {
        system_id: 1,
        component_id: 1,
        sequence: 0,
    }
}

fn ack(command: MavCmd, result: MavResult) -> MavMessage {
    MavMessage::COMMAND_ACK(COMMAND_ACK_DATA {
        command,
        result,
        progress: 0,
        result_param2: 0,
        target_system: 255,
        target_component: 190,
    })
}

#[test]
fn mode_numbers_and_names_are_arducopters() {
    assert_eq!(FlightMode::Guided.custom_mode(), 4);
    assert_eq!(FlightMode::from_custom_mode(6), Some(FlightMode::Rtl));
    assert_eq!(FlightMode::name_of(21), "SMART_RTL");
    assert_eq!(FlightMode::name_of(99), "MODE(99)");
    for (mode, n, _) in MODES {
        assert_eq!(FlightMode::from_custom_mode(n), Some(mode));
    }
}

#[test]
fn commands_serialise_for_the_api() {
    let json = serde_json::to_string(&VehicleCommand::SetMode {
        mode: FlightMode::Loiter,
    })
    .unwrap();
    assert_eq!(json, r#"{"command":"set_mode","mode":"LOITER"}"#);
    let back: VehicleCommand = serde_json::from_str(r#"{"command":"takeoff","alt_m":20}"#).unwrap();
    assert_eq!(back, VehicleCommand::Takeoff { alt_m: 20.0 });
}

#[test]
fn silence_retransmits_with_the_confirmation_counted_up_then_times_out() {
    let t0 = Instant::now();
    let (mut ex, first) = CommandExchange::start(
        VehicleCommand::Arm { force: false },
        (1, 1),
        Timing::default(),
        Rtt::default(),
        t0,
    );
    assert!(matches!(&first[..], [MavMessage::COMMAND_LONG(c)] if c.confirmation == 0 && c.param1 == 1.0));
    let mut confirmations = Vec::new();
    while let Some(deadline) = ex.deadline() {
        for msg in ex.poll(deadline) {
            if let MavMessage::COMMAND_LONG(c) = msg {
                confirmations.push(c.confirmation);
            }
        }
    }
    assert_eq!(confirmations, vec![1, 2, 3, 4, 5]);
    let text = ex.take_result().unwrap().unwrap_err().to_string();
    assert_eq!(
        text,
        "vehicle 1: arm (MAV_CMD_COMPONENT_ARM_DISARM) got no COMMAND_ACK: gave up after 5 retransmissions and \
         9.0 s of silence"
    );
}

#[test]
fn a_refusal_names_the_command_the_result_and_what_the_vehicle_said() {
    let t0 = Instant::now();
    let (mut ex, _) = CommandExchange::start(
        VehicleCommand::Arm { force: false },
        (1, 1),
        Timing::default(),
        Rtt::default(),
        t0,
    );
    ex.vehicle_said("PreArm: GPS 1: Bad fix");
    ex.handle(
        t0 + MS,
        &vehicle(),
        &ack(MavCmd::MAV_CMD_NAV_TAKEOFF, MavResult::MAV_RESULT_FAILED),
    );
    assert!(!ex.is_finished(), "an ACK for another command");
    ex.handle(
        t0 + MS,
        &vehicle(),
        &ack(MavCmd::MAV_CMD_COMPONENT_ARM_DISARM, MavResult::MAV_RESULT_FAILED),
    );
    assert_eq!(
        ex.take_result().unwrap().unwrap_err().to_string(),
        "vehicle 1: arm (MAV_CMD_COMPONENT_ARM_DISARM) refused with MAV_RESULT_FAILED: the vehicle said \
         \"PreArm: GPS 1: Bad fix\""
    );
}

#[test]
fn in_progress_keeps_waiting_and_accepted_ends_it() {
    let t0 = Instant::now();
    let (mut ex, _) = CommandExchange::start(VehicleCommand::Land, (1, 1), Timing::default(), Rtt::default(), t0);
    ex.handle(
        t0 + MS,
        &vehicle(),
        &ack(MavCmd::MAV_CMD_NAV_LAND, MavResult::MAV_RESULT_IN_PROGRESS),
    );
    assert!(!ex.is_finished());
    ex.handle(
        t0 + 2 * MS,
        &vehicle(),
        &ack(MavCmd::MAV_CMD_NAV_LAND, MavResult::MAV_RESULT_ACCEPTED),
    );
    assert_eq!(ex.take_result(), Some(Ok(())));
}

#[test]
fn bad_coordinates_are_refused_before_anything_is_sent() {
    let (mut ex, first) = CommandExchange::start(
        VehicleCommand::GoTo {
            lat: 95.0,
            lon: 8.9,
            alt_m: 30.0,
        },
        (2, 1),
        Timing::default(),
        Rtt::default(),
        Instant::now(),
    );
    assert!(first.is_empty());
    assert_eq!(
        ex.take_result().unwrap().unwrap_err().to_string(),
        "vehicle 2: go to 95.000000,8.900000 at 30 m: position 95,8.9 is not a latitude,longitude"
    );
}

#[test]
fn go_to_and_orbit_travel_as_command_int_with_exact_positions() {
    let goto = VehicleCommand::GoTo {
        lat: 44.3975123,
        lon: 8.9005456,
        alt_m: 40.0,
    };
    match goto.to_message((3, 1), 0) {
        MavMessage::COMMAND_INT(c) => {
            assert_eq!((c.x, c.y, c.z), (443_975_123, 89_005_456, 40.0));
            assert_eq!(c.command, MavCmd::MAV_CMD_DO_REPOSITION);
            assert_eq!(c.frame, MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT);
        }
        other => panic!("{other:?}"),
    }
    let pause = VehicleCommand::Pause.to_message((3, 1), 0);
    assert!(
        matches!(pause, MavMessage::COMMAND_LONG(c) if c.command == MavCmd::MAV_CMD_DO_SET_MODE && c.param2 == 5.0)
    );
}
