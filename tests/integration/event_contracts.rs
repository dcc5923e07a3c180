//! `events/schemas/`: for every detail-type of the contract (README), the JSON Schema of
//! its detail, the envelope schema of the whole event, the export of both
//! for the EventBridge schema registry (draft 04) and a sample event; the
//! schemas mean what they say, the generated ones are up to date, and the
//! events the code publishes match them.

use domain::events::{SOURCE, detail_type};
use integration_tests::contracts::{sample, schemas_dir, validate};
use integration_tests::envelopes::{
    assert_valid_event, check_generated, registry_path, validate_event,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[test]
fn every_detail_type_of_api_md_has_a_schema_and_a_valid_sample() {
    assert_eq!(detail_type::ALL.len(), 12, "the contract: 7 events in v1, 5 added in v1.1");
    for dt in detail_type::ALL {
        let event = sample(dt);
        assert_eq!(event["detail-type"], dt);
        assert_eq!(event["source"], SOURCE);
        validate(dt, &event["detail"]).unwrap_or_else(|e| panic!("{e}"));
        assert_valid_event(&event);
    }
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

#[test]
fn no_schema_is_left_without_a_detail_type() {
    let mut expected: Vec<String> = detail_type::ALL
        .iter()
        .flat_map(|dt| {
            ["sample", "schema", "envelope.schema"].map(|kind| format!("{dt}.{kind}.json"))
        })
        .chain(["registry".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(names_in(&schemas_dir()), expected);
    let mut exports: Vec<String> = detail_type::ALL.iter().map(|dt| format!("{dt}.json")).collect();
    exports.sort();
    assert_eq!(names_in(&schemas_dir().join("registry")), exports);
}

#[test]
fn the_envelopes_and_registry_exports_are_generated_from_the_schemas() {
    let drift = check_generated();
    assert!(
        drift.is_empty(),
        "generated schemas differ from what tests/support/envelopes.rs makes: {drift:#?}\n\
         regenerate them with `INSTA_UPDATE=always cargo test -p integration-tests \
         --test event_contracts` and review `git diff events/schemas`"
    );
}

/// Every key of a schema used as a keyword (not as a property name).
fn keywords(schema: &Value, found: &mut BTreeSet<String>) {
    let Value::Object(map) = schema else { return };
    for (key, value) in map {
        found.insert(key.clone());
        match (key.as_str(), value) {
            ("properties" | "definitions" | "patternProperties", Value::Object(named)) => {
                named.values().for_each(|s| keywords(s, found));
            }
            (_, Value::Array(list)) => list.iter().for_each(|s| keywords(s, found)),
            (_, Value::Object(_)) => keywords(value, found),
            _ => {}
        }
    }
}

#[test]
fn registry_exports_are_self_contained_draft_04_documents() {
    let draft_04_only = ["$defs", "$id", "const", "prefixItems", "unevaluatedProperties"];
    for dt in detail_type::ALL {
        let text = std::fs::read_to_string(registry_path(dt)).expect("the export exists");
        let export: Value = serde_json::from_str(&text).expect("JSON");
        if let Err(e) = jsonschema::draft4::meta::validate(&export) {
            panic!("{dt}: not a draft-04 schema: {e}");
        }
        assert_eq!(export["$schema"], "http://json-schema.org/draft-04/schema#");
        assert_eq!(export["properties"]["detail"]["$ref"], format!("#/definitions/{dt}"));
        assert_eq!(export["properties"]["source"]["enum"], json!([SOURCE]));
        assert_eq!(export["properties"]["detail-type"]["enum"], json!([dt]));
        assert_eq!(export["x-amazon-events-detail-type"], dt);
        let mut found = BTreeSet::new();
        keywords(&export, &mut found);
        for keyword in draft_04_only {
            assert!(!found.contains(keyword), "{dt}: {keyword} in a draft-04 export");
        }
        let refs: Vec<&str> = text.match_indices("\"$ref\"").map(|(i, _)| &text[i..]).collect();
        assert!(refs.iter().all(|r| r.starts_with("\"$ref\": \"#/")), "{dt}: an outside $ref");
    }
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

/// Each broken envelope is refused by the 2020-12 envelope and by the
/// draft-04 export alike.
#[test]
fn envelopes_refuse_another_source_a_missing_field_and_a_bad_detail() {
    let good = sample("TaskBlocked");
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 7] = [
        ("another source", |e| e["source"] = json!("bluerocktel.billing")),
        ("another version", |e| e["version"] = json!("1")),
        ("no id", |e| drop(e.as_object_mut().map(|m| m.remove("id")))),
        ("a time without zone", |e| e["time"] = json!("2027-01-11 16:00:01")),
        ("an id not a UUID", |e| e["id"] = json!("42")),
        ("a detail of another type", |e| e["detail"] = sample("TaskEscalated")["detail"].clone()),
        ("a detail with a bad date", |e| e["detail"]["due_date"] = json!("10/12/2026")),
    ];
    for (case, edit) in edits {
        let mut event = good.clone();
        edit(&mut event);
        let error = validate_event(&event).expect_err(case);
        assert!(error.contains("(draft 04)"), "{case}: the draft-04 export lets it pass: {error}");
    }
    let mut replayed = good.clone();
    replayed["replay-name"] = json!("billing-catch-up");
    assert_eq!(validate_event(&replayed), Ok(()), "EventBridge's replay field is allowed");
    let mut renamed = good;
    renamed["detail-type"] = json!("TaskEscalated");
    assert!(validate_event(&renamed).is_err(), "the detail is checked against the envelope's type");
}

/// The events of the sample deal's life (the contract scenario), plus an
/// escalation and a change of health on a second deal, published to the
/// local runner's sink: every line matches its envelope, all 12 types seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_the_local_sink_writes_matches_its_envelope() {
    use integration_tests::fixtures::{Bundle, TECH, TECH1};
    use integration_tests::{edited_deal, sink::LocalSink, sqlite_store};
    use std::sync::Arc;
    let bundle = Bundle::new(Arc::new(sqlite_store()));
    integration_tests::scenario::walk(&bundle).await;
    bundle.clock.set(integration_tests::fixtures::t0());
    let other = edited_deal(|d| d["deal_id"] = json!("D-2026-0043"));
    assert_eq!(bundle.receive(other).await.status, 201);
    let l1 = domain::ProjectId::for_deal_line("D-2026-0043", "L1");
    let task = json!({ "title": "Survey the site", "assignee": TECH, "due_date": "2026-11-21" });
    let task = bundle.add_task(&l1, "order_confirmed", task).await;
    let block = json!({ "status": "blocked", "blocked_reason": "No access to the building" });
    let path = format!("/v1/projects/{l1}/tasks/{task}");
    assert_eq!(bundle.call("PATCH", &path, Some(TECH1), Some(block)).await.status, 200);
    bundle.clock.set("2026-11-22T00:15:00Z".parse().expect("a time"));
    let escalator = integration_tests::escalator(bundle.store.clone(), bundle.clock.clone(), TECH);
    assert_eq!(escalator.sweep().await.expect("a sweep").escalated.len(), 1);
    bundle.clock.set("2027-01-10T00:05:00Z".parse().expect("a time"));
    let commands = Arc::new(app::Commands::new(
        bundle.store.clone(),
        bundle.store.clone(),
        bundle.clock.clone(),
    ));
    let reviewer = app::Reviewer::new(
        bundle.store.clone(),
        bundle.store.clone(),
        commands,
        bundle.clock.clone(),
    );
    assert!(!reviewer.sweep().await.expect("a review").changed.is_empty());

    let sink = LocalSink::new();
    let pending = bundle.store.pending_outbox(1000).await.expect("the outbox");
    let ids: Vec<_> = pending.into_iter().map(|e| e.id).collect();
    let report = sink.dispatcher(bundle.store.clone(), bundle.clock.clone()).dispatch(&ids).await;
    assert!(report.retry.is_empty() && report.dead.is_empty(), "{report:?}");
    let events = sink.events();
    let seen: BTreeSet<&str> = events.iter().filter_map(|e| e["detail-type"].as_str()).collect();
    assert_eq!(seen, detail_type::ALL.into_iter().collect::<BTreeSet<_>>());
    for event in &events {
        assert_valid_event(event);
    }
}
