//! Telemetry messages as ArduPilot Copter sends them, built from a snapshot of the vehicle.

use mavlink::dialects::ardupilotmega::{
    ATTITUDE_DATA, AUTOPILOT_VERSION_DATA, BATTERY_STATUS_DATA, EXTENDED_SYS_STATE_DATA, GLOBAL_POSITION_INT_DATA,
    GPS_RAW_INT_DATA, GpsFixType, HEARTBEAT_DATA, HOME_POSITION_DATA, MISSION_CURRENT_DATA, MavAutopilot,
    MavBatteryChargeState, MavBatteryFault, MavBatteryFunction, MavBatteryMode, MavBatteryType, MavLandedState,
    MavMessage, MavModeFlag, MavProtocolCapability, MavSeverity, MavState, MavSysStatusSensor,
    MavSysStatusSensorExtended, MavType, MavVtolState, MissionState, STATUSTEXT_DATA, SYS_STATUS_DATA, VFR_HUD_DATA,
};
use mission::geodesy::Geodetic;
use nalgebra::Vector3;

use super::mode::CopterMode;

/// Everything the telemetry reports, at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub time_s: f64,
    pub sysid: u8,
    pub mode: CopterMode,
    pub armed: bool,
    pub on_ground: bool,
    /// Landing or taking off, for EXTENDED_SYS_STATE.
    pub landed_state: MavLandedState,
    pub critical: bool,
    pub home: Geodetic,
    /// The position estimate (AMSL) and its velocity, NED m/s.
    pub position: Geodetic,
    pub vel_ned: Vector3<f64>,
    pub roll: f64,
    pub pitch: f64,
    pub yaw: f64,
    pub rates: Vector3<f64>,
    pub throttle_pct: f64,
    pub voltage: f64,
    pub cell_count: u32,
    pub current_a: f64,
    pub consumed_mah: f64,
    pub remaining_pct: f64,
    pub gps_fix_type: u8,
    pub gps_sats: u8,
    pub gps_position: Geodetic,
    pub gps_eph_m: f64,
    pub gps_epv_m: f64,
    pub mission_seq: u16,
    pub mission_total: u16,
    pub mission_running: bool,
    /// FENCE_ENABLE with an action, and whether the vehicle is breaching it now.
    pub fence_enabled: bool,
    pub fence_breached: bool,
}

fn deg_e7(x: f64) -> i32 {
    (x * 1e7).round() as i32
}

fn time_boot_ms(s: &Snapshot) -> u32 {
    (s.time_s * 1000.0) as u32
}

pub fn heartbeat(s: &Snapshot) -> MavMessage {
    let mut base = MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | MavModeFlag::MAV_MODE_FLAG_STABILIZE_ENABLED;
    if s.armed {
        base |= MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED;
    }
    if matches!(
        s.mode,
        CopterMode::Auto | CopterMode::Guided | CopterMode::Rtl | CopterMode::Loiter | CopterMode::Brake
    ) {
        base |= MavModeFlag::MAV_MODE_FLAG_GUIDED_ENABLED;
    }
    if s.mode == CopterMode::Auto {
        base |= MavModeFlag::MAV_MODE_FLAG_AUTO_ENABLED;
    }
    let system_status = match (s.critical, s.armed) {
        (true, _) => MavState::MAV_STATE_CRITICAL,
        (false, true) => MavState::MAV_STATE_ACTIVE,
        (false, false) => MavState::MAV_STATE_STANDBY,
    };
    MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        custom_mode: s.mode.custom_mode(),
        mavtype: MavType::MAV_TYPE_QUADROTOR,
        autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
        base_mode: base,
        system_status,
        mavlink_version: 3,
    })
}

pub fn sys_status(s: &Snapshot) -> MavMessage {
    let sensors = MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_3D_GYRO
        | MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_3D_ACCEL
        | MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_3D_MAG
        | MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_ABSOLUTE_PRESSURE
        | MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_GPS
        | MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_BATTERY
        | MavSysStatusSensor::MAV_SYS_STATUS_GEOFENCE
        | MavSysStatusSensor::MAV_SYS_STATUS_AHRS;
    let mut enabled = sensors;
    let mut health = sensors;
    if s.gps_fix_type < 3 {
        health.remove(MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_GPS);
    }
    // As ArduPilot's AC_Fence reports it: enabled only when on, unhealthy while breached.
    if !s.fence_enabled {
        enabled.remove(MavSysStatusSensor::MAV_SYS_STATUS_GEOFENCE);
    }
    if s.fence_breached {
        health.remove(MavSysStatusSensor::MAV_SYS_STATUS_GEOFENCE);
    }
    MavMessage::SYS_STATUS(SYS_STATUS_DATA {
        onboard_control_sensors_present: sensors,
        onboard_control_sensors_enabled: enabled,
        onboard_control_sensors_health: health,
        load: 250,
        voltage_battery: (s.voltage * 1000.0).round().clamp(0.0, 65_534.0) as u16,
        current_battery: (s.current_a * 100.0).round().clamp(0.0, 32_767.0) as i16,
        battery_remaining: s.remaining_pct.round().clamp(0.0, 100.0) as i8,
        drop_rate_comm: 0,
        errors_comm: 0,
        errors_count1: 0,
        errors_count2: 0,
        errors_count3: 0,
        errors_count4: 0,
        onboard_control_sensors_present_extended: MavSysStatusSensorExtended::empty(),
        onboard_control_sensors_enabled_extended: MavSysStatusSensorExtended::empty(),
        onboard_control_sensors_health_extended: MavSysStatusSensorExtended::empty(),
    })
}

