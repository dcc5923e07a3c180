//! Milestone templates: the current version of each service type, beside
//! every version ever saved.

use super::{DynamoStore, Item, invalid_request, keyed, number, read, s, unavailable};
use app::ports::{CommitError, StoreError, TemplateStore};
use app::retry::RetryPolicy;
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{KeysAndAttributes, Put, TransactWriteItem};
use domain::template::Template;
use std::collections::HashMap;
use store::keys::*;
use store::records;

#[async_trait]
impl TemplateStore for DynamoStore {
    async fn current_templates(
        &self,
        service_types: &[String],
    ) -> Result<Vec<Template>, StoreError> {
        let mut types: Vec<&String> = service_types.iter().collect();
        types.sort();
        types.dedup();
        if types.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<Item> = types
            .iter()
            .map(|t| {
                HashMap::from([
                    (PK.to_owned(), s(template_pk(t))),
                    (SK.to_owned(), s(TEMPLATE_CURRENT_SK)),
                ])
            })
            .collect();
        let request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(invalid_request)?;
        self.batch_get(request).await?.into_iter().map(read::<records::Template, _>).collect()
    }

    async fn save_template(&self, template: &Template) -> Result<(), CommitError> {
        let pk = template_pk(&template.service_type);
        let record = records::Template::from(template);
        let current = keyed(pk.clone(), TEMPLATE_CURRENT_SK.into(), ENTITY_TEMPLATE, &record)?;
        let version = keyed(pk, template_version_sk(template.version), ENTITY_TEMPLATE, &record)?;
        let items = vec![
            TransactWriteItem::builder().put(self.current_put(current, template.version)?).build(),
            TransactWriteItem::builder().put(self.absent(version)?).build(),
        ];
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    let mut codes = c.cancellation_reasons().iter().filter_map(|r| r.code());
                    if codes.any(|code| code == "ConditionalCheckFailed") {
                        Err(CommitError::VersionConflict)
                    } else {
                        Err(CommitError::Contention)
                    }
                }
                _ => Err(CommitError::Store(unavailable(SdkError::ServiceError(e)))),
            },
            Err(e) => Err(CommitError::Store(unavailable(e))),
        }
    }
}

impl DynamoStore {
    /// The new current version, guarded by the one it replaces (none for version 1).
    fn current_put(&self, item: Item, version: u32) -> Result<Put, StoreError> {
        let mut guard = self.put(item)?;
        if version <= 1 {
            guard.condition_expression = Some("attribute_not_exists(#pk)".into());
            guard.expression_attribute_names = Some(HashMap::from([("#pk".into(), PK.into())]));
        } else {
            guard.condition_expression = Some("#v = :previous".into());
            guard.expression_attribute_names = Some(HashMap::from([("#v".into(), VERSION.into())]));
            guard.expression_attribute_values =
                Some(HashMap::from([(":previous".into(), number(version - 1))]));
        }
        Ok(guard)
    }

    /// The items of `request`, asking again for keys the service left
    /// unprocessed (under [`RetryPolicy::STORE_READS`]).
    async fn batch_get(&self, request: KeysAndAttributes) -> Result<Vec<Item>, StoreError> {
        let mut request = request;
        let mut items = Vec::new();
        let mut attempts = RetryPolicy::STORE_READS.start();
        loop {
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default());
            let left = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table));
            match left.filter(|k| !k.keys().is_empty()) {
                None => return Ok(items),
                Some(_) if !attempts.wait().await => {
                    return Err(StoreError::Unavailable("some keys stayed unprocessed".into()));
                }
                Some(keys) => request = keys,
            }
        }
    }
}
