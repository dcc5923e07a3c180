//! The stored formats, held still: one item of every kind (project header,
//! milestone, task, history, outbox entry pending and sent, intake record,
//! template, account) as DynamoDB stores it and as SQLite stores it, after
//! the life of a project (`tests/integration/snapshots/`). Data written by an earlier
//! release must read back, so these change only on purpose.

use app::ports::Clock;
use app::ports::Store;
use aws_sdk_dynamodb::types::AttributeValue;
use config::Secret;
use delivery::mail::MailRenderer;
use delivery::memory::{MemoryMailer, MemoryPublisher};
use delivery::{DispatchSettings, Dispatcher, StatusLinks};
use domain::OutboxId;
use integration_tests::CONSOLE_SECRET;
use integration_tests::fixtures::{Bundle, project};
use integration_tests::scenario::walk;
use integration_tests::snapshots::{dynamo_item, sqlite_row, stored_text};
use integration_tests::{dynamo_store, unique_name};
use serde_json::Value;
use std::sync::Arc;
use store::keys;

/// The created event of L1 and the first order-confirmed mail of L1.
fn outbox_ids() -> (OutboxId, OutboxId) {
    (OutboxId::derived(&project("L1"), 1, 0), OutboxId::derived(&project("L1"), 6, 1))
}

async fn deliver_all(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    let dispatcher = Dispatcher::new(
        store,
        Arc::new(MemoryMailer::default()),
        Arc::new(MemoryPublisher::default()),
        clock,
        MailRenderer::new().expect("templates compile"),
        DispatchSettings::new("BlueRockTEL <deploiements@bluerocktel.fr>"),
        StatusLinks::fixed("https://deploiements.example", vec![Secret::new(CONSOLE_SECRET)]),
    );
    let report = dispatcher.sweep(chrono::Duration::zero(), 1000).await.expect("a sweep");
    assert!(!report.sent.is_empty() && report.retry.is_empty());
}

/// Reads items of the table as DynamoDB stores them.
struct Table {
    client: aws_sdk_dynamodb::Client,
    name: String,
}

impl Table {
    async fn get(&self, pk: String, sk: String) -> (String, Value) {
        let out = self
            .client
            .get_item()
            .table_name(&self.name)
            .key(keys::PK, AttributeValue::S(pk.clone()))
            .key(keys::SK, AttributeValue::S(sk.clone()))
            .send()
            .await
            .expect("DynamoDB Local answers");
        let item = out.item.unwrap_or_else(|| panic!("no item {pk} {sk}"));
        (format!("{pk} {sk}"), dynamo_item(&item))
    }

