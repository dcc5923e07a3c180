//! Tests in a real browser: headless Chromium driven over WebDriver.
//!
//! ```text
//! let browser = Browser::shared().await;
//! let page = browser.page();
//! page.visit(&format!("{base}/console/"), "console-home").await;
//! page.fill("Email", "pm@example.com").await;
//! page.click("Se connecter", "console-signed-in").await;
//! assert!(page.text().await.contains("Projets"));
//! ```
//!
//! **One browser per test binary** (the integration tests are one binary).
//! The first [`Browser::shared`] of a test binary starts chromedriver (on a
//! port of 127.0.0.1 it picks itself) and a Chromium session with
//! JavaScript on; [`Browser::page_without_js`] starts,
//! at its first use, a second session of the same chromedriver with
//! JavaScript off (Chrome's content setting, a profile preference, hence a
//! second Chromium). Both live until the test process ends.
//!
//! **Always stopped.** A Rust test binary runs no destructor of its statics,
//! and Chromium outlives a killed chromedriver, so neither a `Drop` nor
//! tests/servers.sh could stop them reliably. chromedriver runs under a small
//! `sh` watchdog, in a process group of its own, whose stdin is a pipe from
//! the test process: when the test process is gone (passed, panicked, aborted
//! or killed), the pipe closes and the watchdog sends SIGTERM to its group,
//! chromedriver and every Chromium it started, then removes their temporary
//! files.
//!
//! **Tests take turns.** [`Browser::shared`] waits for the browser and holds
//! it until the returned [`Browser`] is dropped (also when the test panics);
//! each turn starts on a blank page, one window, no cookies. Use
//! `#[tokio::test]` (any flavour): the sessions run on a runtime of their own.
//!
//! **Every page is checked.** [`Page::visit`], [`Page::click`] and
//! [`Page::submit`] end with [`Page::check`]: a full-page screenshot in
//! `target/console/<name>.png` (`<name>-nojs.png` without JavaScript), then
//! the test fails on any request or reference to another origin than the
//! visited page's, on a sub-resource answered 4xx/5xx, and on any axe-core
//! violation of impact serious or critical (lesser ones are printed).
//!
//! Environment (set by tests/servers.sh): `CHROMEDRIVER` (default
//! `chromedriver`), `CHROMIUM` (default: chromedriver's choice), `AXE_JS`
//! (default `.tools/axe-core/axe.min.js`).

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, MutexGuard, OnceCell};

/// How long a page may take to load, or to settle after an action, before
/// the test fails: a guard, not a measure. A console page loads in well
/// under a second on a quiet machine; Chromium shares two cores with
/// DynamoDB Local and the other tests (and on CI or beside other builds,
/// with more), so the guard is generous.
pub const PAGE_LOAD: Duration = Duration::from_secs(60);
/// The window (and so the screenshots' width).
pub const WINDOW: (u32, u32) = (1280, 900);
/// The Accept-Language of both sessions (the console's default is French).
pub const ACCEPT_LANGUAGE: &str = "fr-FR,fr,en";

static SHARED: OnceCell<Shared> = OnceCell::const_new();
static TURN: Mutex<()> = Mutex::const_new(());

/// The test binary's turn at the browser: both sessions, until dropped.
pub struct Browser {
    _turn: MutexGuard<'static, ()>,
    shared: &'static Shared,
    js: Page,
    no_js: OnceCell<Page>,
}

impl Browser {
    /// Waits for this binary's browser (starting it the first time) and
    /// holds it until dropped, on a blank page without cookies.
    pub async fn shared() -> Browser {
        crate::needs("the browser (Chromium)", "browser");
        let turn = TURN.lock().await;
        let shared = SHARED.get_or_init(Shared::start).await;
        reset(&shared.js).await;
        Browser {
            _turn: turn,
            shared,
            js: Page::new(shared.js.clone(), shared, true),
            no_js: OnceCell::new(),
        }
    }

    /// The session with JavaScript on.
    pub fn page(&self) -> &Page {
        &self.js
    }

    /// The session with JavaScript off (started at its first use), for the
    /// progressive enhancement: its screenshots are named `<name>-nojs.png`.
    pub async fn page_without_js(&self) -> &Page {
        let shared = self.shared;
        self.no_js
            .get_or_init(|| async move {
                let client = shared.no_js().await;
                reset(&client).await;
                Page::new(client, shared, false)
            })
            .await
    }
}