pub fn global_position_int(s: &Snapshot) -> MavMessage {
    let hdg = (s.yaw.to_degrees().rem_euclid(360.0) * 100.0).round() as u16;
    MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
        time_boot_ms: time_boot_ms(s),
        lat: deg_e7(s.position.lat),
        lon: deg_e7(s.position.lon),
        alt: (s.position.alt * 1000.0).round() as i32,
        relative_alt: ((s.position.alt - s.home.alt) * 1000.0).round() as i32,
        vx: (s.vel_ned.x * 100.0).round() as i16,
        vy: (s.vel_ned.y * 100.0).round() as i16,
        vz: (s.vel_ned.z * 100.0).round() as i16,
        hdg,
    })
}

pub fn attitude(s: &Snapshot) -> MavMessage {
    MavMessage::ATTITUDE(ATTITUDE_DATA {
        time_boot_ms: time_boot_ms(s),
        roll: s.roll as f32,
        pitch: s.pitch as f32,
        yaw: s.yaw as f32,
        rollspeed: s.rates.x as f32,
        pitchspeed: s.rates.y as f32,
        yawspeed: s.rates.z as f32,
    })
}

pub fn gps_raw_int(s: &Snapshot) -> MavMessage {
    let fix_type = match s.gps_fix_type {
        0 => GpsFixType::GPS_FIX_TYPE_NO_GPS,
        1 => GpsFixType::GPS_FIX_TYPE_NO_FIX,
        2 => GpsFixType::GPS_FIX_TYPE_2D_FIX,
        _ => GpsFixType::GPS_FIX_TYPE_3D_FIX,
    };
    let ground_speed = s.vel_ned.x.hypot(s.vel_ned.y);
    let cog = s.vel_ned.y.atan2(s.vel_ned.x).to_degrees().rem_euclid(360.0);
    let valid = s.gps_fix_type >= 2;
    MavMessage::GPS_RAW_INT(GPS_RAW_INT_DATA {
        time_usec: (s.time_s * 1e6) as u64,
        lat: if valid { deg_e7(s.gps_position.lat) } else { 0 },
        lon: if valid { deg_e7(s.gps_position.lon) } else { 0 },
        alt: if valid {
            (s.gps_position.alt * 1000.0).round() as i32
        } else {
            0
        },
        eph: (s.gps_eph_m * 100.0).round().clamp(0.0, 65_534.0) as u16,
        epv: (s.gps_epv_m * 100.0).round().clamp(0.0, 65_534.0) as u16,
        vel: (ground_speed * 100.0).round() as u16,
        cog: (cog * 100.0).round() as u16,
        fix_type,
        satellites_visible: s.gps_sats,
        alt_ellipsoid: 0,
        h_acc: (s.gps_eph_m * 1000.0) as u32,
        v_acc: (s.gps_epv_m * 1000.0) as u32,
        vel_acc: 300,
        hdg_acc: 0,
        yaw: 0,
    })
}

pub fn battery_status(s: &Snapshot) -> MavMessage {
    let mut voltages = [u16::MAX; 10];
    let cells = s.cell_count.clamp(1, 10) as usize;
    let per_cell = (s.voltage / cells as f64 * 1000.0).round() as u16;
    voltages.iter_mut().take(cells).for_each(|v| *v = per_cell);
    MavMessage::BATTERY_STATUS(BATTERY_STATUS_DATA {
        current_consumed: s.consumed_mah.round() as i32,
        energy_consumed: -1,
        temperature: i16::MAX,
        voltages,
        current_battery: (s.current_a * 100.0).round().clamp(0.0, 32_767.0) as i16,
        id: 0,
        battery_function: MavBatteryFunction::MAV_BATTERY_FUNCTION_ALL,
        mavtype: MavBatteryType::MAV_BATTERY_TYPE_LIPO,
        battery_remaining: s.remaining_pct.round().clamp(0.0, 100.0) as i8,
        time_remaining: 0,
        charge_state: if s.remaining_pct < 10.0 {
            MavBatteryChargeState::MAV_BATTERY_CHARGE_STATE_CRITICAL
        } else if s.remaining_pct < 20.0 {
            MavBatteryChargeState::MAV_BATTERY_CHARGE_STATE_LOW
        } else {
            MavBatteryChargeState::MAV_BATTERY_CHARGE_STATE_OK
        },
        voltages_ext: [0; 4],
        mode: MavBatteryMode::MAV_BATTERY_MODE_UNKNOWN,
        fault_bitmask: MavBatteryFault::empty(),
    })
}

