//! `deployments-local`: runs the bundle locally (see the crate docs).
//!
//! ```text
//! deployments-local                 serve every route on 127.0.0.1:3000
//! deployments-local sign <file>     print an X-Signature header for a CRM body
//! deployments-local token <email> <role>...
//!                                   print an Authorization header for a staff member
//! deployments-local escalate --at <RFC3339>
//!                                   run one escalation sweep as of that time,
//!                                   deliver its mail and events
//! deployments-local review --at <RFC3339>
//!                                   re-project the projects due for review as
//!                                   of that time, deliver what it emits
//! ```

use anyhow::{Context, bail};
use api::signature;
use chrono::{DateTime, Utc};
use config::{LocalConfig, process_env};

const USAGE: &str = "usage: deployments-local [serve | sign <json-file> \
    | token <email> <admin|manager|technician>... | escalate --at <RFC3339> \
    | review --at <RFC3339>]";
/// Lifetime of tokens minted for local use.
const TOKEN_HOURS: i64 = 12;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = LocalConfig::from_env(&process_env())?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["serve"] => {
            telemetry::init_local();
            deployments_local::serve(config).await
        }
        ["sign", path] => {
            let body = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
            let now = chrono::Utc::now().timestamp();
            println!("X-Signature: {}", signature::sign(&config.webhook_secrets[0], now, &body));
            Ok(())
        }
        ["token", sub, roles @ ..] if !roles.is_empty() => {
            let token = deployments_local::auth::mint(
                &config.jwt_secret,
                sub,
                roles,
                chrono::Utc::now().timestamp(),
                TOKEN_HOURS * 3600,
            )?;
            println!("Authorization: Bearer {token}");
            Ok(())
        }
        ["escalate", "--at", at] => escalate(&config, rfc3339(at)?).await,
        ["review", "--at", at] => review(&config, rfc3339(at)?).await,
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

/// One escalation sweep as of `at`, and what it did.
async fn escalate(config: &LocalConfig, at: DateTime<Utc>) -> anyhow::Result<()> {
    let report = deployments_local::escalate_at(config, at).await?;
    for (project, task, level) in &report.escalated {
        println!("escalated task {task} of project {project} to level {level}");
    }
    println!(
        "{} escalation(s) as of {at}; mail in {}, events in {}",
        report.escalated.len(),
        config.mail_dir().display(),
        config.events_path().display()
    );
    Ok(())
}

/// One forecast review as of `at`, and the changes of health it made.
async fn review(config: &LocalConfig, at: DateTime<Utc>) -> anyhow::Result<()> {
    let report = deployments_local::review_at(config, at).await?;
    for (project, health) in &report.changed {
        println!("project {project} is now {}", health.as_str());
    }
    println!(
        "{} project(s) reviewed as of {at}, {} change(s) of health; mail in {}, events in {}",
        report.reviewed,
        report.changed.len(),
        config.mail_dir().display(),
        config.events_path().display()
    );
    Ok(())
}

fn rfc3339(at: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(chrono::DateTime::parse_from_rfc3339(at)
        .with_context(|| format!("{at} is not an RFC 3339 time"))?
        .into())
}
