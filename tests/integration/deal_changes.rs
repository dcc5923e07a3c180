//! Orders that change after the win (contract v1.1, README), end to end on DynamoDB
//! Local and on the embedded store: the CRM's revisions and cancellations,
//! exactly once; the team's hold, resume and cancel; and what each refuses,
//! as problem documents that write nothing. Every event emitted here is
//! checked against its schema in `events/schemas/`.

use api::routes::{DEAL_CANCELLED, DEAL_CHANGED};
use app::ports::Store;
use axum::http::StatusCode;
use chrono::Duration;
use domain::outbox::{MailTemplate, OutboxMessage};
use domain::{OutboxId, ProjectId, Template};
use integration_tests::contracts::assert_valid;
use integration_tests::fixtures::{
    BEFORE_GO_LIVE, Bundle, Member, PM, ROOT, TECH, TECH1, live_at, project, t0,
};
use integration_tests::sink::LocalSink;
use integration_tests::{Reply, SECRET, crm_request, sample_deal, send, send_retrying_503};
use serde_json::{Value, json};
use std::sync::Arc;

const NEW_EMAIL: &str = "it@boulangerie-martin.fr";
const DEAL: &str = "D-2026-0042";
/// The sample's technical contact, before any revision.
const CONTACT: &str = "claire@boulangerie-martin.fr";

/// Revision `n` of the sample deal, edited by `edit`.
fn revision(n: i64, edit: impl FnOnce(&mut Value)) -> Value {
    let mut deal: Value = serde_json::from_slice(&sample_deal()).expect("the sample parses");
    deal["revision"] = json!(n);
    edit(&mut deal);
    deal
}

/// The revision 1: a new contact e-mail, L2 removed, a physical L4 added.
fn revision_one() -> Value {
    revision(1, |deal| {
        deal["technical_contact"]["email"] = json!(NEW_EMAIL);
        let services = deal["services"].as_array_mut().expect("services");
        services.retain(|line| line["line_id"] != "L2");
        services.push(json!({
            "line_id": "L4", "service_type": "fibre_ftto", "name": "Fibre FTTO 100 Mb/s",
            "installation": "physical", "subscription_id": "SUB-9004",
            "site": { "label": "Entrepôt", "address": "3 rue du Port, 69007 Lyon" }
        }));
    })
}

/// The outcome of each project in a change's answer, by line.
fn outcomes(reply: &Reply) -> Vec<(String, String, String)> {
    let body = reply.json();
    let projects = body["projects"].as_array().expect("projects").iter();
    let field = |p: &Value, name: &str| p[name].as_str().unwrap_or_default().to_owned();
    projects.map(|p| (field(p, "line_id"), field(p, "status"), field(p, "outcome"))).collect()
}

/// What the store holds of the deal: each project's version, the outbox,
/// the deal's record; equal before and after what must write nothing.
#[derive(Debug, PartialEq)]
struct Footprint {
    versions: Vec<Option<u64>>,
    outbox: Vec<OutboxId>,
    record: Option<u64>,
}

struct Fixture {
    bundle: Bundle,
}

integration_tests::on_bundle!(Fixture);

impl Fixture {
    /// The sample deal received at `t0`; the clock two days later.
    async fn new(store: Arc<dyn Store>) -> Self {
        let bundle = Bundle::with_sample_deal(store).await;
        bundle.clock.set(t0() + Duration::days(2));
        Self { bundle }
    }

    async fn change(&self, body: &Value) -> Reply {
        self.crm(DEAL_CHANGED, body).await
    }