/// What the binary keeps for its whole life: never dropped.
struct Shared {
    /// Runs the sessions' connections, whichever test's runtime calls them.
    runtime: tokio::runtime::Runtime,
    webdriver: String,
    /// Its stdin closes when the process is gone, which stops the browser.
    _watchdog: Child,
    js: Client,
    no_js: OnceCell<Client>,
    axe: String,
    shots_dir: PathBuf,
    shots: std::sync::Mutex<HashSet<String>>,
}

impl Shared {
    async fn start() -> Shared {
        let started = Instant::now();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("browser")
            .enable_all()
            .build()
            .expect("a runtime for the browser sessions");
        let shots_dir = target_dir().join("console");
        std::fs::create_dir_all(&shots_dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", shots_dir.display()));
        let (watchdog, log) = start_chromedriver(&shots_dir);
        let webdriver = on(&runtime, chromedriver_url(log)).await;
        let js = on(&runtime, connect(webdriver.clone(), true)).await;
        let version = js.capabilities().and_then(|c| c.get("browserVersion")?.as_str());
        eprintln!(
            "browser: Chromium {} on {webdriver} ready in {} ms",
            version.unwrap_or("?"),
            started.elapsed().as_millis()
        );
        let axe = read_axe();
        let shots = std::sync::Mutex::default();
        let no_js = OnceCell::new();
        Shared { runtime, webdriver, _watchdog: watchdog, js, no_js, axe, shots_dir, shots }
    }

    async fn no_js(&'static self) -> Client {
        let start = || on(&self.runtime, connect(self.webdriver.clone(), false));
        self.no_js.get_or_init(start).await.clone()
    }

    /// Where screenshot `name` goes; each name once per binary.
    fn shot_path(&self, name: &str) -> PathBuf {
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        assert!(valid, "screenshot name `{name}`: use letters, digits, `-`, `_` and `.` only");
        let mut shots = self.shots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        assert!(shots.insert(name.to_owned()), "screenshot name `{name}` is used twice");
        self.shots_dir.join(format!("{name}.png"))
    }
}

/// Runs `task` on `runtime` (where the sessions' connections must live),
/// failing as it fails.
async fn on<T: Send + 'static>(
    runtime: &tokio::runtime::Runtime,
    task: impl Future<Output = T> + Send + 'static,
) -> T {
    match runtime.spawn(task).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("the browser's runtime stopped: {e}"),
    }
}

fn workspace() -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().unwrap_or(tests).to_owned()
}

/// The workspace's target directory (`CARGO_TARGET_DIR` if set).
fn target_dir() -> PathBuf {
    let workspace = workspace();
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    }
}

fn read_axe() -> String {
    let path = std::env::var_os("AXE_JS")
        .map_or_else(|| workspace().join(".tools/axe-core/axe.min.js"), PathBuf::from);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is not installed ({}: {e}): run the tests with `tests/run`, \
             or `source tests/servers.sh && prepare_tools` (with ROOT set)",
            path.display()
        )
    })
}

/// Stops chromedriver and every Chromium it started (its process group)
/// once stdin closes, that is once the test process is gone; `$1` is
/// chromedriver, `$2` its log, `$TMPDIR` where it and Chromium keep files.
const WATCHDOG: &str = r#"
{ "$1" --port=0; echo "chromedriver exited ($?)"; } >"$2" 2>&1 </dev/null &
trap '' TERM
cat >/dev/null
kill -TERM 0
sleep 2
rm -rf "$TMPDIR"
"#;

/// Starts the watchdog and chromedriver; the watchdog (whose stdin is a
/// pipe from here) and chromedriver's log.
fn start_chromedriver(logs: &Path) -> (Child, PathBuf) {
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let binary = std::env::current_exe().ok().and_then(|p| p.file_stem().map(|s| s.to_owned()));
    let binary = binary.map_or_else(|| "tests".into(), |s| s.to_string_lossy().into_owned());
    let log = logs.join(format!("{binary}.chromedriver.log"));
    let _ = std::fs::remove_file(&log);
    let tmp = std::env::temp_dir().join(format!("browser-tests-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", tmp.display()));
    let watchdog = std::os::unix::process::CommandExt::process_group(
        Command::new("sh").args(["-c", WATCHDOG, "watchdog", &chromedriver]).arg(&log),
        0,
    )
    .env("TMPDIR", &tmp)
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap_or_else(|e| panic!("cannot start sh to run {chromedriver}: {e}"));
    (watchdog, log)
}

