//! The outbox: entries inserted by commits (pending, in the pending index,
//! and for good in their project's), claimed under a lease, then sent,
//! given back, or given up on.

use super::{DynamoStore, Item, index, keyed, millis, number, read, s, unavailable};
use app::ports::{Claim, Claimed, Lease, Outbox, ProjectOutbox, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{Put, ReturnValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};
use domain::outbox::{OutboxEntry, OutboxRecord};
use domain::{OutboxId, ProjectId};
use store::keys::*;
use store::records;

#[async_trait]
impl Outbox for DynamoStore {
    async fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let query = self.index_query(OUTBOX_PENDING, OUTBOX_PENDING_PARTITION.into(), true);
        self.read_index::<records::OutboxEntry, _>(&query, limit).await
    }

    async fn claim_outbox(
        &self,
        id: &OutboxId,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Claim, StoreError> {
        let result = self
            .outbox_update(id)
            .update_expression("SET #d = :claimed, #until = :until ADD #attempts :one")
            .condition_expression(
                "attribute_exists(#pk) AND (#d = :pending OR (#d = :claimed AND #until < :now))",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#d", DELIVERY)
            .expression_attribute_names("#until", CLAIMED_UNTIL)
            .expression_attribute_names("#attempts", ATTEMPTS)
            .expression_attribute_values(":claimed", s(DELIVERY_CLAIMED))
            .expression_attribute_values(":pending", s(DELIVERY_PENDING))
            .expression_attribute_values(":until", millis(now + lease))
            .expression_attribute_values(":now", millis(now))
            .expression_attribute_values(":one", number(1))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => claimed(out.attributes.unwrap_or_default()).map(Claim::Claimed),
            Err(SdkError::ServiceError(e)) => match e.err() {
                // The entry as it stood explains the refusal.
                UpdateItemError::ConditionalCheckFailedException(failed) => {
                    let delivery = failed
                        .item()
                        .and_then(|item| item.get(DELIVERY))
                        .and_then(|d| d.as_s().ok());
                    Ok(match delivery.map(String::as_str) {
                        None => Claim::Missing,
                        Some(DELIVERY_CLAIMED) => Claim::Busy,
                        Some(_) => Claim::Done,
                    })
                }
                _ => Err(unavailable(SdkError::ServiceError(e))),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn mark_sent(
        &self,
        id: &OutboxId,
        lease: Lease,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let expires = now + chrono::Duration::days(SENT_RETENTION_DAYS);
        let update = self
            .outbox_update(id)
            .update_expression("SET #d = :sent, #at = :at, #exp = :exp REMOVE #until, #ipk, #isk")
            .expression_attribute_names("#at", SENT_AT)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#ipk", OUTBOX_PENDING.pk)
            .expression_attribute_names("#isk", OUTBOX_PENDING.sk)
            .expression_attribute_values(":sent", s(DELIVERY_SENT))
            .expression_attribute_values(":at", s(now.to_rfc3339()))
            .expression_attribute_values(":exp", number(expires.timestamp()));
        settle(update, lease).await
    }

    async fn release_outbox(
        &self,
        id: &OutboxId,
        lease: Lease,
        error: &str,
    ) -> Result<bool, StoreError> {
        let update = self
            .outbox_update(id)
            .update_expression("SET #d = :pending, #err = :err REMOVE #until")
            .expression_attribute_names("#err", LAST_ERROR)
            .expression_attribute_values(":pending", s(DELIVERY_PENDING))
            .expression_attribute_values(":err", s(error));
        settle(update, lease).await
    }

    async fn mark_failed(
        &self,
        id: &OutboxId,
        lease: Lease,
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<bool, StoreError> {
        let update = self
            .outbox_update(id)
            .update_expression("SET #d = :failed, #err = :err, #at = :at REMOVE #until, #ipk, #isk")
            .expression_attribute_names("#err", LAST_ERROR)
            .expression_attribute_names("#at", SENT_AT)
            .expression_attribute_names("#ipk", OUTBOX_PENDING.pk)
            .expression_attribute_names("#isk", OUTBOX_PENDING.sk)
            .expression_attribute_values(":failed", s(DELIVERY_FAILED))
            .expression_attribute_values(":err", s(error))
            .expression_attribute_values(":at", s(now.to_rfc3339()));
        settle(update, lease).await
    }
}

#[async_trait]
impl ProjectOutbox for DynamoStore {
    async fn project_outbox(&self, id: &ProjectId) -> Result<Vec<OutboxRecord>, StoreError> {
        let query = self.index_query(OUTBOX_BY_PROJECT, outbox_by_project_pk(id.as_str()), true);
        self.read_items(&query, usize::MAX, outbox_record).await
    }
}

/// An entry with the delivery state its updates keep beside it.
fn outbox_record(item: Item) -> Result<OutboxRecord, StoreError> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let attempts = item.get(ATTEMPTS).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
    let state = records::DeliveryState {
        state: text(DELIVERY).unwrap_or_default(),
        attempts: attempts.unwrap_or(0),
        last_error: text(LAST_ERROR),
        at: text(SENT_AT),
    };
    let delivery = state.read(&text(PK).unwrap_or_default())?;
    Ok(OutboxRecord { entry: read::<records::OutboxEntry, _>(item)?, delivery })
}

/// The claimed entry, its lease and its count of claims, as the update left it.
fn claimed(item: Item) -> Result<Claimed, StoreError> {
    let number = |name: &str| {
        item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok()).unwrap_or(0)
    };
    let lease = Lease(number(CLAIMED_UNTIL));
    let attempts = u32::try_from(number(ATTEMPTS)).unwrap_or(u32::MAX);
    Ok(Claimed { entry: read::<records::OutboxEntry, _>(item)?, lease, attempts })
}

/// Runs an update of a claimed outbox entry on condition that `lease` still
/// holds it; `Ok(false)` when it does not.
async fn settle(update: UpdateItemFluentBuilder, lease: Lease) -> Result<bool, StoreError> {
    let result = update
        .condition_expression("#d = :claimed AND #until = :lease")
        .expression_attribute_names("#d", DELIVERY)
        .expression_attribute_names("#until", CLAIMED_UNTIL)
        .expression_attribute_values(":claimed", s(DELIVERY_CLAIMED))
        .expression_attribute_values(":lease", number(lease.0))
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(SdkError::ServiceError(e))
            if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
        {
            Ok(false)
        }
        Err(e) => Err(unavailable(e)),
    }
}

impl DynamoStore {
    /// A new entry, pending: inserted once (its id is derived from the change).
    pub(super) fn outbox_put(&self, entry: &OutboxEntry) -> Result<Put, StoreError> {
        let id = entry.id.as_str();
        let record = records::OutboxEntry::from(entry);
        let mut item = keyed(outbox_pk(id), OUTBOX_SK.into(), ENTITY_OUTBOX, &record)?;
        let pending = outbox_pending_sk(entry.created_at, id);
        index(&mut item, OUTBOX_PENDING, OUTBOX_PENDING_PARTITION.into(), pending);
        let project = outbox_by_project_pk(entry.project_id.as_str());
        index(&mut item, OUTBOX_BY_PROJECT, project, outbox_by_project_sk(entry.created_at, id));
        item.insert(DELIVERY.into(), s(DELIVERY_PENDING));
        item.insert(ATTEMPTS.into(), number(0));
        self.absent(item)
    }

    fn outbox_update(&self, id: &OutboxId) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(outbox_pk(id.as_str())))
            .key(SK, s(OUTBOX_SK))
    }
}
