//! The stored formats, held still: one item of every kind (project header,
//! milestone, task, history, outbox entry pending and sent, intake record,
//! template, account) as DynamoDB stores it and as SQLite stores it, after
//! the life of a project (`tests/snapshots/`). Data written by an earlier
//! release must read back, so these change only on purpose.

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::scenario::{l1, t0, walk};
use integration_tests::snapshots::{dynamo_item, sqlite_row, stored_text};
use integration_tests::{bundle_app, dynamo_store, unique_name};
use serde_json::Value;
use shared::app::{DispatchSettings, Dispatcher};
use shared::clock::ManualClock;
use shared::delivery::memory::{MemoryMailer, MemoryPublisher};
use shared::domain::OutboxId;
use shared::mail::MailRenderer;
use shared::ports::Clock;
use shared::store::Store;
use shared::store::keys;
use std::sync::Arc;

/// The created event of L1 and the first order-confirmed mail of L1.
fn outbox_ids() -> (OutboxId, OutboxId) {
    (OutboxId::derived(&l1(), 1, 0), OutboxId::derived(&l1(), 6, 1))
}

async fn deliver_all(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    let dispatcher = Dispatcher::new(
        store,
        Arc::new(MemoryMailer::default()),
        Arc::new(MemoryPublisher::default()),
        clock,
        MailRenderer::new().expect("templates compile"),
        DispatchSettings::new("BlueRockTEL <deploiements@bluerocktel.fr>"),
    );
    let report = dispatcher.sweep(chrono::Duration::zero(), 1000).await.expect("a sweep");
    assert!(!report.sent.is_empty() && report.retry.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_items_keep_their_format() {
    let dynamo = dynamo_store().await;
    let (client, table) = (dynamo.client().clone(), dynamo.table().to_owned());
    let store: Arc<dyn Store> = Arc::new(dynamo);
    let clock = Arc::new(ManualClock::new(t0()));
    let task = walk(&bundle_app(store.clone(), clock.clone() as Arc<dyn Clock>), &clock).await.task;
    let get = |pk: String, sk: String| {
        let (client, table) = (client.clone(), table.clone());
        async move {
            let out = client
                .get_item()
                .table_name(table)
                .key(keys::PK, AttributeValue::S(pk.clone()))
                .key(keys::SK, AttributeValue::S(sk.clone()))
                .send()
                .await
                .expect("DynamoDB Local answers");
            (
                format!("{pk} {sk}"),
                dynamo_item(&out.item.unwrap_or_else(|| panic!("no item {pk} {sk}"))),
            )
        }
    };
    let p = l1().to_string();
    let (event, mail) = outbox_ids();
    let mut items = vec![
        get(keys::project_pk(&p), keys::PROJECT_SK.into()).await,
        get(keys::project_pk(&p), keys::milestone_sk(3)).await,
        get(keys::project_pk(&p), keys::task_sk(&task)).await,
        get(keys::outbox_pk(event.as_str()), keys::OUTBOX_SK.into()).await,
        get(keys::outbox_pk(mail.as_str()), keys::OUTBOX_SK.into()).await,
        get(keys::intake_pk("D-2026-0042"), keys::INTAKE_SK.into()).await,
        get(keys::template_pk("sip_trunk"), keys::TEMPLATE_CURRENT_SK.into()).await,
        get(keys::template_pk("sip_trunk"), keys::template_version_sk(1)).await,
        get(keys::account_pk("ACC-1001"), keys::ACCOUNT_SK.into()).await,
    ];
    let history = client
        .query()
        .table_name(&table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", keys::PK)
        .expression_attribute_values(":pk", AttributeValue::S(keys::history_pk(&p)))
        .send()
        .await
        .expect("DynamoDB Local answers");
    for item in history.items.unwrap_or_default() {
        items.push(("history".to_owned(), dynamo_item(&item)));
    }
    insta::assert_snapshot!("dynamodb_items", stored_text(&items));

    deliver_all(store, clock).await;
    let sent = vec![
        get(keys::outbox_pk(event.as_str()), keys::OUTBOX_SK.into()).await,
        get(keys::outbox_pk(mail.as_str()), keys::OUTBOX_SK.into()).await,
    ];
    insta::assert_snapshot!("dynamodb_outbox_sent", stored_text(&sent));
}

fn rows(
    conn: &rusqlite::Connection,
    what: &str,
    sql: &str,
    params: &[&str],
) -> Vec<(String, Value)> {
    let mut stmt = conn.prepare(sql).expect("a query");
    let found: Vec<(String, Value)> = stmt
        .query_map(rusqlite::params_from_iter(params), |row| Ok((what.to_owned(), sqlite_row(row))))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("readable rows");
    assert!(!found.is_empty(), "no {what}");
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_rows_keep_their_format() {
    let dir = std::env::temp_dir().join(unique_name("stored-items"));
    std::fs::create_dir_all(&dir).expect("a directory");
    let path = dir.join("deployments.db");
    let store: Arc<dyn Store> =
        Arc::new(shared::store::sqlite::SqliteStore::open(&path).expect("a database"));
    let clock = Arc::new(ManualClock::new(t0()));
    let task = walk(&bundle_app(store.clone(), clock.clone() as Arc<dyn Clock>), &clock).await.task;
    let conn = rusqlite::Connection::open(&path).expect("the database opens");
    let p = l1().to_string();
    let (event, mail) = outbox_ids();
    let read = |conn: &rusqlite::Connection| {
        let mut items = Vec::new();
        items.extend(rows(conn, "projects", "SELECT * FROM projects WHERE id = ?1", &[&p]));
        items.extend(rows(
            conn,
            "milestones",
            "SELECT * FROM milestones WHERE project_id = ?1 AND position = 3",
            &[&p],
        ));
        items.extend(rows(
            conn,
            "tasks",
            "SELECT * FROM tasks WHERE project_id = ?1 AND id = ?2",
            &[&p, &task],
        ));
        items.extend(rows(
            conn,
            "outbox",
            "SELECT * FROM outbox WHERE id IN (?1, ?2) ORDER BY id",
            &[event.as_str(), mail.as_str()],
        ));
        items.extend(rows(
            conn,
            "intake",
            "SELECT * FROM intake WHERE deal_id = ?1",
            &["D-2026-0042"],
        ));
        items.extend(rows(
            conn,
            "templates",
            "SELECT * FROM templates WHERE service_type = ?1",
            &["sip_trunk"],
        ));
        items.extend(rows(conn, "accounts", "SELECT * FROM accounts WHERE id = ?1", &["ACC-1001"]));
        items.extend(rows(
            conn,
            "history",
            "SELECT * FROM history WHERE project_id = ?1 ORDER BY version, seq",
            &[&p],
        ));
        items
    };
    insta::assert_snapshot!("sqlite_rows", stored_text(&read(&conn)));
    deliver_all(store, clock).await;
    let sent = rows(
        &conn,
        "outbox",
        "SELECT * FROM outbox WHERE id IN (?1, ?2) ORDER BY id",
        &[event.as_str(), mail.as_str()],
    );
    insta::assert_snapshot!("sqlite_outbox_sent", stored_text(&sent));
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}
