//! The API and event contracts, held still: the OpenAPI document, one
//! response of every route and one problem of every kind, and every event
//! a project's life publishes, byte for byte (`tests/integration/snapshots/`). Both
//! stores must give the same bytes (cursors aside, which are theirs).
//!
//! A renamed field anywhere between the domain and the wire fails here.

use app::ports::Clock;
use app::ports::Store;
use config::Secret;
use delivery::files::{FileEventPublisher, FileMailer};
use delivery::mail::MailRenderer;
use delivery::{DispatchSettings, Dispatcher, StatusLinks};
use integration_tests::CONSOLE_SECRET;
use integration_tests::fixtures::Bundle;
use integration_tests::scenario::walk;
use integration_tests::snapshots::{indent_json, reply_text};
use integration_tests::{dynamo_store, sqlite_store};
use std::sync::Arc;

/// `"next_cursor":"…"` stands for whatever the store encodes.
fn without_cursor(reply: &mut integration_tests::Reply) {
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    if let Some(start) = body.find("\"next_cursor\":\"") {
        let value = start + "\"next_cursor\":\"".len();
        let end = value + body[value..].find('"').expect("a closing quote");
        reply.body = format!("{}[cursor]{}", &body[..value], &body[end..]).into_bytes();
    }
}

/// Every event the walk published, as the local bus writes them.
async fn published_events(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> String {
    let dir = std::env::temp_dir().join(integration_tests::unique_name("events"));
    let publisher = FileEventPublisher::new(dir.join("events.jsonl")).expect("a file");
    let dispatcher = Dispatcher::new(
        store,
        Arc::new(FileMailer::new(dir.join("mail")).expect("a directory")),
        Arc::new(publisher),
        clock,
        MailRenderer::new().expect("templates compile"),
        DispatchSettings::new("BlueRockTEL <deploiements@bluerocktel.fr>"),
        StatusLinks::fixed("https://deploiements.example", vec![Secret::new(CONSOLE_SECRET)]),
    );
    let report = dispatcher.sweep(chrono::Duration::zero(), 1000).await.expect("a sweep");
    assert!(report.retry.is_empty() && report.dead.is_empty(), "{report:?}");
    let text = std::fs::read_to_string(dir.join("events.jsonl")).expect("events were written");
    let _ = std::fs::remove_dir_all(&dir);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_by_key(|line| {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        (
            v["time"].as_str().unwrap_or_default().to_owned(),
            v["id"].as_str().unwrap_or_default().to_owned(),
        )
    });
    lines.iter().map(|line| indent_json(line)).collect::<Vec<_>>().join("\n")
}

async fn contracts_hold(store: Arc<dyn Store>) {
    let bundle = Bundle::new(store.clone());
    let walk = walk(&bundle).await;
    for (name, mut reply) in walk.replies {
        without_cursor(&mut reply);
        insta::assert_snapshot!(name, reply_text(&reply));
    }
    let problems: Vec<String> = walk
        .problems
        .iter()
        .map(|(name, reply)| format!("## {name}\n{}", reply_text(reply)))
        .collect();
    insta::assert_snapshot!("problems", problems.join("\n\n"));
    insta::assert_snapshot!("events", published_events(store, bundle.clock.clone()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_local_answers_the_frozen_contracts() {
    contracts_hold(Arc::new(dynamo_store().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_sqlite_answers_the_frozen_contracts() {
    contracts_hold(Arc::new(sqlite_store())).await;
}