/// The URL of chromedriver once it listens, read from its log.
async fn chromedriver_url(log: PathBuf) -> String {
    let deadline = Instant::now() + PAGE_LOAD;
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let port = text.split("started successfully on port ").nth(1).and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|p| p.parse::<u16>().ok())
        });
        if let Some(port) = port {
            return format!("http://127.0.0.1:{port}/");
        }
        assert!(
            Instant::now() < deadline && !text.contains("chromedriver exited"),
            "chromedriver did not start (in {PAGE_LOAD:?}; is it installed? tests/servers.sh \
             installs chromium and chromium-driver); its log {}:\n{text}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A new Chromium session, JavaScript on or off.
async fn connect(webdriver: String, javascript: bool) -> Client {
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities(javascript))
        .connect(&webdriver)
        .await
        .unwrap_or_else(|e| panic!("chromedriver at {webdriver} could not start Chromium: {e}"))
}

fn capabilities(javascript: bool) -> Capabilities {
    let (width, height) = WINDOW;
    let mut prefs = json!({ "intl.accept_languages": ACCEPT_LANGUAGE });
    if !javascript {
        prefs["profile.managed_default_content_settings.javascript"] = json!(2);
    }
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        &format!("--window-size={width},{height}"),
        "--disable-extensions",
        "--disable-component-update",
        "--no-first-run",
        // No name resolves: nothing but IP literals (127.0.0.1) is reachable.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ];
    let mut chrome = json!({ "args": args, "prefs": prefs });
    if let Ok(binary) = std::env::var("CHROMIUM") {
        chrome["binary"] = json!(binary);
    }
    let millis = |d: Duration| d.as_millis() as u64;
    let timeouts = json!({ "pageLoad": millis(PAGE_LOAD), "script": millis(PAGE_LOAD * 3) });
    serde_json::from_value(json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        "timeouts": timeouts,
        "goog:chromeOptions": chrome,
    }))
    .expect("capabilities are an object")
}

/// One window on a blank page, no cookies (every origin's).
async fn reset(client: &Client) {
    fn gone<T>(e: CmdError) -> T {
        panic!("the browser session is gone ({e}): see target/console/*.chromedriver.log")
    }
    let _ = client.dismiss_alert().await;
    let windows = client.windows().await.unwrap_or_else(gone);
    for extra in windows.iter().skip(1) {
        client.switch_to_window(extra.clone()).await.unwrap_or_else(gone);
        client.close_window().await.unwrap_or_else(gone);
    }
    if let Some(first) = windows.into_iter().next() {
        client.switch_to_window(first).await.unwrap_or_else(gone);
    }
    client.goto("about:blank").await.unwrap_or_else(gone);
    cdp(client, "Network.clearBrowserCookies", json!({})).await;
}

/// A Chrome DevTools Protocol command, through chromedriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

async fn cdp(client: &Client, cmd: &'static str, params: Value) -> Value {
    client
        .issue_cmd(Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("DevTools command {cmd} failed: {e}"))
}

/// An axe-core violation: a rule, its impact and the elements breaking it.
#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    pub help: String,
    /// A CSS selector per element.
    pub targets: Vec<String>,
}

impl Violation {
    pub fn fails(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (impact, id, help) = (&self.impact, &self.id, &self.help);
        write!(f, "{impact} {id}: {help} at {}", self.targets.join(", "))
    }
}

/// The page of one session, and the origin it may talk to.
pub struct Page {
    client: Client,
    shared: &'static Shared,
    javascript: bool,
    origins: std::sync::Mutex<Origins>,
}

#[derive(Default)]
struct Origins {
    /// The origin of the last page visited.
    site: Option<String>,
    /// Other origins a test allowed (an identity provider, say).
    allowed: Vec<String>,
}

