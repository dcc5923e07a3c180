//! `cargo lambda watch` starts every function: the environment in the
//! workspace manifest (`[workspace.metadata.lambda.env]`, which `local/watch`
//! also exports) builds the settings of each one, as its `main` does.

use config::{
    ConsoleConfig, DealWonConfig, DispatchConfig, Env, EscalationConfig, MailFeedbackConfig,
    StaffConfig,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// The watch environment, as cargo reads the manifest.
fn watch_env() -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
    let env = &metadata["metadata"]["lambda"]["env"];
    serde_json::from_value(env.clone()).expect("[workspace.metadata.lambda.env] is a string table")
}

#[test]
fn every_function_reads_its_settings_from_the_watch_environment() {
    let vars = watch_env();
    let env = Env(|name: &str| vars.get(name).cloned());
    let failures: Vec<String> = [
        ("deal-won", DealWonConfig::from_env(&env).err()),
        ("staff functions and review", StaffConfig::from_env(&env).err()),
        ("dispatch", DispatchConfig::from_env(&env).err()),
        ("escalation", EscalationConfig::from_env(&env).err()),
        ("console", ConsoleConfig::from_env(&env).err()),
        ("mail-feedback", MailFeedbackConfig::from_env(&env).err()),
    ]
    .into_iter()
    .filter_map(|(function, error)| error.map(|e| format!("{function}: {e}")))
    .collect();
    assert!(failures.is_empty(), "missing from [workspace.metadata.lambda.env]: {failures:?}");
    for name in config::TELEMETRY_VARS {
        assert!(vars.contains_key(*name), "{name} missing from the watch environment");
    }
}

#[test]
fn the_watch_environment_points_at_no_real_endpoint_or_credentials() {
    let vars = watch_env();
    for name in vars.keys() {
        assert!(
            !name.starts_with("AWS_"),
            "{name}: endpoints and credentials come from local/watch's shell, never the manifest"
        );
    }
    for (name, value) in &vars {
        let host = value.split("://").nth(1).unwrap_or_default().split('/').next();
        let reserved = host.is_some_and(|h| h.ends_with(".invalid") || h.starts_with("127.0.0.1"));
        let remote = value.contains("://") && !reserved || value.contains("amazonaws.com");
        assert!(!remote, "{name} = {value}: the watch environment stays on loopback");
    }
}
