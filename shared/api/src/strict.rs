//! Request bodies refuse members they do not know, as
//! `#[serde(deny_unknown_fields)]` would, but at the edge: the value types
//! the API shares with the table ([`wire`]) must stay lenient, since the
//! table's readers meet members that a later release adds (a rollout, a
//! rollback).
//!
//! [`Strict`] deserializes from a parsed JSON value and, for every struct
//! (serde names its fields when it asks for one), refuses a member that no
//! field names, with serde's own error (`unknown field `x`, expected one of
//! ...`) at the member's path. Everything else is the JSON value's own
//! deserializer. A struct read through `#[serde(flatten)]` or an enum's
//! content is not checked (none of the API's request bodies has either).

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Error, Value};

/// A JSON value read strictly (see the module's docs).
pub struct Strict<'de>(pub &'de Value);

/// Methods whose value is read as the JSON value reads it.
macro_rules! as_the_value_does {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.0.$method(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(members) => visitor.visit_map(Members::new(members, None)),
            value => value.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            value => value.deserialize_seq(visitor),
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
        match self.0 {
            Value::Object(members) => visitor.visit_map(Members::new(members, None)),
            value => value.deserialize_map(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(members) => visitor.visit_map(Members::new(members, Some(fields))),
            value => value.deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    as_the_value_does!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_identifier,
    );
}

/// The items of an array, each read strictly.
struct Items<'de>(std::slice::Iter<'de, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|item| seed.deserialize(Strict(item))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The members of an object, each value read strictly; a struct's members
/// must be among its `fields`.
struct Members<'de> {
    members: serde_json::map::Iter<'de>,
    fields: Option<&'static [&'static str]>,
    value: Option<&'de Value>,
}

impl<'de> Members<'de> {
    fn new(
        members: &'de serde_json::Map<String, Value>,
        fields: Option<&'static [&'static str]>,
    ) -> Self {
        Self { members: members.iter(), fields, value: None }
    }
}

impl<'de> MapAccess<'de> for Members<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((name, value)) = self.members.next() else { return Ok(None) };
        self.value = Some(value);
        // The key first: a caller tracking paths then names the member.
        let key = seed.deserialize(BorrowedStrDeserializer::<Error>::new(name))?;
        match self.fields {
            Some(fields) if !fields.contains(&name.as_str()) => {
                Err(Error::unknown_field(name, fields))
            }
            _ => Ok(Some(key)),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Strict(value)),
            None => Err(Error::custom("a value was asked for before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Line {
        id: String,
        #[serde(default)]
        site: Option<Site>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Site {
        label: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Deal {
        lines: Vec<Line>,
        #[serde(default)]
        details: BTreeMap<String, String>,
    }

    fn read<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, (String, String)> {
        serde_path_to_error::deserialize(Strict(&value))
            .map_err(|e| (e.path().to_string(), e.inner().to_string()))
    }

    #[test]
    fn a_known_shape_reads_as_the_value_does() {
        let value =
            json!({"lines": [{"id": "L1", "site": {"label": "HQ"}}], "details": {"a": "b"}});
        let strict: Deal = read(value.clone()).unwrap();
        assert_eq!(strict, serde_json::from_value::<Deal>(value).unwrap());
    }

    #[test]
    fn an_unknown_member_is_refused_at_its_path_with_serde_s_message() {
        let (path, message) =
            read::<Deal>(json!({"lines": [{"id": "L1", "site": {"label": "HQ", "x": 1}}]}))
                .unwrap_err();
        assert_eq!(path, "lines[0].site.x");
        assert_eq!(message, "unknown field `x`, expected `label`");
        let (path, message) = read::<Deal>(json!({"lines": [], "admin": true})).unwrap_err();
        assert_eq!(
            (path.as_str(), message.as_str()),
            ("admin", "unknown field `admin`, expected `lines` or `details`")
        );
    }

    #[test]
    fn maps_take_any_member() {
        let deal: Deal = read(json!({"lines": [], "details": {"vlan": "120"}})).unwrap();
        assert_eq!(deal.details["vlan"], "120");
    }
}
