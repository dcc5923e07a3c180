//! The README's first command, tested as a user runs it: the real
//! `deployments-local` binary on its defaults, driven over HTTP.

use serde_json::Value;
use shared::config::{Secret, local_defaults};
use shared::http::signature;
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

/// Starts the binary with API.md's defaults, except a free port and a
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
    while let Ok(line) = lines.recv_timeout(std::time::Duration::from_secs(30)) {
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
    let response = reqwest::Client::new()
        .post(format!("{}/v1/crm/deals/won", runner.base))
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

#[tokio::test]
async fn the_local_runner_serves_the_deal_won_contract_on_its_defaults() {
    let runner = start("contract");

    let (status, _, first) = post(&runner, DEAL.to_vec(), signature_now(DEAL, 0)).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&first));
    let body: Value = serde_json::from_slice(&first).unwrap();
    let lines: Vec<_> =
        body["projects"].as_array().unwrap().iter().map(|p| p["line_id"].clone()).collect();
    assert_eq!(lines, ["L1", "L2"]);

    let (status, _, again) = post(&runner, DEAL.to_vec(), signature_now(DEAL, 0)).await;
    assert_eq!((status, again), (200, first));

    let mut changed: Value = serde_json::from_slice(DEAL).unwrap();
    changed["target_go_live"] = "2027-02-01".into();
    let changed = serde_json::to_vec(&changed).unwrap();
    let (status, content_type, _) =
        post(&runner, changed.clone(), signature_now(&changed, 0)).await;
    assert_eq!((status, content_type.as_str()), (409, "application/problem+json"));

    let wrong = signature::sign(&Secret::new("wrong-secret"), chrono::Utc::now().timestamp(), DEAL);
    assert_eq!(post(&runner, DEAL.to_vec(), wrong).await.0, 401);
    assert_eq!(post(&runner, DEAL.to_vec(), signature_now(DEAL, -600)).await.0, 401);

    let malformed = b"{\"deal_id\": ".to_vec();
    let (status, content_type, _) =
        post(&runner, malformed.clone(), signature_now(&malformed, 0)).await;
    assert_eq!((status, content_type.as_str()), (400, "application/problem+json"));

    let big = vec![b' '; 256 * 1024 + 1];
    let (status, content_type, _) = post(&runner, big.clone(), signature_now(&big, 0)).await;
    assert_eq!((status, content_type.as_str()), (413, "application/problem+json"));

    assert!(runner.data_dir.join("deployments.db").exists(), "state lives in DATA_DIR");

    // Staff routes, with a token signed by the default LOCAL_JWT_SECRET.
    let now = chrono::Utc::now().timestamp();
    let token = deployments_local::auth::mint(
        &Secret::new(local_defaults::SECRET),
        "sophie.durand@bluerocktel.fr",
        &["manager"],
        now,
        600,
    )
    .unwrap();
    let client = reqwest::Client::new();
    let project = body["projects"][0]["id"].as_str().unwrap();
    let response = client
        .post(format!("{}/v1/projects/{project}/milestones/order_confirmed/complete", runner.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let response = client
        .get(format!("{}/v1/projects/{project}", runner.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let view: Value = response.json().await.unwrap();
    assert_eq!(view["milestones"][0]["status"], "completed");
    assert_eq!(
        client.get(format!("{}/v1/projects", runner.base)).send().await.unwrap().status().as_u16(),
        401
    );

    // Delivery: the in-process dispatcher writes each mail and event.
    for (key, body) in [
        ("equipment_ordered", None),
        ("delivery_confirmed", Some(serde_json::json!({ "installation_date": "2026-12-10" }))),
    ] {
        let mut request = client
            .post(format!("{}/v1/projects/{project}/milestones/{key}/complete", runner.base))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        assert_eq!(request.send().await.unwrap().status().as_u16(), 200, "{key}");
    }
    let mails = wait_for(|| {
        let mails = read_mails(&runner.data_dir.join("mail"));
        (mails.len() >= 2).then_some(mails)
    })
    .await;
    assert_eq!(mails.len(), 2, "exactly the two customer mails");
    for mail in &mails {
        assert_eq!(mail.to, "claire@boulangerie-martin.fr");
    }
    let order = mails
        .iter()
        .find(|m| m.text.contains("Votre commande a bien été reçue et est en cours de traitement"))
        .expect("order mail");
    let delivery = mails
        .iter()
        .find(|m| m.text.contains("Votre équipement a été livré"))
        .expect("delivery mail");
    assert!(
        delivery.text.contains("L'installation est prévue le 10 décembre 2026."),
        "{}",
        delivery.text
    );
    assert_ne!(order.message_id, delivery.message_id);

    let events = wait_for(|| {
        let text = std::fs::read_to_string(runner.data_dir.join("events.jsonl")).ok()?;
        let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (events.iter().filter(|e| e["detail-type"] == "MilestoneCompleted").count() >= 3)
            .then_some(events)
    })
    .await;
    let completed: Vec<_> = events
        .iter()
        .filter(|e| e["detail-type"] == "MilestoneCompleted")
        .map(|e| e["detail"]["milestone_key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(completed, ["order_confirmed", "equipment_ordered", "delivery_confirmed"]);
    assert!(events.iter().all(|e| e["source"] == "bluerocktel.deployments" && e["detail"]["event_id"] == e["id"]));
    assert_eq!(events.iter().filter(|e| e["detail-type"] == "DeploymentProjectCreated").count(), 2);

    // Go-live: three events for billing, accounts and helpdesk, and the go-live mail.
    for key in ["installation_done", "customer_acceptance"] {
        let url = format!("{}/v1/projects/{project}/milestones/{key}/complete", runner.base);
        assert_eq!(
            client.post(url).bearer_auth(&token).send().await.unwrap().status().as_u16(),
            200,
            "{key}"
        );
    }
    let activation = serde_json::json!({
        "go_live_date": chrono::Utc::now().date_naive(),
        "technical_summary": [{ "line_id": "L1", "circuit_id": "FTTO-LYO-004211", "ip_addressing": "203.0.113.16/29" }]
    });
    let url = format!("{}/v1/projects/{project}/activate", runner.base);
    assert_eq!(
        client
            .post(url)
            .bearer_auth(&token)
            .json(&activation)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let events = wait_for(|| {
        let text = std::fs::read_to_string(runner.data_dir.join("events.jsonl")).ok()?;
        let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (events.iter().any(|e| e["detail-type"] == "HelpdeskAccountConfigured")).then_some(events)
    })
    .await;
    for dt in
        ["SubscriptionActivationRequested", "CustomerAccountActivated", "HelpdeskAccountConfigured"]
    {
        assert_eq!(events.iter().filter(|e| e["detail-type"] == dt).count(), 1, "{dt}");
    }
    let mails = wait_for(|| {
        let mails = read_mails(&runner.data_dir.join("mail"));
        (mails.len() >= 3).then_some(mails)
    })
    .await;
    let live = mails
        .iter()
        .find(|m| m.text.contains("Votre service est maintenant actif"))
        .expect("the go-live mail");
    assert!(live.text.contains("Identifiant de circuit : FTTO-LYO-004211"));
}

struct Mail {
    to: String,
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
            Mail { to: header("To"), message_id: header("Message-ID"), text }
        })
        .collect()
}

/// Polls `check` until it yields, for up to 10 s.
async fn wait_for<T>(check: impl Fn() -> Option<T>) -> T {
    for _ in 0..100 {
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
    let secret = Secret::new(local_defaults::SECRET);
    let manager = deployments_local::auth::mint(
        &secret,
        "sophie.durand@bluerocktel.fr",
        &["manager"],
        now.timestamp(),
        600,
    )
    .unwrap();
    let tech = deployments_local::auth::mint(
        &secret,
        "tech.one@bluerocktel.fr",
        &["technician"],
        now.timestamp(),
        600,
    )
    .unwrap();
    let client = reqwest::Client::new();
    let task = serde_json::json!({ "title": "Survey the site", "assignee": "tech.one@bluerocktel.fr", "due_date": now.date_naive() });
    let added: Value = client
        .post(format!("{}/v1/projects/{project}/milestones/order_confirmed/tasks", runner.base))
        .bearer_auth(&manager)
        .json(&task)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task_id = added["id"].as_str().unwrap();
    let block =
        serde_json::json!({ "status": "blocked", "blocked_reason": "No access to the building" });
    let response = client
        .patch(format!("{}/v1/projects/{project}/tasks/{task_id}", runner.base))
        .bearer_auth(&tech)
        .json(&block)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    // Two days after the due date, as an operator would run it.
    let at = (now.date_naive() + chrono::Days::new(2))
        .and_hms_opt(9, 0, 0)
        .unwrap()
        .and_utc()
        .to_rfc3339();
    let output = Command::new(env!("CARGO_BIN_EXE_deployments-local"))
        .args(["escalate", "--at", &at])
        .env("DATA_DIR", &runner.data_dir)
        .output()
        .expect("escalate runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains(&format!("escalated task {task_id} of project {project} to level 1")),
        "{stdout}"
    );

    let mails = read_mails(&runner.data_dir.join("mail"));
    let escalation = mails
        .iter()
        .find(|m| m.text.contains("demande votre attention"))
        .expect("the escalation mail");
    assert_eq!(escalation.to, "sophie.durand@bluerocktel.fr");
    assert!(escalation.text.contains("No access to the building"));
    let events = std::fs::read_to_string(runner.data_dir.join("events.jsonl")).unwrap();
    let escalated: Vec<Value> = events
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["detail-type"] == "TaskEscalated")
        .collect();
    assert_eq!(escalated.len(), 1);
    assert_eq!(
        (escalated[0]["detail"]["level"].as_u64(), escalated[0]["detail"]["task_id"].as_str()),
        (Some(1), Some(task_id))
    );
}
