//! Typed decoding of a `serde_json::Value` that remembers the field path of the first error
//! (`spec.containers[0].ports[1].containerPort`), for [`super::decode`].
//!
//! It behaves as `serde_path_to_error::deserialize(value)` did (same paths, same
//! `serde_json::Error` messages, since leaf values are still decoded by serde_json's own
//! `Value` deserializer and errors are built with `serde_json::Error`), but it does not wrap
//! every visitor and seed in generic adapters: each typed object's `Deserialize` impl is
//! instantiated once, against this deserializer. That keeps the web app's wasm much smaller.
//!
//! Path rules, as serde_path_to_error: a map value adds its key (`a.b`), a sequence element
//! its index (`a[0]`), an enum's newtype/struct/tuple content its variant name; the path
//! recorded is the innermost one at which an error was first seen; an error at the root has
//! the empty path.

use std::cell::RefCell;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Error as _, IntoDeserializer, Unexpected, Visitor,
};
use serde_json::{Error, Map, Value};

/// One step of a path.
enum Segment {
    /// A map key or struct field.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// The path being decoded and the path of the first error.
#[derive(Default)]
struct Track {
    /// Segments from the root to the value being decoded.
    stack: RefCell<Vec<Segment>>,
    /// The path of the first error seen, once one was.
    error: RefCell<Option<String>>,
}

impl Track {
    /// Runs `f` with `segment` pushed; records the path if `f` fails and none was recorded.
    fn within<R>(
        &self,
        segment: Segment,
        f: impl FnOnce() -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.stack.borrow_mut().push(segment);
        let result = f();
        if result.is_err() {
            self.record();
        }
        self.stack.borrow_mut().pop();
        result
    }

    /// Records the current path as the error's, unless an inner one was recorded first.
    fn record(&self) {
        let mut error = self.error.borrow_mut();
        if error.is_none() {
            let mut path = String::new();
            for segment in self.stack.borrow().iter() {
                match segment {
                    Segment::Index(i) => path.push_str(&format!("[{i}]")),
                    Segment::Key(key) => {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(key);
                    }
                }
            }
            *error = Some(path);
        }
    }
}

/// Decodes `value` as a `T`; on failure returns the field path of the error (empty at the
/// root) and serde_json's error.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, (String, Error)> {
    let track = Track::default();
    T::deserialize(ValueDe {
        value,
        track: &track,
    })
    .map_err(|err| (track.error.take().unwrap_or_default(), err))
}

/// What serde reports a JSON value as, in errors (as serde_json's `Value::unexpected`).
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Unexpected::Unsigned(u)
            } else if let Some(i) = n.as_i64() {
                Unexpected::Signed(i)
            } else {
                Unexpected::Float(n.as_f64().unwrap_or_default())
            }
        }
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// One value being decoded.
struct ValueDe<'t> {
    /// The value.
    value: Value,
    /// The shared path tracker.
    track: &'t Track,
}

impl<'t> ValueDe<'t> {
    /// Visits an array through [`SeqDe`], then checks every element was consumed.
    fn visit_array<'de, V: Visitor<'de>>(
        self,
        array: Vec<Value>,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let len = array.len();
        let mut seq = SeqDe {
            iter: array.into_iter(),
            index: 0,
            track: self.track,
        };
        let out = visitor.visit_seq(&mut seq)?;
        if seq.iter.len() == 0 {
            Ok(out)
        } else {
            Err(Error::invalid_length(len, &"fewer elements in array"))
        }
    }

    /// Visits an object through [`MapDe`], then checks every entry was consumed.
    fn visit_object<'de, V: Visitor<'de>>(
        self,
        object: Map<String, Value>,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let len = object.len();
        let mut map = MapDe {
            iter: object.into_iter(),
            value: None,
            track: self.track,
        };
        let out = visitor.visit_map(&mut map)?;
        if map.iter.len() == 0 {
            Ok(out)
        } else {
            Err(Error::invalid_length(len, &"fewer elements in map"))
        }
    }
}

