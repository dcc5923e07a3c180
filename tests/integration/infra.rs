//! No drift between `infra/template.yaml` and the code: functions, routes,
//! environment variables, the table's keys, indexes, TTL and stream filter;
//! and what operating the stack needs: log groups, levels and tracing, the
//! dashboard's and alarms' metrics (`app::metrics`), alarms that notify
//! when they fire and when they clear, the edge's protection, the mail
//! feedback loop and the event archive.
//!
//! The operational checks return what is wrong rather than assert, so that
//! `checks_fail_on_a_template_that_drifted` can show each one failing on a
//! damaged copy. `INFRA_TEMPLATE` points every check at another template.

use api::routes::{self, SERVED, Served};
use app::metrics;
use config::{
    ConsoleConfig, DealWonConfig, DispatchConfig, EscalationConfig, MailFeedbackConfig,
    StaffConfig, TELEMETRY_VARS, vars,
};
use integration_tests::{send, sqlite_store};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use store::keys;
use yaml_rust2::{Yaml, YamlLoader};

fn template_text() -> String {
    let path = std::env::var("INFRA_TEMPLATE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml").to_owned()
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn parse(text: &str) -> Yaml {
    YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("not YAML: {e}")).remove(0)
}

fn template() -> Yaml {
    parse(&template_text())
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
        "mail-feedback" => (MailFeedbackConfig::REQUIRED, MailFeedbackConfig::OPTIONAL),
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

/// Variables a function's environment lacks or has for nothing: its
/// settings' and the telemetry's (`TELEMETRY_VARS`, every function).
fn environment_problems(t: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    for (function, (env, _)) in functions(t) {
        let (required, optional) = settings(&function);
        for var in required.iter().chain(TELEMETRY_VARS) {
            if !env.contains(*var) {
                problems.push(format!("{function} reads {var} but the template does not set it"));
            }
        }
        for var in &env {
            let known = |list: &[&str]| list.contains(&var.as_str());
            if !known(required) && !known(optional) && !known(TELEMETRY_VARS) {
                problems
                    .push(format!("the template sets {var} for {function}, which never reads it"));
            }
        }
    }
    problems
}

#[test]
fn each_function_gets_every_variable_its_settings_read_and_no_other() {
    assert_eq!(environment_problems(&template()), Vec::<String>::new());
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
    assert!(
        !functions(&template()).values().any(|(env, _)| env.contains(vars::AWS_LAMBDA_LOG_LEVEL)),
        "the log level comes from LoggingConfig, which Lambda turns into AWS_LAMBDA_LOG_LEVEL"
    );
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
    for s in SERVED.iter().chain(api::CONSOLE_ROUTES) {
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
    use api::{activation, app, crm, milestones, projects, staff::StaffState, tasks};
    use app::Templates;
    use app::clock::SystemClock;
    use app::ports::Store;
    use app::secrets::FixedSecrets;
    use std::sync::Arc;

    let store: Arc<dyn Store> = Arc::new(sqlite_store());
    let clock = Arc::new(SystemClock);
    let staff = StaffState::new(store.clone(), clock.clone());
    let auth: api::auth::Authenticator = Arc::new(api::auth::ApiGatewayClaims::default());
    let crm = crm::CrmState::new(store.clone(), Arc::new(FixedSecrets(vec![])), clock.clone());
    let settings = Arc::new(Templates::new(store, clock));
    vec![
        ("deal-won", app([crm::router(crm)])),
        ("projects", app([projects::router(staff.clone(), auth.clone())])),
        ("milestones", app([milestones::router(staff.clone(), auth.clone())])),
        ("tasks", app([tasks::router(staff.clone(), auth.clone())])),
        ("activation", app([activation::router(staff, auth.clone())])),
        ("templates", app([api::templates::router(settings, auth)])),
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
                let expected = if *path == api::routes::OPENAPI {
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

/// Each `AWS::Serverless::Function` of the template: (logical id, binary, resource).
fn function_resources(t: &Yaml) -> Vec<(String, String, &Yaml)> {
    t["Resources"]
        .as_hash()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| str_of(&r["Type"]) == "AWS::Serverless::Function")
        .map(|(id, r)| (str_of(id), str_of(&r["Metadata"]["BuildProperties"]["Binary"]), r))
        .collect()
}

/// The resource a `!Ref X` or `!GetAtt X.Attribute` names, if it has `kind`.
fn resource_of<'a>(t: &'a Yaml, reference: &Yaml, kind: &str) -> Option<&'a Yaml> {
    let text = str_of(reference);
    let id = text.split('.').next().unwrap_or_default();
    let resource = &t["Resources"][id];
    (str_of(&resource["Type"]) == kind).then_some(resource)
}

/// A property of a function, or else of the template's `Globals`.
fn with_globals<'a>(t: &'a Yaml, function: &'a Yaml, path: &[&str]) -> &'a Yaml {
    let walk = |mut y: &'a Yaml| {
        for key in path {
            y = &y[*key];
        }
        y
    };
    let own = walk(&function["Properties"]);
    if own.is_badvalue() { walk(&t["Globals"]["Function"]) } else { own }
}

/// Per function: active tracing, JSON logs with both levels from the
/// template, into a log group of its own that has a retention.
fn logging_problems(t: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, binary, f) in function_resources(t) {
        if str_of(with_globals(t, f, &["Tracing"])) != "Active" {
            problems.push(format!("{id}: Tracing is not Active"));
        }
        if str_of(with_globals(t, f, &["LoggingConfig", "LogFormat"])) != "JSON" {
            problems.push(format!("{id}: LogFormat is not JSON"));
        }
        for level in ["ApplicationLogLevel", "SystemLogLevel"] {
            if with_globals(t, f, &["LoggingConfig", level]).is_badvalue() {
                problems.push(format!("{id}: no {level} in its LoggingConfig"));
            }
        }
        let group = with_globals(t, f, &["LoggingConfig", "LogGroup"]);
        match resource_of(t, group, "AWS::Logs::LogGroup") {
            None => problems.push(format!("{id}: LoggingConfig names no log group of the stack")),
            Some(g) if g["Properties"]["RetentionInDays"].is_badvalue() => {
                problems.push(format!("{id}: its log group keeps logs forever (no retention)"));
            }
            Some(g)
                if !str_of(&g["Properties"]["LogGroupName"]).ends_with(&format!("/{binary}")) =>
            {
                problems.push(format!("{id}: its log group is not named after {binary}"));
            }
            Some(_) => {}
        }
    }
    problems
}