/// The elements' key in WebDriver's JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The document is loaded, painted (or blank for a second), and htmx has
/// nothing in flight.
macro_rules! idle {
    () => {
        "document.readyState === 'complete' && \
        (performance.getEntriesByType('paint').length > 0 || performance.now() > 1000) && \
        !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    };
}

const IDLE: &str = concat!("return ", idle!(), ";");

/// Calls back once the browser has rendered a frame of the page as it is.
const NEXT_FRAME: &str = "const done = arguments[arguments.length - 1]; \
    requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";

impl Page {
    fn new(client: Client, shared: &'static Shared, javascript: bool) -> Page {
        Page { client, shared, javascript, origins: std::sync::Mutex::default() }
    }

    /// The WebDriver client, for anything the helpers do not do.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Lets the pages talk to `origin` too (`http://127.0.0.1:1234`).
    pub fn allow_origin(&self, origin: &str) {
        self.lock_origins().allowed.push(origin.trim_end_matches('/').to_owned());
    }

    fn lock_origins(&self) -> std::sync::MutexGuard<'_, Origins> {
        self.origins.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Opens `url`, waits for it, then [`check`](Self::check)s it as `shot`.
    pub async fn visit(&self, url: &str, shot: &str) {
        self.visit_unchecked(url).await;
        self.check(shot).await;
    }

    /// Opens `url` and waits for it, checking nothing: for a test of the
    /// checks themselves, or a page checked later.
    pub async fn visit_unchecked(&self, url: &str) {
        let parsed = url::Url::parse(url).unwrap_or_else(|e| panic!("`{url}` is no URL: {e}"));
        self.lock_origins().site = Some(parsed.origin().ascii_serialization());
        self.client.goto(url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        self.wait_idle().await;
    }

    /// The current URL.
    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.unwrap_or_else(|e| panic!("no current URL: {e}"))
    }

    /// The text of the page, as rendered.
    pub async fn text(&self) -> String {
        let body = self.client.find(Locator::Css("body")).await;
        let text = match body {
            Ok(body) => body.text().await,
            Err(e) => Err(e),
        };
        text.unwrap_or_else(|e| panic!("no text on this page: {e}"))
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        let result = self.client.execute(script, args).await;
        result.unwrap_or_else(|e| panic!("script failed on {}: {e}\n{script}", self.describe()))
    }

    /// Waits until the document has loaded and painted, htmx is done, and
    /// (with JavaScript) a frame shows the result.
    pub async fn wait_idle(&self) {
        let deadline = Instant::now() + PAGE_LOAD;
        while self.execute(IDLE, vec![]).await != Value::Bool(true) {
            let late = Instant::now() >= deadline;
            assert!(!late, "{} did not settle in {PAGE_LOAD:?}", self.describe());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if self.javascript {
            let frame = self.client.execute_async(NEXT_FRAME, vec![]).await;
            frame.unwrap_or_else(|e| panic!("{} rendered no frame: {e}", self.describe()));
        }
    }

    fn describe(&self) -> String {
        format!("the page{}", if self.javascript { "" } else { " without JavaScript" })
    }
}

/// Every URL the page requested or refers to for a request: navigation and
/// resource timing (what loaded), and the attributes that load or submit
/// (what failed to load, or will be sent).
const REQUESTED: &str = r#"
const absolute = (value) => {
  try { return new URL(value, document.baseURI).href; } catch { return String(value); }
};
const urls = [location.href];
for (const entry of performance.getEntriesByType('navigation')) urls.push(entry.name);
for (const entry of performance.getEntriesByType('resource')) urls.push(entry.name);
const attributes = ['src', 'href', 'action', 'data', 'formaction', 'poster',
  'hx-get', 'hx-post', 'hx-put', 'hx-patch', 'hx-delete'];
for (const name of attributes) {
  const selector = name === 'href' ? 'link[href]' : '[' + name + ']';
  for (const element of document.querySelectorAll(selector)) {
    urls.push(absolute(element.getAttribute(name)));
  }
}
for (const form of document.forms) urls.push(form.action);
return urls;
"#;

/// Sub-resources answered with an error; not the XHRs (htmx may expect
/// one), nor the icon Chromium asks for on its own.
const FAILED: &str = r#"
return performance.getEntriesByType('resource')
  .filter((e) => !['xmlhttprequest', 'fetch', 'beacon'].includes(e.initiatorType))
  .filter((e) => new URL(e.name).pathname !== '/favicon.ico')
  .filter((e) => e.responseStatus >= 400)
  .map((e) => e.responseStatus + ' ' + e.name);
"#;

/// Without JavaScript, timers never fire but promises settle: axe-core's
/// few `setTimeout`s become microtasks (nothing else of the page runs).
const TIMERS_AS_MICROTASKS: &str = r#"
window.setTimeout = (callback, delay, ...args) => {
  Promise.resolve().then(() => { if (typeof callback === 'function') callback(...args); });
  return 0;
};
window.clearTimeout = () => {};
"#;

const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] }).then(
  (results) => done({ version: axe.version, violations: results.violations.map((v) => ({
    id: v.id, impact: v.impact || 'unknown', help: v.help,
    targets: v.nodes.map((node) => node.target.join(' ')),
  })) }),
  (error) => done({ error: String(error) }),
);
"#;

