//! No drift between `infra/template.yaml` and the code: functions, routes,
//! environment variables, the table's keys, indexes, TTL and stream filter.
//! `INFRA_TEMPLATE` points the checks at another template (to see them fail).

use integration_tests::{send, sqlite_store};
use shared::config::{
    ConsoleConfig, DealWonConfig, DispatchConfig, EscalationConfig, StaffConfig, vars,
};
use shared::http::routes::{SERVED, Served};
use shared::store::keys;
use std::collections::{BTreeMap, BTreeSet};
use yaml_rust2::{Yaml, YamlLoader};

fn template() -> Yaml {
    let path = std::env::var("INFRA_TEMPLATE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml").to_owned()
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}")).remove(0)
}

fn str_of(y: &Yaml) -> String {
    y.as_str().map(str::to_owned).unwrap_or_default()
}

fn keys_of(y: &Yaml) -> BTreeSet<String> {
    y.as_hash().map(|h| h.keys().map(str_of).collect()).unwrap_or_default()
}

/// A function's environment variables and its (method, path) routes.
type Declared = (BTreeSet<String>, BTreeSet<(String, String)>);

/// Each function of the template by binary.
fn functions(t: &Yaml) -> BTreeMap<String, Declared> {
    let global = keys_of(&t["Globals"]["Function"]["Environment"]["Variables"]);
    let mut out = BTreeMap::new();
    for (_, resource) in t["Resources"].as_hash().expect("Resources") {
        if str_of(&resource["Type"]) != "AWS::Serverless::Function" {
            continue;
        }
        let binary = str_of(&resource["Metadata"]["BuildProperties"]["Binary"]);
        let mut env = global.clone();
        env.extend(keys_of(&resource["Properties"]["Environment"]["Variables"]));
        let mut routes = BTreeSet::new();
        for (_, event) in resource["Properties"]["Events"].as_hash().into_iter().flatten() {
            if str_of(&event["Type"]) == "HttpApi" {
                routes.insert((
                    str_of(&event["Properties"]["Method"]),
                    str_of(&event["Properties"]["Path"]),
                ));
            }
        }
        out.insert(binary, (env, routes));
    }
    out
}

/// What each function's settings read: (required, optional).
fn settings(function: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match function {
        "deal-won" => (DealWonConfig::REQUIRED, DealWonConfig::OPTIONAL),
        "projects" | "milestones" | "tasks" | "activation" | "templates" | "review" => {
            (StaffConfig::REQUIRED, StaffConfig::OPTIONAL)
        }
        "dispatch" => (DispatchConfig::REQUIRED, DispatchConfig::OPTIONAL),
        "escalation" => (EscalationConfig::REQUIRED, EscalationConfig::OPTIONAL),
        "console" => (ConsoleConfig::REQUIRED, ConsoleConfig::OPTIONAL),
        other => panic!("no settings known for function {other}"),
    }
}

#[test]
fn every_function_crate_is_deployed_and_nothing_else() {
    let crates: BTreeSet<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../functions"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    let deployed: BTreeSet<String> = functions(&template()).into_keys().collect();
    assert_eq!(deployed, crates);
}

#[test]
fn each_function_gets_every_variable_its_settings_read_and_no_other() {
    for (function, (env, _)) in functions(&template()) {
        let (required, optional) = settings(&function);
        for var in required {
            assert!(env.contains(*var), "{function} reads {var} but the template does not set it");
        }
        for var in &env {
            assert!(
                required.contains(&var.as_str()) || optional.contains(&var.as_str()),
                "the template sets {var} for {function}, which never reads it"
            );
        }
    }
    let (deal_won, _) = &functions(&template())["deal-won"];
    assert!(
        deal_won.contains(vars::CRM_WEBHOOK_SECRET_ID),
        "deployed, deal-won reads its secret from Secrets Manager"
    );
    assert!(!deal_won.contains(vars::CRM_WEBHOOK_SECRET), "no secret value in the template");
    let (dispatch, _) = &functions(&template())["dispatch"];
    assert!(
        dispatch.contains(vars::CONSOLE_SECRET_ID),
        "deployed, dispatch reads the console secret from Secrets Manager"
    );
    assert!(!dispatch.contains(vars::CONSOLE_SECRET), "no secret value in the template");
}

#[test]
fn the_console_secret_is_generated_in_the_shape_its_readers_expect() {
    let t = template();
    let generated = &t["Resources"]["ConsoleSecret"]["Properties"]["GenerateSecretString"];
    assert_eq!(str_of(&generated["GenerateStringKey"]), "current");
    let rest: serde_json::Value = serde_json::from_str(&str_of(&generated["SecretStringTemplate"]))
        .expect("the rest of the secret is JSON");
    assert_eq!(rest, serde_json::json!({ "previous": "" }));
    assert!(generated["PasswordLength"].as_i64().unwrap_or_default() >= 32, "a strong key");
}