    async fn cancel_deal(&self) -> Reply {
        let at = self.clock_now().to_rfc3339();
        let body = json!({ "deal_id": DEAL, "cancelled_at": at, "reason": "Customer withdrew" });
        self.crm(DEAL_CANCELLED, &body).await
    }

    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        app::ports::Clock::now(self.clock.as_ref())
    }

    async fn staff(&self, method: &str, path: &str, who: Member, body: Option<Value>) -> Reply {
        self.call(method, path, Some(who), body).await
    }

    /// `POST /v1/projects/{id}/{command}` on the project of `line` as the
    /// manager, which must answer 200.
    async fn manage(&self, line: &str, command: &str, body: Option<Value>) -> Reply {
        let path = format!("/v1/projects/{}/{command}", project(line));
        let reply = self.staff("POST", &path, PM, body).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{command}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        reply
    }

    async fn read(&self, line: &str) -> Value {
        let reply = self.staff("GET", &format!("/v1/projects/{}", project(line)), PM, None).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.json()
    }

    /// Every event of the outbox, checked against its schema: (type, line, detail).
    async fn events(&self) -> Vec<(String, String, Value)> {
        let mut found = Vec::new();
        for e in self.store.pending_outbox(10_000).await.expect("the outbox reads") {
            if let OutboxMessage::Event { detail_type, detail } = e.message {
                assert_valid(&detail_type, &detail);
                let line = detail["line_id"].as_str().unwrap_or_default().to_owned();
                found.push((detail_type, line, detail));
            }
        }
        found
    }

    async fn count(&self, detail_type: &str, line: &str) -> usize {
        self.events().await.iter().filter(|(dt, l, _)| dt == detail_type && l == line).count()
    }

    async fn footprint(&self) -> Footprint {
        let mut versions = Vec::new();
        for line in ["L1", "L2", "L3", "L4"] {
            let loaded = self.store.load(&project(line)).await.expect("loads");
            versions.push(loaded.map(|p| p.version));
        }
        let mut outbox: Vec<OutboxId> = self
            .store
            .pending_outbox(10_000)
            .await
            .expect("reads")
            .into_iter()
            .map(|e| e.id)
            .collect();
        outbox.sort();
        let record = self.store.deal_record(DEAL).await.expect("reads").map(|r| r.version);
        Footprint { versions, outbox, record }
    }

    /// Takes the project of `line` live.
    async fn take_live(&self, line: &str) {
        self.clock.set(live_at());
        let p = format!("/v1/projects/{}", project(line));
        for key in BEFORE_GO_LIVE {
            let reply = self.complete(&project(line), key, PM, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{key}");
        }
        let body = json!({
            "go_live_date": "2027-01-11",
            "technical_summary": [{ "line_id": line, "circuit_id": "FTTO-LYO-004211" }]
        });
        let reply = self.staff("POST", &format!("{p}/activate"), PM, Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    }
}

/// Deal `deal_id` (the sample's lines) claimed with its first project only,
/// as a delivery that stopped half-way leaves it.
async fn interrupted_intake(store: &Arc<dyn Store>, deal_id: &str) {
    use app::ports::{Commit, DealWrite, Guard, ProjectWrite};
    let mut deal = integration_tests::sample_deal_won();
    deal.deal_id = deal_id.into();
    let plan = domain::intake::plan(&deal, domain::Template::default_for, t0());
    let (project, change) = plan.projects.into_iter().next().expect("a first project");
    let write = ProjectWrite { guard: Guard::Create, project, change };
    let claim = DealWrite::Claim(Box::new(plan.record));
    store.commit(Commit { project: Some(write), deal: Some(claim) }).await.expect("committed");
}

/// `reply` is a problem of `kind` with `status`, and the store did not move.
async fn refused(f: &Fixture, before: &Footprint, reply: &Reply, status: StatusCode, kind: &str) {
    assert_eq!(reply.status, status, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.problem_type(), kind);
    assert_eq!(&f.footprint().await, before, "a refused {kind} wrote nothing");
}

/// The one history entry of `project` (as the API reads it) with `action`.
fn entry(project: &Value, action: &str) -> Value {
    let history = project["history"].as_array().expect("a history");
    let found: Vec<&Value> = history.iter().filter(|h| h["action"] == action).collect();
    assert_eq!(found.len(), 1, "one {action} in {history:?}");
    found[0].clone()
}

/// When a history entry was written.
fn at(entry: &Value) -> chrono::DateTime<chrono::Utc> {
    entry["at"].as_str().and_then(|t| t.parse().ok()).expect("an RFC 3339 time")
}

/// A history entry's side of a hold: (status, reason, category).
fn hold_of(side: &Value) -> (Option<&str>, Option<&str>, Option<&str>) {
    (side["status"].as_str(), side["reason"].as_str(), side["category"].as_str())
}

/// Delivers every pending outbox entry through `sink` (mail in memory,
/// events to its file), checking each was delivered; what they were,
/// sorted: a mail's template and address, an event's type.
async fn deliver(f: &Fixture, sink: &LocalSink) -> Vec<String> {
    let pending = f.store.pending_outbox(10_000).await.expect("the outbox reads");
    let (mails, events) = (sink.mailer.sent().len(), sink.events().len());
    let held: Vec<String> = pending
        .iter()
        .map(|e| match &e.message {
            OutboxMessage::Mail { template, to, .. } => format!("{template:?} mail to {to}"),
            OutboxMessage::Event { detail_type, .. } => detail_type.clone(),
        })
        .collect();
    let ids: Vec<OutboxId> = pending.into_iter().map(|e| e.id).collect();
    let report = sink.dispatcher(f.store.clone(), f.clock.clone()).dispatch(&ids).await;
    assert_eq!(report.sent.len(), ids.len(), "every entry delivered: {report:?}");
    let sent: Vec<String> = sink.mailer.sent()[mails..].iter().map(|m| m.to.clone()).collect();
    let queued: Vec<&String> = held.iter().filter(|h| h.contains(" mail to ")).collect();
    assert_eq!(sent.len(), queued.len(), "the mails delivered are the mails queued");
    assert_eq!(sink.events().len() - events, held.len() - queued.len());
    let mut held = held;
    held.sort();
    held
}

/// A delivery of revision `body` that claimed it and committed its first
/// `commits` project writes, then stopped (a crash, a timeout): what
/// `app::deal_changes` writes, in its order, up to there.
async fn interrupted_revision(f: &Fixture, body: &Value, commits: usize) {
    use app::ports::{Commit, DealWrite, Guard, ProjectWrite};
    use domain::deal_changes::{DealChange, Step};
    use domain::intake::RevisionStep;
    let wire: api::body::DealChange =
        serde_json::from_value(body.clone()).expect("the revision parses");
    let change = DealChange::from(wire);
    let now = f.clock_now();
    let record = f.store.deal_record(DEAL).await.expect("reads").expect("the deal's record");
    let claimed = match record.revision_step(&change, &change.fingerprint(), now) {
        Ok(RevisionStep::Claim(claimed)) => claimed,
        other => panic!("a new revision is claimed, not {other:?}"),
    };
    let claim = DealWrite::Replace { record: claimed.clone(), expected: record.version };
    f.store.commit(Commit { project: None, deal: Some(claim) }).await.expect("claimed");
    let mut written = 0;
    for line in claimed.project_lines() {
        if written == commits {
            break;
        }
        let loaded = f.store.load(&project(&line)).await.expect("loads");
        let write = match change.step(&line, loaded, Template::default_for, now) {
            Step::Settled(_) => continue,
            Step::Create(project, change) => {
                ProjectWrite { guard: Guard::Create, project: *project, change }
            }
            Step::Update { project, change, loaded } => {
                ProjectWrite { guard: Guard::Version(loaded), project: *project, change }
            }
        };
        let check = DealWrite::Check { deal_id: DEAL.into(), version: claimed.version };
        f.store.commit(Commit { project: Some(write), deal: Some(check) }).await.expect("written");
        written += 1;
    }
    assert_eq!(written, commits, "the revision has {commits} project writes to make");
}

/// A CRM cancellation of the deal (`reason`, at the clock's time) that
/// marked the deal's record and cancelled its first `commits` projects,
/// then stopped: what `app::deal_changes` writes, in its order, up to there.
async fn interrupted_cancellation(f: &Fixture, reason: &str, commits: usize) {
    use app::ports::{Commit, DealWrite, Guard, ProjectWrite};
    use domain::intake::DealCancellation;
    use domain::project::CRM_ACTOR;
    let now = f.clock_now();
    let record = f.store.deal_record(DEAL).await.expect("reads").expect("the deal's record");
    let cancellation =
        DealCancellation { cancelled_at: now, reason: reason.into(), received_at: now };
    let marked = record.cancelled(cancellation).expect("not cancelled yet");
    let mark = DealWrite::Replace { record: Box::new(marked.clone()), expected: record.version };
    f.store.commit(Commit { project: None, deal: Some(mark) }).await.expect("marked");
    for line in marked.project_lines().into_iter().take(commits) {
        let mut p = f.store.load(&project(&line)).await.expect("loads").expect("a project");
        let loaded = p.version;
        let mut change = p.cancel(reason, CRM_ACTOR, now).expect("cancellable").expect("a change");
        p.reassess(&mut change, now);
        let write = ProjectWrite { guard: Guard::Version(loaded), project: p, change };
        f.store.commit(Commit { project: Some(write), deal: None }).await.expect("written");
    }
}

/// The events written since the outbox held `before`: (type, line), sorted.
async fn events_since(f: &Fixture, before: &[OutboxId]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for e in f.store.pending_outbox(10_000).await.expect("the outbox reads") {
        if let (false, OutboxMessage::Event { detail_type, detail }) =
            (before.contains(&e.id), e.message)
        {
            assert_valid(&detail_type, &detail);
            found.push((detail_type, detail["line_id"].as_str().unwrap_or_default().to_owned()));
        }
    }
    found.sort();
    found
}

/// (type, line) pairs, owned.
fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

/// What revision one does to each line: (line, status, outcome).
fn revision_one_outcomes() -> Vec<(String, String, String)> {
    [("L1", "in_progress", "updated"), ("L2", "cancelled", "cancelled")]
        .into_iter()
        .chain([("L4", "in_progress", "created")])
        .map(|(l, s, o)| (l.into(), s.into(), o.into()))
        .collect()
}

/// Revision one, stopped after `commits` of its project writes, then
/// delivered again: the whole revision, once, answered as if never stopped.
async fn revision_finished_after(f: &Fixture, commits: usize, stopped: [Option<u64>; 4]) {
    let intake = f.footprint().await.outbox;
    interrupted_revision(f, &revision_one(), commits).await;
    assert_eq!(f.footprint().await.versions, stopped, "the projects where it stopped");
    let reply = f.change(&revision_one()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(outcomes(&reply), revision_one_outcomes());
    // L2's health ends with it (`none`): a jeopardy change of its own.
    let effects = [
        ("DeploymentProjectCancelled", "L2"),
        ("DeploymentProjectCreated", "L4"),
        ("DeploymentProjectUpdated", "L1"),
        ("ProjectJeopardyChanged", "L2"),
    ];
    assert_eq!(events_since(f, &intake).await, pairs(&effects), "one event per effect");
    let footprint = f.footprint().await;
    assert_eq!(footprint.versions, [Some(2), Some(2), None, Some(1)], "one write per project");
    assert_eq!(f.read("L1").await["history"].as_array().map(Vec::len), Some(2));
    let record = f.store.deal_record(DEAL).await.unwrap().unwrap().revision.unwrap();
    assert_eq!(record.state, domain::intake::IntakeState::Complete);
    let again = f.change(&revision_one()).await;
    assert_eq!((again.status, again.json()), (StatusCode::OK, reply.json()));
    assert_eq!(f.footprint().await, footprint, "once finished, a repeat writes nothing");
}

/// The deal's cancellation, stopped after marking the record and
/// cancelling `commits` projects, then delivered again: every project
/// cancelled once, the first cancellation's answer.
async fn cancellation_finished_after(f: &Fixture, commits: usize, stopped: [Option<u64>; 4]) {
    let intake = f.footprint().await.outbox;
    interrupted_cancellation(f, "Customer withdrew", commits).await;
    assert_eq!(f.footprint().await.versions, stopped, "the projects where it stopped");
    let reply = f.cancel_deal().await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    let body = reply.json();
    let statuses: Vec<(&str, &str)> = body["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| (p["line_id"].as_str().unwrap_or(""), p["status"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(statuses, [("L1", "cancelled"), ("L2", "cancelled")]);
    assert_eq!(
        (body["deal_id"].as_str(), body["reason"].as_str()),
        (Some(DEAL), Some("Customer withdrew"))
    );
    let effects = [
        ("DeploymentProjectCancelled", "L1"),
        ("DeploymentProjectCancelled", "L2"),
        ("ProjectJeopardyChanged", "L1"),
        ("ProjectJeopardyChanged", "L2"),
    ];
    assert_eq!(events_since(f, &intake).await, pairs(&effects), "one event per effect");
    let footprint = f.footprint().await;
    assert_eq!(footprint.versions, [Some(2), Some(2), None, None], "one write per project");
    for line in ["L1", "L2"] {
        let project = f.read(line).await;
        let actions: Vec<&str> = project["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter_map(|h| h["action"].as_str())
            .collect();
        let cancelled = ["project.created", "project.cancelled", "project.health_changed"];
        assert_eq!(actions, cancelled, "{line}: cancelled once, its health ended with it");
        assert_eq!(project["cancellation"]["by"], "crm", "{line}");
    }
    let again = f.cancel_deal().await;
    assert_eq!((again.status, again.json()), (StatusCode::OK, body));
    assert_eq!(f.footprint().await, footprint, "once finished, a repeat writes nothing");
}

mod cases {
    use super::*;

    pub async fn a_revision_updates_cancels_and_creates_projects_line_by_line(f: Fixture) {
        let reply = f.change(&revision_one()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        assert_eq!(
            (reply.json()["deal_id"].as_str(), reply.json()["revision"].as_u64()),
            (Some(DEAL), Some(1))
        );
        assert_eq!(outcomes(&reply), revision_one_outcomes());
        assert_eq!(reply.json()["projects"][2]["id"], project("L4").as_str());

        let updated = f.events().await;
        let of = |dt: &str, line: &str| {
            updated.iter().find(|(t, l, _)| t == dt && l == line).map(|(_, _, d)| d.clone())
        };
        let l1 = of("DeploymentProjectUpdated", "L1").expect("L1 updated");
        assert_eq!(l1["changed"], json!(["technical_contact"]));
        let l2 = of("DeploymentProjectCancelled", "L2").expect("L2 cancelled");
        assert_eq!(
            (l2["subscription_id"].as_str(), l2["cancelled_by"].as_str()),
            (Some("SUB-9002"), Some("crm"))
        );
        assert!(of("DeploymentProjectCreated", "L4").is_some(), "L4 created");

        let l1 = f.read("L1").await;
        assert_eq!(
            (l1["technical_contact"]["email"].as_str(), l1["deal_revision"].as_u64()),
            (Some(NEW_EMAIL), Some(1))
        );
        assert_eq!(f.read("L2").await["cancellation"]["by"], "crm");

        // The next customer mail of L1 goes to the new address.
        let path = format!("/v1/projects/{}/milestones/order_confirmed/complete", project("L1"));
        assert_eq!(f.staff("POST", &path, PM, None).await.status, StatusCode::OK);
        let mails: Vec<String> = f
            .store
            .pending_outbox(10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.project_id == project("L1"))
            .filter_map(|e| match e.message {
                OutboxMessage::Mail { template: MailTemplate::OrderConfirmed, to, .. } => Some(to),
                _ => None,
            })
            .collect();
        assert_eq!(mails, [NEW_EMAIL]);
    }

    pub async fn a_revision_delivered_twenty_times_at_once_takes_effect_once(f: Fixture) {
        let body = serde_json::to_vec(&revision_one()).unwrap();
        let t = f.clock_now().timestamp();
        let mut deliveries = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (app, body) = (f.app.clone(), body.clone());
            let request = move || crm_request(DEAL_CHANGED, body.clone(), SECRET, t);
            deliveries.spawn(async move { send_retrying_503(&app, request).await });
        }
        let mut answers = Vec::new();
        while let Some(reply) = deliveries.join_next().await {
            let reply = reply.expect("a delivery");
            assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
            answers.push(reply.json());
        }
        assert!(answers.iter().all(|a| *a == answers[0]), "every delivery answers the same");
        for (detail_type, line) in [
            ("DeploymentProjectUpdated", "L1"),
            ("DeploymentProjectCancelled", "L2"),
            ("DeploymentProjectCreated", "L4"),
            ("DeploymentProjectCreated", "L1"),
        ] {
            assert_eq!(f.count(detail_type, line).await, 1, "{detail_type} of {line}");
        }
        let versions = f.footprint().await.versions;
        assert_eq!(versions, [Some(2), Some(2), None, Some(1)], "one change per project");
        let history = f.read("L1").await["history"].as_array().unwrap().len();
        assert_eq!(history, 2, "created, then updated once");

        let before = f.footprint().await;
        let again = f.change(&revision_one()).await;
        assert_eq!((again.status, again.json()), (StatusCode::OK, answers[0].clone()));
        assert_eq!(f.footprint().await, before, "a later repeat writes nothing");
    }

    pub async fn an_earlier_revision_after_a_later_one_is_refused(f: Fixture) {
        let two = revision(2, |d| d["owner"] = json!("marc.petit@bluerocktel.fr"));
        assert_eq!(f.change(&two).await.status, StatusCode::OK);
        let before = f.footprint().await;
        let stale = f.change(&revision_one()).await;
        refused(&f, &before, &stale, StatusCode::CONFLICT, "stale-revision").await;
        assert_eq!(stale.json()["current_revision"], 2);
        let other = revision(2, |d| d["owner"] = json!("someone.else@bluerocktel.fr"));
        let conflict = f.change(&other).await;
        refused(&f, &before, &conflict, StatusCode::CONFLICT, "deal-conflict").await;
        assert_eq!(f.read("L1").await["owner"], "marc.petit@bluerocktel.fr");
    }

    pub async fn cancelling_the_deal_cancels_every_project_but_a_live_one(f: Fixture) {
        f.take_live("L1").await;
        let reply = f.cancel_deal().await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        let statuses: Vec<(String, String)> = reply.json()["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["line_id"].as_str().unwrap().into(), p["status"].as_str().unwrap().into()))
            .collect();
        assert_eq!(statuses, [("L1".into(), "live".into()), ("L2".into(), "cancelled".into())]);
        assert_eq!(f.count("DeploymentProjectCancelled", "L2").await, 1);
        assert_eq!(f.count("DeploymentProjectCancelled", "L1").await, 0);
        assert_eq!(f.read("L1").await["status"], "live");

        let before = f.footprint().await;
        let again = f.cancel_deal().await;
        assert_eq!((again.status, again.json()), (StatusCode::OK, reply.json()));
        assert_eq!(f.footprint().await, before, "a repeat writes nothing");
        let later = f.change(&revision(3, |_| {})).await;
        refused(&f, &before, &later, StatusCode::CONFLICT, "deal-cancelled").await;
    }

    pub async fn a_revision_answered_before_a_cancellation_is_answered_again(f: Fixture) {
        let first = f.change(&revision_one()).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(f.cancel_deal().await.status, StatusCode::OK);
        let before = f.footprint().await;
        let again = f.change(&revision_one()).await;
        assert_eq!((again.status, again.json()), (StatusCode::OK, first.json()));
        assert_eq!(f.footprint().await, before);
        let other = f.change(&revision(1, |d| d["owner"] = json!("x@bluerocktel.fr"))).await;
        refused(&f, &before, &other, StatusCode::CONFLICT, "deal-cancelled").await;
    }

    pub async fn a_change_for_a_deal_never_received_is_not_found(f: Fixture) {
        let before = f.footprint().await;
        let unknown = revision(1, |d| d["deal_id"] = json!("D-2026-9999"));
        refused(&f, &before, &f.change(&unknown).await, StatusCode::NOT_FOUND, "not-found").await;
        let body =
            json!({ "deal_id": "D-2026-9999", "cancelled_at": t0().to_rfc3339(), "reason": "x" });
        let reply = f.crm(DEAL_CANCELLED, &body).await;
        refused(&f, &before, &reply, StatusCode::NOT_FOUND, "not-found").await;
        assert_eq!(f.store.deal_record("D-2026-9999").await.unwrap(), None);
    }

    pub async fn an_invalid_revision_is_refused_by_field(f: Fixture) {
        let before = f.footprint().await;
        for bad in [json!(0), json!(-1), json!("one"), json!(1.5)] {
            let reply = f.change(&revision(1, |d| d["revision"] = bad.clone())).await;
            refused(&f, &before, &reply, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")
                .await;
            assert_eq!(reply.json()["errors"][0]["field"], "revision", "{bad}");
        }
        let missing = f
            .change(&revision(1, |d| {
                d.as_object_mut().unwrap().remove("revision");
            }))
            .await;
        refused(&f, &before, &missing, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
        let moved = revision(1, |d| d["services"][0]["subscription_id"] = json!("SUB-1"));
        let reply = f.change(&moved).await;
        refused(&f, &before, &reply, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
        assert_eq!(reply.json()["errors"][0]["field"], "services[0].subscription_id");
    }

    pub async fn the_first_change_finishes_an_intake_stopped_halfway(f: Fixture) {
        let other = "D-2026-0043";
        interrupted_intake(&f.store, other).await;
        let l2 = ProjectId::for_deal_line(other, "L2");
        assert!(f.store.load(&l2).await.unwrap().is_none());
        let reply = f.change(&revision(1, |d| d["deal_id"] = json!(other))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        let expected: Vec<(String, String, String)> = vec![
            ("L1".into(), "in_progress".into(), "unchanged".into()),
            ("L2".into(), "in_progress".into(), "created".into()),
        ];
        assert_eq!(outcomes(&reply), expected);
        let record = f.store.deal_record(other).await.unwrap().unwrap();
        assert_eq!(record.state, domain::intake::IntakeState::Complete);
        assert!(f.store.load(&l2).await.unwrap().is_some());
    }

    pub async fn hold_resume_and_cancel_follow_the_project_status(f: Fixture) {
        let p = format!("/v1/projects/{}", project("L1"));
        let hold = json!({
            "reason": "Site closed for works", "category": "site_access", "until": "2026-12-09"
        });
        let held = f.staff("POST", &format!("{p}/hold"), PM, Some(hold.clone())).await;
        assert_eq!(held.status, StatusCode::OK, "{}", String::from_utf8_lossy(&held.body));
        assert_eq!(
            (held.json()["status"].as_str(), held.json()["hold"]["category"].as_str()),
            (Some("on_hold"), Some("site_access"))
        );
        let before = f.footprint().await;
        let again = f.staff("POST", &format!("{p}/hold"), PM, Some(hold)).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(f.footprint().await, before, "holding again is a no-op");

        let complete =
            f.staff("POST", &format!("{p}/milestones/order_confirmed/complete"), PM, None).await;
        refused(&f, &before, &complete, StatusCode::CONFLICT, "project-on-hold").await;
        assert_eq!(complete.json()["project_status"], "on_hold");
        let listed = f.staff("GET", "/v1/projects?status=on_hold", PM, None).await.json();
        assert_eq!(listed["items"][0]["id"], project("L1").as_str());
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);

        f.clock.set(f.clock_now() + Duration::days(3));
        let resumed = f.staff("POST", &format!("{p}/resume"), PM, None).await;
        assert_eq!(
            (resumed.status, resumed.json()["status"].as_str()),
            (StatusCode::OK, Some("in_progress"))
        );
        assert_eq!(resumed.json()["held_seconds"], 3 * 86_400);
        let before = f.footprint().await;
        assert_eq!(f.staff("POST", &format!("{p}/resume"), PM, None).await.status, StatusCode::OK);
        assert_eq!(f.footprint().await, before, "resuming a running project is a no-op");

        let reason = json!({ "reason": "Duplicate order" });
        let cancelled = f.staff("POST", &format!("{p}/cancel"), PM, Some(reason.clone())).await;
        assert_eq!(cancelled.json()["cancellation"]["by"], PM.0);
        let before = f.footprint().await;
        assert_eq!(
            f.staff("POST", &format!("{p}/cancel"), PM, Some(reason)).await.status,
            StatusCode::OK
        );
        assert_eq!(f.footprint().await, before, "cancelling again is a no-op");
        let listed = f.staff("GET", "/v1/projects?status=cancelled", PM, None).await.json();
        assert_eq!(listed["items"][0]["cancellation"]["reason"], "Duplicate order");
        for dt in
            ["DeploymentProjectHeld", "DeploymentProjectResumed", "DeploymentProjectCancelled"]
        {
            assert_eq!(f.count(dt, "L1").await, 1, "{dt}");
        }
    }

    pub async fn a_cancelled_project_refuses_every_command(f: Fixture) {
        let p = format!("/v1/projects/{}", project("L2"));
        let task = json!({ "title": "Survey", "assignee": TECH, "due_date": "2026-12-01" });
        let task_id = f.add_task(&project("L2"), "order_confirmed", task.clone()).await;
        let reason = json!({ "reason": "Customer withdrew" });
        assert_eq!(
            f.staff("POST", &format!("{p}/cancel"), PM, Some(reason.clone())).await.status,
            StatusCode::OK
        );
        let before = f.footprint().await;
        let hold = json!({ "reason": "x", "category": "other" });
        let activation =
            json!({ "go_live_date": "2026-11-22", "technical_summary": [{ "line_id": "L2" }] });
        let commands: [(&str, String, Member, Option<Value>); 7] = [
            ("POST", format!("{p}/milestones/order_confirmed/complete"), PM, None),
            ("POST", format!("{p}/milestones/order_confirmed/reopen"), ROOT, Some(reason)),
            ("POST", format!("{p}/milestones/order_confirmed/tasks"), PM, Some(task)),
            ("PATCH", format!("{p}/tasks/{task_id}"), PM, Some(json!({ "status": "in_progress" }))),
            ("POST", format!("{p}/activate"), PM, Some(activation)),
            ("POST", format!("{p}/hold"), PM, Some(hold)),
            ("POST", format!("{p}/resume"), PM, None),
        ];
        for (method, path, who, body) in commands {
            let reply = f.staff(method, &path, who, body).await;
            refused(&f, &before, &reply, StatusCode::CONFLICT, "project-cancelled").await;
            assert_eq!(reply.json()["project_status"], "cancelled", "{method} {path}");
        }
    }

    pub async fn a_live_project_takes_no_hold_resume_or_cancel(f: Fixture) {
        f.take_live("L1").await;
        let p = format!("/v1/projects/{}", project("L1"));
        let before = f.footprint().await;
        let hold = json!({ "reason": "x", "category": "carrier" });
        for (path, body) in [
            (format!("{p}/hold"), Some(hold)),
            (format!("{p}/resume"), None),
            (format!("{p}/cancel"), Some(json!({ "reason": "too late" }))),
        ] {
            let reply = f.staff("POST", &path, PM, body).await;
            refused(&f, &before, &reply, StatusCode::CONFLICT, "project-live").await;
        }
    }

    pub async fn a_hold_needs_a_reason_a_category_and_a_manager(f: Fixture) {
        let path = format!("/v1/projects/{}/hold", project("L1"));
        let before = f.footprint().await;
        let no_reason = f.staff("POST", &path, PM, Some(json!({ "category": "carrier" }))).await;
        refused(&f, &before, &no_reason, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")
            .await;
        assert_eq!(no_reason.json()["errors"][0]["field"], "reason");
        let both = f.staff("POST", &path, PM, Some(json!({ "reason": " " }))).await;
        let fields: Vec<Value> =
            both.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].clone()).collect();
        assert_eq!(fields, [json!("reason"), json!("category")]);
        let unknown = json!({ "reason": "x", "category": "weather" });
        let reply = f.staff("POST", &path, PM, Some(unknown)).await;
        refused(&f, &before, &reply, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed").await;
        let body = json!({ "reason": "x", "category": "carrier" });
        let tech = f.staff("POST", &path, TECH1, Some(body)).await;
        refused(&f, &before, &tech, StatusCode::FORBIDDEN, "forbidden").await;
    }

    pub async fn a_revision_stopped_after_its_first_project_is_finished_by_the_next(f: Fixture) {
        revision_finished_after(&f, 1, [Some(2), Some(1), None, None]).await;
    }

    pub async fn a_revision_stopped_before_its_answer_is_finished_by_the_next(f: Fixture) {
        // Every project took it; only the record's answer is missing.
        revision_finished_after(&f, 3, [Some(2), Some(2), None, Some(1)]).await;
    }

    pub async fn a_cancellation_stopped_after_marking_the_deal_is_finished_by_the_next(f: Fixture) {
        cancellation_finished_after(&f, 0, [Some(1), Some(1), None, None]).await;
    }

    pub async fn a_cancellation_stopped_after_its_first_project_is_finished_by_the_next(
        f: Fixture,
    ) {
        cancellation_finished_after(&f, 1, [Some(2), Some(1), None, None]).await;
    }

    pub async fn on_hold_task_reopen_and_activation_commands_are_refused(f: Fixture) {
        let p = format!("/v1/projects/{}", project("L1"));
        f.clock.set(live_at());
        let task =
            json!({ "title": "Check the router", "assignee": TECH, "due_date": "2027-01-20" });
        let task_id = f.add_task(&project("L1"), "go_live", task.clone()).await;
        for key in BEFORE_GO_LIVE {
            assert_eq!(f.complete(&project("L1"), key, PM, None).await.status, StatusCode::OK);
        }
        f.manage("L1", "hold", Some(json!({ "reason": "Site closed", "category": "site_access" })))
            .await;
        let activation = json!({
            "go_live_date": "2027-01-11",
            "technical_summary": [{ "line_id": "L1", "circuit_id": "FTTO-LYO-004211" }]
        });
        let reopen = json!({ "reason": "Customer found a fault" });
        let commands: [(&str, String, Member, Option<Value>); 4] = [
            ("POST", format!("{p}/milestones/go_live/tasks"), PM, Some(task)),
            ("PATCH", format!("{p}/tasks/{task_id}"), PM, Some(json!({ "status": "in_progress" }))),
            ("POST", format!("{p}/milestones/customer_acceptance/reopen"), ROOT, Some(reopen)),
            ("POST", format!("{p}/activate"), PM, Some(activation)),
        ];
        let (before, history) = (f.footprint().await, f.read("L1").await["history"].clone());
        for (method, path, who, body) in commands.clone() {
            let reply = f.staff(method, &path, who, body).await;
            refused(&f, &before, &reply, StatusCode::CONFLICT, "project-on-hold").await;
            assert_eq!(reply.json()["project_status"], "on_hold", "{method} {path}");
        }
        assert_eq!(f.read("L1").await["history"], history, "no history written");

        // Resumed, the same commands go through: the hold alone refused them.
        f.manage("L1", "resume", None).await;
        let [add, patch, reopen, activate] = commands;
        for (method, path, who, body) in [add, patch, reopen] {
            let reply = f.staff(method, &path, who, body).await;
            let why = String::from_utf8_lossy(&reply.body);
            assert!(reply.status.is_success(), "{method} {path}: {} {why}", reply.status);
        }
        let key = "customer_acceptance";
        assert_eq!(f.complete(&project("L1"), key, PM, None).await.status, StatusCode::OK);
        let (method, path, who, body) = activate;
        assert_eq!(f.staff(method, &path, who, body).await.json()["status"], "live");
    }

    pub async fn hold_resume_and_cancel_are_in_the_history_with_who_why_and_category(f: Fixture) {
        let since = f.clock_now();
        let reason = "Technical room closed for works";
        let hold = json!({ "reason": reason, "category": "site_access", "until": "2026-12-09" });
        f.manage("L1", "hold", Some(hold)).await;
        f.clock.set(since + Duration::days(3));
        f.manage("L1", "resume", None).await;
        f.manage("L1", "cancel", Some(json!({ "reason": "Duplicate order" }))).await;
        assert_eq!(f.cancel_deal().await.status, StatusCode::OK);

        let l1 = f.read("L1").await;
        let held = entry(&l1, "project.held");
        assert_eq!((held["actor"].as_str(), at(&held)), (Some(PM.0), since));
        assert_eq!(held["subject"], project("L1").as_str());
        assert_eq!(held["before"]["status"], "in_progress");
        assert_eq!(hold_of(&held["after"]), (Some("on_hold"), Some(reason), Some("site_access")));
        assert_eq!(held["after"]["until"], "2026-12-09");
        let resumed = entry(&l1, "project.resumed");
        let when = since + Duration::days(3);
        assert_eq!((resumed["actor"].as_str(), at(&resumed)), (Some(PM.0), when));
        let was = hold_of(&resumed["before"]);
        assert_eq!(was, (Some("on_hold"), Some(reason), Some("site_access")));
        let now = &resumed["after"];
        assert_eq!(
            (now["status"].as_str(), now["held_seconds"].as_i64()),
            (Some("in_progress"), Some(3 * 86_400))
        );
        let cancelled = entry(&l1, "project.cancelled");
        assert_eq!((cancelled["actor"].as_str(), at(&cancelled)), (Some(PM.0), when));
        assert_eq!(cancelled["before"]["status"], "in_progress");
        let after = json!({ "status": "cancelled", "reason": "Duplicate order" });
        assert_eq!(cancelled["after"], after);
        let by_crm = entry(&f.read("L2").await, "project.cancelled");
        assert_eq!(by_crm["actor"], "crm");
        let after = json!({ "status": "cancelled", "reason": "Customer withdrew" });
        assert_eq!(by_crm["after"], after);
    }

    pub async fn hold_resume_and_cancel_send_the_customer_no_mail(f: Fixture) {
        let sink = LocalSink::new();
        deliver(&f, &sink).await;
        // The sink does deliver customer mail: a milestone reached mails the contact.
        let key = "order_confirmed";
        assert_eq!(f.complete(&project("L1"), key, PM, None).await.status, StatusCode::OK);
        let mailed = deliver(&f, &sink).await;
        assert!(mailed.contains(&format!("OrderConfirmed mail to {CONTACT}")), "{mailed:?}");
        let mails_before = sink.mailer.sent().len();

        let hold = json!({ "reason": "Carrier late", "category": "carrier" });
        // Each changes the health (to or from `none`): a jeopardy change too.
        let jeopardy = "ProjectJeopardyChanged";
        let steps: [(&str, Option<Value>, &str); 3] = [
            ("hold", Some(hold), "DeploymentProjectHeld"),
            ("resume", None, "DeploymentProjectResumed"),
            ("cancel", Some(json!({ "reason": "Duplicate order" })), "DeploymentProjectCancelled"),
        ];
        for (command, body, event) in steps {
            f.manage("L1", command, body).await;
            assert_eq!(deliver(&f, &sink).await, [event, jeopardy], "{command}: events only");
        }
        assert_eq!(f.cancel_deal().await.status, StatusCode::OK);
        let crm = deliver(&f, &sink).await;
        assert_eq!(crm, ["DeploymentProjectCancelled", jeopardy], "the CRM's cancel: events only");
        assert_eq!(sink.mailer.sent().len(), mails_before, "no mail delivered since");
    }

    pub async fn crm_changes_and_cancellations_check_signature_and_size(f: Fixture) {
        let at = f.clock_now().to_rfc3339();
        let cancel = json!({ "deal_id": DEAL, "cancelled_at": at, "reason": "Customer withdrew" });
        let big_change = revision(1, |d| d["account"]["name"] = json!("x".repeat(256 * 1024)));
        let mut big_cancel = cancel.clone();
        big_cancel["reason"] = json!("x".repeat(256 * 1024));
        let before = f.footprint().await;
        let t = f.clock_now().timestamp();
        let bodies =
            [(DEAL_CHANGED, revision_one(), big_change), (DEAL_CANCELLED, cancel, big_cancel)];
        for (path, body, big) in bodies.clone() {
            let body = serde_json::to_vec(&body).expect("serializes");
            let unsigned = axum::http::Request::post(path)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.clone()))
                .expect("a request");
            let wrong = crm_request(path, body.clone(), "not-the-secret", t);
            let stale = crm_request(path, body.clone(), SECRET, t - 301);
            for request in [unsigned, wrong, stale] {
                let reply = send(&f.app, request).await;
                refused(&f, &before, &reply, StatusCode::UNAUTHORIZED, "invalid-signature").await;
            }
            let big = serde_json::to_vec(&big).expect("serializes");
            assert!(big.len() > 256 * 1024);
            let reply = send(&f.app, crm_request(path, big, SECRET, t)).await;
            refused(&f, &before, &reply, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
        }
        // Signed now and within the limit, the same bodies are taken.
        for (path, body, _) in bodies {
            assert_eq!(f.crm(path, &body).await.status, StatusCode::OK, "{path}");
        }
    }
}

integration_tests::suite_per_store!(|store| Fixture::new(store).await;
    a_revision_updates_cancels_and_creates_projects_line_by_line,
    a_revision_delivered_twenty_times_at_once_takes_effect_once,
    an_earlier_revision_after_a_later_one_is_refused,
    cancelling_the_deal_cancels_every_project_but_a_live_one,
    a_revision_answered_before_a_cancellation_is_answered_again,
    a_change_for_a_deal_never_received_is_not_found,
    an_invalid_revision_is_refused_by_field,
    the_first_change_finishes_an_intake_stopped_halfway,
    hold_resume_and_cancel_follow_the_project_status,
    a_cancelled_project_refuses_every_command,
    a_live_project_takes_no_hold_resume_or_cancel,
    a_hold_needs_a_reason_a_category_and_a_manager,
    a_revision_stopped_after_its_first_project_is_finished_by_the_next,
    a_revision_stopped_before_its_answer_is_finished_by_the_next,
    a_cancellation_stopped_after_marking_the_deal_is_finished_by_the_next,
    a_cancellation_stopped_after_its_first_project_is_finished_by_the_next,
    on_hold_task_reopen_and_activation_commands_are_refused,
    hold_resume_and_cancel_are_in_the_history_with_who_why_and_category,
    hold_resume_and_cancel_send_the_customer_no_mail,
    crm_changes_and_cancellations_check_signature_and_size,
);