impl Page {
    /// Saves a screenshot of the whole page as `shot`, then fails on any
    /// request to another origin, any failed sub-resource and any serious
    /// or critical accessibility violation, listing them all.
    pub async fn check(&self, shot: &str) {
        self.wait_idle().await;
        let path = self.screenshot(shot).await;
        let url = self.url().await;
        let mut problems = Vec::new();
        for foreign in self.foreign_requests().await {
            problems.push(format!("request to another origin: {foreign}"));
        }
        for failed in self.failed_resources().await {
            problems.push(format!("failed sub-resource: {failed}"));
        }
        let (version, violations) = self.axe().await;
        for violation in violations {
            if violation.fails() {
                problems.push(format!("axe-core {version}: {violation}"));
            } else {
                eprintln!("{shot} ({url}): axe-core {version}: {violation}");
            }
        }
        assert!(
            problems.is_empty(),
            "{shot} ({url}, screenshot {}):\n  - {}",
            path.display(),
            problems.join("\n  - ")
        );
    }

    /// Saves a screenshot of the whole page as `target/console/<shot>.png`.
    pub async fn screenshot(&self, shot: &str) -> PathBuf {
        use base64::Engine as _;
        let suffix = if self.javascript { "" } else { "-nojs" };
        let path = self.shared.shot_path(&format!("{shot}{suffix}"));
        let metrics = cdp(&self.client, "Page.getLayoutMetrics", json!({})).await;
        let size = |key: &str, least: u32| {
            let value = metrics["cssContentSize"][key].as_f64().unwrap_or_default();
            value.clamp(f64::from(least), 16_384.0).ceil()
        };
        let (width, height) = (size("width", WINDOW.0), size("height", WINDOW.1));
        let clip = json!({ "x": 0, "y": 0, "width": width, "height": height, "scale": 1 });
        let params = json!({ "format": "png", "captureBeyondViewport": true, "clip": clip });
        let shot = cdp(&self.client, "Page.captureScreenshot", params).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("a screenshot that is not base64: {e}"));
        std::fs::write(&path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// The URLs the page requested or refers to on another origin than
    /// the last page visited (or, before any visit, the current page).
    pub async fn foreign_requests(&self) -> Vec<String> {
        let urls = self.execute(REQUESTED, vec![]).await;
        let urls: Vec<String> = serde_json::from_value(urls).unwrap_or_default();
        let origins = self.lock_origins();
        let page = urls.first().and_then(|u| url::Url::parse(u).ok());
        let page = page.map(|u| u.origin().ascii_serialization()).unwrap_or_default();
        let site = origins.site.clone().unwrap_or(page);
        let mut foreign = Vec::new();
        for url in urls {
            let Ok(parsed) = url::Url::parse(&url) else { continue };
            if matches!(parsed.scheme(), "data" | "blob" | "about" | "javascript" | "mailto") {
                continue;
            }
            let origin = parsed.origin().ascii_serialization();
            let allowed = origin == site || origins.allowed.contains(&origin);
            if !allowed && !foreign.contains(&url) {
                foreign.push(url);
            }
        }
        foreign
    }

    /// The sub-resources (style sheets, scripts, images…) answered 4xx or
    /// 5xx, as `<status> <url>`.
    pub async fn failed_resources(&self) -> Vec<String> {
        serde_json::from_value(self.execute(FAILED, vec![]).await).unwrap_or_default()
    }

    /// Every axe-core violation of the page, whatever its impact.
    pub async fn accessibility_violations(&self) -> Vec<Violation> {
        self.axe().await.1
    }

    /// The version of axe-core and its violations on the page.
    async fn axe(&self) -> (String, Vec<Violation>) {
        if self.execute("return typeof axe === 'object';", vec![]).await != Value::Bool(true) {
            self.execute(&format!("{}\nreturn true;", self.shared.axe), vec![]).await;
        }
        if !self.javascript {
            self.execute(TIMERS_AS_MICROTASKS, vec![]).await;
        }
        let run = self.client.execute_async(AXE_RUN, vec![]).await;
        let result = run.unwrap_or_else(|e| panic!("axe-core did not run: {e}"));
        if let Some(error) = result.get("error") {
            panic!("axe-core failed on {}: {error}", self.describe());
        }
        let version = result["version"].as_str().unwrap_or("?").to_owned();
        let violations = serde_json::from_value(result["violations"].clone())
            .unwrap_or_else(|e| panic!("unexpected results of axe-core ({e}): {result}"));
        (version, violations)
    }
}

/// The form control labelled (or `aria-label`led) `arguments[0]`, or else
/// the only one named (or identified) so.
const FIELD: &str = r#"
const [key] = arguments;
const controls = 'input, select, textarea';
const norm = (text) => (text || '').replace(/\s+/g, ' ').trim();
const labelText = (label) => {
  const copy = label.cloneNode(true);
  copy.querySelectorAll(controls).forEach((control) => control.remove());
  return norm(copy.textContent);
};
for (const label of document.querySelectorAll('label')) {
  if (label.control && labelText(label) === key) return label.control;
}
const all = [...document.querySelectorAll(controls)];
const labelled = all.find((control) => norm(control.getAttribute('aria-label')) === key);
if (labelled) return labelled;
const named = all.filter((control) => control.name === key || control.id === key);
return named.length === 1 ? named[0] : null;
"#;

/// The option of select `arguments[0]` showing (or valued) `arguments[1]`.
const OPTION: &str = r#"
const [select, key] = arguments;
const norm = (text) => (text || '').replace(/\s+/g, ' ').trim();
return [...select.options].find((o) => norm(o.textContent) === key)
  || [...select.options].find((o) => o.value === key) || null;
"#;

/// The visible button, submit input or link whose text, value or
/// `aria-label` is `arguments[0]` (the first one if several).
const CLICKABLE: &str = r#"
const [key] = arguments;
const norm = (text) => (text || '').replace(/\s+/g, ' ').trim();
const selector = 'button, input[type=submit], input[type=button], input[type=image], '
  + 'a[href], [role=button]';
const names = (e) => [e.tagName === 'INPUT' ? e.value : e.textContent,
  e.getAttribute('aria-label')];
const all = [...document.querySelectorAll(selector)]
  .filter((e) => names(e).some((n) => norm(n) === key));
return all.find((e) => e.getClientRects().length > 0) || all[0] || null;
"#;

/// Before a click on `arguments[0]`: marks the page, to tell a new one from
/// it, and watches for a navigation to another document (with JavaScript).
/// Whether the click should lead to a new page without JavaScript.
const BEFORE_CLICK: &str = r#"
const [element] = arguments;
window.__harnessOldPage = true;
window.__harnessLeaving = false;
if (window.navigation) {
  navigation.addEventListener('navigate', (event) => {
    if (!event.destination.sameDocument) window.__harnessLeaving = true;
  });
}
const link = element.closest('a[href]');
const page = (url) => url.split('#')[0];
if (link) return page(link.href) !== page(location.href);
const submit = 'button:not([type]), button[type=submit], input[type=submit], input[type=image]';
return Boolean(element.form && element.matches(submit));
"#;

/// After a click: still the old page? leaving it? idle?
const AFTER_CLICK: &str = concat!(
    "return [window.__harnessOldPage === true, window.__harnessLeaving === true, ",
    idle!(),
    "];"
);

/// How long a page that stays must stay idle after a click before the
/// harness takes it as the result (a navigation starts within a task).
const QUIET: Duration = Duration::from_millis(100);

/// The submit button of the focused field's form (or of the only form).
const SUBMITTER: &str = r#"
const focused = document.activeElement;
const form = (focused && focused.form) || (document.forms.length === 1 ? document.forms[0] : null);
if (!form) return 'no form: focus a field of the form to submit, or click its button';
const submit = 'button:not([type]), button[type=submit], input[type=submit], input[type=image]';
return [...form.elements].find((e) => e.matches(submit)) || 'its form has no submit button';
"#;

fn failed<T>(action: &str, e: CmdError) -> T {
    panic!("cannot {action}: {e}")
}

impl Page {
    async fn find(&self, script: &str, args: Vec<Value>, what: &str) -> Element {
        let found = self.execute(script, args).await;
        match found.get(ELEMENT).and_then(Value::as_str) {
            Some(id) => Element::from_element_id(self.client.clone(), id.to_owned().into()),
            None => {
                let why = found.as_str().map(|s| format!(" ({s})")).unwrap_or_default();
                panic!("{} at {} has no {what}{why}", self.describe(), self.url().await)
            }
        }
    }

