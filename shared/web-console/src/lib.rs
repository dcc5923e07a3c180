//! The deployment team's web console, served under `/console/`:
//! server-rendered pages, plain links and forms that htmx, when JavaScript
//! runs, turns into in-place swaps (`hx-boost`). Every page works without
//! JavaScript.
//!
//! The layout of the crate:
//!
//! - [`routes`]: every console path, once: the patterns the routers
//!   register and the functions that build links to them (handlers and
//!   templates call them);
//! - [`session`]: the signed session cookie, the member it names, CSRF
//!   tokens on every form;
//! - [`sign_in`]: OpenID Connect ([`oidc`]) in the cloud; a development
//!   sign-in in the local runner only ([`SignIn::Development`]);
//! - [`view`]: how pages are made: each page a struct deriving askama's
//!   `Template` from a file of `templates/` (compiled in, so a misspelled
//!   field does not build), the layout's [`view::Frame`], the escaper;
//!   [`i18n`]: the words, typed, in French and English;
//! - [`pages`]: one module per screen with its view, calling the use cases
//!   in-process with the API's authorization rules
//!   ([`domain::staff::Action`]); a refusal is the API's problem for it
//!   (`api::errors`), its status and its kind worded for the member;
//! - [`assets`]: htmx and the style sheet, embedded in the binary;
//! - [`status`]: the customer's read-only status page, behind a signed link.

pub mod assets;
pub mod i18n;
pub mod oidc;
mod oidc_routes;
pub mod pages;
pub mod routes;
pub mod session;
pub mod sign_in;
pub mod status;
pub mod view;

use app::ports::{Accounts, GoLives, Listings, Projects, Store, TemplateStore};
use app::ports::{Clock, ProjectOutbox, WebhookSecrets};
use app::{Analytics, Commands, Queries, Templates};
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use config::OidcSettings;
use std::sync::Arc;

/// Everything the console's handlers share, built once.
#[derive(Clone)]
pub struct ConsoleState {
    pub(crate) queries: Arc<Queries>,
    pub(crate) commands: Arc<Commands>,
    pub(crate) templates: Arc<Templates>,
    pub(crate) analytics: Arc<Analytics>,
    pub(crate) outbox: Arc<dyn ProjectOutbox>,
    pub(crate) projects: Arc<dyn Projects>,
    pub(crate) secrets: Arc<dyn WebhookSecrets>,
    pub(crate) clock: Arc<dyn Clock>,
    /// `Secure` cookies: always in the cloud; off for the local runner's
    /// plain-HTTP loopback address.
    pub(crate) secure_cookies: bool,
}

/// The ports of the store the console's use cases take: those of
/// [`Store`] but the intake's, the dispatcher's and the sweeps'.
struct Ports {
    projects: Arc<dyn Projects>,
    accounts: Arc<dyn Accounts>,
    templates: Arc<dyn TemplateStore>,
    outbox: Arc<dyn ProjectOutbox>,
    listings: Arc<dyn Listings>,
    go_lives: Arc<dyn GoLives>,
}

impl ConsoleState {
    /// The console's use cases on one store; `secrets` sign its sessions
    /// and customer links.
    pub fn new(
        store: Arc<dyn Store>,
        secrets: Arc<dyn WebhookSecrets>,
        clock: Arc<dyn Clock>,
        secure_cookies: bool,
    ) -> Self {
        let ports = Ports {
            projects: store.clone(),
            accounts: store.clone(),
            templates: store.clone(),
            outbox: store.clone(),
            listings: store.clone(),
            go_lives: store,
        };
        Self::of(ports, secrets, clock, secure_cookies)
    }

    /// [`ConsoleState::new`] on a store of a type known here (the
    /// `console` function's): made into the ports the console uses only,
    /// never into a whole [`Store`], so the store's other operations (deal
    /// intake, dispatch, sweeps) are not linked into its binary.
    pub fn on<S>(
        store: Arc<S>,
        secrets: Arc<dyn WebhookSecrets>,
        clock: Arc<dyn Clock>,
        secure_cookies: bool,
    ) -> Self
    where
        S: Projects + Accounts + TemplateStore + ProjectOutbox + Listings + GoLives + 'static,
    {
        let ports = Ports {
            projects: store.clone(),
            accounts: store.clone(),
            templates: store.clone(),
            outbox: store.clone(),
            listings: store.clone(),
            go_lives: store,
        };
        Self::of(ports, secrets, clock, secure_cookies)
    }

    fn of(
        ports: Ports,
        secrets: Arc<dyn WebhookSecrets>,
        clock: Arc<dyn Clock>,
        secure_cookies: bool,
    ) -> Self {
        let Ports { projects, accounts, templates, outbox, listings, go_lives } = ports;
        Self {
            queries: Arc::new(Queries::new(projects.clone(), listings)),
            commands: Arc::new(Commands::new(projects.clone(), accounts, clock.clone())),
            templates: Arc::new(Templates::new(templates, clock.clone())),
            analytics: Arc::new(Analytics::new(go_lives)),
            outbox,
            projects,
            secrets,
            clock,
            secure_cookies,
        }
    }
}

/// How staff sign in.
pub enum SignIn {
    /// OpenID Connect, authorization code with PKCE (the cloud).
    Oidc {
        provider: Arc<dyn oidc::IdentityProvider>,
        settings: OidcSettings,
        /// The provider's logout endpoint when its discovery names none
        /// (Cognito's `https://<domain>/logout`).
        logout: Option<String>,
    },
    /// Pick any e-mail and roles (the local runner only: the Lambda's
    /// router has no such route).
    Development,
}

/// The console's router: its pages, its sign-in, its assets, the customer
/// status page; with its security headers.
pub fn router(state: ConsoleState, sign_in: SignIn) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(sign_in::router(sign_in))
        .merge(status::router())
        .merge(assets::router())
        .with_state(state)
        .layer(axum::middleware::map_response(security_headers))
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The console as the `console` function serves it: OpenID Connect sign-in
/// only (no development sign-in can be built into it), and a bare `404`
/// for anything else.
pub fn cloud_router(
    state: ConsoleState,
    provider: Arc<dyn oidc::IdentityProvider>,
    settings: OidcSettings,
    logout: Option<String>,
) -> Router {
    router(state, SignIn::Oidc { provider, settings, logout }).fallback(|| async {
        (axum::http::StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain")], "Not Found")
    })
}

/// Only this origin's scripts, styles, images and forms; no inline script,
/// no framing. (`no-referrer` above keeps status-link tokens out of
/// Referer headers.)
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
     object-src 'none'";
