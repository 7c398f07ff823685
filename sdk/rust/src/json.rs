//! Strict reading of the server's JSON.
//!
//! `{"approved": false, "approved": true}` means different things to different parsers
//! (`serde_json`'s `Value` keeps the last), so a duplicate key anywhere in a frame is refused,
//! like NaN, trailing data and nesting deeper than `serde_json`'s recursion limit (128).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parse `text` as one JSON value, refusing duplicate keys; the error says why.
pub(crate) fn parse_strict(text: &str) -> Result<Value, String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let Strict(value) = Strict::deserialize(&mut deserializer).map_err(|e| e.to_string())?;
    deserializer.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// A `Value` whose objects were read without a duplicate key.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Number::from_f64(value).map(Value::Number).ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_strict;
    use serde_json::json;

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a": [1, -2, 3.5, "x", null, true], "b": {"c": {}}}"#;
        assert_eq!(parse_strict(text), Ok(serde_json::from_str(text).unwrap()));
    }

    #[test]
    fn refuses_duplicate_keys_at_any_depth() {
        for text in [
            r#"{"approved": false, "approved": true}"#,
            r#"{"type": "pong", "x": {"a": 1, "a": 2}}"#,
            r#"{"x": [{"a": 1, "a": 1}]}"#,
        ] {
            let error = parse_strict(text).unwrap_err();
            assert!(error.contains("duplicate key"), "{text}: {error}");
        }
    }

    #[test]
    fn tells_keys_with_escapes_apart() {
        let value = parse_strict(r#"{"a\"b": 1, "a": 2}"#).unwrap();
        assert_eq!(value, json!({"a\"b": 1, "a": 2}));
        assert!(parse_strict(r#"{"\u0061": 1, "a": 2}"#).is_err());
    }

    #[test]
    fn refuses_what_is_not_one_json_value() {
        for text in ["{", "NaN", r#"{"x": NaN}"#, "{} {}", "", "[1,]"] {
            assert!(parse_strict(text).is_err(), "{text}");
        }
    }

    #[test]
    fn refuses_nesting_past_the_recursion_limit() {
        let nested = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        assert!(parse_strict(&nested).is_err());
    }
}
