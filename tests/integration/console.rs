//! The console in-process, on both stores: sessions and CSRF, security
//! headers, refusals shown as messages, and the customer status page
//! (signed links, nothing internal, a plain 404 for any bad token).
//! The same pages in a real browser: `tests/integration/console_browser.rs`.

use app::ports::Store;
use app::ports::{Claim, Lease};
use axum::body::Body;
use axum::http::Request;
use config::Secret;
use domain::ProjectId;
use domain::outbox::{OutboxMessage, OutboxRecord};
use integration_tests::fixtures::{
    Bundle, MANAGER, PM, TECH, TECH1, console_session, console_session_at, project, t0,
};
use integration_tests::{CONSOLE_SECRET, Reply, edited_deal, send};
use serde_json::json;
use std::sync::Arc;

/// The sample deal with an internal trail on L1: a blocked task of a
/// technician, and its first milestone completed.
struct Fixture {
    bundle: Bundle,
    project: ProjectId,
}

integration_tests::on_bundle!(Fixture);

/// Strings that must never reach a customer.
const INTERNAL: [&str; 3] = ["Survey the basement", TECH, "Landlord keeps the keys"];

impl Fixture {
    async fn new(store: Arc<dyn Store>) -> Self {
        let bundle = Bundle::with_sample_deal(store).await;
        let project = project("L1");
        let task = json!({ "title": INTERNAL[0], "assignee": TECH, "due_date": "2026-12-01" });
        let task = bundle.add_task(&project, "equipment_ordered", task).await;
        let path = format!("/v1/projects/{project}/tasks/{task}");
        let block = json!({ "status": "blocked", "blocked_reason": INTERNAL[2] });
        let reply = bundle.call("PATCH", &path, Some(TECH1), Some(block)).await;
        assert!(reply.status.is_success(), "{}", String::from_utf8_lossy(&reply.body));
        let done = bundle.complete(&project, "order_confirmed", PM, None).await;
        assert!(done.status.is_success(), "{}", String::from_utf8_lossy(&done.body));
        Self { bundle, project }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        send(&self.app, request.body(Body::empty()).expect("a request")).await
    }

    async fn post(&self, path: &str, cookie: &str, form: &str) -> Reply {
        let request = Request::post(path)
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .expect("a request");
        send(&self.app, request).await
    }

    fn status_path(&self, project: &ProjectId, days: i64) -> String {
        let secrets = [Secret::new(CONSOLE_SECRET)];
        let expires = t0() + chrono::Duration::days(days);
        format!("/console/status/{}", app::status_link::token(&secrets, project, expires))
    }
}

fn text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