#[test]
fn every_function_traces_and_logs_json_at_the_template_levels_into_a_group_with_retention() {
    assert_eq!(logging_problems(&template()), Vec::<String>::new());
}

/// A metric as an alarm or the dashboard names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct MetricUse {
    namespace: String,
    name: String,
    dimensions: BTreeMap<String, String>,
}

/// Every business metric with every value of its own dimensions (the
/// `Stack` dimension aside), from `app::metrics`.
fn business_metrics() -> BTreeSet<(String, BTreeMap<String, String>)> {
    let one = |dims: &[(&str, &str)]| {
        dims.iter().map(|(d, v)| ((*d).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>()
    };
    let mut all = BTreeSet::new();
    for (name, dimension, values) in [
        (metrics::DEALS_RECEIVED, metrics::OUTCOME, &metrics::DEALS_RECEIVED_OUTCOMES[..]),
        (metrics::COMMANDS, metrics::OUTCOME, &metrics::COMMANDS_OUTCOMES[..]),
        (metrics::JEOPARDY_CHANGES, metrics::HEALTH, &metrics::HEALTHS[..]),
        (metrics::MAIL_BOUNCES, metrics::FEEDBACK, &metrics::FEEDBACKS[..]),
    ] {
        all.extend(values.iter().map(|v| (name.to_owned(), one(&[(dimension, v)]))));
    }
    for name in [metrics::CONTENTION_RETRIES, metrics::ESCALATIONS] {
        all.insert((name.to_owned(), BTreeMap::new()));
    }
    for channel in metrics::CHANNELS {
        for outcome in metrics::OUTBOX_OUTCOMES {
            let dims = one(&[(metrics::CHANNEL, channel), (metrics::OUTCOME, outcome)]);
            all.insert((metrics::OUTBOX_ENTRIES.to_owned(), dims));
        }
    }
    all
}

/// Why a use of the bundle's namespace is not a metric the code records
/// with the stack's dimension (`stack`: how the stack's name is written).
fn business_metric_problem(used: &MetricUse, stack: &str) -> Option<String> {
    let mut dims = used.dimensions.clone();
    if dims.remove(metrics::STACK_DIMENSION).as_deref() != Some(stack) {
        return Some(format!(
            "{} lacks the {} dimension {stack}",
            used.name,
            metrics::STACK_DIMENSION
        ));
    }
    let known = business_metrics().contains(&(used.name.clone(), dims.clone()));
    (!known).then(|| format!("{} {dims:?} is not a metric of app::metrics", used.name))
}

fn metric_of(metric: &Yaml) -> MetricUse {
    let dimensions = metric["Dimensions"]
        .as_vec()
        .into_iter()
        .flatten()
        .map(|d| (str_of(&d["Name"]), str_of(&d["Value"])))
        .collect();
    MetricUse {
        namespace: str_of(&metric["Namespace"]),
        name: str_of(&metric["MetricName"]),
        dimensions,
    }
}

/// The metrics an alarm watches, alone or in its metric math.
fn alarm_metrics(alarm: &Yaml) -> Vec<MetricUse> {
    let p = &alarm["Properties"];
    let mut used: Vec<MetricUse> = p["Metrics"]
        .as_vec()
        .into_iter()
        .flatten()
        .filter(|q| !q["MetricStat"].is_badvalue())
        .map(|q| metric_of(&q["MetricStat"]["Metric"]))
        .collect();
    if !p["MetricName"].is_badvalue() {
        used.push(metric_of(p));
    }
    used
}

fn alarms(t: &Yaml) -> Vec<(String, &Yaml)> {
    t["Resources"]
        .as_hash()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| str_of(&r["Type"]) == "AWS::CloudWatch::Alarm")
        .map(|(id, r)| (str_of(id), r))
        .collect()
}

/// Per alarm: it notifies the alarm topic when it fires and when it
/// clears, says how missing data counts, and watches only metrics that
/// exist (the bundle's with the stack's dimension).
fn alarm_problems(t: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, alarm) in alarms(t) {
        let p = &alarm["Properties"];
        for actions in ["AlarmActions", "OKActions"] {
            let topic = p[actions]
                .as_vec()
                .into_iter()
                .flatten()
                .any(|a| resource_of(t, a, "AWS::SNS::Topic").is_some());
            if !topic {
                problems.push(format!("{id}: no {actions} to the alarm topic"));
            }
        }
        if p["TreatMissingData"].is_badvalue() {
            problems.push(format!("{id}: TreatMissingData not chosen"));
        }
        for used in alarm_metrics(alarm) {
            if used.namespace == metrics::NAMESPACE {
                problems.extend(business_metric_problem(&used, "AWS::StackName"));
            }
        }
    }
    problems
}