/// Scalars are decoded by serde_json's own `Value` deserializer.
macro_rules! delegate {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                de::Deserializer::$method(self.value, visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for ValueDe<'_> {
    type Error = Error;

    delegate! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_identifier
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Array(a) => ValueDe {
                value: Value::Null,
                track: self.track,
            }
            .visit_array(a, visitor),
            Value::Object(o) => ValueDe {
                value: Value::Null,
                track: self.track,
            }
            .visit_object(o, visitor),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            other => Err(Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let track = self.track;
        match self.value {
            Value::Array(a) => ValueDe {
                value: Value::Null,
                track,
            }
            .visit_array(a, visitor),
            other => Err(Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let track = self.track;
        match self.value {
            Value::Object(o) => ValueDe {
                value: Value::Null,
                track,
            }
            .visit_object(o, visitor),
            other => Err(Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let track = self.track;
        match self.value {
            Value::Array(a) => ValueDe {
                value: Value::Null,
                track,
            }
            .visit_array(a, visitor),
            Value::Object(o) => ValueDe {
                value: Value::Null,
                track,
            }
            .visit_object(o, visitor),
            other => Err(Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let track = self.track;
        let (variant, value) = match self.value {
            Value::Object(o) => {
                let mut iter = o.into_iter();
                let (Some((variant, value)), None) = (iter.next(), iter.next()) else {
                    return Err(Error::invalid_value(
                        Unexpected::Map,
                        &"map with a single key",
                    ));
                };
                (variant, Some(value))
            }
            Value::String(variant) => (variant, None),
            other => return Err(Error::invalid_type(unexpected(&other), &"string or map")),
        };
        visitor.visit_enum(EnumDe {
            variant,
            value,
            track,
        })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// The elements of an array.
struct SeqDe<'t> {
    /// Elements not yet decoded.
    iter: std::vec::IntoIter<Value>,
    /// Index of the next element.
    index: usize,
    /// The shared path tracker.
    track: &'t Track,
}

impl<'de> de::SeqAccess<'de> for SeqDe<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(value) = self.iter.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        let track = self.track;
        track
            .within(Segment::Index(index), || {
                seed.deserialize(ValueDe { value, track })
            })
            .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The entries of an object.
struct MapDe<'t> {
    /// Entries not yet decoded.
    iter: <Map<String, Value> as IntoIterator>::IntoIter,
    /// The key and value of the entry whose key was just decoded.
    value: Option<(String, Value)>,
    /// The shared path tracker.
    track: &'t Track,
}

impl<'de> de::MapAccess<'de> for MapDe<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        let decoded = self.track.within(Segment::Key(key.clone()), || {
            seed.deserialize(IntoDeserializer::<Error>::into_deserializer(key.clone()))
        })?;
        self.value = Some((key, value));
        Ok(Some(decoded))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, value)) = self.value.take() else {
            return Err(Error::custom("value is missing"));
        };
        let track = self.track;
        track.within(Segment::Key(key), || {
            seed.deserialize(ValueDe { value, track })
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An enum: its variant name and, for newtype, tuple and struct variants, its content.
struct EnumDe<'t> {
    /// The variant name.
    variant: String,
    /// The content, absent for a variant written as a plain string.
    value: Option<Value>,
    /// The shared path tracker.
    track: &'t Track,
}

impl<'de, 't> de::EnumAccess<'de> for EnumDe<'t> {
    type Error = Error;
    type Variant = VariantDe<'t>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantDe<'t>), Error> {
        let decoded = seed.deserialize(IntoDeserializer::<Error>::into_deserializer(
            self.variant.clone(),
        ))?;
        Ok((
            decoded,
            VariantDe {
                variant: self.variant,
                value: self.value,
                track: self.track,
            },
        ))
    }
}

/// The content of an enum variant.
struct VariantDe<'t> {
    /// The variant name (the path segment of its content).
    variant: String,
    /// The content.
    value: Option<Value>,
    /// The shared path tracker.
    track: &'t Track,
}

impl<'de> de::VariantAccess<'de> for VariantDe<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(Error::invalid_type(unexpected(&other), &"unit")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        let track = self.track;
        match self.value {
            Some(value) => track.within(Segment::Key(self.variant), || {
                seed.deserialize(ValueDe { value, track })
            }),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        let track = self.track;
        match self.value {
            Some(Value::Array(a)) => track.within(Segment::Key(self.variant), || {
                if a.is_empty() {
                    visitor.visit_unit()
                } else {
                    ValueDe {
                        value: Value::Null,
                        track,
                    }
                    .visit_array(a, visitor)
                }
            }),
            Some(other) => Err(Error::invalid_type(unexpected(&other), &"tuple variant")),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let track = self.track;
        match self.value {
            Some(Value::Object(o)) => track.within(Segment::Key(self.variant), || {
                ValueDe {
                    value: Value::Null,
                    track,
                }
                .visit_object(o, visitor)
            }),
            Some(other) => Err(Error::invalid_type(unexpected(&other), &"struct variant")),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::from_value;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "only decoded")]
    struct Outer {
        name: String,
        items: Vec<Inner>,
        #[serde(default)]
        mode: Option<Mode>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code, reason = "only decoded")]
    struct Inner {
        container_port: u16,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only decoded")]
    enum Mode {
        Fast,
        Slow { factor: u8 },
    }

    /// The path and message, checked against serde_path_to_error over serde_json's own
    /// `Value` deserializer (what decoding used before).
    fn error(value: serde_json::Value) -> (String, String) {
        let (path, err) = from_value::<Outer>(value.clone()).expect_err("must fail");
        let reference = serde_path_to_error::deserialize::<_, Outer>(value).expect_err("must fail");
        let reference_path = reference.path().to_string();
        let reference_path = if reference_path == "." {
            String::new()
        } else {
            reference_path
        };
        assert_eq!(path, reference_path);
        assert_eq!(err.to_string(), reference.into_inner().to_string());
        (path, err.to_string())
    }

    #[test]
    fn paths_and_messages_match_serde_path_to_error_over_serde_json() {
        assert_eq!(
            error(json!({"name": "a", "items": [{"containerPort": 80}, {"containerPort": 70000}]})),
            (
                "items[1].containerPort".to_owned(),
                "invalid value: integer `70000`, expected u16".to_owned()
            )
        );
        assert_eq!(
            error(json!({"name": "a", "items": [{"containerPrt": 80}]})),
            (
                "items[0].containerPrt".to_owned(),
                "unknown field `containerPrt`, expected `containerPort`".to_owned()
            )
        );
        assert_eq!(
            error(json!({"items": []})),
            (String::new(), "missing field `name`".to_owned())
        );
        assert_eq!(
            error(json!({"name": null, "items": []})),
            (
                "name".to_owned(),
                "invalid type: null, expected a string".to_owned()
            )
        );
        assert_eq!(
            error(json!({"name": "a", "items": {}})),
            (
                "items".to_owned(),
                "invalid type: map, expected a sequence".to_owned()
            )
        );
        assert_eq!(
            error(json!({"name": "a", "items": [], "mode": "Medium"})),
            (
                "mode".to_owned(),
                "unknown variant `Medium`, expected `Fast` or `Slow`".to_owned()
            )
        );
        assert_eq!(
            error(json!({"name": "a", "items": [], "mode": {"Slow": {"factor": -1}}})),
            (
                "mode.Slow.factor".to_owned(),
                "invalid value: integer `-1`, expected u8".to_owned()
            )
        );
        let ok: Outer =
            from_value(json!({"name": "a", "items": [{"containerPort": 1}], "mode": "Fast"}))
                .expect("decodes");
        assert_eq!(ok.items.len(), 1);
    }
}