/// HTML as read: tags dropped, entities decoded, spaces collapsed.
fn readable(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out.replace("&#x27;", "'").replace("&quot;", "\"").replace("&lt;", "<");
    let out = out.replace("&gt;", ">").replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of the page's `role="alert"` message, if any.
fn alert(page: &str) -> Option<String> {
    let start = page.find("role=\"alert\">")?;
    let end = page[start..].find("</div>")? + start;
    Some(readable(&page[start + "role=\"alert\">".len()..end]))
}

/// The readable row of the project page's deliveries table holding `label`.
fn delivery_row(page: &str, label: &str) -> String {
    let section = page.split("id=\"h-deliveries\"").nth(1).unwrap_or_default();
    let section = section.split("</table>").next().unwrap_or_default();
    let row = section.split("<tr>").map(readable).find(|row| row.contains(label));
    row.unwrap_or_else(|| panic!("no delivery row `{label}` in {}", readable(section)))
}

/// The outbox entry of `project` that `pick` finds.
async fn entry(
    store: &Arc<dyn Store>,
    project: &ProjectId,
    pick: impl Fn(&OutboxMessage) -> bool,
) -> domain::OutboxId {
    let records: Vec<OutboxRecord> = store.project_outbox(project).await.expect("the outbox");
    let found = records.iter().find(|r| pick(&r.entry.message));
    found.map(|r| r.entry.id.clone()).expect("the entry in the outbox")
}

/// Claims outbox entry `id` for delivery, as the dispatcher does.
async fn claim(store: &Arc<dyn Store>, id: &domain::OutboxId) -> Lease {
    match store.claim_outbox(id, t0(), chrono::Duration::minutes(5)).await {
        Ok(Claim::Claimed(claimed)) => claimed.lease,
        _ => panic!("{id} could not be claimed"),
    }
}

fn is_event(name: &'static str) -> impl Fn(&OutboxMessage) -> bool {
    move |m| matches!(m, OutboxMessage::Event { detail_type, .. } if detail_type == name)
}

mod cases {
    use super::*;

    pub async fn the_status_page_shows_progress_in_the_customers_language_and_nothing_internal(
        f: Fixture,
    ) {
        let reply = f.get(&f.status_path(&f.project, 30), None).await;
        assert_eq!(reply.status, 200, "{}", text(&reply));
        let page = text(&reply);
        assert!(page.contains("lang=\"fr\"") && page.contains("Commande confirmée"), "{page}");
        assert!(page.contains("Mise en service prévue le"), "the projected go-live: {page}");
        assert!(page.contains("sophie.durand@bluerocktel.fr"), "the project manager's contact");
        for internal in INTERNAL {
            assert!(!page.contains(internal), "{internal} leaked: {page}");
        }
    }

    pub async fn any_bad_status_link_is_the_same_plain_404(f: Fixture) {
        let unknown = ProjectId::for_deal_line("D-404", "L9");
        let good = f.status_path(&f.project, 30);
        let tampered = format!("{}0", &good[..good.len() - 1]);
        let cases = [
            f.status_path(&f.project, -1),
            f.status_path(&unknown, 30),
            tampered,
            "/console/status/nonsense".to_owned(),
        ];
        for path in cases {
            let reply = f.get(&path, None).await;
            assert_eq!(
                (reply.status.as_u16(), text(&reply)),
                (404, "Not Found".to_owned()),
                "{path}"
            );
            assert_eq!(reply.content_type, "text/plain");
        }
    }

    pub async fn pages_carry_a_strict_csp_and_no_inline_script(f: Fixture) {
        let (cookie, _) = console_session(MANAGER, &["manager"], false);
        for path in ["/console/projects", &format!("/console/projects/{}", f.project)] {
            let reply = f.get(path, Some(&cookie)).await;
            assert_eq!(reply.status, 200, "{path}");
            let csp = reply.headers["content-security-policy"].to_str().unwrap_or_default();
            assert!(csp.starts_with("default-src 'self'") && !csp.contains("unsafe"), "{csp}");
            let page = text(&reply);
            assert!(!page.contains("<script>") && !page.contains(" onclick="), "{path}");
            assert!(page.contains("<script src=\"/console/assets/htmx-2.0.8.min.js\""), "{path}");
        }
        let htmx = f.get("/console/assets/htmx-2.0.8.min.js", None).await;
        assert_eq!(htmx.status, 200);
        assert!(htmx.content_type.starts_with("text/javascript"));
    }

    pub async fn a_form_without_its_csrf_token_changes_nothing(f: Fixture) {
        let (cookie, csrf) = console_session(MANAGER, &["manager"], false);
        let path = format!("/console/projects/{}/milestones/equipment_ordered/complete", f.project);
        let forged = f.post(&path, &cookie, "note=x").await;
        assert_eq!(forged.status, 403);
        let (_, other) = console_session(MANAGER, &["manager"], false);
        assert_eq!(f.post(&path, &cookie, &format!("csrf={other}")).await.status, 403);
        // With its token the form reaches the rules: a task is still open.
        let refused = f.post(&path, &cookie, &format!("csrf={csrf}")).await;
        assert_eq!(refused.status, 409);
        let page = text(&refused);
        assert!(page.contains("role=\"alert\"") && page.contains(INTERNAL[0]), "{page}");
    }

    pub async fn the_portfolio_filters_by_status_health_and_owner(f: Fixture) {
        let (owner, _) = console_session(MANAGER, &["manager"], false);
        let (other, _) = console_session("paul.leroy@bluerocktel.fr", &["manager"], false);
        let rows = |reply: &Reply| text(reply).matches("<tr>").count() - 1;
        let mine = f.get("/console/projects?owner=me", Some(&owner)).await;
        assert_eq!((mine.status.as_u16(), rows(&mine)), (200, 2), "{}", text(&mine));
        let theirs = f.get("/console/projects?owner=me", Some(&other)).await;
        assert!(text(&theirs).contains("Aucun projet ne correspond"), "{}", text(&theirs));
        let everyone = f.get("/console/projects", Some(&other)).await;
        assert_eq!(rows(&everyone), 2);
        let held = f.get("/console/projects?status=on_hold", Some(&owner)).await;
        assert!(text(&held).contains("Aucun projet ne correspond"));
        let health = f.get("/console/projects?status=in_progress&health=on_track", Some(&owner));
        let health = health.await;
        assert!(text(&health).contains("badge health-on_track"), "{}", text(&health));
    }

    pub async fn an_english_customer_gets_the_english_page_with_the_planned_installation(
        f: Fixture,
    ) {
        let deal = edited_deal(|d| {
            d["deal_id"] = json!("D-2026-0077");
            d["account"] = json!({ "id": "ACC-2077", "name": "Lyon Bakery Ltd", "language": "en" });
        });
        assert_eq!(f.receive(deal).await.status, 201);
        let english = ProjectId::for_deal_line("D-2026-0077", "L1");
        for key in ["order_confirmed", "equipment_ordered", "delivery_confirmed"] {
            let body =
                (key == "delivery_confirmed").then(|| json!({ "installation_date": "2026-12-10" }));
            let done = f.complete(&english, key, PM, body).await;
            assert!(done.status.is_success(), "{key}: {}", text(&done));
        }
        let reply = f.get(&f.status_path(&english, 30), None).await;
        assert_eq!(reply.status, 200, "{}", text(&reply));
        let page = text(&reply);
        assert!(page.contains("<html lang=\"en\">"), "{page}");
        let read = readable(&page);
        for shown in [
            "Your installation's progress",
            "Steps reached",
            "Order confirmed 2026-11-20",
            "Delivery confirmed 2026-11-20",
            "Installation done to come",
            "Installation planned on 2026-12-10",
            "Go-live expected on",
            "Your project manager sophie.durand@bluerocktel.fr",
        ] {
            assert!(read.contains(shown), "`{shown}` missing: {read}");
        }
        for french in ["Commande confirmée", "Installation prévue", "à venir", "Suivi de votre"]
        {
            assert!(!read.contains(french), "`{french}` on an English page: {read}");
        }
    }

    pub async fn completing_a_milestone_out_of_order_is_a_readable_alert(f: Fixture) {
        let (cookie, csrf) = console_session(MANAGER, &["manager"], false);
        let path = format!("/console/projects/{}/milestones/installation_done/complete", f.project);
        let refused = f.post(&path, &cookie, &format!("csrf={csrf}")).await;
        assert_eq!(refused.status, 409);
        let page = text(&refused);
        assert_eq!(
            alert(&page).as_deref(),
            Some(concat!(
                "Ce jalon ne peut pas encore être terminé : ",
                "terminez d'abord Équipement commandé"
            )),
            "{page}"
        );
        assert!(page.contains("<h1>Boulangerie Martin SARL"), "shown on the project page");
        assert_eq!(refused.headers["hx-replace-url"], format!("/console/projects/{}", f.project));
    }

    pub async fn every_command_on_a_held_project_is_a_readable_alert(f: Fixture) {
        let l2 = project("L2");
        let task =
            json!({ "title": "Port the numbers", "assignee": TECH, "due_date": "2026-12-01" });
        let task = f.add_task(&l2, "order_confirmed", task).await;
        let hold = json!({ "reason": "Customer moving", "category": "customer" });
        let held = f.call("POST", &format!("/v1/projects/{l2}/hold"), Some(PM), Some(hold)).await;
        assert!(held.status.is_success(), "{}", text(&held));
        let (cookie, csrf) = console_session(MANAGER, &["manager"], false);
        let base = format!("/console/projects/{l2}");
        let change = format!("tasks/{task}");
        let commands = [
            ("milestones/order_confirmed/complete", String::new()),
            ("milestones/order_confirmed/tasks", format!("title=Survey&assignee={TECH}")),
            ("activate", "go_live_date=2026-11-20&line_id=L2".to_owned()),
            (change.as_str(), "status=in_progress".to_owned()),
        ];
        for (action, form) in commands {
            let form = format!("csrf={csrf}&{form}&due_date=2026-12-01");
            let refused = f.post(&format!("{base}/{action}"), &cookie, &form).await;
            let page = text(&refused);
            assert_eq!(refused.status, 409, "{action}: {page}");
            let shown = alert(&page);
            assert_eq!(shown.as_deref(), Some("Impossible : le projet est en pause."), "{action}");
            assert!(page.contains("Customer moving") && !page.contains("Frozen"), "{action}");
        }
    }

    pub async fn the_project_page_shows_each_delivery_state_and_why_one_failed(f: Fixture) {
        let store = &f.store;
        let mail = |m: &OutboxMessage| matches!(m, OutboxMessage::Mail { .. });
        let sent = entry(store, &f.project, mail).await;
        let lease = claim(store, &sent).await;
        assert!(store.mark_sent(&sent, lease, t0()).await.expect("marked sent"));
        let failed = entry(store, &f.project, is_event("TaskBlocked")).await;
        let lease = claim(store, &failed).await;
        let reason = "rejected by the bus: detail too large";
        assert!(store.mark_failed(&failed, lease, t0(), reason).await.expect("given up"));
        let retried = entry(store, &f.project, is_event("MilestoneCompleted")).await;
        let lease = claim(store, &retried).await;
        assert!(store.release_outbox(&retried, lease, "bus timeout").await.expect("released"));
        let (cookie, _) = console_session(MANAGER, &["manager"], false);
        let reply = f.get(&format!("/console/projects/{}", f.project), Some(&cookie)).await;
        assert_eq!(reply.status, 200);
        let page = text(&reply);
        let row = delivery_row(&page, "Mail : order_confirmed");
        assert!(row.contains("claire@boulangerie-martin.fr Envoyé 2026-11-20 10:05"), "{row}");
        let row = delivery_row(&page, "Événement : TaskBlocked");
        assert!(row.ends_with(&format!("— Échec 2026-11-20 10:05 {reason}")), "{row}");
        let row = delivery_row(&page, "Événement : MilestoneCompleted");
        assert!(row.ends_with("— En attente (1 tentatives) bus timeout"), "{row}");
        let row = delivery_row(&page, "Événement : DeploymentProjectCreated");
        assert!(row.ends_with("— En attente"), "never tried yet: {row}");
    }

    pub async fn the_local_runner_sends_its_root_to_the_console(f: Fixture) {
        let reply = f.get("/", None).await;
        assert!(reply.status.is_redirection(), "{}", reply.status);
        assert_eq!(reply.headers["location"], "/console/");
    }

    pub async fn the_task_lists_say_when_more_tasks_follow_than_they_show(f: Fixture) {
        const MORE: &str = "autres tâches suivent";
        let l2 = project("L2");
        for n in 0..101 {
            let task = json!({ "title": format!("Câble {n}"), "assignee": TECH,
                               "due_date": "2026-11-23" });
            f.add_task(&l2, "order_confirmed", task).await;
        }
        let rows = |page: &str| page.matches("<tr>").count();
        // A technician's own: 1 blocked (L1) and the first 100 of 101 to do.
        let (tech, _) = console_session(TECH, &["technician"], false);
        let mine = text(&f.get("/console/my-tasks", Some(&tech)).await);
        assert_eq!((rows(&mine), mine.matches(MORE).count()), (1 + 101, 1), "{mine}");
        // The team's on the 20th: none overdue yet, so nothing more to say.
        let (manager, _) = console_session(MANAGER, &["manager"], false);
        let team = text(&f.get("/console/attention", Some(&manager)).await);
        assert!(!team.contains(MORE) && team.contains("Aucune tâche."), "{team}");
        // On the 25th all 101 are overdue: 100 listed, and the page says so.
        let later = "2026-11-25T09:00:00Z".parse().expect("a time");
        f.clock.set(later);
        let (manager, _) = console_session_at(MANAGER, &["manager"], later, false);
        let team = text(&f.get("/console/attention", Some(&manager)).await);
        assert_eq!((rows(&team), team.matches(MORE).count()), (2 + 1 + 100, 1), "{team}");
    }

    pub async fn the_history_names_each_action_in_words(f: Fixture) {
        let (cookie, _) = console_session(MANAGER, &["manager"], false);
        let page = text(&f.get(&format!("/console/projects/{}", f.project), Some(&cookie)).await);
        let (_, history) = page.split_once("id=\"h-history\"").expect("a history section");
        for words in ["Projet créé", "Tâche ajoutée", "Tâche modifiée", "Jalon terminé"] {
            assert!(history.contains(words), "{words}: {history}");
        }
        for key in ["project.created", "task.added", "task.updated", "milestone.completed"] {
            assert!(!history.contains(key), "{key}: {history}");
        }
    }

    pub async fn signing_out_ends_the_session_cookie(f: Fixture) {
        let (cookie, csrf) = console_session(MANAGER, &["manager"], false);
        let reply = f.post("/console/sign-out", &cookie, &format!("csrf={csrf}")).await;
        assert_eq!(reply.status, 303);
        let set = reply.headers["set-cookie"].to_str().unwrap_or_default();
        assert!(set.starts_with("brt_session=;") && set.contains("Max-Age=0"), "{set}");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    }
}

integration_tests::suite_per_store!(|store| Fixture::new(store).await;
    the_status_page_shows_progress_in_the_customers_language_and_nothing_internal,
    any_bad_status_link_is_the_same_plain_404,
    pages_carry_a_strict_csp_and_no_inline_script,
    a_form_without_its_csrf_token_changes_nothing,
    signing_out_ends_the_session_cookie,
    the_portfolio_filters_by_status_health_and_owner,
    an_english_customer_gets_the_english_page_with_the_planned_installation,
    completing_a_milestone_out_of_order_is_a_readable_alert,
    every_command_on_a_held_project_is_a_readable_alert,
    the_project_page_shows_each_delivery_state_and_why_one_failed,
    the_local_runner_sends_its_root_to_the_console,
    the_task_lists_say_when_more_tasks_follow_than_they_show,
    the_history_names_each_action_in_words,
);

/// The console as the Lambda serves it, with an identity provider that
/// checks the PKCE verifier against the challenge it was shown.
mod cloud {
    use super::*;
    use base64::Engine;
    use config::OidcSettings;
    use std::sync::Mutex;
    use web_console::oidc::{Discovery, IdentityProvider, OidcError, TokenResponse};

    const ISSUER: &str = "https://idp.example";

    #[derive(Default)]
    struct FakeIdp {
        /// The nonce and the code challenge of the last authorization request.
        seen: Mutex<(String, String)>,
    }

    #[async_trait::async_trait]
    impl IdentityProvider for FakeIdp {
        async fn discovery(&self) -> Result<Discovery, OidcError> {
            Ok(Discovery {
                issuer: ISSUER.into(),
                authorization_endpoint: format!("{ISSUER}/authorize"),
                token_endpoint: format!("{ISSUER}/token"),
                end_session_endpoint: None,
            })
        }

        async fn exchange_code(
            &self,
            code: &str,
            verifier: &str,
            _redirect_uri: &str,
        ) -> Result<TokenResponse, OidcError> {
            let (nonce, challenge) = self.seen.lock().expect("not poisoned").clone();
            let pkce = web_console::oidc::code_challenge(verifier) == challenge;
            assert!(code == "the-code" && pkce, "PKCE verifier does not match the challenge");
            let claims = json!({
                "iss": ISSUER, "aud": "console-client", "exp": t0().timestamp() + 600,
                "nonce": nonce, "email": "Sophie.Durand@bluerocktel.fr",
                "cognito:groups": ["manager"],
            });
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let token = format!("e30.{}.sig", b64.encode(claims.to_string()));
            Ok(TokenResponse { id_token: token })
        }
    }

    fn app(idp: Arc<FakeIdp>) -> axum::Router {
        let store: Arc<dyn Store> = Arc::new(integration_tests::sqlite_store());
        let clock = Arc::new(app::clock::ManualClock::new(t0()));
        let secrets = Arc::new(app::secrets::FixedSecrets(vec![Secret::new(CONSOLE_SECRET)]));
        let state = web_console::ConsoleState::new(store, secrets, clock, true);
        let settings = OidcSettings {
            issuer: ISSUER.into(),
            client_id: "console-client".into(),
            member_claim: "email".into(),
            roles_claim: "cognito:groups".into(),
        };
        let logout = Some("https://idp.example/logout".to_owned());
        web_console::cloud_router(state, idp, settings, logout)
    }

    fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
        let mut request = Request::get(path).header("host", "console.example");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.body(Body::empty()).expect("a request")
    }

    fn query_value(url: &str, name: &str) -> String {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("{name} missing from {url}"))
    }

    fn cookie_of(reply: &Reply, name: &str) -> String {
        reply
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .unwrap_or_else(|| panic!("no {name} cookie"))
            .to_owned()
    }

    #[tokio::test]
    async fn the_lambda_router_has_no_development_sign_in() {
        let app = app(Arc::new(FakeIdp::default()));
        for method in ["GET", "POST"] {
            let request = Request::builder()
                .method(method)
                .uri(web_console::sign_in::DEV_SIGN_IN)
                .body(Body::empty())
                .expect("a request");
            assert_eq!(send(&app, request).await.status, 404, "{method}");
        }
    }

    #[tokio::test]
    async fn staff_sign_in_with_the_code_flow_and_pkce_then_reach_their_pages() {
        let idp = Arc::new(FakeIdp::default());
        let app = app(idp.clone());
        let started = send(&app, get("/console/sign-in?next=%2Fconsole%2Fprojects", None)).await;
        assert_eq!(started.status, 303);
        let location = started.headers["location"].to_str().expect("a location").to_owned();
        assert!(location.starts_with("https://idp.example/authorize?response_type=code"));
        assert_eq!(query_value(&location, "code_challenge_method"), "S256");
        assert_eq!(
            query_value(&location, "redirect_uri"),
            "https://console.example/console/callback"
        );
        *idp.seen.lock().expect("not poisoned") =
            (query_value(&location, "nonce"), query_value(&location, "code_challenge"));
        let attempt = cookie_of(&started, "brt_sign_in");
        let callback =
            format!("/console/callback?code=the-code&state={}", query_value(&location, "state"));
        let signed_in = send(&app, get(&callback, Some(&attempt))).await;
        assert_eq!(signed_in.status, 303, "{}", text(&signed_in));
        assert_eq!(signed_in.headers["location"], "/console/projects");
        let session = cookie_of(&signed_in, "brt_session");
        let projects = send(&app, get("/console/projects", Some(&session))).await;
        assert_eq!(projects.status, 200);
        assert!(text(&projects).contains("sophie.durand@bluerocktel.fr"));
        let replayed = send(&app, get(&callback, None)).await;
        assert_eq!(replayed.status, 400, "a callback without its attempt signs nobody in");
        signing_out_ends_the_providers_session_too(&app, &session).await;
    }

    async fn signing_out_ends_the_providers_session_too(app: &axum::Router, session: &str) {
        let page = text(&send(app, get("/console/projects", Some(session))).await);
        let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next());
        let request = Request::post("/console/sign-out")
            .header("host", "console.example")
            .header("cookie", session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={}", csrf.expect("a CSRF token"))))
            .expect("a request");
        let out = send(app, request).await;
        assert_eq!(out.status, 303);
        let location = out.headers["location"].to_str().expect("a location").to_owned();
        assert!(location.starts_with("https://idp.example/logout?client_id=console-client"));
        assert_eq!(
            query_value(&location, "logout_uri"),
            "https://console.example/console/signed-out"
        );
        assert!(cookie_of(&out, "brt_session").ends_with("brt_session="), "the session ends");
    }

    #[tokio::test]
    async fn a_callback_with_another_state_signs_nobody_in() {
        let app = app(Arc::new(FakeIdp::default()));
        let started = send(&app, get("/console/sign-in", None)).await;
        let attempt = cookie_of(&started, "brt_sign_in");
        let reply =
            send(&app, get("/console/callback?code=the-code&state=forged", Some(&attempt))).await;
        assert_eq!(reply.status, 403);
        assert!(
            reply
                .headers
                .get_all("set-cookie")
                .iter()
                .all(|c| { !c.to_str().unwrap_or_default().starts_with("brt_session=") })
        );
    }
}