/// What the on-call engineer must hear about: (what, the metric with the
/// dimensions an alarm on it must have, among others).
fn watched(t: &Yaml) -> Vec<(String, MetricUse)> {
    let metric = |namespace: &str, name: &str, dims: &[(&str, &str)]| MetricUse {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        dimensions: dims.iter().map(|(d, v)| ((*d).to_owned(), (*v).to_owned())).collect(),
    };
    let lambda = |what: &str, name: &str, function: &str| {
        let used = metric("AWS/Lambda", name, &[("FunctionName", function)]);
        (format!("{what} of {function}"), used)
    };
    let queue = [("QueueName", "DispatchDeadLetterQueue.QueueName")];
    let mut list = vec![
        lambda("stream iterator age", "IteratorAge", "DispatchFunction"),
        ("API 5xx".into(), metric("AWS/ApiGateway", "5xx", &[("ApiId", "HttpApi")])),
        (
            "rejected CRM signatures".into(),
            metric(
                metrics::NAMESPACE,
                metrics::DEALS_RECEIVED,
                &[(metrics::OUTCOME, "rejected_signature")],
            ),
        ),
        (
            "dead-letter queue depth".into(),
            metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", &queue),
        ),
    ];
    for channel in metrics::CHANNELS {
        let dims = [(metrics::CHANNEL, channel), (metrics::OUTCOME, "dead")];
        list.push((
            format!("dead {channel} entries"),
            metric(metrics::NAMESPACE, metrics::OUTBOX_ENTRIES, &dims),
        ));
    }
    for (id, _, _) in function_resources(t) {
        list.push(lambda("errors", "Errors", &id));
        list.push(lambda("throttles", "Throttles", &id));
    }
    list
}

