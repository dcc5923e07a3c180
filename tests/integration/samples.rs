//! Every sample of `events/` invoked as its function receives it, on
//! DynamoDB Local: each API Gateway event of `events/apigw/` (one at least
//! per route of the HTTP API) parsed by `lambda_http` and sent through the
//! router of the function serving its route, with the sample deal received
//! first so that its ids exist; each schedule payload of
//! `events/scheduler/` (one per schedule of the template) and the stream
//! batch of `events/dynamodb/` given to the handler of its function (in
//! `dynamodb_local`). Here, what the samples say is checked on its own:
//! every route has one, each repeats its route, path and body as API
//! Gateway does, and every schedule of the template has its payload.

use api::routes::Served;
use config::{Secret, local_defaults};
use integration_tests::apigw::{route_of, routes, sample, samples, time_of};
use integration_tests::fixtures::{project, t0};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The functions whose routes API Gateway's JWT authorizer guards.
fn is_staff_route(route: &Served) -> bool {
    !matches!(route.function, "deal-won" | "console") && route.path != api::routes::OPENAPI
}

#[test]
fn every_route_has_a_sample_and_every_sample_names_a_route() {
    let mut covered = BTreeSet::new();
    for (name, event) in samples() {
        let route = route_of(&event)
            .unwrap_or_else(|| panic!("{name}: {} is no route of the API", event["routeKey"]));
        covered.insert(*route);
    }
    let missing: Vec<_> = routes().filter(|r| !covered.contains(*r)).collect();
    assert!(missing.is_empty(), "routes without a sample in events/apigw/: {missing:#?}");
}

/// The values a route template's `{name}`s (and `{proxy+}`) take in `path`.
fn path_parameters(template: &str, path: &str) -> Option<serde_json::Map<String, Value>> {
    let mut params = serde_json::Map::new();
    let mut segments = path.trim_start_matches('/').split('/');
    for expected in template.trim_start_matches('/').split('/') {
        if let Some(name) = expected.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
            let rest: Vec<&str> = segments.by_ref().collect();
            params.insert(name.to_owned(), json!(rest.join("/")));
            return (!rest.is_empty()).then_some(params);
        }
        let segment = segments.next().filter(|s| !s.is_empty())?;
        match expected.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => drop(params.insert(name.to_owned(), json!(segment))),
            None if expected == segment => {}
            None => return None,
        }
    }
    segments.next().is_none().then_some(params)
}

/// A sample says the same thing everywhere API Gateway repeats it, and
/// carries the authorizer's claims exactly on the staff routes.
fn assert_coherent(name: &str, event: &Value) {
    let route = route_of(event).expect("a route");
    let context = &event["requestContext"];
    let path = event["rawPath"].as_str().unwrap_or_default();
    assert_eq!(context["routeKey"], event["routeKey"], "{name}");
    assert_eq!(context["http"]["path"], path, "{name}");
    let method = context["http"]["method"].as_str().unwrap_or_default();
    assert!(route.method == "ANY" || route.method == method, "{name}: {method}");
    let params = path_parameters(route.path, path)
        .unwrap_or_else(|| panic!("{name}: {path} is not on {}", route.path));
    let declared = event.get("pathParameters").cloned().unwrap_or(json!({}));
    assert_eq!(Value::Object(params), declared, "{name}: pathParameters");
    if let Some(body) = event["body"].as_str() {
        assert_eq!(event["headers"]["content-length"], body.len().to_string(), "{name}");
    }
    let claims = &context["authorizer"]["jwt"]["claims"];
    assert_eq!(is_staff_route(route), claims.is_object(), "{name}: claims on staff routes only");
    if is_staff_route(route) {
        let roles = claims["roles"].as_str().unwrap_or_default();
        assert!(claims["sub"].as_str().is_some_and(|s| s.contains('@')), "{name}: sub");
        assert!(roles.starts_with('[') && roles.ends_with(']'), "{name}: roles as flattened");
    }
}

#[test]
fn samples_repeat_their_route_path_and_body_as_api_gateway_does() {
    for (name, event) in samples() {
        assert_coherent(&name, &event);
    }
}

/// The CRM samples carry the CRM's bodies of `events/crm/` byte for byte,
/// signed with the local default secret at the time of the event (which is
/// why the tests sign them again: the signature is stale 300 s later).
#[test]
fn crm_samples_wrap_the_crm_bodies_signed_at_their_time() {
    let secret = Secret::new(local_defaults::SECRET);
    for (name, body) in [
        ("deal-won", include_str!("../../events/crm/deal-won.json")),
        ("deal-changed", include_str!("../../events/crm/deal-changed.json")),
        ("deal-cancelled", include_str!("../../events/crm/deal-cancelled.json")),
    ] {
        let event = sample(name);
        assert_eq!(event["body"], body, "{name}");
        let at = time_of(&event).timestamp();
        let signed = api::signature::sign(&secret, at, body.as_bytes());
        assert_eq!(event["headers"]["x-signature"], signed, "{name}");
    }
}

/// The status page sample's link is the one a mail sent with the sample
/// deal's order confirmation carries (the local default console secret).
#[test]
fn the_status_page_sample_holds_the_link_of_the_order_mail() {
    let secrets = [Secret::new(local_defaults::CONSOLE_SECRET)];
    let link = app::status_link::link("", &secrets, &project("L1"), t0());
    assert_eq!(sample("console-status-page")["rawPath"], link);
}

/// The payload each schedule of the template sends, by function and file
/// of `events/scheduler/`.
const SCHEDULES: [(&str, &str); 3] =
    [("dispatch", "outbox-sweep"), ("escalation", "escalation-sweep"), ("review", "review-sweep")];

fn scheduler_payload(name: &str) -> Value {
    let path = format!("{}/../events/scheduler/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// (function, input) of every `ScheduleV2` event of the SAM template.
fn template_schedules() -> BTreeSet<(String, String)> {
    use yaml_rust2::{Yaml, YamlLoader};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml");
    let text = std::fs::read_to_string(path).expect("the template");
    let template = YamlLoader::load_from_str(&text).expect("YAML").remove(0);
    let text_of = |y: &Yaml| y.as_str().unwrap_or_default().to_owned();
    let mut found = BTreeSet::new();
    for (_, resource) in template["Resources"].as_hash().expect("Resources") {
        let binary = text_of(&resource["Metadata"]["BuildProperties"]["Binary"]);
        for (_, event) in resource["Properties"]["Events"].as_hash().into_iter().flatten() {
            if text_of(&event["Type"]) == "ScheduleV2" {
                let input: Value = serde_json::from_str(&text_of(&event["Properties"]["Input"]))
                    .unwrap_or_else(|e| panic!("{binary}: a schedule Input that is not JSON: {e}"));
                found.insert((binary.clone(), input.to_string()));
            }
        }
    }
    found
}

#[test]
fn every_schedule_of_the_template_has_its_payload_and_no_other_is_kept() {
    let samples: BTreeSet<(String, String)> = SCHEDULES
        .iter()
        .map(|(function, name)| ((*function).to_owned(), scheduler_payload(name).to_string()))
        .collect();
    assert_eq!(template_schedules(), samples);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/scheduler");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("events/scheduler")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    files.sort();
    let mut expected: Vec<String> = SCHEDULES.iter().map(|(_, n)| format!("{n}.json")).collect();
    expected.sort();
    assert_eq!(files, expected);
}

/// The samples invoked, on DynamoDB Local.
mod dynamodb_local;
