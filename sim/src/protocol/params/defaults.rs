//! ArduPilot Copter 4.x parameter defaults (names, units, types, ranges) that the simulator and the system use.
//!
//! Values are the firmware defaults from ArduPilot's parameter documentation, except where a
//! comment says SITL: there the value is what ArduPilot's SITL quad starts with, because the
//! firmware default (none) would disable a simulated part. The vehicle setup overrides what
//! its airframe needs (a 6S pack wants other BATT_* voltages than 3S defaults, for example).
//! SIM_* parameters follow ArduPilot SITL's; SIM_LINK_LOSS and SIM_BATT_SAG are ours, in its style.

use mavlink::dialects::ardupilotmega::MavParamType;

const I8: MavParamType = MavParamType::MAV_PARAM_TYPE_INT8;
const I16: MavParamType = MavParamType::MAV_PARAM_TYPE_INT16;
const I32: MavParamType = MavParamType::MAV_PARAM_TYPE_INT32;
const F32: MavParamType = MavParamType::MAV_PARAM_TYPE_REAL32;

pub struct Def {
    pub name: &'static str,
    pub value: f32,
    pub param_type: MavParamType,
    pub min: Option<f32>,
    pub max: Option<f32>,
}

const fn def(name: &'static str, value: f32, param_type: MavParamType, min: f32, max: f32) -> Def {
    Def {
        name,
        value,
        param_type,
        min: Some(min),
        max: Some(max),
    }
}

/// A parameter with no range beyond its type's.
const fn open(name: &'static str, value: f32, param_type: MavParamType) -> Def {
    Def {
        name,
        value,
        param_type,
        min: None,
        max: None,
    }
}