/// Each of [`watched`] that no alarm watches.
fn unwatched(t: &Yaml) -> Vec<String> {
    let used: Vec<MetricUse> = alarms(t).iter().flat_map(|(_, a)| alarm_metrics(a)).collect();
    let covers = |u: &MetricUse, w: &MetricUse| {
        u.namespace == w.namespace
            && u.name == w.name
            && w.dimensions.iter().all(|(d, v)| u.dimensions.get(d) == Some(v))
    };
    watched(t)
        .into_iter()
        .filter(|(_, w)| !used.iter().any(|u| covers(u, w)))
        .map(|(what, _)| format!("no alarm on {what}"))
        .collect()
}

#[test]
fn every_alarm_notifies_when_it_fires_and_clears_and_watches_metrics_that_exist() {
    assert_eq!(alarm_problems(&template()), Vec::<String>::new());
}

#[test]
fn alarms_watch_the_stream_dead_entries_throttles_5xx_signatures_dead_letters_and_errors() {
    assert_eq!(unwatched(&template()), Vec::<String>::new());
}

/// The dashboard's body (JSON in a `!Sub`: its `${...}` are inside strings).
fn dashboard(t: &Yaml) -> Value {
    let resources = t["Resources"].as_hash().expect("Resources");
    let body = resources
        .values()
        .find(|r| str_of(&r["Type"]) == "AWS::CloudWatch::Dashboard")
        .map(|r| str_of(&r["Properties"]["DashboardBody"]))
        .unwrap_or_default();
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("the dashboard's body is not JSON: {e}"))
}

/// The metrics of the dashboard's graphs (not their math expressions).
fn dashboard_metrics(body: &Value) -> Vec<MetricUse> {
    let rows = body["widgets"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|w| w["properties"]["metrics"].as_array().into_iter().flatten());
    rows.filter_map(|row| {
        let texts: Vec<String> =
            row.as_array()?.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        let (namespace, name) = (texts.first()?.clone(), texts.get(1)?.clone());
        let dimensions = texts[2..].chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
        Some(MetricUse { namespace, name, dimensions })
    })
    .collect()
}

/// The `${Name}` / `${Name.Attribute}` a `!Sub` body refers to.
fn substitutions(text: &str) -> BTreeSet<String> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(name, _)| name.split('.').next().unwrap_or_default().to_owned())
        .collect()
}

/// The dashboard graphs every business metric (each value of its
/// dimensions, with the stack's), nothing the code does not record, refers
/// only to the stack's resources, and shows the state of every alarm.
fn dashboard_problems(t: &Yaml) -> Vec<String> {
    let body = dashboard(t);
    let used = dashboard_metrics(&body);
    let mut problems: Vec<String> = used
        .iter()
        .filter(|u| u.namespace == metrics::NAMESPACE)
        .filter_map(|u| business_metric_problem(u, "${AWS::StackName}"))
        .collect();
    for (name, dims) in business_metrics() {
        let shown = used.iter().any(|u| {
            let mut own = u.dimensions.clone();
            own.remove(metrics::STACK_DIMENSION);
            u.namespace == metrics::NAMESPACE && u.name == name && own == dims
        });
        if !shown {
            problems.push(format!("the dashboard does not show {name} {dims:?}"));
        }
    }
    for name in substitutions(&body.to_string()) {
        if !name.starts_with("AWS::") && t["Resources"][name.as_str()].is_badvalue() {
            problems.push(format!("the dashboard refers to {name}, not a resource of the stack"));
        }
    }
    let shown_alarms = substitutions(&body.to_string());
    for (id, _) in alarms(t) {
        if !shown_alarms.contains(&id) {
            problems.push(format!("the dashboard does not show the alarm {id}"));
        }
    }
    problems
}

