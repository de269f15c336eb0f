//! Typed access to parsed JSON whose errors say where in the file a value is, and JSON helpers.

use serde_json::{Map, Number, Value};

use super::QgcError;
use crate::geodesy::LatLon;

/// How a value is described in error messages.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong(at: &str, expected: &'static str, v: &Value) -> QgcError {
    QgcError::WrongType {
        at: at.to_string(),
        expected,
        found: kind(v).to_string(),
    }
}

pub(super) fn number(at: &str, v: &Value) -> Result<f64, QgcError> {
    v.as_f64().ok_or_else(|| wrong(at, "a number", v))
}

/// An integral number (QGroundControl writes counts and enums as JSON numbers).
pub(super) fn integer(at: &str, v: &Value) -> Result<i64, QgcError> {
    if let Some(i) = v.as_i64() {
        return Ok(i);
    }
    let f = number(at, v)?;
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Ok(f as i64)
    } else {
        Err(wrong(at, "an integer", v))
    }
}

pub(super) fn array<'a>(at: &str, v: &'a Value) -> Result<&'a Vec<Value>, QgcError> {
    v.as_array().ok_or_else(|| wrong(at, "an array", v))
}

/// A `[lat, lon]` pair.
pub(super) fn latlon(at: &str, v: &Value) -> Result<LatLon, QgcError> {
    let a = array(at, v)?;
    if a.len() != 2 {
        return Err(QgcError::WrongLength {
            at: at.to_string(),
            expected: 2,
            found: a.len(),
        });
    }
    checked_latlon(at, number(at, &a[0])?, number(at, &a[1])?)
}

/// A `[lat, lon, alt]` triple.
pub(super) fn latlonalt(at: &str, v: &Value) -> Result<(LatLon, f64), QgcError> {
    let a = array(at, v)?;
    if a.len() != 3 {
        return Err(QgcError::WrongLength {
            at: at.to_string(),
            expected: 3,
            found: a.len(),
        });
    }
    let p = checked_latlon(at, number(at, &a[0])?, number(at, &a[1])?)?;
    Ok((p, number(at, &a[2])?))
}

pub(super) fn checked_latlon(at: &str, lat: f64, lon: f64) -> Result<LatLon, QgcError> {
    check_range(at, "latitude", lat, 90.0)?;
    check_range(at, "longitude", lon, 180.0)?;
    Ok(LatLon::new(lat, lon))
}

pub(super) fn check_range(at: &str, what: &'static str, value: f64, limit: f64) -> Result<(), QgcError> {
    if value.is_finite() && value.abs() <= limit {
        Ok(())
    } else {
        Err(QgcError::OutOfRange {
            at: at.to_string(),
            what,
            value,
        })
    }
}

/// A JSON object and where it is in the file, with typed accessors whose errors name the key.
pub(super) struct Obj<'a> {
    /// "" for the file itself, else e.g. "mission.items[3]".
    pub at: String,
    pub map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    pub fn of(at: String, v: &'a Value) -> Result<Self, QgcError> {
        match v {
            Value::Object(map) => Ok(Obj { at, map }),
            other => Err(wrong(&super::location(&at), "an object", other)),
        }
    }

    /// Where `key` of this object is, e.g. "mission.items[3].params".
    pub fn path(&self, key: &str) -> String {
        if self.at.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.at)
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub fn req(&self, key: &str) -> Result<&'a Value, QgcError> {
        self.map.get(key).ok_or_else(|| QgcError::Missing {
            at: super::location(&self.at),
            key: key.to_string(),
        })
    }

    pub fn f64(&self, key: &str) -> Result<f64, QgcError> {
        number(&self.path(key), self.req(key)?)
    }

    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>, QgcError> {
        self.get(key).map(|v| number(&self.path(key), v)).transpose()
    }

    pub fn int(&self, key: &str) -> Result<i64, QgcError> {
        integer(&self.path(key), self.req(key)?)
    }

    pub fn opt_int(&self, key: &str) -> Result<Option<i64>, QgcError> {
        self.get(key).map(|v| integer(&self.path(key), v)).transpose()
    }

    pub fn bool(&self, key: &str) -> Result<bool, QgcError> {
        let v = self.req(key)?;
        v.as_bool().ok_or_else(|| wrong(&self.path(key), "a boolean", v))
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, QgcError> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.bool(key).map(Some),
        }
    }

    pub fn str(&self, key: &str) -> Result<&'a str, QgcError> {
        let v = self.req(key)?;
        v.as_str().ok_or_else(|| wrong(&self.path(key), "a string", v))
    }

    pub fn array(&self, key: &str) -> Result<&'a Vec<Value>, QgcError> {
        array(&self.path(key), self.req(key)?)
    }

    pub fn object(&self, key: &str) -> Result<Obj<'a>, QgcError> {
        Obj::of(self.path(key), self.req(key)?)
    }

    /// Keys of this object that are not in `known`, for warnings about what is not kept.
    pub fn unknown_keys(&self, known: &[&str]) -> Vec<String> {
        self.map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect()
    }
}

/// A number as QGroundControl writes it: integral values without a fraction, NaN as null.
pub(super) fn num(x: f64) -> Value {
    // -0.0 stays a float: a loiter's direction is the sign of its radius, even a zero one.
    let integral = x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15;
    if integral && !(x == 0.0 && x.is_sign_negative()) {
        Value::from(x as i64)
    } else {
        Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

/// Equality that treats 5 and 5.0 as the same number, as JSON does.
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Writes `overlay` over `base`, merging nested objects key by key.
pub(super) fn merge(base: &mut Map<String, Value>, overlay: &Map<String, Value>) {
    for (key, value) in overlay {
        match (base.get_mut(key), value) {
            (Some(Value::Object(inner)), Value::Object(over)) => merge(inner, over),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_writes_integers_plainly() {
        assert_eq!(num(50.0).to_string(), "50");
        assert_eq!(num(f64::NAN), Value::Null);
        assert_eq!(num(0.25).to_string(), "0.25");
        assert_eq!(num(-3.0).to_string(), "-3");
        let minus_zero = super::super::json::parse(&num(-0.0).to_string()).unwrap();
        assert!(minus_zero.as_f64().unwrap().is_sign_negative());
        assert!(same(&num(5.0), &Value::from(5.0)));
    }
}