    /// The form field labelled `field` (or with that `aria-label`, name or id).
    pub async fn field(&self, field: &str) -> Element {
        let what = format!("field labelled or named `{field}`");
        self.find(FIELD, vec![json!(field)], &what).await
    }

    /// Types `value` into the field `field` (replacing its text), or picks
    /// the option showing (or valued) `value` if it is a select.
    pub async fn fill(&self, field: &str, value: &str) {
        let element = self.field(field).await;
        let action = format!("fill `{field}`");
        if element
            .tag_name()
            .await
            .unwrap_or_else(|e| failed(&action, e))
            .eq_ignore_ascii_case("select")
        {
            let args = vec![serde_json::to_value(&element).expect("an element"), json!(value)];
            let what = format!("option `{value}` in `{field}`");
            self.find(OPTION, args, &what)
                .await
                .click()
                .await
                .unwrap_or_else(|e| failed(&action, e));
        } else {
            element.clear().await.unwrap_or_else(|e| failed(&action, e));
            element.send_keys(value).await.unwrap_or_else(|e| failed(&action, e));
        }
    }

    /// Checks (or unchecks) the checkbox, or picks the radio button, `field`.
    pub async fn tick(&self, field: &str, checked: bool) {
        let element = self.field(field).await;
        let action = format!("tick `{field}`");
        if element.is_selected().await.unwrap_or_else(|e| failed(&action, e)) != checked {
            element.click().await.unwrap_or_else(|e| failed(&action, e));
        }
    }

