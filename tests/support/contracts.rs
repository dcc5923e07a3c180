//! The event contracts of `events/schemas/`: one JSON Schema per detail-type.

use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

pub fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events/schemas")
}

fn read(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

pub fn schema(detail_type: &str) -> Value {
    read(&schemas_dir().join(format!("{detail_type}.schema.json")))
}

pub fn sample(detail_type: &str) -> Value {
    read(&schemas_dir().join(format!("{detail_type}.sample.json")))
}

fn validators() -> &'static HashMap<&'static str, jsonschema::Validator> {
    static VALIDATORS: OnceLock<HashMap<&'static str, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        domain::events::detail_type::ALL
            .iter()
            .map(|dt| {
                let validator = jsonschema::draft202012::options()
                    .should_validate_formats(true)
                    .build(&schema(dt))
                    .unwrap_or_else(|e| panic!("the schema of {dt} does not compile: {e}"));
                (*dt, validator)
            })
            .collect()
    })
}

/// Checks an event's detail against the schema of its detail-type; the
/// error lists every violation with its JSON pointer.
pub fn validate(detail_type: &str, detail: &Value) -> Result<(), String> {
    let validator = validators()
        .get(detail_type)
        .ok_or_else(|| format!("no schema for detail-type {detail_type}"))?;
    let errors: Vec<String> =
        validator.iter_errors(detail).map(|e| format!("{}: {e}", e.instance_path())).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{detail_type} violates its schema: {}", errors.join("; ")))
    }
}

/// Panics unless the event matches its schema.
pub fn assert_valid(detail_type: &str, detail: &Value) {
    if let Err(e) = validate(detail_type, detail) {
        panic!("{e}\n{detail:#}");
    }
}
