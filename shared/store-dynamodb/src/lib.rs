//! The DynamoDB single-table store, one file per port:
//!
//! - [`projects`](self): load (one strongly consistent Query on the
//!   project's partition), history, and the commit: one TransactWriteItems
//!   whose header is guarded by the version (or by its absence when
//!   created), whose outbox entries and intake claim are guarded by their
//!   own absence;
//! - `intake`, `accounts`, `templates`, `outbox`, `listings`,
//!   `escalations`, `forecasts`: the other ports; `table`: the table as the IaC declares it.
//!
//! Every item is a typed record of `store::records` under the keys of
//! [`store::keys`]. The table never sees a Scan.

mod accounts;
mod escalations;
mod forecasts;
mod intake;
mod listings;
mod outbox;
mod projects;
mod table;
mod templates;

pub use table::create_table;

use app::ports::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, Put};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::collections::HashMap;
use store::corrupt;
use store::keys::{ENTITY, Index, PK, SK};

type Item = HashMap<String, AttributeValue>;

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// A store on `table` with a client built from the shared SDK configuration.
    pub fn from_config(sdk: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self::new(Client::new(sdk), table)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn put(&self, item: Item) -> Result<Put, StoreError> {
        Put::builder().table_name(&self.table).set_item(Some(item)).build().map_err(invalid_request)
    }

    /// A put that lands only if no item has this key yet.
    fn absent(&self, item: Item) -> Result<Put, StoreError> {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(invalid_request)
    }

    /// Every item of one partition, in sort key order.
    async fn query_all(&self, pk: String) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(pk.as_str()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn number(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn millis(at: DateTime<Utc>) -> AttributeValue {
    number(at.timestamp_millis())
}

fn unavailable<E>(e: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>) -> StoreError
where
    aws_sdk_dynamodb::Error: From<SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>>,
{
    StoreError::Unavailable(Box::new(aws_sdk_dynamodb::Error::from(e)))
}

/// A request the SDK refused to build: a bug here, reported as a store failure.
fn invalid_request(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

/// The record `body` as an item under the given keys.
fn keyed(pk: String, sk: String, entity: &str, body: &impl Serialize) -> Result<Item, StoreError> {
    let mut item: Item = to_item(body).map_err(|e| corrupt(&pk, e))?;
    item.insert(PK.into(), s(pk));
    item.insert(SK.into(), s(sk));
    item.insert(ENTITY.into(), s(entity));
    Ok(item)
}

/// Puts `item` into `index` under the given keys.
fn index(item: &mut Item, index: Index, pk: String, sk: String) {
    item.insert(index.pk.into(), s(pk));
    item.insert(index.sk.into(), s(sk));
}

/// The record `R` an item holds (keys and index attributes are ignored),
/// as the domain's `D`.
fn read<R: DeserializeOwned + Into<D>, D>(item: Item) -> Result<D, StoreError> {
    let key = item.get(PK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    from_item::<R>(item).map(Into::into).map_err(|e| corrupt(&key, e))
}
