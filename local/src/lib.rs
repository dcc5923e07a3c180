//! The local runner: the whole bundle on one machine.
//!
//! Every HTTP route is served by the same routers as the Lambda functions,
//! on the embedded SQLite store under `DATA_DIR` (`.local/` by default).
//! `src/main.rs` only parses the command line and calls [`serve`].

pub mod auth;

use anyhow::Context;
use api::auth::Authenticator;
use api::staff::StaffState;
use api::{activation, crm, milestones, projects, tasks, templates};
use app::clock::{ManualClock, SystemClock};
use app::ports::Clock;
use app::ports::Store;
use app::secrets::FixedSecrets;
use app::{Commands, Escalator, Reviewer, Templates};
use axum::Router;
use axum::response::Redirect;
use config::{LocalConfig, local_defaults, vars};
use delivery::files::{FileEventPublisher, FileMailer};
use delivery::mail::MailRenderer;
use delivery::{DispatchSettings, Dispatcher};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use store_sqlite::SqliteStore;
use web_console::{ConsoleState, SignIn};

/// The application of every function, on the given store and clock, with
/// staff tokens verified against `LOCAL_JWT_SECRET`; and the console, with
/// its development sign-in, where `/` leads.
pub fn router(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: &LocalConfig,
) -> anyhow::Result<Router> {
    let secrets = Arc::new(FixedSecrets(config.webhook_secrets.clone()));
    let crm = crm::CrmState::new(store.clone(), secrets, clock.clone());
    let settings = Arc::new(Templates::new(store.clone(), clock.clone()));
    let console_secrets = Arc::new(FixedSecrets(config.console_secrets.clone()));
    let secure_cookies = config.public_url.starts_with("https://");
    let console = ConsoleState::new(store.clone(), console_secrets, clock.clone(), secure_cookies);
    let staff = StaffState::new(store, clock);
    let auth: Authenticator = Arc::new(auth::LocalJwt::new(&config.jwt_secret));
    let routes = api::app([
        crm::router(crm),
        projects::router(staff.clone(), auth.clone()),
        milestones::router(staff.clone(), auth.clone()),
        tasks::router(staff.clone(), auth.clone()),
        activation::router(staff, auth.clone()),
        templates::router(settings, auth),
    ]);
    // Merged after the API's layers: console pages are HTML, not problems.
    Ok(routes
        .merge(web_console::router(console, SignIn::Development))
        .route("/", axum::routing::get(|| async { Redirect::to("/console/") })))
}

/// The outbox dispatcher of the local runner: mail to `DATA_DIR/mail/`,
/// events to `DATA_DIR/events.jsonl`.
pub fn dispatcher(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: &LocalConfig,
) -> anyhow::Result<Dispatcher> {
    let mailer = FileMailer::new(config.mail_dir())
        .with_context(|| format!("cannot create {}", config.mail_dir().display()))?;
    let publisher = FileEventPublisher::new(config.events_path())?;
    Ok(Dispatcher::new(
        store,
        Arc::new(mailer),
        Arc::new(publisher),
        clock,
        MailRenderer::new()?,
        DispatchSettings::new(config.mail_from.clone()),
        delivery::StatusLinks::fixed(&config.public_url, config.console_secrets.clone()),
    ))
}

/// How often the local runner runs the escalation sweep (15 minutes in the
/// cloud) and the forecast review (daily in the cloud).
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs the escalation sweep and the forecast review every [`SWEEP_EVERY`]
/// until `stop` resolves.
pub async fn run_sweeps(
    escalator: Arc<Escalator>,
    reviewer: Arc<Reviewer>,
    stop: impl Future<Output = ()>,
) {
    let tick = async {
        // Data of a runner older than forecasting gets its forecasts first.
        if let Err(e) = reviewer.backfill().await {
            tracing::warn!(error = %e, "local forecast backfill failed");
        }
        loop {
            if let Err(e) = escalator.sweep().await {
                tracing::warn!(error = %e, "local escalation sweep failed");
            }
            if let Err(e) = reviewer.sweep().await {
                tracing::warn!(error = %e, "local forecast review failed");
            }
            tokio::time::sleep(SWEEP_EVERY).await;
        }
    };
    tokio::select! { () = tick => {}, () = stop => {} }
}