    /// Clicks the button or link showing `text`, waits for what follows
    /// (a new page, an htmx swap), then [`check`](Self::check)s it as `shot`.
    pub async fn click(&self, text: &str, shot: &str) {
        let what = format!("button or link `{text}`");
        let element = self.find(CLICKABLE, vec![json!(text)], &what).await;
        self.click_and_settle(element, &format!("click `{text}`")).await;
        self.check(shot).await;
    }

    /// Clicks the submit button of the form being filled, waits for the
    /// answer, then [`check`](Self::check)s it as `shot`.
    pub async fn submit(&self, shot: &str) {
        let element = self.find(SUBMITTER, vec![], "form to submit").await;
        self.click_and_settle(element, "submit").await;
        self.check(shot).await;
    }

    /// Clicks `element` and waits for what follows: a new page, loaded; or
    /// the same page, idle for [`QUIET`] with no navigation under way (and,
    /// without JavaScript, none due).
    pub async fn click_and_settle(&self, element: Element, action: &str) {
        let target = vec![serde_json::to_value(&element).expect("an element")];
        let leaves = self.execute(BEFORE_CLICK, target).await == Value::Bool(true);
        element.click().await.unwrap_or_else(|e| failed(action, e));
        let (deadline, mut quiet_since) = (Instant::now() + PAGE_LOAD, None);
        loop {
            // A failure is a page being replaced: look again.
            let state = self.client.execute(AFTER_CLICK, vec![]).await.unwrap_or_default();
            let [old, leaving, idle] = [0, 1, 2].map(|i| state[i] == Value::Bool(true));
            if !old && idle && !state.is_null() {
                return;
            }
            let due = leaving || (leaves && !self.javascript);
            quiet_since =
                if old && idle && !due { quiet_since.or(Some(Instant::now())) } else { None };
            if quiet_since.is_some_and(|since| since.elapsed() >= QUIET) {
                return;
            }
            let waiting = if due { "for a new page" } else { "for the page to settle" };
            assert!(Instant::now() < deadline, "{action}: waited {PAGE_LOAD:?} {waiting}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
