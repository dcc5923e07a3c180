//! `events/schemas/`: every detail-type of API.md has a JSON Schema and a
//! sample event beside it, and the schemas mean what they say.

use integration_tests::contracts::{sample, schemas_dir, validate};
use serde_json::json;
use shared::domain::events::{SOURCE, detail_type};

#[test]
fn every_detail_type_of_api_md_has_a_schema_and_a_valid_sample() {
    assert_eq!(detail_type::ALL.len(), 12, "API.md: 7 events in v1, 5 added in v1.1");
    for dt in detail_type::ALL {
        let event = sample(dt);
        assert_eq!(event["detail-type"], dt);
        assert_eq!(event["source"], SOURCE);
        validate(dt, &event["detail"]).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn no_schema_is_left_without_a_detail_type() {
    let mut files: Vec<String> = std::fs::read_dir(schemas_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected: Vec<String> = detail_type::ALL
        .iter()
        .flat_map(|dt| [format!("{dt}.sample.json"), format!("{dt}.schema.json")])
        .collect();
    expected.sort();
    assert_eq!(files, expected);
}

#[test]
fn schemas_refuse_missing_ids_unknown_fields_and_bad_formats() {
    let good = sample("SubscriptionActivationRequested")["detail"].clone();
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("event_id");
    let mut extra = good.clone();
    extra["amount"] = json!(12);
    let mut bad_date = good.clone();
    bad_date["effective_date"] = json!("11/01/2027");
    let mut empty = good.clone();
    empty["subscription_ids"] = json!([]);
    for (case, detail) in [
        ("missing event_id", missing),
        ("unknown field", extra),
        ("bad date", bad_date),
        ("no subscription", empty),
    ] {
        assert!(
            validate("SubscriptionActivationRequested", &detail).is_err(),
            "{case} must be refused"
        );
    }
    assert!(validate("NoSuchEvent", &good).is_err());
}
