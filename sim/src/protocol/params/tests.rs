//! Parameter table and protocol tests.

use super::*;
use mavlink::dialects::ardupilotmega::{PARAM_REQUEST_LIST_DATA, PARAM_REQUEST_READ_DATA, PARAM_SET_DATA};

const GCS: MavHeader = MavHeader {
    system_id: 255,
    component_id: 190,
    sequence: 0,
};

fn server() -> ParamServer {
    ParamServer::new(1, 1, ParamTable::ardupilot_copter_defaults())
}

fn set(name: &str, value: f32) -> MavMessage {
    MavMessage::PARAM_SET(PARAM_SET_DATA {
        param_value: value,
        target_system: 1,
        target_component: 1,
        param_id: name.into(),
        param_type: MavParamType::MAV_PARAM_TYPE_REAL32,
    })
}

fn read(name: &str, index: i16) -> MavMessage {
    MavMessage::PARAM_REQUEST_READ(PARAM_REQUEST_READ_DATA {
        param_index: index,
        target_system: 1,
        target_component: 1,
        param_id: name.into(),
    })
}

fn values(reply: &Reply<ParamChanged>) -> Vec<&PARAM_VALUE_DATA> {
    reply
        .messages
        .iter()
        .filter_map(|m| match m {
            MavMessage::PARAM_VALUE(v) => Some(v),
            _ => None,
        })
        .collect()
}

fn has_statustext(reply: &Reply<ParamChanged>) -> bool {
    reply.messages.iter().any(|m| matches!(m, MavMessage::STATUSTEXT(_)))
}

#[test]
fn every_default_entry_is_accepted() {
    let table = ParamTable::ardupilot_copter_defaults();
    // A failing entry would be skipped silently, so the count proves they all went in.
    assert_eq!(table.len(), defaults::COPTER.len());
    for def in defaults::COPTER {
        assert_eq!(table.get(def.name), Some(def.value), "{}", def.name);
    }
}

