//! Parameter table with ArduPilot Copter's names and defaults, and the parameter protocol (list, read, set) over it.
//!
//! Values travel as `f32` holding the number itself (ArduPilot's "C cast" encoding, not the
//! byte-wise one), with ArduPilot's MAV_PARAM_TYPE for each parameter. Deviations from
//! ArduPilot, which stays silent on bad input: a read or set of an unknown parameter gets a
//! STATUSTEXT warning, and a value outside a parameter's range is refused with a STATUSTEXT
//! and a PARAM_VALUE carrying the unchanged value (ArduPilot does not range-check sets).
//! Integer parameters round a set value to the nearest integer.

mod defaults;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use mavlink::MavHeader;
use mavlink::dialects::ardupilotmega::{MavMessage, MavParamType, MavSeverity, PARAM_VALUE_DATA};
use thiserror::Error;

use super::{Reply, addressed_to_us, sender, statustext};

/// The longest name PARAM_VALUE can carry.
pub const MAX_NAME_LEN: usize = 16;

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub value: f32,
    pub default: f32,
    pub param_type: MavParamType,
    pub min: Option<f32>,
    pub max: Option<f32>,
}

/// Why a parameter could not be added or set.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamError {
    #[error("unknown parameter {0}")]
    Unknown(String),
    #[error("parameter name {0:?} is empty or longer than 16 characters")]
    BadName(String),
    #[error("parameter {0} already exists")]
    Duplicate(String),
    #[error("{name}: {value} is not a finite number")]
    NotFinite { name: String, value: f32 },
    #[error("{name}: {value} is outside {min}..{max}")]
    OutOfRange {
        name: String,
        value: f32,
        min: f32,
        max: f32,
    },
}

/// A parameter the ground station changed: the autopilot applies it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamChanged {
    pub name: String,
    pub value: f32,
}

/// Parameters in a fixed order (the order PARAM_REQUEST_LIST sends them and indexes count).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamTable {
    params: Vec<Param>,
    index: HashMap<String, usize>,
}

/// The range a MAV_PARAM_TYPE can hold, as f32 (the 64-bit types: what f32 can hold).
fn type_range(param_type: MavParamType) -> (f32, f32) {
    use MavParamType::*;
    match param_type {
        MAV_PARAM_TYPE_UINT8 => (0.0, f32::from(u8::MAX)),
        MAV_PARAM_TYPE_INT8 => (f32::from(i8::MIN), f32::from(i8::MAX)),
        MAV_PARAM_TYPE_UINT16 => (0.0, f32::from(u16::MAX)),
        MAV_PARAM_TYPE_INT16 => (f32::from(i16::MIN), f32::from(i16::MAX)),
        MAV_PARAM_TYPE_UINT32 => (0.0, u32::MAX as f32),
        MAV_PARAM_TYPE_INT32 => (i32::MIN as f32, i32::MAX as f32),
        MAV_PARAM_TYPE_UINT64 => (0.0, f32::MAX),
        MAV_PARAM_TYPE_INT64 | MAV_PARAM_TYPE_REAL32 | MAV_PARAM_TYPE_REAL64 => (f32::MIN, f32::MAX),
    }
}

fn is_integer(param_type: MavParamType) -> bool {
    !matches!(
        param_type,
        MavParamType::MAV_PARAM_TYPE_REAL32 | MavParamType::MAV_PARAM_TYPE_REAL64
    )
}

impl Param {
    /// The value as it would be stored (integers rounded), if it is allowed.
    fn check(&self, value: f32) -> Result<f32, ParamError> {
        if !value.is_finite() {
            return Err(ParamError::NotFinite {
                name: self.name.clone(),
                value,
            });
        }
        let value = if is_integer(self.param_type) {
            value.round()
        } else {
            value
        };
        let (type_min, type_max) = type_range(self.param_type);
        let min = self.min.map_or(type_min, |m| m.max(type_min));
        let max = self.max.map_or(type_max, |m| m.min(type_max));
        if value < min || value > max {
            return Err(ParamError::OutOfRange {
                name: self.name.clone(),
                value,
                min,
                max,
            });
        }
        Ok(value)
    }
}

