//! The README's first command, tested as a user runs it: the real
//! `deployments-local` binary on its defaults, driven over HTTP.

use api::signature;
use config::{Secret, local_defaults};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const DEAL: &[u8] = include_bytes!("../../events/crm/deal-won.json");

/// The runner process; stopped when the test ends, pass or fail.
struct Runner {
    child: Child,
    base: String,
    data_dir: PathBuf,
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Starts the binary with the contract's defaults, except a free port and a
/// private data directory, and waits for its banner.
fn start(name: &str) -> Runner {
    let data_dir =
        std::env::temp_dir().join(format!("deployments-local-{name}-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_deployments-local"))
        .env("PORT", "0")
        .env("DATA_DIR", &data_dir)
        .env_remove("CRM_WEBHOOK_SECRET")
        .env_remove("CRM_WEBHOOK_SECRET_PREVIOUS")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the runner starts");
    // Drain stdout for the whole run: a closed pipe would kill the runner's next print.
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut banner = String::new();
    let mut base = None;
    let deadline = std::time::Instant::now() + PATIENCE;
    while let Ok(line) =
        lines.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
    {
        banner.push_str(&line);
        banner.push('\n');
        if let Some(url) = line.trim().strip_prefix("listening on") {
            base = Some(url.trim().to_owned());
        }
        if line.contains("LOCAL_JWT_SECRET") {
            break;
        }
    }
    let base = base.unwrap_or_else(|| panic!("no address in the banner:\n{banner}"));
    assert!(base.starts_with("http://127.0.0.1:"), "listens on loopback only: {base}");
    assert!(
        banner.contains("CRM_WEBHOOK_SECRET=local-dev-secret (default)"),
        "prints the default secrets:\n{banner}"
    );
    Runner { child, base, data_dir }
}

fn signature_now(body: &[u8], offset: i64) -> String {
    let now = chrono::Utc::now().timestamp() + offset;
    signature::sign(&Secret::new(local_defaults::SECRET), now, body)
}

async fn post(runner: &Runner, body: Vec<u8>, signature: String) -> (u16, String, Vec<u8>) {
    post_to(runner, "/v1/crm/deals/won", body, signature).await
}

async fn post_to(
    runner: &Runner,
    path: &str,
    body: Vec<u8>,
    signature: String,
) -> (u16, String, Vec<u8>) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", runner.base))
        .header("content-type", "application/json")
        .header("x-signature", signature)
        .body(body)
        .send()
        .await
        .expect("the runner answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.bytes().await.expect("a body").to_vec())
}

impl Runner {
    /// A staff token signed with the default `LOCAL_JWT_SECRET`, for ten minutes.
    fn token(&self, sub: &str, role: &str) -> String {
        let (secret, now) = (Secret::new(local_defaults::SECRET), chrono::Utc::now().timestamp());
        deployments_local::auth::mint(&secret, sub, &[role], now, 600).expect("a token")
    }

    /// A staff request: its status and JSON body (`Null` when there is none).
    async fn staff(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the runner answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    fn events(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.data_dir.join("events.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
    }

    fn mails(&self) -> Vec<Mail> {
        read_mails(&self.data_dir.join("mail"))
    }
}

fn count(events: &[Value], detail_type: &str) -> usize {
    events.iter().filter(|e| e["detail-type"] == detail_type).count()
}

#[tokio::test]
async fn the_local_runner_serves_the_deal_won_contract_on_its_defaults() {
    let runner = start("contract");
    let project = the_webhook_keeps_its_contract(&runner).await;
    assert!(runner.data_dir.join("deployments.db").exists(), "state lives in DATA_DIR");
    let token = runner.token("sophie.durand@bluerocktel.fr", "manager");
    staff_routes_take_local_tokens(&runner, &project, &token).await;
    mail_and_events_are_delivered_to_files(&runner, &project, &token).await;
    go_live_briefs_billing_accounts_and_the_helpdesk(&runner, &project, &token).await;
}

/// Deal won: created, replayed, conflicting, unsigned, malformed, too big.
/// The first project's id.
async fn the_webhook_keeps_its_contract(runner: &Runner) -> String {
    let (status, _, first) = post(runner, DEAL.to_vec(), signature_now(DEAL, 0)).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&first));
    let body: Value = serde_json::from_slice(&first).unwrap();
    let lines: Vec<_> =
        body["projects"].as_array().unwrap().iter().map(|p| p["line_id"].clone()).collect();
    assert_eq!(lines, ["L1", "L2"]);