#[test]
fn the_template_routes_are_exactly_the_routes_the_code_serves() {
    let mut expected: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for s in SERVED.iter().chain(shared::http::CONSOLE_ROUTES) {
        expected
            .entry(s.function.to_owned())
            .or_default()
            .insert((s.method.to_owned(), s.path.to_owned()));
    }
    let declared: BTreeMap<String, BTreeSet<(String, String)>> = functions(&template())
        .into_iter()
        .filter(|(_, (_, r))| !r.is_empty())
        .map(|(f, (_, r))| (f, r))
        .collect();
    assert_eq!(declared, expected);
}

#[test]
fn the_table_has_the_keys_indexes_ttl_and_stream_filter_of_the_code() {
    let t = template();
    let table = &t["Resources"]["DeploymentsTable"]["Properties"];
    let key = |schema: &Yaml, kind: &str| {
        schema
            .as_vec()
            .unwrap()
            .iter()
            .find(|k| str_of(&k["KeyType"]) == kind)
            .map(|k| str_of(&k["AttributeName"]))
            .unwrap_or_default()
    };
    assert_eq!(
        (key(&table["KeySchema"], "HASH"), key(&table["KeySchema"], "RANGE")),
        (keys::PK.to_owned(), keys::SK.to_owned())
    );
    let declared: BTreeSet<(String, String, String, String)> = table["GlobalSecondaryIndexes"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|i| {
            (
                str_of(&i["IndexName"]),
                key(&i["KeySchema"], "HASH"),
                key(&i["KeySchema"], "RANGE"),
                str_of(&i["Projection"]["ProjectionType"]),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String, String)> = keys::INDEXES
        .iter()
        .map(|i| {
            let projection = if i.keys_only { "KEYS_ONLY" } else { "ALL" };
            (i.name.to_owned(), i.pk.to_owned(), i.sk.to_owned(), projection.to_owned())
        })
        .collect();
    assert_eq!(declared, expected);
    assert_eq!(str_of(&table["TimeToLiveSpecification"]["AttributeName"]), keys::EXPIRES_AT);
    let dispatch =
        &t["Resources"]["DispatchFunction"]["Properties"]["Events"]["OutboxInserts"]["Properties"];
    let pattern: serde_json::Value =
        serde_json::from_str(&str_of(&dispatch["FilterCriteria"]["Filters"][0]["Pattern"]))
            .unwrap();
    assert_eq!(
        pattern["dynamodb"]["NewImage"][keys::ENTITY]["S"],
        serde_json::json!([keys::ENTITY_OUTBOX])
    );
    assert_eq!(pattern["eventName"], serde_json::json!(["INSERT"]));
}

/// Each function's router, as its `main` wires it (claims from API Gateway).
fn function_routers() -> Vec<(&'static str, axum::Router)> {
    use shared::app::Templates;
    use shared::clock::SystemClock;
    use shared::http::{activation, app, crm, milestones, projects, staff::StaffState, tasks};
    use shared::secrets::FixedSecrets;
    use shared::store::Store;
    use std::sync::Arc;

    let store: Arc<dyn Store> = Arc::new(sqlite_store());
    let clock = Arc::new(SystemClock);
    let staff = StaffState::new(store.clone(), clock.clone());
    let auth: shared::http::auth::Authenticator =
        Arc::new(shared::http::auth::ApiGatewayClaims::default());
    let crm = crm::CrmState::new(store.clone(), Arc::new(FixedSecrets(vec![])), clock.clone());
    let settings = Arc::new(Templates::new(store, clock));
    vec![
        ("deal-won", app([crm::router(crm)])),
        ("projects", app([projects::router(staff.clone(), auth.clone())])),
        ("milestones", app([milestones::router(staff.clone(), auth.clone())])),
        ("tasks", app([tasks::router(staff.clone(), auth.clone())])),
        ("activation", app([activation::router(staff, auth.clone())])),
        ("templates", app([shared::http::templates::router(settings, auth)])),
    ]
}

/// Each function's router serves its own routes and no other: every route
/// of `SERVED` reaches a handler (which asks for credentials, but the
/// OpenAPI document) through its function's router and falls through to
/// 404/405 on the others.
#[tokio::test]
async fn each_function_router_serves_exactly_its_routes() {
    use axum::http::{Request, StatusCode};
    let routers = function_routers();
    let concrete = |path: &str| {
        path.replace("{project_id}", "4706f264-edb8-51aa-aac3-5d4f1f3c48f0")
            .replace("{milestone_key}", "order_confirmed")
            .replace("{task_id}", "T-000002-00")
            .replace("{service_type}", "sip_trunk")
    };
    for (function, router) in &routers {
        for Served { function: owner, method, path } in SERVED {
            let request = Request::builder()
                .method(*method)
                .uri(concrete(path))
                .body(axum::body::Body::empty())
                .unwrap();
            let status = send(router, request).await.status;
            if owner == function {
                // Every route asks for credentials, but the public OpenAPI document.
                let expected = if *path == shared::http::routes::OPENAPI {
                    StatusCode::OK
                } else {
                    StatusCode::UNAUTHORIZED
                };
                assert_eq!(status, expected, "{function} should serve {method} {path}");
            } else {
                assert!(
                    matches!(status, StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED),
                    "{function} serves {method} {path} of {owner}"
                );
            }
        }
    }
}
