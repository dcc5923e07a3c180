//! The console in a real browser (headless Chromium over WebDriver, one
//! browser for this binary, see `support/browser.rs`): each test starts the
//! local runner's application on its own port and data directory, signs in
//! through the development sign-in, and works through the pages. Every page
//! visited is screenshotted to `target/console/`, checked by axe-core and
//! for requests to other origins.

use app::clock::{ManualClock, SystemClock};
use app::ports::Clock;
use chrono::{Days, NaiveTime, Utc};
use config::{LocalConfig, Secret};
use domain::ProjectId;
use integration_tests::browser::{Browser, Page};
use integration_tests::fixtures::{OTHER_TECH, TECH, project};
use integration_tests::{SECRET, deal_request, sample_deal, send, staff_request, token};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

const MANAGER: &str = "sophie.durand@bluerocktel.fr";
const ADMIN: &str = "root@bluerocktel.fr";
/// What a technician writes about a blocked task: never for the customer.
const BLOCKED_REASON: &str = "Le syndic garde les clés";
const TASK_TITLE: &str = "Relevé du local technique";

/// The local runner's application on 127.0.0.1, its mail delivered to files.
struct Site {
    base: String,
    app: axum::Router,
    store: Arc<dyn app::ports::Store>,
    dir: PathBuf,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Site {
    /// The site on the system's clock.
    async fn start() -> Site {
        Site::start_on(Arc::new(SystemClock)).await
    }

    /// The site on `clock` (a test moves it to age and escalate a task).
    async fn start_on(clock: Arc<dyn Clock>) -> Site {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let dir = std::env::temp_dir().join(integration_tests::unique_name("console-browser"));
        std::fs::create_dir_all(&dir).expect("a data directory");
        let config = config(&dir, &base);
        let store: Arc<dyn app::ports::Store> =
            Arc::new(store_sqlite::SqliteStore::open(&config.database_path()).expect("a database"));
        let app = deployments_local::router(store.clone(), clock.clone(), &config).expect("app");
        let dispatcher = deployments_local::dispatcher(store.clone(), clock.clone(), &config);
        let dispatcher = dispatcher.expect("dispatcher");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until = |mut s: tokio::sync::watch::Receiver<bool>| async move {
            let _ = s.wait_for(|stop| *stop).await;
        };
        let dispatch =
            deployments_local::run_dispatcher(Arc::new(dispatcher), until(stopped.clone()));
        tokio::spawn(dispatch);
        let serve = axum::serve(listener, app.clone()).with_graceful_shutdown(until(stopped));
        tokio::spawn(async move { serve.await.expect("served") });
        let site = Site { base, app, store, dir, stop };
        let signed_at = clock.now().timestamp();
        let reply = send(&site.app, deal_request(sample_deal(), SECRET, signed_at)).await;
        assert_eq!(reply.status, 201, "{}", String::from_utf8_lossy(&reply.body));
        site
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A change through the staff API, as set-up (not what a test shows);
    /// its answer.
    async fn api(&self, method: &str, path: &str, who: (&str, &str), body: Value) -> Value {
        let bearer = token(who.0, &[who.1]);
        let reply = send(&self.app, staff_request(method, path, Some(&bearer), Some(body))).await;
        assert!(reply.status.is_success(), "{path}: {}", String::from_utf8_lossy(&reply.body));
        serde_json::from_slice(&reply.body).unwrap_or(Value::Null)
    }

    /// The status-page link of the last customer mail delivered.
    async fn status_link(&self) -> String {
        let deadline = std::time::Instant::now() + integration_tests::PATIENCE;
        while std::time::Instant::now() < deadline {
            let mails = std::fs::read_dir(self.dir.join("mail")).into_iter().flatten();
            for mail in mails.flatten() {
                let raw = std::fs::read(mail.path()).unwrap_or_default();
                let text = decoded_text(&raw);
                let link = text.split_whitespace().find(|w| w.contains("/console/status/"));
                if let Some(link) = link {
                    return link.trim_end_matches(['.', ')']).to_owned();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no customer mail with a status link in {}", self.dir.display());
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The text parts of a mail, decoded (quoted-printable wraps long links).
fn decoded_text(raw: &[u8]) -> String {
    let Ok(mail) = mailparse::parse_mail(raw) else { return String::new() };
    let mut parts = vec![&mail];
    let mut text = String::new();
    while let Some(part) = parts.pop() {
        parts.extend(part.subparts.iter());
        if part.ctype.mimetype == "text/plain" {
            text.push_str(&part.get_body().unwrap_or_default());
        }
    }
    text
}

fn config(dir: &std::path::Path, base: &str) -> LocalConfig {
    LocalConfig {
        port: 0,
        data_dir: dir.to_owned(),
        webhook_secrets: vec![Secret::new(SECRET)],
        jwt_secret: Secret::new(integration_tests::JWT_SECRET),
        mail_from: config::local_defaults::MAIL_FROM.to_owned(),
        escalation_email: config::local_defaults::ESCALATION_EMAIL.to_owned(),
        console_secrets: vec![Secret::new(integration_tests::CONSOLE_SECRET)],
        public_url: base.to_owned(),
    }
}

/// Signs in through the development sign-in as `email` with the role
/// labelled `role`, landing where the console sends them.
async fn sign_in(page: &Page, site: &Site, email: &str, role: &str, shot: &str) {
    page.visit(&site.url("/console/"), &format!("{shot}-sign-in")).await;
    page.fill("Adresse e-mail", email).await;
    page.tick(role, true).await;
    page.click("Se connecter", shot).await;
}

/// Sets a date field (typing into one depends on the browser's locale).
async fn set_date(page: &Page, id: &str, date: &str) {
    let script = "document.getElementById(arguments[0]).value = arguments[1]; return true;";
    page.execute(script, vec![json!(id), json!(date)]).await;
}

/// The manager takes `project` from its first milestone to go-live through
/// the project page only.
async fn walk_to_go_live(page: &Page, site: &Site, project: &ProjectId, shot: &str) {
    page.visit(&site.url(&format!("/console/projects/{project}")), &format!("{shot}-0")).await;
    for (step, key) in ["order_confirmed", "equipment_ordered", "delivery_confirmed"]
        .into_iter()
        .chain(["installation_done", "customer_acceptance"])
        .enumerate()
    {
        if key == "delivery_confirmed" {
            set_date(page, "inst-delivery_confirmed", "2026-12-10").await;
        }
        page.click("Terminer ce jalon", &format!("{shot}-{}", step + 1)).await;
        let text = page.text().await;
        assert!(!text.contains("Erreur"), "{key}: {text}");
    }
    page.fill("circuit-1", "FTTO-LYO-0042").await;
    page.fill("ip-1", "192.0.2.8/30").await;
    page.fill("equipment-1", "ONT Nokia G-010S").await;
    page.click("Mettre en service", &format!("{shot}-live")).await;
    let text = page.text().await;
    assert!(text.contains("En service") && text.contains("Date de mise en service"), "{text}");
}

#[tokio::test]
async fn a_manager_walks_the_sample_deal_from_intake_to_go_live_through_the_pages() {
    let site = Site::start().await;
    let browser = Browser::shared().await;
    let page = browser.page();
    sign_in(page, &site, MANAGER, "Chef de projet", "manager-projects").await;
    let text = page.text().await;
    assert!(text.contains("Boulangerie Martin SARL") && text.contains("Dans les temps"), "{text}");
    walk_to_go_live(page, &site, &project("L1"), "manager-l1").await;
    the_order_mail_reads_sent(page, &site, &project("L1")).await;
    page.click("Analyses", "manager-analytics").await;
    the_analytics_show_the_go_live(page).await;
}

/// The cells of the first table row holding `needle`, as rendered (none
/// if no row does).
async fn row(page: &Page, needle: &str) -> Vec<String> {
    let script = "const row = [...document.querySelectorAll('tr')]\
        .find((r) => r.innerText.includes(arguments[0]));\
        return row ? [...row.cells].map((c) => c.innerText.trim()) : [];";
    serde_json::from_value(page.execute(script, vec![json!(needle)]).await).unwrap_or_default()
}

/// The text of the page's alert, if any.
async fn alert(page: &Page) -> String {
    let script = "const a = document.querySelector('[role=alert]'); \
        return a ? a.innerText.trim() : '';";
    page.execute(script, vec![]).await.as_str().unwrap_or_default().to_owned()
}

/// The project's status, as its badge shows it.
async fn status_badge(page: &Page) -> String {
    let script = "return document.querySelector('.badges .badge').innerText.trim();";
    page.execute(script, vec![]).await.as_str().unwrap_or_default().to_owned()
}

/// The project page says the order-confirmed mail went to the customer
/// (the dispatcher runs every 250 ms), and lists the go-live's event.
async fn the_order_mail_reads_sent(page: &Page, site: &Site, l1: &ProjectId) {
    let url = site.url(&format!("/console/projects/{l1}"));
    let deadline = std::time::Instant::now() + integration_tests::PATIENCE;
    let mut mail = Vec::new();
    while std::time::Instant::now() < deadline {
        page.visit_unchecked(&url).await;
        mail = row(page, "Mail : order_confirmed").await;
        if mail.get(3).is_some_and(|state| state.starts_with("Envoyé")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    page.check("manager-l1-sent").await;
    assert_eq!(mail.get(2).map(String::as_str), Some("claire@boulangerie-martin.fr"), "{mail:?}");
    assert!(mail[3].starts_with("Envoyé"), "the order mail's row: {mail:?}");
    let event = row(page, "Événement : SubscriptionActivationRequested").await;
    assert_eq!(event.get(2).map(String::as_str), Some("—"), "an event has no addressee");
    let states = ["En attente", "Envoyé"];
    assert!(states.iter().any(|s| event[3].starts_with(s)), "{event:?}");
}

/// Per service type on the analytics page: its title, go-lives, and per
/// chart its caption, bars and texts.
const ANALYTICS: &str = r#"
return [...document.querySelectorAll('section.analytics')].map((s) => ({
  title: s.querySelector('h2').innerText.trim(),
  go_lives: s.querySelector('dl dd').innerText.trim(),
  charts: [...s.querySelectorAll('figure')].map((f) => ({
    caption: f.querySelector('figcaption').innerText.trim(),
    bars: f.querySelectorAll('svg rect.bar').length,
    texts: [...f.querySelectorAll('svg text')].map((t) => t.textContent),
  })),
}));
"#;

/// Fetches the CSV link of the page as the browser would: status, type, body.
const CSV: &str = r#"
const done = arguments[arguments.length - 1];
const link = [...document.querySelectorAll('a[download]')]
  .find((a) => a.innerText.trim() === arguments[0]);
fetch(link.href).then(
  (r) => r.text().then((body) => done([r.status, r.headers.get('content-type'), body])),
  (e) => done([0, '', String(e)]));
"#;

/// The analytics page charts the go-live of L1 (fibre_ftto), and its CSV
/// holds the same figures.
async fn the_analytics_show_the_go_live(page: &Page) {
    let services = page.execute(ANALYTICS, vec![]).await;
    let [fibre] = services.as_array().map(Vec::as_slice).unwrap_or_default() else {
        panic!("one service type went live: {services}")
    };
    assert_eq!(
        (fibre["title"].as_str(), fibre["go_lives"].as_str()),
        (Some("fibre_ftto"), Some("1"))
    );
    let charts = fibre["charts"].as_array().cloned().unwrap_or_default();
    assert_eq!(charts.len(), 3, "lead time, milestones, blocked time: {fibre}");
    assert_eq!(charts[0]["bars"], 3, "p50, p85, p95: {fibre}");
    let texts = |c: &Value| c["texts"].as_array().cloned().unwrap_or_default();
    let lead = texts(&charts[0]);
    assert_eq!(lead.first().and_then(Value::as_str), Some("p50"), "{fibre}");
    // Won on 2026-11-20 (the sample deal), live today.
    let won: chrono::NaiveDate = "2026-11-20".parse().expect("a date");
    let days = (Utc::now().date_naive() - won).num_days().to_string();
    assert_eq!(lead.get(1).and_then(Value::as_str), Some(days.as_str()), "p50 lead time");
    // Named as the template names them, in the member's language.
    let names = ["Commande confirmée", "Équipement commandé", "Livraison confirmée"]
        .into_iter()
        .chain(["Installation terminée", "Acceptation client", "Mise en service"]);
    let labels: Vec<Value> = texts(&charts[1]).into_iter().step_by(2).collect();
    assert_eq!(labels, names.map(|k| json!(k)).collect::<Vec<_>>(), "{fibre}");
    assert_eq!(charts[1]["bars"], 6, "a bar per milestone: {fibre}");
    let run = page.client().execute_async(CSV, vec![json!("Télécharger en CSV")]).await;
    let csv = run.unwrap_or_else(|e| panic!("the CSV fetch did not run: {e}"));
    assert_eq!((csv[0].as_u64(), csv[1].as_str()), (Some(200), Some("text/csv; charset=utf-8")));
    let body = csv[2].as_str().unwrap_or_default();
    assert!(body.contains("fibre_ftto,count,,1\r\n"), "{body}");
    let p50 = lead.get(1).and_then(Value::as_str).unwrap_or_default();
    let csv_p50 = format!("fibre_ftto,lead_time_days,p50,{p50}");
    assert!(body.lines().any(|l| l == csv_p50), "the chart's p50 {p50}: {body}");
}

#[tokio::test]
async fn a_manager_holds_resumes_and_cancels_a_project_from_its_page() {
    let site = Site::start().await;
    let l2 = project("L2");
    let browser = Browser::shared().await;
    let page = browser.page();
    sign_in(page, &site, MANAGER, "Chef de projet", "life-projects").await;
    page.visit(&site.url(&format!("/console/projects/{l2}")), "life-project").await;
    page.fill("hold-reason", "Le client déménage son local technique").await;
    page.fill("hold-category", "Client").await;
    page.click("Mettre en pause", "life-held").await;
    assert_eq!(status_badge(page).await, "En pause");
    let text = page.text().await;
    assert!(text.contains("(Client) : Le client déménage son local technique"), "{text}");
    page.click("Reprendre", "life-resumed").await;
    assert_eq!(status_badge(page).await, "En cours");
    assert!(!page.text().await.contains("En pause depuis"));
    // Held meanwhile (another manager): the page's next command is refused, readably.
    let hold = json!({ "reason": "Attente du syndic", "category": "site_access" });
    site.api("POST", &format!("/v1/projects/{l2}/hold"), (MANAGER, "manager"), hold).await;
    page.click("Terminer ce jalon", "life-refused-on-hold").await;
    assert_eq!(alert(page).await, "Impossible : le projet est en pause.");
    assert_eq!(status_badge(page).await, "En pause", "the page now shows the hold");
    page.fill("cancel-reason", "Le client renonce à la ligne SIP").await;
    page.click("Annuler le projet", "life-cancelled").await;
    assert_eq!(status_badge(page).await, "Annulé");
    let text = page.text().await;
    assert!(text.contains("Annulé le") && text.contains(": Le client renonce à la ligne SIP"));
    assert!(!text.contains("Mettre en pause") && !text.contains("Reprendre"), "{text}");
}

#[tokio::test]
async fn a_manager_sees_a_blocked_overdue_task_with_its_age_escalation_and_category() {
    let today = Utc::now().date_naive();
    let at = |day: u64, time: &str| {
        let time: NaiveTime = time.parse().expect("a time");
        (today + Days::new(day)).and_time(time).and_utc()
    };
    let clock = Arc::new(ManualClock::new(at(0, "01:00:00")));
    let site = Site::start_on(clock.clone()).await;
    let l1 = project("L1");
    let due = (today + Days::new(1)).to_string();
    let task = json!({ "title": TASK_TITLE, "assignee": TECH, "due_date": due });
    let path = format!("/v1/projects/{l1}/milestones/order_confirmed/tasks");
    let task = site.api("POST", &path, (MANAGER, "manager"), task).await;
    let path = format!("/v1/projects/{l1}/tasks/{}", task["id"].as_str().unwrap_or_default());
    let block = json!({
        "status": "blocked", "blocked_reason": BLOCKED_REASON, "blocked_category": "carrier",
    });
    site.api("PATCH", &path, (TECH, "technician"), block).await;
    // Overdue since the day after its due date, then a day later: levels 1 and 2.
    let escalator = integration_tests::escalator(site.store.clone(), clock.clone(), ADMIN);
    for (day, time) in [(2, "00:15:00"), (3, "00:30:00")] {
        clock.set(at(day, time));
        assert_eq!(escalator.sweep().await.expect("a sweep").escalated.len(), 1);
    }
    clock.set(at(3, "02:00:00"));
    let browser = Browser::shared().await;
    let page = browser.page();
    sign_in(page, &site, MANAGER, "Chef de projet", "attention-projects").await;
    page.click("Bloquées et en retard", "attention").await;
    let cells = row(page, TASK_TITLE).await;
    let [title, assignee, due_cell, status, age, level, category] = &cells[..] else {
        panic!("a row of seven cells: {cells:?}")
    };
    assert_eq!((title.as_str(), assignee.as_str(), due_cell), (TASK_TITLE, TECH, &due));
    assert_eq!(status.as_str(), format!("Bloquée\n{BLOCKED_REASON}"));
    assert_eq!((age.as_str(), level.as_str(), category.as_str()), ("3", "2", "Opérateur"));
}

#[tokio::test]
async fn without_javascript_every_step_to_go_live_still_works() {
    let site = Site::start().await;
    let browser = Browser::shared().await;
    let page = browser.page_without_js().await;
    sign_in(page, &site, MANAGER, "Chef de projet", "nojs-projects").await;
    walk_to_go_live(page, &site, &project("L2"), "nojs-l2").await;
}

#[tokio::test]
async fn a_technician_blocks_and_unblocks_their_task() {
    let site = Site::start().await;
    let l1 = project("L1");
    let task = json!({ "title": TASK_TITLE, "assignee": TECH, "due_date": "2026-12-20" });
    let path = format!("/v1/projects/{l1}/milestones/order_confirmed/tasks");
    site.api("POST", &path, (MANAGER, "manager"), task).await;
    let browser = Browser::shared().await;
    let page = browser.page();
    sign_in(page, &site, TECH, "Technicien", "tech-my-tasks").await;
    page.click(TASK_TITLE, "tech-project").await;
    page.fill("Statut", "Bloquée").await;
    page.fill("Motif du blocage", BLOCKED_REASON).await;
    page.fill("Catégorie", "Accès au site").await;
    page.click("Enregistrer", "tech-blocked").await;
    let text = page.text().await;
    assert!(text.contains(BLOCKED_REASON) && text.contains("Accès au site"), "{text}");
    page.fill("Statut", "En cours").await;
    page.click("Enregistrer", "tech-unblocked").await;
    let text = page.text().await;
    assert!(!text.contains(BLOCKED_REASON), "{text}");
    // The manager cannot close the milestone while the task is open: said on the page.
    page.click("Se déconnecter", "tech-signed-out").await;
    sign_in(page, &site, MANAGER, "Chef de projet", "tech-manager").await;
    page.visit(&site.url(&format!("/console/projects/{l1}")), "tech-manager-project").await;
    page.click("Terminer ce jalon", "tech-manager-refused").await;
    let text = page.text().await;
    assert!(text.contains("Des tâches de ce jalon ne sont pas terminées"), "{text}");
    assert!(text.contains(TASK_TITLE), "the open task is named: {text}");
}

#[tokio::test]
async fn a_technician_cannot_see_a_project_without_a_task_of_theirs() {
    let site = Site::start().await;
    let browser = Browser::shared().await;
    let page = browser.page();
    sign_in(page, &site, OTHER_TECH, "Technicien", "outsider-my-tasks").await;
    assert!(page.url().await.path().ends_with("/console/my-tasks"));
    page.visit(&site.url(&format!("/console/projects/{}", project("L1"))), "outsider-404").await;
    let text = page.text().await;
    assert!(text.contains("n'existe pas") && !text.contains("Boulangerie"), "{text}");
    page.visit(&site.url("/console/projects"), "outsider-403").await;
    assert!(page.text().await.contains("Votre rôle ne permet pas"));
}

#[tokio::test]
async fn an_admin_edits_a_template_into_a_new_version() {
    let site = Site::start().await;
    let browser = Browser::shared().await;
    let page = browser.page();
    sign_in(page, &site, ADMIN, "Administrateur", "admin-projects").await;
    page.click("Modèles de déploiement", "admin-templates").await;
    page.click("fibre_ftto", "admin-template").await;
    assert!(page.text().await.contains("Version 0"));
    page.fill("days-1", "3").await;
    page.fill("en-2", "Equipment on order").await;
    page.fill("at-risk", "7").await;
    page.click("Enregistrer une nouvelle version", "admin-template-saved").await;
    let text = page.text().await;
    assert!(text.contains("Version 1") && text.contains(ADMIN), "{text}");
    // What was saved, as the page shows it when opened again.
    page.visit(&site.url("/console/templates/fibre_ftto"), "admin-template-reloaded").await;
    let script = "return arguments[0].map((id) => document.getElementById(id).value);";
    let fields = page.execute(script, vec![json!(["days-1", "en-2", "at-risk"])]).await;
    assert_eq!(fields, json!(["3", "Equipment on order", "7"]));
    assert!(page.text().await.contains("Version 1"));
    page.click("English", "admin-template-en").await;
    assert!(page.text().await.contains("Deployment templates"));
}

#[tokio::test]
async fn the_customer_status_page_shows_progress_and_nothing_internal() {
    let site = Site::start().await;
    let l1 = project("L1");
    let task = json!({ "title": TASK_TITLE, "assignee": TECH, "due_date": "2026-12-20" });
    let path = format!("/v1/projects/{l1}/milestones/equipment_ordered/tasks");
    site.api("POST", &path, (MANAGER, "manager"), task).await;
    let complete = format!("/v1/projects/{l1}/milestones/order_confirmed/complete");
    site.api("POST", &complete, (MANAGER, "manager"), json!({})).await;
    let link = site.status_link().await;
    assert!(link.starts_with(&site.base), "{link}");
    let browser = Browser::shared().await;
    let page = browser.page();
    page.visit(&link, "customer-status").await;
    let text = page.text().await;
    assert!(text.contains("Suivi de votre installation") && text.contains("Commande confirmée"));
    assert!(text.contains("Mise en service prévue le") && text.contains(MANAGER), "{text}");
    for internal in [TASK_TITLE, TECH, "history", "Historique"] {
        assert!(!text.contains(internal), "{internal} shown to the customer: {text}");
    }
    page.visit_unchecked(&site.url("/console/status/forged.1.00")).await;
    assert_eq!(page.text().await.trim(), "Not Found");
}