#[test]
fn the_dashboard_shows_every_business_metric_of_the_code_and_every_alarm() {
    assert_eq!(dashboard_problems(&template()), Vec::<String>::new());
    let body = dashboard(&template());
    let aws: BTreeSet<(String, String)> = dashboard_metrics(&body)
        .into_iter()
        .map(|u| (u.namespace, u.name))
        .filter(|(namespace, _)| namespace != metrics::NAMESPACE)
        .collect();
    for (namespace, name) in [
        ("AWS/ApiGateway", "4xx"),
        ("AWS/ApiGateway", "5xx"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "Duration"),
        ("AWS/Lambda", "IteratorAge"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    ] {
        assert!(aws.contains(&(namespace.into(), name.into())), "no {namespace} {name} graph");
    }
}

fn texts(y: &Yaml) -> BTreeSet<String> {
    y.as_vec().into_iter().flatten().map(str_of).collect()
}

/// A route or the stage's default: both throttling limits set.
fn throttled(settings: &Yaml) -> bool {
    ["ThrottlingBurstLimit", "ThrottlingRateLimit"].iter().all(|k| !settings[*k].is_badvalue())
}

/// The HTTP API: default route throttling, the CRM routes' own, and JSON
/// access logs into a group with retention saying what on-call needs.
fn api_problems(t: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    let api = &t["Resources"]["HttpApi"]["Properties"];
    if !throttled(&api["DefaultRouteSettings"]) {
        problems.push("the API has no default route throttling".to_owned());
    }
    let logs = &api["AccessLogSettings"];
    match resource_of(t, &logs["DestinationArn"], "AWS::Logs::LogGroup") {
        Some(g) if !g["Properties"]["RetentionInDays"].is_badvalue() => {}
        _ => problems.push("the API's access logs go to no log group with retention".to_owned()),
    }
    let format: Value = serde_json::from_str(&str_of(&logs["Format"])).unwrap_or_default();
    for field in ["requestId", "routeKey", "status", "latency", "integrationError", "ip"] {
        if !format[field].as_str().is_some_and(|v| v.starts_with("$context.")) {
            problems.push(format!("the API's access log lines lack {field}"));
        }
    }
    let crm = [routes::DEAL_WON, routes::DEAL_CHANGED, routes::DEAL_CANCELLED];
    let throttled_crm: BTreeSet<String> = function_resources(t)
        .iter()
        .flat_map(|(_, _, f)| f["Properties"]["Events"].as_hash().into_iter().flatten())
        .map(|(_, event)| &event["Properties"])
        .filter(|p| throttled(&p["RouteSettings"]))
        .map(|p| str_of(&p["Path"]))
        .collect();
    for path in crm.iter().filter(|p| !throttled_crm.contains(**p)) {
        problems.push(format!("the CRM route {path} has no throttling of its own"));
    }
    problems
}

/// The queue a failure destination names: kept when the stack goes.
fn dead_letter_problem(t: &Yaml, what: &str, arn: &Yaml) -> Option<String> {
    let Some(queue) = resource_of(t, arn, "AWS::SQS::Queue") else {
        return Some(format!("{what}: no dead-letter queue of the stack"));
    };
    let retained = ["DeletionPolicy", "UpdateReplacePolicy"]
        .iter()
        .all(|policy| str_of(&queue[*policy]) == "Retain");
    (!retained).then(|| format!("{what}: its dead-letter queue is not retained"))
}

/// Functions invoked asynchronously (schedules, EventBridge rules) retry a
/// bounded number of times then leave the event in the dead-letter queue;
/// a rule's own delivery too. deal-won and dispatch have reserved concurrency.
fn async_problems(t: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, binary, f) in function_resources(t) {
        let p = &f["Properties"];
        if ["deal-won", "dispatch"].contains(&binary.as_str())
            && p["ReservedConcurrentExecutions"].is_badvalue()
        {
            problems.push(format!("{id}: no reserved concurrency"));
        }
        let events: Vec<&Yaml> = p["Events"].as_hash().into_iter().flatten().map(|e| e.1).collect();
        let kinds: BTreeSet<String> = events.iter().map(|e| str_of(&e["Type"])).collect();
        if kinds.contains("ScheduleV2") || kinds.contains("EventBridgeRule") {
            let config = &p["EventInvokeConfig"];
            for key in ["MaximumRetryAttempts", "MaximumEventAgeInSeconds"] {
                if config[key].is_badvalue() {
                    problems.push(format!("{id}: no {key} in its EventInvokeConfig"));
                }
            }
            let on_failure = &config["DestinationConfig"]["OnFailure"]["Destination"];
            problems.extend(dead_letter_problem(t, &id, on_failure));
        }
        for rule in events.iter().filter(|e| str_of(&e["Type"]) == "EventBridgeRule") {
            if rule["Properties"]["RetryPolicy"].is_badvalue() {
                problems.push(format!("{id}: its rule has no RetryPolicy"));
            }
            let arn = &rule["Properties"]["DeadLetterConfig"]["Arn"];
            problems.extend(dead_letter_problem(t, &format!("{id}'s rule"), arn));
        }
    }
    problems
}