pub const COPTER: &[Def] = &[
    // Identity. MAVLink system id of this vehicle; the ground station whose heartbeats count
    // for the GCS failsafe.
    def("SYSID_THISMAV", 1.0, I16, 1.0, 255.0),
    def("SYSID_MYGCS", 255.0, I16, 1.0, 255.0),
    // SITL quad: FRAME_CLASS 1 = Quad, FRAME_TYPE 1 = X.
    def("FRAME_CLASS", 1.0, I8, 0.0, 15.0),
    def("FRAME_TYPE", 1.0, I8, 0.0, 19.0),
    // Geofence. FENCE_TYPE bitmask: 1 max altitude, 2 circle, 4 polygon, 8 min altitude.
    // FENCE_ACTION: 0 report, 1 RTL or land, 2 land, 3 SmartRTL or RTL, 4 brake or land,
    // 5 SmartRTL or land. Altitudes and radius in metres.
    def("FENCE_ENABLE", 0.0, I8, 0.0, 1.0),
    def("FENCE_TYPE", 7.0, I8, 0.0, 15.0),
    def("FENCE_ACTION", 1.0, I8, 0.0, 5.0),
    def("FENCE_ALT_MAX", 100.0, F32, 10.0, 1000.0),
    def("FENCE_ALT_MIN", -10.0, F32, -100.0, 100.0),
    def("FENCE_RADIUS", 300.0, F32, 30.0, 10000.0),
    def("FENCE_MARGIN", 2.0, F32, 1.0, 10.0),
    // Battery monitor (SITL: 4 = analog voltage and current). Capacity mAh, voltages V,
    // reserve mAh, LOW_TIMER s. FS actions: 0 none, 1 land, 2 RTL, 3 SmartRTL or RTL,
    // 4 SmartRTL or land, 5 terminate, 6 DO_LAND_START or RTL, 7 brake or land.
    def("BATT_MONITOR", 4.0, I8, 0.0, 30.0),
    open("BATT_CAPACITY", 3300.0, I32),
    def("BATT_LOW_VOLT", 10.5, F32, 0.0, 120.0),
    def("BATT_CRT_VOLT", 0.0, F32, 0.0, 120.0),
    def("BATT_LOW_MAH", 0.0, F32, 0.0, 1_000_000.0),
    def("BATT_CRT_MAH", 0.0, F32, 0.0, 1_000_000.0),
    def("BATT_FS_LOW_ACT", 0.0, I8, 0.0, 7.0),
    def("BATT_FS_CRT_ACT", 0.0, I8, 0.0, 7.0),
    def("BATT_LOW_TIMER", 10.0, I8, 0.0, 120.0),
    // Return to launch: RTL_ALT cm (0 = return at the current altitude), RTL_SPEED cm/s
    // (0 = WPNAV_SPEED), RTL_ALT_FINAL cm (0 = land), RTL_LOIT_TIME ms, RTL_CLIMB_MIN cm.
    def("RTL_ALT", 1500.0, I32, 0.0, 300_000.0),
    def("RTL_SPEED", 0.0, I16, 0.0, 2000.0),
    def("RTL_ALT_FINAL", 0.0, I16, 0.0, 1000.0),
    def("RTL_LOIT_TIME", 5000.0, I32, 0.0, 60_000.0),
    def("RTL_CLIMB_MIN", 0.0, I16, 0.0, 3000.0),
    // Landing: final descent cm/s, descent above LAND_ALT_LOW cm/s (0 = WPNAV_SPEED_DN).
    def("LAND_SPEED", 50.0, I16, 30.0, 200.0),
    def("LAND_SPEED_HIGH", 0.0, I16, 0.0, 2500.0),
    def("LAND_ALT_LOW", 1000.0, I16, 100.0, 10000.0),
    // Waypoint navigation: speeds cm/s, acceptance radius cm, acceleration cm/s².
    def("WPNAV_SPEED", 1000.0, F32, 10.0, 2000.0),
    def("WPNAV_SPEED_UP", 250.0, F32, 10.0, 1000.0),
    def("WPNAV_SPEED_DN", 150.0, F32, 10.0, 500.0),
    def("WPNAV_RADIUS", 200.0, F32, 5.0, 1000.0),
    def("WPNAV_ACCEL", 250.0, F32, 50.0, 500.0),
    // Take-off climb in auto/guided: PILOT_TKOFF_ALT cm, PILOT_SPEED_UP cm/s.
    def("PILOT_TKOFF_ALT", 0.0, I16, 0.0, 1000.0),
    def("PILOT_SPEED_UP", 250.0, I16, 50.0, 500.0),
    // Ground station failsafe: 0 off, 1 RTL, 2 RTL (continue in AUTO, deprecated),
    // 3 SmartRTL or RTL, 4 SmartRTL or land, 5 land, 6 DO_LAND_START or RTL, 7 brake or land;
    // timeout s. EKF failsafe action: 1 land, 2 AltHold, 3 land even in Stabilize.
    def("FS_GCS_ENABLE", 0.0, I8, 0.0, 7.0),
    def("FS_GCS_TIMEOUT", 5.0, F32, 2.0, 120.0),
    def("FS_EKF_ACTION", 1.0, I8, 1.0, 3.0),
    def("FS_EKF_THRESH", 0.8, F32, 0.6, 1.0),
    // Pre-arm checks bitmask: 1 = all, 0 = none.
    open("ARMING_CHECK", 1.0, I32),
    // GPS: 1 = auto-detect.
    def("GPS_TYPE", 1.0, I8, 0.0, 25.0),
    // Camera: trigger distance m (0 = off).
    def("CAM_TRIGG_DIST", 0.0, F32, 0.0, 1000.0),
    // Simulation. SIM_SPEEDUP: multiple of real time. GPS: DISABLE 1 = no fix; GLITCH_X/Y
    // degrees of latitude/longitude added, GLITCH_Z metres; NUMSATS satellites; JAM 1 =
    // jamming. Battery: full-pack voltage V, capacity Ah (0: the airframe's own pack),
    // SIM_BATT_SAG multiplies internal resistance (ours). Wind: speed m/s, direction it
    // blows from in degrees, turbulence m/s. SIM_LINK_LOSS: percent of packets dropped (ours).
    def("SIM_SPEEDUP", 1.0, F32, 0.01, 100_000.0),
    def("SIM_GPS_DISABLE", 0.0, I8, 0.0, 1.0),
    def("SIM_GPS_GLITCH_X", 0.0, F32, -1.0, 1.0),
    def("SIM_GPS_GLITCH_Y", 0.0, F32, -1.0, 1.0),
    def("SIM_GPS_GLITCH_Z", 0.0, F32, -1000.0, 1000.0),
    def("SIM_GPS_NUMSATS", 10.0, I8, 0.0, 50.0),
    def("SIM_GPS_JAM", 0.0, I8, 0.0, 1.0),
    def("SIM_BATT_VOLTAGE", 12.6, F32, 0.0, 100.0),
    def("SIM_BATT_CAP_AH", 0.0, F32, 0.0, 1000.0),
    def("SIM_BATT_SAG", 1.0, F32, 0.0, 100.0),
    def("SIM_WIND_SPD", 0.0, F32, 0.0, 100.0),
    def("SIM_WIND_DIR", 180.0, F32, 0.0, 360.0),
    def("SIM_WIND_TURB", 0.0, F32, 0.0, 50.0),
    def("SIM_LINK_LOSS", 0.0, F32, 0.0, 100.0),
];