/// One escalation sweep as if run at `at`, then the delivery of what it
/// produced (`deployments-local escalate --at <RFC3339>`).
pub async fn escalate_at(
    config: &LocalConfig,
    at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<app::EscalationReport> {
    let store = open_store(config)?;
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at));
    let report = escalator(store.clone(), clock.clone(), config).sweep().await?;
    dispatcher(store, clock, config)?.sweep(chrono::Duration::zero(), 1000).await?;
    Ok(report)
}

/// One forecast review as if run at `at`, then the delivery of what it
/// produced (`deployments-local review --at <RFC3339>`).
pub async fn review_at(
    config: &LocalConfig,
    at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<app::ReviewReport> {
    let store = open_store(config)?;
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at));
    let report = reviewer(store.clone(), clock.clone()).sweep().await?;
    dispatcher(store, clock, config)?.sweep(chrono::Duration::zero(), 1000).await?;
    Ok(report)
}

/// The forecast review of the local runner.
pub fn reviewer(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Reviewer {
    let commands = Arc::new(Commands::new(store.clone(), store.clone(), clock.clone()));
    Reviewer::new(store.clone(), store, commands, clock)
}

/// The escalation sweep of the local runner, to `ESCALATION_EMAIL`.
pub fn escalator(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: &LocalConfig) -> Escalator {
    let commands = Arc::new(Commands::new(store.clone(), store.clone(), clock.clone()));
    Escalator::new(store, commands, clock, config.escalation_email.clone())
}

fn open_store(config: &LocalConfig) -> anyhow::Result<Arc<dyn Store>> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!("cannot create the data directory {}", config.data_dir.display())
    })?;
    let store = SqliteStore::open(&config.database_path())
        .with_context(|| format!("cannot open {}", config.database_path().display()))?;
    Ok(Arc::new(store))
}

/// How often the local dispatcher looks for undelivered entries.
pub const DISPATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Delivers outbox entries as they appear (the cloud's stream trigger and
/// sweep in one loop), until `stop` resolves; then delivers what is left.
pub async fn run_dispatcher(dispatcher: Arc<Dispatcher>, stop: impl Future<Output = ()>) {
    let tick = async {
        loop {
            if let Err(e) = dispatcher.sweep(chrono::Duration::zero(), 100).await {
                tracing::warn!(error = %e, "local dispatch failed");
            }
            tokio::time::sleep(DISPATCH_EVERY).await;
        }
    };
    tokio::select! { () = tick => {}, () = stop => {} }
    let _ = dispatcher.sweep(chrono::Duration::zero(), 1000).await;
}

/// Opens the embedded store and serves every route on `127.0.0.1:PORT`
/// until Ctrl-C or SIGTERM, delivering mail and events in the background.
pub async fn serve(config: LocalConfig) -> anyhow::Result<()> {
    let store = open_store(&config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let dispatcher = Arc::new(dispatcher(store.clone(), clock.clone(), &config)?);
    let escalator = Arc::new(escalator(store.clone(), clock.clone(), &config));
    let reviewer = Arc::new(reviewer(store.clone(), clock.clone()));
    let app = router(store, clock, &config)?;
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)))
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{}", config.port))?;
    print_banner(&config, listener.local_addr()?);
    let (stopped, stop) = tokio::sync::watch::channel(false);
    let until_stopped = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    let sweeps = tokio::spawn(run_sweeps(escalator, reviewer, until_stopped(stop.clone())));
    let delivery = tokio::spawn(run_dispatcher(dispatcher, until_stopped(stop)));
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown()).await;
    let _ = stopped.send(true);
    let _ = sweeps.await;
    let _ = delivery.await;
    served?;
    Ok(())
}

fn print_banner(config: &LocalConfig, addr: SocketAddr) {
    let secret = |value: &str, name: &str| {
        if value == local_defaults::SECRET {
            format!("{name}={value} (default)")
        } else {
            format!("{name} set from the environment")
        }
    };
    println!("BlueRockTEL Deployments, local runner");
    println!("  listening on   http://{addr}");
    println!(
        "  data           {} (mail/, events.jsonl, deployments.db)",
        config.data_dir.display()
    );
    println!("  {}", secret(config.webhook_secrets[0].expose(), vars::CRM_WEBHOOK_SECRET));
    println!("  {}", secret(config.jwt_secret.expose(), vars::LOCAL_JWT_SECRET));
    println!("  sign a deal:   deployments-local sign events/crm/deal-won.json");
    println!("  staff token:   deployments-local token <email> <role>...");
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