#[test]
fn the_edge_is_throttled_and_logged_and_asynchronous_failures_are_kept() {
    assert_eq!(api_problems(&template()), Vec::<String>::new());
    assert_eq!(async_problems(&template()), Vec::<String>::new());
    let t = template();
    let scheduled: BTreeSet<String> = function_resources(&t)
        .into_iter()
        .filter(|(_, _, f)| !f["Properties"]["EventInvokeConfig"].is_badvalue())
        .map(|(_, binary, _)| binary)
        .collect();
    let expected = ["dispatch", "escalation", "mail-feedback", "review"];
    assert_eq!(scheduled, expected.into_iter().map(str::to_owned).collect());
}

/// The EventBridge rule that invokes mail-feedback (its event's properties).
fn mail_feedback_rule(t: &Yaml) -> Option<&Yaml> {
    let (_, _, f) = function_resources(t).into_iter().find(|(_, b, _)| b == "mail-feedback")?;
    let events = f["Properties"]["Events"].as_hash()?;
    let rule = events.values().find(|e| str_of(&e["Type"]) == "EventBridgeRule")?;
    Some(&rule["Properties"])
}

/// SES's reports of the stack's configuration set reach mail-feedback: the
/// set publishes bounces and complaints to the default bus, where the
/// rule matches them (and the samples of `events/ses`).
fn mail_problems(t: &Yaml) -> Vec<String> {
    let Some(rule) = mail_feedback_rule(t) else {
        return vec!["no EventBridge rule invokes mail-feedback".to_owned()];
    };
    let mut problems = Vec::new();
    let pattern = &rule["Pattern"];
    let set = &pattern["detail"]["mail"]["tags"]["ses:configuration-set"];
    if !rule["EventBusName"].is_badvalue() {
        problems.push("the rule is not on the default bus, where SES publishes".to_owned());
    }
    if texts(set) != BTreeSet::from(["MailConfigurationSet".to_owned()]) {
        problems.push("the rule does not match this stack's configuration set".to_owned());
    }
    for sample in ["bounce", "complaint"] {
        let path = format!("{}/../events/ses/{sample}.json", env!("CARGO_MANIFEST_DIR"));
        let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let matched = texts(&pattern["source"]).contains(event["source"].as_str().unwrap())
            && texts(&pattern["detail-type"]).contains(event["detail-type"].as_str().unwrap())
            && event["detail"]["mail"]["tags"]["ses:configuration-set"].is_array();
        if !matched {
            problems.push(format!("the rule does not match the SES {sample} sample"));
        }
    }
    let resources = t["Resources"].as_hash().expect("Resources");
    let publishes = resources.values().any(|r| {
        let d = &r["Properties"]["EventDestination"];
        str_of(&r["Type"]) == "AWS::SES::ConfigurationSetEventDestination"
            && str_of(&r["Properties"]["ConfigurationSetName"]) == "MailConfigurationSet"
            && texts(&d["MatchingEventTypes"])
                .is_superset(&["bounce", "complaint"].map(Into::into).into())
            && str_of(&d["EventBridgeDestination"]["EventBusArn"]).ends_with(":event-bus/default")
    });
    if !publishes {
        problems.push(
            "the configuration set publishes no bounces and complaints to the default bus".into(),
        );
    }
    problems
}

