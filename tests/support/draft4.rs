//! The EventBridge schema registry's `JSONSchemaDraft4` export of an event:
//! its envelope schema and its detail schema (both draft 2020-12) made into
//! one self-contained draft-04 document.
//!
//! Draft 04 has no `const` (a single-value `enum` says the same), no
//! `$defs` (`definitions`), a boolean `exclusiveMinimum`, and only the
//! formats `date-time`, `email`, `hostname`, `ipv4`, `ipv6` and `uri`: `uuid`
//! and `date` become patterns, so that a draft-04 validator still checks
//! them. Any other keyword stops the export instead of being passed on
//! unchecked.

use serde_json::{Map, Value, json};

pub const DRAFT4: &str = "http://json-schema.org/draft-04/schema#";

const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const DATE_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";
const DRAFT4_FORMATS: [&str; 6] = ["date-time", "email", "hostname", "ipv4", "ipv6", "uri"];

/// Keywords draft 04 knows with the same meaning as draft 2020-12.
const SAME: [&str; 18] = [
    "type",
    "enum",
    "title",
    "description",
    "default",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "required",
    "additionalProperties",
];

/// Why a schema has no draft-04 export.
#[derive(Debug, PartialEq)]
pub enum ExportError {
    Unsupported { at: String, keyword: String },
    Inexpressible { at: String, value: String, why: &'static str },
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unsupported { at, keyword } => {
                write!(f, "{at}: `{keyword}` has no draft-04 equivalent this export knows")
            }
            Self::Inexpressible { at, value, why } => {
                write!(f, "{at}: `{value}` cannot be expressed in draft 04 ({why})")
            }
        }
    }
}

impl std::error::Error for ExportError {}

/// The draft-04 document of `detail_type`: `envelope` with its detail's
/// `$ref` (to `<detail_type>.schema.json`) pointing at `definitions`, and
/// EventBridge's `x-amazon-events-*` annotations.
pub fn export(detail_type: &str, envelope: &Value, detail: &Value) -> Result<Value, ExportError> {
    let refs = Refs { detail_type };
    let Value::Object(mut root) = refs.convert(envelope, "")? else {
        return Err(inexpressible("", envelope, "an envelope is an object schema"));
    };
    let mut definitions = Map::new();
    if let Some(Value::Object(defs)) = detail.get("$defs") {
        for (name, schema) in defs {
            let at = format!("/$defs/{name}");
            definitions.insert(format!("{detail_type}.{name}"), refs.convert(schema, &at)?);
        }
    }
    let mut detail = detail.clone();
    if let Some(object) = detail.as_object_mut() {
        object.remove("$defs");
    }
    definitions.insert(detail_type.to_owned(), refs.convert(&detail, "")?);
    root.insert("$schema".into(), json!(DRAFT4));
    root.insert("title".into(), json!(detail_type));
    root.insert("definitions".into(), Value::Object(definitions));
    root.insert("x-amazon-events-detail-type".into(), json!(detail_type));
    root.insert("x-amazon-events-source".into(), json!(domain::events::SOURCE));
    Ok(Value::Object(root))
}

fn inexpressible(at: &str, value: &Value, why: &'static str) -> ExportError {
    ExportError::Inexpressible { at: at.to_owned(), value: value.to_string(), why }
}

/// Rewrites the references of one event's schemas.
struct Refs<'a> {
    detail_type: &'a str,
}