    let (status, _, again) = post(runner, DEAL.to_vec(), signature_now(DEAL, 0)).await;
    assert_eq!((status, again), (200, first));

    let mut changed: Value = serde_json::from_slice(DEAL).unwrap();
    changed["target_go_live"] = "2027-02-01".into();
    let changed = serde_json::to_vec(&changed).unwrap();
    let (status, content_type, _) = post(runner, changed.clone(), signature_now(&changed, 0)).await;
    assert_eq!((status, content_type.as_str()), (409, "application/problem+json"));

    let wrong = signature::sign(&Secret::new("wrong-secret"), chrono::Utc::now().timestamp(), DEAL);
    assert_eq!(post(runner, DEAL.to_vec(), wrong).await.0, 401);
    assert_eq!(post(runner, DEAL.to_vec(), signature_now(DEAL, -600)).await.0, 401);

    let malformed = b"{\"deal_id\": ".to_vec();
    let (status, content_type, _) =
        post(runner, malformed.clone(), signature_now(&malformed, 0)).await;
    assert_eq!((status, content_type.as_str()), (400, "application/problem+json"));

    let big = vec![b' '; 256 * 1024 + 1];
    let (status, content_type, _) = post(runner, big.clone(), signature_now(&big, 0)).await;
    assert_eq!((status, content_type.as_str()), (413, "application/problem+json"));
    body["projects"][0]["id"].as_str().unwrap().to_owned()
}

async fn staff_routes_take_local_tokens(runner: &Runner, project: &str, token: &str) {
    let complete = format!("/v1/projects/{project}/milestones/order_confirmed/complete");
    assert_eq!(runner.staff("POST", &complete, token, None).await.0, 200);
    let (_, view) = runner.staff("GET", &format!("/v1/projects/{project}"), token, None).await;
    assert_eq!(view["milestones"][0]["status"], "completed");
    let anonymous = reqwest::get(format!("{}/v1/projects", runner.base)).await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}

/// The in-process dispatcher writes each mail and event.
async fn mail_and_events_are_delivered_to_files(runner: &Runner, project: &str, token: &str) {
    let delivery = serde_json::json!({ "installation_date": "2026-12-10" });
    for (key, body) in [("equipment_ordered", None), ("delivery_confirmed", Some(delivery))] {
        let path = format!("/v1/projects/{project}/milestones/{key}/complete");
        assert_eq!(runner.staff("POST", &path, token, body).await.0, 200, "{key}");
    }
    let mails = wait_for(|| Some(runner.mails()).filter(|m| m.len() >= 2)).await;
    assert_eq!(mails.len(), 2, "exactly the two customer mails");
    assert!(mails.iter().all(|m| m.to == "claire@boulangerie-martin.fr"));
    let mail = |text: &str| mails.iter().find(|m| m.text.contains(text)).expect(text);
    let order = mail("Votre commande a bien été reçue et est en cours de traitement");
    let delivery = mail("Votre équipement a été livré");
    let date = "L'installation est prévue le 10 décembre 2026.";
    assert!(delivery.text.contains(date), "{}", delivery.text);
    assert_ne!(order.message_id, delivery.message_id);

    let events =
        wait_for(|| Some(runner.events()).filter(|e| count(e, "MilestoneCompleted") >= 3)).await;
    let completed: Vec<_> = events
        .iter()
        .filter(|e| e["detail-type"] == "MilestoneCompleted")
        .map(|e| e["detail"]["milestone_key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(completed, ["order_confirmed", "equipment_ordered", "delivery_confirmed"]);
    let ours =
        |e: &Value| e["source"] == "bluerocktel.deployments" && e["detail"]["event_id"] == e["id"];
    assert!(events.iter().all(ours));
    assert_eq!(count(&events, "DeploymentProjectCreated"), 2);
}

/// Go-live: three events for billing, accounts and helpdesk, and the go-live mail.
async fn go_live_briefs_billing_accounts_and_the_helpdesk(
    runner: &Runner,
    project: &str,
    token: &str,
) {
    for key in ["installation_done", "customer_acceptance"] {
        let path = format!("/v1/projects/{project}/milestones/{key}/complete");
        assert_eq!(runner.staff("POST", &path, token, None).await.0, 200, "{key}");
    }
    let activation = serde_json::json!({
        "go_live_date": chrono::Utc::now().date_naive(),
        "technical_summary": [
            { "line_id": "L1", "circuit_id": "FTTO-LYO-004211", "ip_addressing": "203.0.113.16/29" }
        ]
    });
    let path = format!("/v1/projects/{project}/activate");
    assert_eq!(runner.staff("POST", &path, token, Some(activation)).await.0, 200);
    let events =
        wait_for(|| Some(runner.events()).filter(|e| count(e, "HelpdeskAccountConfigured") > 0))
            .await;
    for dt in
        ["SubscriptionActivationRequested", "CustomerAccountActivated", "HelpdeskAccountConfigured"]
    {
        assert_eq!(count(&events, dt), 1, "{dt}");
    }
    let mails = wait_for(|| Some(runner.mails()).filter(|m| m.len() >= 3)).await;
    let live = mails
        .iter()
        .find(|m| m.text.contains("Votre service est maintenant actif"))
        .expect("the go-live mail");
    assert!(live.text.contains("Identifiant de circuit : FTTO-LYO-004211"));
}

struct Mail {
    to: String,
    subject: String,
    message_id: String,
    text: String,
}

fn read_mails(dir: &std::path::Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            let raw = std::fs::read(e.path()).unwrap();
            let parsed = mailparse::parse_mail(&raw).unwrap();
            let header = |name: &str| {
                parsed
                    .headers
                    .iter()
                    .find(|h| h.get_key() == name)
                    .map(|h| h.get_value())
                    .unwrap_or_default()
            };
            let text = parsed
                .subparts
                .iter()
                .find(|p| p.ctype.mimetype == "text/plain")
                .unwrap()
                .get_body()
                .unwrap();
            Mail {
                to: header("To"),
                subject: header("Subject"),
                message_id: header("Message-ID"),
                text,
            }
        })
        .collect()
}

/// How long the tests wait for the runner (its banner, its dispatcher's
/// next round) before they fail: a guard, not a measure. A debug runner
/// answers in well under a second on a quiet machine; the tests also run
/// on two cores busy with DynamoDB Local, a browser or another build.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// Polls `check` until it yields, for up to [`PATIENCE`].
async fn wait_for<T>(check: impl Fn() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + PATIENCE;
    while std::time::Instant::now() < deadline {
        if let Some(found) = check() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for the local dispatcher");
}

#[tokio::test]
async fn escalate_at_a_later_time_writes_the_escalation_mail_and_event() {
    let runner = start("escalation");
    let (status, _, body) = post(&runner, DEAL.to_vec(), signature_now(DEAL, 0)).await;
    assert_eq!(status, 201);
    let body: Value = serde_json::from_slice(&body).unwrap();
    let project = body["projects"][0]["id"].as_str().unwrap().to_owned();
    let now = chrono::Utc::now();
    let manager = runner.token("sophie.durand@bluerocktel.fr", "manager");
    let tech = runner.token("tech.one@bluerocktel.fr", "technician");
    let task = serde_json::json!({
        "title": "Survey the site",
        "assignee": "tech.one@bluerocktel.fr",
        "due_date": now.date_naive(),
    });
    let path = format!("/v1/projects/{project}/milestones/order_confirmed/tasks");
    let (_, added) = runner.staff("POST", &path, &manager, Some(task)).await;
    let task_id = added["id"].as_str().unwrap();
    let block =
        serde_json::json!({ "status": "blocked", "blocked_reason": "No access to the building" });
    let path = format!("/v1/projects/{project}/tasks/{task_id}");
    assert_eq!(runner.staff("PATCH", &path, &tech, Some(block)).await.0, 200);

    // Two days after the due date, as an operator would run it.
    let later = now.date_naive() + chrono::Days::new(2);
    let at = later.and_hms_opt(9, 0, 0).unwrap().and_utc().to_rfc3339();
    let output = Command::new(env!("CARGO_BIN_EXE_deployments-local"))
        .args(["escalate", "--at", &at])
        .env("DATA_DIR", &runner.data_dir)
        .output()
        .expect("escalate runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let said = format!("escalated task {task_id} of project {project} to level 1");
    assert!(stdout.contains(&said), "{stdout}");

    let mails = runner.mails();
    let escalation = mails
        .iter()
        .find(|m| m.text.contains("demande votre attention"))
        .expect("the escalation mail");
    assert_eq!(escalation.to, "sophie.durand@bluerocktel.fr");
    assert!(escalation.text.contains("No access to the building"));
    let events = runner.events();
    let escalated: Vec<&Value> =
        events.iter().filter(|e| e["detail-type"] == "TaskEscalated").collect();
    assert_eq!(escalated.len(), 1);
    let detail = &escalated[0]["detail"];
    assert_eq!((detail["level"].as_u64(), detail["task_id"].as_str()), (Some(1), Some(task_id)));
}

/// Runs `deployments-local review --at <day>T09:00:00Z` on the runner's
/// data; what it printed.
fn review_at(runner: &Runner, day: chrono::NaiveDate) -> String {
    let at = day.and_hms_opt(9, 0, 0).unwrap().and_utc().to_rfc3339();
    let output = Command::new(env!("CARGO_BIN_EXE_deployments-local"))
        .args(["review", "--at", &at])
        .env("DATA_DIR", &runner.data_dir)
        .output()
        .expect("review runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[tokio::test]
async fn review_at_later_times_moves_a_project_at_risk_then_late_once_each() {
    let runner = start("review");
    // Today's deal, due 45 days out: 36 days of plan leave 9 of slack.
    let today = chrono::Utc::now().date_naive();
    let mut deal: Value = serde_json::from_slice(DEAL).unwrap();
    deal["won_at"] = serde_json::json!(chrono::Utc::now() - chrono::Duration::minutes(1));
    deal["target_go_live"] = serde_json::json!(today + chrono::Days::new(45));
    deal["services"] = serde_json::json!([deal["services"][0].clone()]);
    let body = serde_json::to_vec(&deal).unwrap();
    let (status, _, reply) = post(&runner, body.clone(), signature_now(&body, 0)).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&reply));
    let reply: Value = serde_json::from_slice(&reply).unwrap();
    let project = reply["projects"][0]["id"].as_str().unwrap().to_owned();
    let manager = runner.token("sophie.durand@bluerocktel.fr", "manager");
    let path = format!("/v1/projects/{project}");
    assert_eq!(
        runner.staff("GET", &path, &manager, None).await.1["forecast"]["health"],
        "on_track"
    );

    // Once order_confirmed overran (2 days), 34 days of plan remain from
    // each day: less than 5 days of slack from day 7, none from day 12.
    let day = |n: u64| today + chrono::Days::new(n);
    let said = review_at(&runner, day(5));
    assert!(said.contains("0 change(s) of health"), "{said}");
    let said = review_at(&runner, day(7));
    assert!(said.contains(&format!("project {project} is now at_risk")), "{said}");
    let said = review_at(&runner, day(7));
    assert!(said.contains("0 project(s) reviewed"), "a second identical sweep: {said}");
    let said = review_at(&runner, day(12));
    assert!(said.contains(&format!("project {project} is now late")), "{said}");

    let events = runner.events();
    let healths: Vec<&str> = events
        .iter()
        .filter(|e| e["detail-type"] == "ProjectJeopardyChanged")
        .map(|e| e["detail"]["health"].as_str().unwrap())
        .collect();
    assert_eq!(healths, ["at_risk", "late"]);
    let to_owner = runner.mails().into_iter().filter(|m| m.to == "sophie.durand@bluerocktel.fr");
    let subjects: Vec<String> = to_owner.map(|m| m.subject).collect();
    assert!(subjects.iter().any(|s| s.contains("en retard")), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.contains("à risque")), "{subjects:?}");
    let (_, listed) = runner.staff("GET", "/v1/projects?health=late", &manager, None).await;
    assert_eq!(listed["items"][0]["id"], project.as_str());
}

/// A CRM body of the repository posted to `path`, signed by
/// `deployments-local sign` as the README signs it: status and JSON body.
async fn post_signed_file(runner: &Runner, path: &str, file: &str) -> (u16, Value) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    let output = Command::new(env!("CARGO_BIN_EXE_deployments-local"))
        .arg("sign")
        .arg(&file)
        .output()
        .expect("sign runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let header = stdout.trim().strip_prefix("X-Signature: ").expect("an X-Signature line");
    let body = std::fs::read(&file).expect("the body reads");
    let (status, _, answer) = post_to(runner, path, body, header.to_owned()).await;
    (status, serde_json::from_slice(&answer).unwrap_or(Value::Null))
}

/// The README's change and cancellation of the sample deal, through the
/// real binary: revision 1 updates L1, cancels L2, creates L4; L1's next
/// customer mail goes to the new contact; the cancellation ends them all.
#[tokio::test]
async fn a_deal_changed_then_cancelled_with_bodies_signed_by_the_cli() {
    let runner = start("changes");
    assert_eq!(post(&runner, DEAL.to_vec(), signature_now(DEAL, 0)).await.0, 201);
    let (status, changed) =
        post_signed_file(&runner, "/v1/crm/deals/changed", "events/crm/deal-changed.json").await;
    assert_eq!(status, 200, "{changed}");
    let outcomes: Vec<(&str, &str)> = changed["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| (p["line_id"].as_str().unwrap(), p["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes, [("L1", "updated"), ("L2", "cancelled"), ("L4", "created")]);
    let events =
        wait_for(|| Some(runner.events()).filter(|e| count(e, "DeploymentProjectCancelled") > 0))
            .await;
    let cancelled = events.iter().find(|e| e["detail-type"] == "DeploymentProjectCancelled");
    assert_eq!(cancelled.map(|e| &e["detail"]["subscription_id"]), Some(&Value::from("SUB-9002")));

    let l1 = changed["projects"][0]["id"].as_str().unwrap();
    let manager = runner.token("sophie.durand@bluerocktel.fr", "manager");
    let path = format!("/v1/projects/{l1}/milestones/order_confirmed/complete");
    assert_eq!(runner.staff("POST", &path, &manager, None).await.0, 200);
    let mails = wait_for(|| Some(runner.mails()).filter(|m| !m.is_empty())).await;
    assert_eq!(mails[0].to, "it@boulangerie-martin.fr");

    let (status, ended) =
        post_signed_file(&runner, "/v1/crm/deals/cancelled", "events/crm/deal-cancelled.json")
            .await;
    assert_eq!(status, 200, "{ended}");
    let statuses: Vec<&str> = ended["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["cancelled", "cancelled", "cancelled"]);
    wait_for(|| Some(runner.events()).filter(|e| count(e, "DeploymentProjectCancelled") == 3))
        .await;
}
