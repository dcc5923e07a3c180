//! The self-check of the browser harness (support/browser.rs), against a
//! tiny site served here on 127.0.0.1: the helpers work, and each check
//! catches what it is for. To be dropped once the console's scenarios
//! exercise the harness.

use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use integration_tests::browser::Browser;

/// Serves `app` on a free port of 127.0.0.1; its origin.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    format!("http://{address}")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A complete, accessible page.
fn page(title: &str, head: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/style.css\">{head}</head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>"
    ))
}

const HTMX_JS: &str = include_str!("../../shared/web-console/static/htmx-2.0.8.min.js");

const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x04, 0x00, 0x00, 0x00, 0xb5, 0x1c, 0x0c,
    0x02, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0x00, 0x00,
    0x00, 0x06, 0x00, 0x02, 0x30, 0x81, 0xd0, 0x2f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

fn png() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/png")], PIXEL)
}

const FORM: &str = r#"<form method="post" action="/echo">
<p><label for="customer">Nom du client</label> <input id="customer" name="customer"></p>
<p><label for="service">Service</label> <select id="service" name="service">
<option value="sip">SIP</option><option value="fibre">Fibre</option></select></p>
<p><label><input type="checkbox" name="urgent"> Urgent</label></p>
<p><button>Envoyer</button></p>
</form>"#;

async fn echo(body: String) -> Html<String> {
    let fields: Vec<String> = url::form_urlencoded::parse(body.as_bytes())
        .map(|(name, value)| format!("<li>{}={}</li>", escape(&name), escape(&value)))
        .collect();
    let body =
        format!("<ul>{}</ul><p><a href=\"/form\">Retour au formulaire</a></p>", fields.concat());
    page("Reçu", "", &body)
}

/// The echo, half a second later: longer than the harness waits for a
/// page that stays.
async fn slow_echo(body: String) -> Html<String> {
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    echo(body).await
}

/// What an htmx button swaps in, after a while.
async fn count() -> Html<&'static str> {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    Html("un clic")
}

const HTMX: &str = "<p><button hx-post=\"/count\" hx-target=\"#out\">Compter</button></p>\
    <p id=\"out\">aucun clic</p>";

async fn cookie(headers: HeaderMap) -> impl IntoResponse {
    let seen = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("aucun");
    let body = format!("<p>Cookie : {}</p>", escape(seen));
    ([(header::SET_COOKIE, "seen=1; Path=/")], page("Cookie", "", &body))
}

const SCRIPT: &str = "<p id=\"js\">sans JavaScript</p>\
    <script>document.getElementById('js').textContent = 'avec JavaScript';</script>";

/// An image without text and a field without label: critical for axe-core.
const INACCESSIBLE: &str = "<p><img src=\"/pixel.png\"></p><form><input name=\"q\"></form>";

/// Answers `body` with `content_type` to every GET.
fn fixed(content_type: &'static str, body: String) -> axum::routing::MethodRouter {
    get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, content_type)], body) }
    })
}

fn html(title: &str, head: &str, body: &str) -> axum::routing::MethodRouter {
    fixed("text/html; charset=utf-8", page(title, head, body).0)
}

/// The site under test; `other` is another origin (another port).
fn site(other: &str) -> Router {
    let cross = format!(
        "<p><img alt=\"Logo\" src=\"{other}/x.png\"></p>\
         <link rel=\"stylesheet\" href=\"http://localhost:9/none.css\">"
    );
    let cross_css = format!("body {{ background: url({other}/bg.png) }}");
    Router::new()
        .route("/style.css", fixed("text/css", "p { margin: 1em }".into()))
        .route("/pixel.png", get(|| async { png() }))
        .route("/form", html("Formulaire", "", FORM))
        .route("/echo", axum::routing::post(echo))
        .route("/slow-form", html("Formulaire lent", "", &FORM.replace("/echo", "/slow-echo")))
        .route("/slow-echo", axum::routing::post(slow_echo))
        .route("/htmx.js", fixed("text/javascript", HTMX_JS.into()))
        .route("/htmx", html("Htmx", "<script src=/htmx.js></script>", HTMX))
        .route("/count", axum::routing::post(count))
        .route("/cookie", get(cookie))
        .route("/cross", html("Ailleurs", "<link rel=stylesheet href=/cross.css>", &cross))
        .route("/cross.css", fixed("text/css", cross_css))
        .route("/script", html("Script", "", SCRIPT))
        .route("/inaccessible", html("Inaccessible", "", INACCESSIBLE))
        .route("/broken", html("Cassé", "<link rel=stylesheet href=/nothing.css>", ""))
}

/// The site, and the origin of another server of images.
async fn sites() -> (String, String) {
    let other = serve(Router::new().fallback(|| async { png() })).await;
    (serve(site(&other)).await, other)
}

fn screenshot(name: &str) -> std::path::PathBuf {
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or(target, Into::into);
    target.join("console").join(format!("{name}.png"))
}