impl Refs<'_> {
    fn reference(&self, target: &str, at: &str) -> Result<Value, ExportError> {
        if target == format!("{}.schema.json", self.detail_type) {
            return Ok(json!(format!("#/definitions/{}", self.detail_type)));
        }
        match target.strip_prefix("#/$defs/") {
            Some(name) => Ok(json!(format!("#/definitions/{}.{name}", self.detail_type))),
            None => Err(inexpressible(at, &json!(target), "only the detail and $defs are known")),
        }
    }

    /// One schema of draft 2020-12 as draft 04; `at` is its JSON pointer.
    fn convert(&self, schema: &Value, at: &str) -> Result<Value, ExportError> {
        let Value::Object(source) = schema else {
            return Err(inexpressible(at, schema, "draft 04 has no boolean schemas"));
        };
        let mut out = Map::new();
        for (keyword, value) in source {
            let here = format!("{at}/{keyword}");
            match keyword.as_str() {
                // Identity and comments: the export is one anonymous document.
                "$schema" | "$id" | "$comment" => {}
                "const" => {
                    out.insert("enum".into(), json!([value]));
                }
                "$ref" => {
                    out.insert("$ref".into(), self.reference(value.as_str().unwrap_or(""), &here)?);
                }
                "format" => format(value, &here, &mut out)?,
                "exclusiveMinimum" | "exclusiveMaximum" => {
                    let bound = if keyword == "exclusiveMinimum" { "minimum" } else { "maximum" };
                    out.insert(bound.into(), value.clone());
                    out.insert(keyword.clone(), json!(true));
                }
                "properties" | "patternProperties" => {
                    out.insert(keyword.clone(), self.convert_map(value, &here)?);
                }
                "items" | "not" => {
                    out.insert(keyword.clone(), self.convert(value, &here)?);
                }
                "oneOf" | "anyOf" | "allOf" => {
                    out.insert(keyword.clone(), self.convert_list(value, &here)?);
                }
                "additionalProperties" if value.is_object() => {
                    out.insert(keyword.clone(), self.convert(value, &here)?);
                }
                // Draft 04 wants at least one required name.
                "required" if value.as_array().is_some_and(Vec::is_empty) => {}
                k if SAME.contains(&k) || k.starts_with("x-") => {
                    out.insert(keyword.clone(), value.clone());
                }
                _ => {
                    return Err(ExportError::Unsupported {
                        at: at.to_owned(),
                        keyword: keyword.clone(),
                    });
                }
            }
        }
        Ok(Value::Object(out))
    }

    fn convert_map(&self, map: &Value, at: &str) -> Result<Value, ExportError> {
        let Value::Object(map) = map else {
            return Err(inexpressible(at, map, "a map of schemas"));
        };
        let mut out = Map::new();
        for (name, schema) in map {
            out.insert(name.clone(), self.convert(schema, &format!("{at}/{name}"))?);
        }
        Ok(Value::Object(out))
    }

    fn convert_list(&self, list: &Value, at: &str) -> Result<Value, ExportError> {
        let Value::Array(list) = list else {
            return Err(inexpressible(at, list, "a list of schemas"));
        };
        let converted: Result<Vec<Value>, ExportError> =
            list.iter().enumerate().map(|(i, s)| self.convert(s, &format!("{at}/{i}"))).collect();
        Ok(Value::Array(converted?))
    }
}

/// A `format`: kept if draft 04 defines it, a pattern for `uuid` and `date`.
fn format(value: &Value, at: &str, out: &mut Map<String, Value>) -> Result<(), ExportError> {
    let pattern = match value.as_str() {
        Some(f) if DRAFT4_FORMATS.contains(&f) => {
            out.insert("format".into(), value.clone());
            return Ok(());
        }
        Some("uuid") => UUID_PATTERN,
        Some("date") => DATE_PATTERN,
        _ => return Err(inexpressible(at, value, "not a draft-04 format")),
    };
    if out.contains_key("pattern") {
        return Err(inexpressible(at, value, "a pattern already constrains it"));
    }
    out.insert("pattern".into(), json!(pattern));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://example.test/E.schema.json",
            "type": "object",
            "properties": {
                "const": { "const": "x" },
                "id": { "type": "string", "format": "uuid" },
                "on": { "type": "string", "format": "date" },
                "n": { "type": "integer", "exclusiveMinimum": 0 },
                "part": { "$ref": "#/$defs/part" }
            },
            "required": ["id"],
            "$defs": { "part": { "type": "object", "required": [] } }
        })
    }

    fn envelope() -> Value {
        json!({ "type": "object", "properties": { "detail": { "$ref": "E.schema.json" } } })
    }

    #[test]
    fn const_defs_formats_and_bounds_become_draft_04() {
        let out = export("E", &envelope(), &detail()).unwrap();
        assert_eq!(out["$schema"], DRAFT4);
        assert_eq!(out["properties"]["detail"]["$ref"], "#/definitions/E");
        let e = &out["definitions"]["E"];
        assert!(e.get("$id").is_none() && e.get("$defs").is_none());
        assert_eq!(e["properties"]["const"], json!({ "enum": ["x"] }), "a property named const");
        assert_eq!(e["properties"]["id"]["pattern"], UUID_PATTERN);
        assert_eq!(e["properties"]["on"]["pattern"], DATE_PATTERN);
        assert_eq!(
            e["properties"]["n"],
            json!({"type": "integer", "minimum": 0,
            "exclusiveMinimum": true})
        );
        assert_eq!(e["properties"]["part"]["$ref"], "#/definitions/E.part");
        assert_eq!(out["definitions"]["E.part"], json!({ "type": "object" }));
        assert!(jsonschema::draft4::meta::is_valid(&out), "{out:#}");
    }

    #[test]
    fn keywords_without_a_draft_04_meaning_stop_the_export() {
        let mut unevaluated = detail();
        unevaluated["unevaluatedProperties"] = json!(false);
        let mut foreign = envelope();
        foreign["properties"]["detail"]["$ref"] = json!("https://elsewhere.test/x.json");
        let mut format = detail();
        format["properties"]["id"]["format"] = json!("uri-reference");
        assert_eq!(
            export("E", &envelope(), &unevaluated),
            Err(ExportError::Unsupported {
                at: String::new(),
                keyword: "unevaluatedProperties".into()
            })
        );
        assert!(export("E", &foreign, &detail()).is_err());
        assert!(export("E", &envelope(), &format).is_err());
    }
}