/// The DKIM records to publish are outputs; the bus has an archive.
fn output_and_archive_problems(t: &Yaml) -> Vec<String> {
    let outputs: String = t["Outputs"]
        .as_hash()
        .into_iter()
        .flatten()
        .map(|(_, o)| str_of(&o["Value"]))
        .collect::<Vec<_>>()
        .join("\n");
    let mut problems: Vec<String> = (1..=3)
        .flat_map(|i| [format!("DkimDNSTokenName{i}"), format!("DkimDNSTokenValue{i}")])
        .filter(|attribute| !outputs.contains(&format!("MailIdentity.{attribute}")))
        .map(|attribute| format!("no output gives the DKIM {attribute}"))
        .collect();
    let resources = t["Resources"].as_hash().expect("Resources");
    let archived = resources.values().any(|r| {
        str_of(&r["Type"]) == "AWS::Events::Archive"
            && str_of(&r["Properties"]["SourceArn"]) == "EventBus.Arn"
            && !r["Properties"]["RetentionDays"].is_badvalue()
    });
    if !archived {
        problems.push("the bus has no archive with a retention".to_owned());
    }
    problems
}

/// A function's DynamoDB statements.
fn dynamodb_statements(t: &Yaml, binary: &str) -> Vec<Yaml> {
    let (_, _, f) = function_resources(t).into_iter().find(|(_, b, _)| b == binary).unwrap();
    f["Properties"]["Policies"][0]["Statement"]
        .as_vec()
        .into_iter()
        .flatten()
        .filter(|s| format!("{:?}", s["Action"]).contains("dynamodb:"))
        .cloned()
        .collect()
}

#[test]
fn ses_reports_reach_mail_feedback_which_may_commit_what_a_project_command_does() {
    let t = template();
    assert_eq!(mail_problems(&t), Vec::<String>::new());
    assert_eq!(output_and_archive_problems(&t), Vec::<String>::new());
    assert_eq!(dynamodb_statements(&t, "mail-feedback"), dynamodb_statements(&t, "milestones"));
}

/// Each check, run on a copy of the template with one thing damaged,
/// names what is wrong (and passes on the template itself).
#[test]
fn checks_fail_on_a_template_that_drifted() {
    type Check = fn(&Yaml) -> Vec<String>;
    let text = template_text();
    let cases: [(&str, &str, Check, &str); 10] = [
        ("        METRICS_STACK: !Ref AWS::StackName\n", "", environment_problems, "METRICS_STACK"),
        ("    Tracing: Active\n", "", logging_problems, "Tracing"),
        (
            "/deal-won\"\n      RetentionInDays: !Ref LogRetentionDays\n",
            "/deal-won\"\n",
            logging_problems,
            "DealWonFunction: its log group keeps logs forever",
        ),
        ("      OKActions: [!Ref AlarmTopic]\n", "", alarm_problems, "no OKActions"),
        (
            "\"MailBounces\", \"Stack\"",
            "\"MailBounced\", \"Stack\"",
            dashboard_problems,
            "MailBounced",
        ),
        ("MetricName: IteratorAge", "MetricName: Invocations", unwatched, "stream iterator age"),
        (
            "UpdateReplacePolicy: Retain\n    Properties:\n      MessageRetention",
            "Properties:\n      MessageRetention",
            async_problems,
            "not retained",
        ),
        (
            "              ThrottlingRateLimit: !Ref CrmThrottlingRateLimit\n",
            "",
            api_problems,
            "/v1/crm/deals/won",
        ),
        ("[!Ref MailConfigurationSet]", "[other]", mail_problems, "configuration set"),
        (
            " CNAME ${MailIdentity.DkimDNSTokenValue3}",
            "",
            output_and_archive_problems,
            "DkimDNSTokenValue3",
        ),
    ];
    for (from, to, check, expected) in cases {
        assert_eq!(check(&parse(&text)), Vec::<String>::new(), "the template itself passes");
        assert!(text.contains(from), "the template no longer has {from:?}");
        let problems = check(&parse(&text.replacen(from, to, 1)));
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "damaging {from:?} should report {expected:?}, reported {problems:?}"
        );
    }
}
