//! The local runner: the whole bundle on one machine.
//!
//! Every HTTP route is served by the same routers as the Lambda functions,
//! on the embedded SQLite store under `DATA_DIR` (`.local/` by default).
//! `src/main.rs` only parses the command line and calls [`serve`].

pub mod auth;

use anyhow::Context;
use axum::Router;
use shared::app::{Commands, Intake, Queries};
use shared::config::{LocalConfig, local_defaults, vars};
use shared::http::auth::Authenticator;
use shared::http::staff::StaffState;
use shared::http::{self, crm, milestones, projects, tasks};
use shared::ports::{Clock, ProjectStore};
use shared::store::sqlite::SqliteStore;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The application of every function, on the given store and clock, with
/// staff tokens verified against `LOCAL_JWT_SECRET`.
pub fn router(store: Arc<dyn ProjectStore>, clock: Arc<dyn Clock>, config: &LocalConfig) -> Router {
    let crm = crm::CrmState {
        intake: Arc::new(Intake::new(store.clone(), clock.clone())),
        secrets: config.webhook_secrets.clone().into(),
        clock: clock.clone(),
    };
    let staff = StaffState { commands: Arc::new(Commands::new(store.clone(), clock)), queries: Arc::new(Queries::new(store)) };
    let auth: Authenticator = Arc::new(auth::LocalJwt::new(&config.jwt_secret));
    http::app([
        crm::router(crm),
        projects::router(staff.clone(), auth.clone()),
        milestones::router(staff.clone(), auth.clone()),
        tasks::router(staff, auth),
    ])
}

/// Opens the embedded store and serves every route on `127.0.0.1:PORT`
/// until Ctrl-C or SIGTERM.
pub async fn serve(config: LocalConfig) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    let store = SqliteStore::open(&config.database_path())
        .with_context(|| format!("cannot open {}", config.database_path().display()))?;
    let app = router(Arc::new(store), Arc::new(shared::ports::SystemClock), &config);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", config.port))?;
    print_banner(&config, listener.local_addr()?);
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

fn print_banner(config: &LocalConfig, addr: SocketAddr) {
    let secret = |value: &str, name: &str| {
        if value == local_defaults::SECRET { format!("{name}={value} (default)") } else { format!("{name} set from the environment") }
    };
    println!("BlueRockTEL Deployments, local runner");
    println!("  listening on   http://{addr}");
    println!("  data           {} (mail/, events.jsonl, deployments.db)", config.data_dir.display());
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