pub fn vfr_hud(s: &Snapshot) -> MavMessage {
    MavMessage::VFR_HUD(VFR_HUD_DATA {
        airspeed: s.vel_ned.x.hypot(s.vel_ned.y) as f32,
        groundspeed: s.vel_ned.x.hypot(s.vel_ned.y) as f32,
        alt: s.position.alt as f32,
        climb: (-s.vel_ned.z) as f32,
        heading: s.yaw.to_degrees().rem_euclid(360.0).round() as i16,
        throttle: s.throttle_pct.round().clamp(0.0, 100.0) as u16,
    })
}

pub fn extended_sys_state(s: &Snapshot) -> MavMessage {
    MavMessage::EXTENDED_SYS_STATE(EXTENDED_SYS_STATE_DATA {
        vtol_state: MavVtolState::MAV_VTOL_STATE_UNDEFINED,
        landed_state: s.landed_state,
    })
}

pub fn home_position(s: &Snapshot) -> MavMessage {
    MavMessage::HOME_POSITION(HOME_POSITION_DATA {
        latitude: deg_e7(s.home.lat),
        longitude: deg_e7(s.home.lon),
        altitude: (s.home.alt * 1000.0).round() as i32,
        x: 0.0,
        y: 0.0,
        z: 0.0,
        q: [1.0, 0.0, 0.0, 0.0],
        approach_x: 0.0,
        approach_y: 0.0,
        approach_z: 0.0,
        time_usec: (s.time_s * 1e6) as u64,
    })
}

pub fn mission_current(s: &Snapshot) -> MavMessage {
    // Home is item 0 and, as in ArduPilot's send_mission_current, not counted: MAVLink's `total`
    // excludes a home kept in the mission ("on last item, sequence == total"), and a mission of
    // home alone is no mission.
    let total = s.mission_total.saturating_sub(1);
    let state = match (total, s.mission_running) {
        (0, _) => MissionState::MISSION_STATE_NO_MISSION,
        (_, true) => MissionState::MISSION_STATE_ACTIVE,
        _ if s.mission_seq + 1 >= s.mission_total && s.mission_seq > 0 => MissionState::MISSION_STATE_COMPLETE,
        _ => MissionState::MISSION_STATE_NOT_STARTED,
    };
    MavMessage::MISSION_CURRENT(MISSION_CURRENT_DATA {
        seq: s.mission_seq,
        total,
        mission_state: state,
        mission_mode: u8::from(s.mode == CopterMode::Auto),
        mission_id: 0,
        fence_id: 0,
        rally_points_id: 0,
    })
}

/// AUTOPILOT_VERSION with the capabilities MAVSDK and QGroundControl look for.
pub fn autopilot_version(sysid: u8) -> MavMessage {
    let capabilities = MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_MISSION_FLOAT
        | MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_C_CAST
        | MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_MISSION_INT
        | MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_COMMAND_INT
        | MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_SET_POSITION_TARGET_GLOBAL_INT
        | MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_MAVLINK2
        | MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_MISSION_FENCE
        | MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_MISSION_RALLY
        | MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_COMPASS_CALIBRATION;
    // ArduCopter 4.5.7 (official), encoded as major<<24 | minor<<16 | patch<<8 | type.
    let version = (4 << 24) | (5 << 16) | (7 << 8) | 255;
    MavMessage::AUTOPILOT_VERSION(AUTOPILOT_VERSION_DATA {
        capabilities,
        uid: 0x504F_5254_0000_0000 | u64::from(sysid),
        flight_sw_version: version,
        middleware_sw_version: 0,
        os_sw_version: 0,
        board_version: 0,
        vendor_id: 0x1209,
        product_id: 0x5740,
        flight_custom_version: *b"portops\0",
        middleware_custom_version: [0; 8],
        os_custom_version: [0; 8],
        uid2: [0; 18],
    })
}

pub fn statustext(severity: MavSeverity, text: &str) -> MavMessage {
    // STATUSTEXT carries 50 bytes; longer texts are cut, as ArduPilot cuts them.
    let cut: String = text.chars().take(50).collect();
    MavMessage::STATUSTEXT(STATUSTEXT_DATA {
        severity,
        text: cut.as_str().into(),
        id: 0,
        chunk_seq: 0,
    })
}