#[test]
fn defaults_carry_ardupilot_names_values_and_types() {
    let table = ParamTable::ardupilot_copter_defaults();
    let expect = [
        ("SYSID_THISMAV", 1.0, MavParamType::MAV_PARAM_TYPE_INT16),
        ("FENCE_ENABLE", 0.0, MavParamType::MAV_PARAM_TYPE_INT8),
        ("FENCE_TYPE", 7.0, MavParamType::MAV_PARAM_TYPE_INT8),
        ("FENCE_ALT_MAX", 100.0, MavParamType::MAV_PARAM_TYPE_REAL32),
        ("FENCE_RADIUS", 300.0, MavParamType::MAV_PARAM_TYPE_REAL32),
        ("BATT_CAPACITY", 3300.0, MavParamType::MAV_PARAM_TYPE_INT32),
        ("BATT_LOW_VOLT", 10.5, MavParamType::MAV_PARAM_TYPE_REAL32),
        ("RTL_ALT", 1500.0, MavParamType::MAV_PARAM_TYPE_INT32),
        ("LAND_SPEED", 50.0, MavParamType::MAV_PARAM_TYPE_INT16),
        ("WPNAV_SPEED", 1000.0, MavParamType::MAV_PARAM_TYPE_REAL32),
        ("WPNAV_RADIUS", 200.0, MavParamType::MAV_PARAM_TYPE_REAL32),
        ("FS_GCS_TIMEOUT", 5.0, MavParamType::MAV_PARAM_TYPE_REAL32),
        ("SIM_WIND_DIR", 180.0, MavParamType::MAV_PARAM_TYPE_REAL32),
        ("SIM_GPS_NUMSATS", 10.0, MavParamType::MAV_PARAM_TYPE_INT8),
        ("SIM_LINK_LOSS", 0.0, MavParamType::MAV_PARAM_TYPE_REAL32),
    ];
    for (name, value, param_type) in expect {
        let param = table.param(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!((param.value, param.param_type), (value, param_type), "{name}");
    }
    assert!(table.iter().all(|p| p.name.len() <= MAX_NAME_LEN));
}

#[test]
fn table_refuses_bad_names_duplicates_and_bad_values() {
    let mut table = ParamTable::new();
    let f = MavParamType::MAV_PARAM_TYPE_REAL32;
    assert_eq!(
        table.add("A_NAME_OF_17_CHAR", 0.0, f, None, None),
        Err(ParamError::BadName("A_NAME_OF_17_CHAR".into()))
    );
    table.add("EXACTLY_16_CHARS", 1.0, f, Some(0.0), Some(2.0)).unwrap();
    assert!(matches!(
        table.add("EXACTLY_16_CHARS", 1.0, f, None, None),
        Err(ParamError::Duplicate(_))
    ));
    assert!(matches!(
        table.set("EXACTLY_16_CHARS", 3.0),
        Err(ParamError::OutOfRange { .. })
    ));
    assert!(matches!(
        table.set("EXACTLY_16_CHARS", f32::NAN),
        Err(ParamError::NotFinite { .. })
    ));
    assert_eq!(table.set("NOPE", 1.0), Err(ParamError::Unknown("NOPE".into())));
    assert_eq!(table.get("EXACTLY_16_CHARS"), Some(1.0));
}

#[test]
fn integer_parameters_round_and_respect_their_type() {
    let mut table = ParamTable::ardupilot_copter_defaults();
    assert_eq!(table.set("RTL_ALT", 2999.6), Ok(3000.0));
    let mut t = ParamTable::new();
    t.add("SMALL", 0.0, MavParamType::MAV_PARAM_TYPE_INT8, None, None)
        .unwrap();
    assert!(matches!(t.set("SMALL", 128.0), Err(ParamError::OutOfRange { max, .. }) if max == 127.0));
}

#[test]
fn request_list_sends_every_parameter_with_count_and_index() {
    let mut s = server();
    let list = MavMessage::PARAM_REQUEST_LIST(PARAM_REQUEST_LIST_DATA {
        target_system: 1,
        target_component: 1,
    });
    let reply = s.handle(&GCS, &list);
    let sent = values(&reply);
    let n = s.table().len();
    assert_eq!(sent.len(), n);
    for (i, v) in sent.iter().enumerate() {
        assert_eq!((usize::from(v.param_index), usize::from(v.param_count)), (i, n));
        let param = s.table().by_index(i).unwrap();
        assert_eq!(v.param_id.to_str().unwrap(), param.name);
        assert_eq!((v.param_value, v.param_type), (param.value, param.param_type));
    }
}

#[test]
fn read_by_name_and_by_index() {
    let mut s = server();
    let reply = s.handle(&GCS, &read("WPNAV_SPEED", -1));
    let by_name = values(&reply);
    assert_eq!(by_name.len(), 1);
    assert_eq!(
        (by_name[0].param_id.to_str().unwrap(), by_name[0].param_value),
        ("WPNAV_SPEED", 1000.0)
    );
    let index = s.table().index_of("WPNAV_SPEED").unwrap();
    // With an index the name is ignored.
    let reply = s.handle(&GCS, &read("IGNORED", index as i16));
    assert_eq!(values(&reply)[0].param_id.to_str().unwrap(), "WPNAV_SPEED");
}

#[test]
fn unknown_reads_get_a_warning_not_silence() {
    let mut s = server();
    for msg in [read("NO_SUCH_PARAM", -1), read("", 999)] {
        let reply = s.handle(&GCS, &msg);
        assert!(values(&reply).is_empty());
        assert!(has_statustext(&reply));
    }
}

#[test]
fn set_stores_replies_and_reports_the_change() {
    let mut s = server();
    let reply = s.handle(&GCS, &set("RTL_ALT", 2500.0));
    assert_eq!(values(&reply)[0].param_value, 2500.0);
    assert_eq!(values(&reply)[0].param_id.to_str().unwrap(), "RTL_ALT");
    assert_eq!(
        reply.events,
        [ParamChanged {
            name: "RTL_ALT".into(),
            value: 2500.0
        }]
    );
    assert_eq!(s.table().get("RTL_ALT"), Some(2500.0));
    // Setting the same value again answers but changes nothing.
    let reply = s.handle(&GCS, &set("RTL_ALT", 2500.0));
    assert_eq!(values(&reply).len(), 1);
    assert!(reply.events.is_empty());
}

#[test]
fn set_of_an_unknown_name_warns_and_changes_nothing() {
    let mut s = server();
    let before = s.table().clone();
    let reply = s.handle(&GCS, &set("NOT_A_PARAM", 1.0));
    assert!(has_statustext(&reply));
    assert!(values(&reply).is_empty() && reply.events.is_empty());
    assert_eq!(*s.table(), before);
}

#[test]
fn set_out_of_range_is_refused_with_the_stored_value() {
    let mut s = server();
    let reply = s.handle(&GCS, &set("WPNAV_SPEED", 5000.0));
    assert!(has_statustext(&reply));
    assert_eq!(values(&reply)[0].param_value, 1000.0, "the unchanged value");
    assert!(reply.events.is_empty());
    let reply = s.handle(&GCS, &set("WPNAV_SPEED", f32::INFINITY));
    assert!(has_statustext(&reply) && reply.events.is_empty());
}

#[test]
fn requests_for_another_system_are_ignored() {
    let mut s = server();
    let mut msg = PARAM_SET_DATA {
        param_value: 1.0,
        target_system: 7,
        target_component: 1,
        param_id: "FENCE_ENABLE".into(),
        param_type: MavParamType::MAV_PARAM_TYPE_INT8,
    };
    assert!(s.handle(&GCS, &MavMessage::PARAM_SET(msg.clone())).is_empty());
    msg.target_system = 0;
    assert_eq!(
        s.handle(&GCS, &MavMessage::PARAM_SET(msg)).events.len(),
        1,
        "broadcast is ours"
    );
}