    async fn partition(&self, what: &str, pk: String) -> Vec<(String, Value)> {
        let out = self
            .client
            .query()
            .table_name(&self.name)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::PK)
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .send()
            .await
            .expect("DynamoDB Local answers");
        out.items.unwrap_or_default().iter().map(|i| (what.to_owned(), dynamo_item(i))).collect()
    }

    /// The two outbox entries of [`outbox_ids`].
    async fn outbox(&self) -> Vec<(String, Value)> {
        let (event, mail) = outbox_ids();
        let entry = |id: OutboxId| self.get(keys::outbox_pk(id.as_str()), keys::OUTBOX_SK.into());
        vec![entry(event).await, entry(mail).await]
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_local_items_keep_their_format() {
    let dynamo = dynamo_store().await;
    let table = Table { client: dynamo.client().clone(), name: dynamo.table().to_owned() };
    let store: Arc<dyn Store> = Arc::new(dynamo);
    let bundle = Bundle::new(store.clone());
    let task = walk(&bundle).await.task;
    let p = project("L1").to_string();
    let l2 = project("L2").to_string();
    let mut items = vec![
        table.get(keys::project_pk(&p), keys::PROJECT_SK.into()).await,
        // L2: held, resumed, changed by the CRM, then cancelled with the deal.
        table.get(keys::project_pk(&l2), keys::PROJECT_SK.into()).await,
        table.get(keys::project_pk(&p), keys::milestone_sk(3)).await,
        table.get(keys::project_pk(&p), keys::task_sk(&task)).await,
    ];
    items.extend(table.outbox().await);
    items.extend([
        table.get(keys::intake_pk("D-2026-0042"), keys::INTAKE_SK.into()).await,
        table.get(keys::template_pk("sip_trunk"), keys::TEMPLATE_CURRENT_SK.into()).await,
        table.get(keys::template_pk("sip_trunk"), keys::template_version_sk(1)).await,
        table.get(keys::account_pk("ACC-1001"), keys::ACCOUNT_SK.into()).await,
        table.get(keys::go_live_pk("2027-01"), keys::go_live_sk("fibre_ftto", &p)).await,
    ]);
    items.extend(table.partition("history", keys::history_pk(&p)).await);
    insta::assert_snapshot!("dynamodb_items", stored_text(&items));

    deliver_all(store, bundle.clock.clone()).await;
    insta::assert_snapshot!("dynamodb_outbox_sent", stored_text(&table.outbox().await));
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

/// The two outbox entries of [`outbox_ids`], as SQLite stores them.
fn outbox_rows(conn: &rusqlite::Connection) -> Vec<(String, Value)> {
    let (event, mail) = outbox_ids();
    let sql = "SELECT * FROM outbox WHERE id IN (?1, ?2) ORDER BY id";
    rows(conn, "outbox", sql, &[event.as_str(), mail.as_str()])
}

/// One row of every table of the walked L1 project (`task` its task).
fn sqlite_items(conn: &rusqlite::Connection, task: &str) -> Vec<(String, Value)> {
    let p = project("L1").to_string();
    let by_project = "WHERE project_id = ?1";
    let header = "SELECT * FROM projects WHERE id = ?1";
    let mut items = rows(conn, "projects", header, &[&p]);
    // L2: held, resumed, changed by the CRM, then cancelled with the deal.
    items.extend(rows(conn, "projects", header, &[project("L2").as_str()]));
    let milestone = format!("SELECT * FROM milestones {by_project} AND position = 3");
    items.extend(rows(conn, "milestones", &milestone, &[&p]));
    let task_row = format!("SELECT * FROM tasks {by_project} AND id = ?2");
    items.extend(rows(conn, "tasks", &task_row, &[&p, task]));
    items.extend(outbox_rows(conn));
    items.extend(rows(conn, "intake", "SELECT * FROM intake WHERE deal_id = ?1", &["D-2026-0042"]));
    let templates = "SELECT * FROM templates WHERE service_type = ?1";
    items.extend(rows(conn, "templates", templates, &["sip_trunk"]));
    items.extend(rows(conn, "accounts", "SELECT * FROM accounts WHERE id = ?1", &["ACC-1001"]));
    items.extend(rows(conn, "go_lives", "SELECT * FROM go_lives WHERE project_id = ?1", &[&p]));
    let history = format!("SELECT * FROM history {by_project} ORDER BY version, seq");
    items.extend(rows(conn, "history", &history, &[&p]));
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_rows_keep_their_format() {
    let dir = std::env::temp_dir().join(unique_name("stored-items"));
    std::fs::create_dir_all(&dir).expect("a directory");
    let path = dir.join("deployments.db");
    let store: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open(&path).expect("a database"));
    let bundle = Bundle::new(store.clone());
    let task = walk(&bundle).await.task;
    let conn = rusqlite::Connection::open(&path).expect("the database opens");
    insta::assert_snapshot!("sqlite_rows", stored_text(&sqlite_items(&conn, &task)));
    deliver_all(store, bundle.clock.clone()).await;
    insta::assert_snapshot!("sqlite_outbox_sent", stored_text(&outbox_rows(&conn)));
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}
