//! The console in a real browser (headless Chromium over WebDriver, one
//! browser for this binary, see `support/browser.rs`): each test starts the
//! local runner's application on its own port and data directory, signs in
//! through the development sign-in, and works through the pages. Every page
//! visited is screenshotted to `target/console/`, checked by axe-core and
//! for requests to other origins.

use integration_tests::browser::{Browser, Page};
use integration_tests::fixtures::{OTHER_TECH, TECH, project};
use integration_tests::{SECRET, deal_request, sample_deal, send, staff_request, token};
use serde_json::json;
use shared::config::{LocalConfig, Secret};
use shared::domain::ProjectId;
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
    dir: PathBuf,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Site {
    async fn start() -> Site {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let dir = std::env::temp_dir().join(format!(
            "console-browser-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).expect("a data directory");
        let config = config(&dir, &base);
        let store: Arc<dyn shared::store::Store> = Arc::new(
            shared::store::sqlite::SqliteStore::open(&config.database_path()).expect("a database"),
        );
        let clock: Arc<dyn shared::ports::Clock> = Arc::new(shared::clock::SystemClock);
        let app = deployments_local::router(store.clone(), clock.clone(), &config).expect("app");
        let dispatcher = deployments_local::dispatcher(store, clock, &config).expect("dispatcher");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until = |mut s: tokio::sync::watch::Receiver<bool>| async move {
            let _ = s.wait_for(|stop| *stop).await;
        };
        let dispatch =
            deployments_local::run_dispatcher(Arc::new(dispatcher), until(stopped.clone()));
        tokio::spawn(dispatch);
        let serve = axum::serve(listener, app.clone()).with_graceful_shutdown(until(stopped));
        tokio::spawn(async move { serve.await.expect("served") });
        let site = Site { base, app, dir, stop };
        let reply = send(&site.app, deal_request(sample_deal(), SECRET, now())).await;
        assert_eq!(reply.status, 201, "{}", String::from_utf8_lossy(&reply.body));
        site
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A change through the staff API, as set-up (not what a test shows).
    async fn api(&self, method: &str, path: &str, who: (&str, &str), body: serde_json::Value) {
        let bearer = token(who.0, &[who.1]);
        let reply = send(&self.app, staff_request(method, path, Some(&bearer), Some(body))).await;
        assert!(reply.status.is_success(), "{path}: {}", String::from_utf8_lossy(&reply.body));
    }

    /// The status-page link of the last customer mail delivered.
    async fn status_link(&self) -> String {
        for _ in 0..100 {
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
        mail_from: shared::config::local_defaults::MAIL_FROM.to_owned(),
        escalation_email: shared::config::local_defaults::ESCALATION_EMAIL.to_owned(),
        console_secrets: vec![Secret::new(integration_tests::CONSOLE_SECRET)],
        public_url: base.to_owned(),
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
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
    // The customer's mails of the project, and whether they went out.
    page.visit(&site.url(&format!("/console/projects/{}", project("L1"))), "manager-l1-sent").await;
    let text = page.text().await;
    assert!(text.contains("order_confirmed") && text.contains("Envoyé"), "{text}");
    assert!(text.contains("DeploymentProjectLive") || text.contains("go_live"), "{text}");
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