impl ParamTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// ArduPilot Copter's defaults for the parameters the simulator and the rest of the
    /// system use, plus the simulator's SIM_* parameters (see `defaults.rs` for each).
    pub fn ardupilot_copter_defaults() -> Self {
        let mut table = Self::new();
        for def in defaults::COPTER {
            // The table is a constant checked by a test, so a failure here is a programming
            // error in it; skip rather than panic in a running simulator.
            let _ = table.add(def.name, def.value, def.param_type, def.min, def.max);
        }
        table
    }

    /// Appends a parameter with `default` as its value.
    pub fn add(
        &mut self,
        name: &str,
        default: f32,
        param_type: MavParamType,
        min: Option<f32>,
        max: Option<f32>,
    ) -> Result<(), ParamError> {
        if name.is_empty() || name.len() > MAX_NAME_LEN || !name.is_ascii() {
            return Err(ParamError::BadName(name.to_string()));
        }
        if self.index.contains_key(name) {
            return Err(ParamError::Duplicate(name.to_string()));
        }
        let mut param = Param {
            name: name.to_string(),
            value: default,
            default,
            param_type,
            min,
            max,
        };
        let checked = param.check(default)?;
        param.value = checked;
        param.default = checked;
        self.index.insert(param.name.clone(), self.params.len());
        self.params.push(param);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Param> {
        self.params.iter()
    }

    pub fn get(&self, name: &str) -> Option<f32> {
        self.param(name).map(|p| p.value)
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.index_of(name).and_then(|i| self.params.get(i))
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn by_index(&self, index: usize) -> Option<&Param> {
        self.params.get(index)
    }

    /// Sets a value after the range check; returns the value stored (integers rounded).
    pub fn set(&mut self, name: &str, value: f32) -> Result<f32, ParamError> {
        let i = self
            .index_of(name)
            .ok_or_else(|| ParamError::Unknown(name.to_string()))?;
        let param = &mut self.params[i];
        let stored = param.check(value)?;
        param.value = stored;
        Ok(stored)
    }

    /// PARAM_VALUE for the parameter at `index`.
    pub fn param_value(&self, index: usize) -> Option<MavMessage> {
        let param = self.params.get(index)?;
        Some(MavMessage::PARAM_VALUE(PARAM_VALUE_DATA {
            param_value: param.value,
            param_count: u16::try_from(self.params.len()).unwrap_or(u16::MAX),
            param_index: u16::try_from(index).unwrap_or(u16::MAX),
            param_id: param.name.as_str().into(),
            param_type: param.param_type,
        }))
    }
}

/// The parameter protocol of one vehicle, over its table.
#[derive(Debug, Clone)]
pub struct ParamServer {
    sysid: u8,
    compid: u8,
    table: ParamTable,
}

impl ParamServer {
    pub fn new(sysid: u8, compid: u8, table: ParamTable) -> Self {
        Self { sysid, compid, table }
    }

    /// Which system id requests must carry. ArduPilot applies a new SYSID_THISMAV only at
    /// reboot, so a PARAM_SET of it does not call this by itself.
    pub fn set_sysid(&mut self, sysid: u8) {
        self.sysid = sysid;
    }

    pub fn table(&self) -> &ParamTable {
        &self.table
    }

    /// For the simulator's own changes (configuration, failure injection); announce them with
    /// [`ParamTable::param_value`] if ground stations should see them at once.
    pub fn table_mut(&mut self) -> &mut ParamTable {
        &mut self.table
    }

    /// Handles PARAM_REQUEST_LIST, PARAM_REQUEST_READ and PARAM_SET addressed to us; anything
    /// else gives an empty reply. Parameters have no timing, so no `now`.
    pub fn handle(&mut self, header: &MavHeader, msg: &MavMessage) -> Reply<ParamChanged> {
        if sender(header).is_none() || !addressed_to_us(msg, self.sysid, self.compid) {
            return Reply::none();
        }
        match msg {
            MavMessage::PARAM_REQUEST_LIST(_) => Reply {
                messages: (0..self.table.len())
                    .filter_map(|i| self.table.param_value(i))
                    .collect(),
                events: Vec::new(),
            },
            MavMessage::PARAM_REQUEST_READ(m) => {
                // MAVLink: index -1 means "by name"; any other index ignores the name.
                let found = if m.param_index == -1 {
                    let name = param_name(&m.param_id);
                    self.table.index_of(name).ok_or(format!("Unknown parameter {name}"))
                } else {
                    usize::try_from(m.param_index)
                        .ok()
                        .filter(|&i| i < self.table.len())
                        .ok_or(format!("No parameter at index {}", m.param_index))
                };
                match found.map(|i| self.table.param_value(i)) {
                    Ok(Some(value)) => Reply::message(value),
                    Ok(None) => Reply::none(),
                    Err(text) => Reply::message(statustext(MavSeverity::MAV_SEVERITY_WARNING, &text)),
                }
            }
            MavMessage::PARAM_SET(m) => self.on_set(param_name(&m.param_id), m.param_value),
            _ => Reply::none(),
        }
    }

    fn on_set(&mut self, name: &str, value: f32) -> Reply<ParamChanged> {
        let Some(index) = self.table.index_of(name) else {
            return Reply::message(statustext(
                MavSeverity::MAV_SEVERITY_WARNING,
                &format!("Unknown parameter {name}"),
            ));
        };
        let before = self.table.by_index(index).map(|p| p.value);
        let mut reply = Reply::none();
        match self.table.set(name, value) {
            Ok(stored) => {
                if before != Some(stored) {
                    reply.events.push(ParamChanged {
                        name: name.to_string(),
                        value: stored,
                    });
                }
            }
            Err(err) => {
                reply.messages.push(statustext(
                    MavSeverity::MAV_SEVERITY_WARNING,
                    &format!("Param set refused: {err}"),
                ));
            }
        }
        // Either way the sender learns the value now stored (MAVLink parameter protocol).
        reply.messages.extend(self.table.param_value(index));
        reply
    }
}

/// A param_id field as a name: up to the first NUL, all 16 bytes when there is none. Bytes
/// that are not UTF-8 give an empty name, which matches no parameter.
fn param_name(id: &mavlink::types::CharArray<16>) -> &str {
    id.to_str().unwrap_or("")
}