#[tokio::test]
async fn a_clean_page_passes_and_its_form_works() {
    let (site, _) = sites().await;
    let browser = Browser::shared().await;
    let page = browser.page();
    page.visit(&format!("{site}/form"), "selfcheck-form").await;
    let png = std::fs::read(screenshot("selfcheck-form")).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    page.fill("Nom du client", "Acme <SARL>").await;
    page.fill("service", "Fibre").await;
    page.tick("Urgent", true).await;
    page.submit("selfcheck-submitted").await;
    assert_eq!(page.url().await.path(), "/echo");
    let text = page.text().await;
    for expected in ["customer=Acme <SARL>", "service=fibre", "urgent=on"] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    page.click("Retour au formulaire", "selfcheck-back").await;
    page.fill("customer", "Bis").await;
    page.click("Envoyer", "selfcheck-clicked").await;
    assert!(page.text().await.contains("customer=Bis"));
}

#[tokio::test]
async fn requests_to_another_origin_are_caught() {
    let (site, other) = sites().await;
    let browser = Browser::shared().await;
    let page = browser.page();
    page.visit_unchecked(&format!("{site}/cross")).await;
    let foreign = page.foreign_requests().await;
    // The image (loaded), the style sheet's background (loaded, so only
    // resource timing knows it) and a style sheet that failed to load.
    let expected = [format!("{other}/x.png"), format!("{other}/bg.png")];
    for url in expected.iter().map(String::as_str).chain(["http://localhost:9/none.css"]) {
        assert!(foreign.iter().any(|f| f == url), "{url} not in {foreign:?}");
    }
    page.allow_origin(&other);
    assert_eq!(page.foreign_requests().await, ["http://localhost:9/none.css"]);
}

#[tokio::test]
#[should_panic(expected = "request to another origin: http://127.0.0.1:")]
async fn a_check_fails_on_a_request_to_another_origin() {
    let (site, _) = sites().await;
    Browser::shared().await.page().visit(&format!("{site}/cross"), "selfcheck-cross").await;
}

#[tokio::test]
async fn axe_reports_violations_with_their_impact() {
    let (site, _) = sites().await;
    let browser = Browser::shared().await;
    let page = browser.page();
    page.visit_unchecked(&format!("{site}/inaccessible")).await;
    let violations = page.accessibility_violations().await;
    for rule in ["image-alt", "label"] {
        let found = violations.iter().find(|v| v.id == rule);
        let found = found.unwrap_or_else(|| panic!("no {rule} in {violations:#?}"));
        assert_eq!(found.impact, "critical", "{found:?}");
        assert!(found.fails() && !found.targets.is_empty(), "{found:?}");
    }
}

#[tokio::test]
#[should_panic(expected = "critical image-alt")]
async fn a_check_fails_on_a_serious_violation() {
    let (site, _) = sites().await;
    let browser = Browser::shared().await;
    browser.page().visit(&format!("{site}/inaccessible"), "selfcheck-inaccessible").await;
}

#[tokio::test]
async fn a_style_sheet_that_fails_is_caught() {
    let (site, _) = sites().await;
    let browser = Browser::shared().await;
    let page = browser.page();
    page.visit_unchecked(&format!("{site}/broken")).await;
    assert_eq!(page.failed_resources().await, [format!("404 {site}/nothing.css")]);
}

#[tokio::test]
async fn javascript_is_on_in_one_session_and_off_in_the_other() {
    let (site, _) = sites().await;
    let browser = Browser::shared().await;
    let page = browser.page();
    page.visit(&format!("{site}/script"), "selfcheck-script").await;
    assert!(page.text().await.contains("avec JavaScript"));
    let plain = browser.page_without_js().await;
    plain.visit(&format!("{site}/script"), "selfcheck-script").await;
    assert!(plain.text().await.contains("sans JavaScript"));
    assert!(screenshot("selfcheck-script-nojs").exists());
    assert!(page.text().await.contains("avec JavaScript"), "the sessions are apart");
}

#[tokio::test]
async fn each_turn_starts_without_cookies() {
    let (site, _) = sites().await;
    let browser = Browser::shared().await;
    browser.page().visit(&format!("{site}/cookie"), "selfcheck-cookie-set").await;
    browser.page().visit(&format!("{site}/cookie"), "selfcheck-cookie-sent").await;
    assert!(browser.page().text().await.contains("Cookie : seen=1"));
    drop(browser);
    let browser = Browser::shared().await;
    browser.page().visit(&format!("{site}/cookie"), "selfcheck-cookie-cleared").await;
    assert!(browser.page().text().await.contains("Cookie : aucun"));
}

#[tokio::test]
async fn an_htmx_swap_is_awaited() {
    let (site, _) = sites().await;
    let browser = Browser::shared().await;
    let page = browser.page();
    page.visit(&format!("{site}/htmx"), "selfcheck-htmx").await;
    page.click("Compter", "selfcheck-htmx-swapped").await;
    let text = page.text().await;
    assert!(text.contains("un clic"), "{text:?}");
    assert_eq!(page.url().await.path(), "/htmx");
}

#[tokio::test]
async fn a_slow_answer_is_awaited_with_and_without_javascript() {
    let (site, _) = sites().await;
    let browser = Browser::shared().await;
    for page in [browser.page(), browser.page_without_js().await] {
        page.visit(&format!("{site}/slow-form"), "selfcheck-slow-form").await;
        page.fill("Nom du client", "Lent").await;
        page.submit("selfcheck-slow-answer").await;
        let text = page.text().await;
        assert!(text.contains("customer=Lent"), "{text:?}");
    }
}
