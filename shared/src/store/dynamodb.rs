//! The DynamoDB single-table store.
//!
//! Loading a project is one strongly consistent Query on its partition; a
//! commit is one TransactWriteItems whose project header is guarded by the
//! version (or by its absence when created), and whose outbox entries and
//! intake record are guarded by their own absence. The table never sees a Scan.

use super::keys::*;
use super::{
    MAX_COMMIT_ITEMS, commit_items, corrupt, decode_cursor, encode_cursor, project_header,
};
use crate::domain::account::{AccountChange, AccountRecord};
use crate::domain::history::HistoryEntry;
use crate::domain::intake::IntakeRecord;
use crate::domain::outbox::OutboxEntry;
use crate::domain::project::{Project, ProjectOverview};
use crate::domain::task::AssignedTask;
use crate::domain::template::Template;
use crate::domain::{OutboxId, ProjectId};
use crate::ports::{
    Accounts, Claim, Claimed, Commit, CommitError, DueEscalations, EscalationSchedule, Guard,
    IntakeRecords, IntakeWrite, Lease, Listings, Outbox, Page, PageRequest, ProjectFilter,
    Projects, StoreError, TaskFilter, TemplateStore,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, CancellationReason, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, StreamSpecification, StreamViewType,
    TransactWriteItem, Update,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn unavailable<E>(e: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>) -> StoreError
where
    aws_sdk_dynamodb::Error: From<SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>>,
{
    StoreError::Unavailable(Box::new(aws_sdk_dynamodb::Error::from(e)))
}

/// `body` as an item under the given keys.
fn keyed(pk: String, sk: String, entity: &str, body: &impl Serialize) -> Result<Item, StoreError> {
    let mut item: Item = to_item(body).map_err(|e| corrupt(&pk, e))?;
    item.insert(PK.into(), s(pk));
    item.insert(SK.into(), s(sk));
    item.insert(ENTITY.into(), s(entity));
    Ok(item)
}

/// A request the SDK refused to build: a bug here, reported as a store failure.
fn invalid_request(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

fn millis(at: DateTime<Utc>) -> AttributeValue {
    AttributeValue::N(at.timestamp_millis().to_string())
}

/// Runs an update of a claimed outbox entry on condition that `lease` still
/// holds it; `Ok(false)` when it does not.
async fn settle(
    update: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
    lease: Lease,
) -> Result<bool, StoreError> {
    let result = update
        .condition_expression("#d = :claimed AND #until = :lease")
        .expression_attribute_names("#d", DELIVERY)
        .expression_attribute_names("#until", CLAIMED_UNTIL)
        .expression_attribute_values(":claimed", s(DELIVERY_CLAIMED))
        .expression_attribute_values(":lease", AttributeValue::N(lease.0.to_string()))
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

/// Puts `item` into `index` under the given keys.
fn index(item: &mut Item, index: Index, pk: String, sk: String) {
    item.insert(index.pk.into(), s(pk));
    item.insert(index.sk.into(), s(sk));
}

fn read<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    let key = item.get(PK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    from_item(item).map_err(|e| corrupt(&key, e))
}

/// What each item of a transaction stands for, to explain a cancellation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Header(Guard),
    Outbox,
    Claim,
    Complete,
    AccountActivation,
    Other,
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

    fn items(&self, commit: &Commit) -> Result<Vec<(Role, TransactWriteItem)>, StoreError> {
        let mut items = Vec::new();
        let tx = |put: Put| TransactWriteItem::builder().put(put).build();
        if let Some(intake) = &commit.intake {
            match intake {
                IntakeWrite::Claim(record) => {
                    let item =
                        keyed(intake_pk(&record.deal_id), INTAKE_SK.into(), ENTITY_INTAKE, record)?;
                    let mut put = self.absent(item)?;
                    put.return_values_on_condition_check_failure =
                        Some(ReturnValuesOnConditionCheckFailure::AllOld);
                    items.push((Role::Claim, tx(put)));
                }
                IntakeWrite::Complete { deal_id, fingerprint } => {
                    let update = Update::builder()
                        .table_name(&self.table)
                        .key(PK, s(intake_pk(deal_id)))
                        .key(SK, s(INTAKE_SK))
                        .update_expression("SET #state = :complete")
                        .condition_expression("#fp = :fp")
                        .expression_attribute_names("#state", STATE)
                        .expression_attribute_names("#fp", FINGERPRINT)
                        .expression_attribute_values(":complete", s("complete"))
                        .expression_attribute_values(":fp", s(fingerprint.as_str()))
                        .build()
                        .map_err(invalid_request)?;
                    items.push((
                        Role::Complete,
                        TransactWriteItem::builder().update(update).build(),
                    ));
                }
            }
        }
        let Some(write) = &commit.project else { return Ok(items) };
        let project = &write.project;
        let id = project.id.as_str();
        let pk = project_pk(id);
        let mut header =
            keyed(pk.clone(), PROJECT_SK.into(), ENTITY_PROJECT, &project_header(project)?)?;
        let listing = project_listing_sk(project.created_at, id);
        index(&mut header, PROJECTS_ALL, PROJECTS_PARTITION.into(), listing.clone());
        index(
            &mut header,
            PROJECTS_BY_STATUS,
            projects_by_status_pk(project.status.as_str()),
            listing.clone(),
        );
        index(
            &mut header,
            PROJECTS_BY_ACCOUNT,
            projects_by_account_pk(&project.account.id),
            listing,
        );
        let put = match write.guard {
            Guard::Create => self.absent(header)?,
            Guard::Version(expected) => {
                let mut put = self.put(header)?;
                put.condition_expression = Some("#v = :expected".into());
                put.expression_attribute_names =
                    Some(HashMap::from([("#v".into(), VERSION.into())]));
                put.expression_attribute_values = Some(HashMap::from([(
                    ":expected".into(),
                    AttributeValue::N(expected.to_string()),
                )]));
                put
            }
        };
        items.push((Role::Header(write.guard), tx(put)));
        let change = &write.change;
        for key in &change.milestones {
            let m = project
                .milestones
                .iter()
                .find(|m| &m.key == key)
                .ok_or_else(|| corrupt(id, "changed milestone missing"))?;
            items.push((
                Role::Other,
                tx(self.put(keyed(pk.clone(), milestone_sk(m.position), ENTITY_MILESTONE, m)?)?),
            ));
        }
        for task_id in &change.tasks {
            let t = project
                .tasks
                .iter()
                .find(|t| &t.id == task_id)
                .ok_or_else(|| corrupt(id, "changed task missing"))?;
            let mut item = keyed(pk.clone(), task_sk(t.id.as_str()), ENTITY_TASK, t)?;
            item.insert(PROJECT_ID.into(), s(id));
            let listing = task_listing_sk(t.due_date, id, t.id.as_str());
            index(&mut item, TASKS_BY_ASSIGNEE, tasks_by_assignee_pk(&t.assignee), listing.clone());
            index(&mut item, TASKS_BY_STATUS, tasks_by_status_pk(t.status.as_str()), listing);
            if let Some(at) = t.next_escalation_at {
                index(
                    &mut item,
                    ESCALATION_DUE,
                    ESCALATION_PARTITION.into(),
                    escalation_due_sk(at, id, t.id.as_str()),
                );
            }
            items.push((Role::Other, tx(self.put(item)?)));
        }
        for h in &change.history {
            let item = keyed(history_pk(id), history_sk(h.version, h.seq), ENTITY_HISTORY, h)?;
            items.push((Role::Other, tx(self.put(item)?)));
        }
        if let Some(account) = &change.account {
            items.push(self.account_write(account)?);
        }
        for entry in &change.outbox {
            let mut item =
                keyed(outbox_pk(entry.id.as_str()), OUTBOX_SK.into(), ENTITY_OUTBOX, entry)?;
            let pending = outbox_pending_sk(entry.created_at, entry.id.as_str());
            index(&mut item, OUTBOX_PENDING, OUTBOX_PENDING_PARTITION.into(), pending);
            item.insert(DELIVERY.into(), s(DELIVERY_PENDING));
            item.insert(ATTEMPTS.into(), AttributeValue::N("0".into()));
            items.push((Role::Outbox, tx(self.absent(item)?)));
        }
        Ok(items)
    }

    /// The account record's part of a change: an upsert that keeps the
    /// status, or the one-time move to active.
    fn account_write(
        &self,
        change: &AccountChange,
    ) -> Result<(Role, TransactWriteItem), StoreError> {
        let (id, role, update) = match change {
            AccountChange::Seen { id, name, at } => (
                id,
                Role::Other,
                Update::builder()
                    .update_expression("SET #e = :e, #id = :id, #name = :name, #status = if_not_exists(#status, :onboarding), #first = if_not_exists(#first, :at)")
                    .expression_attribute_values(":name", s(name.as_str()))
                    .expression_attribute_values(":onboarding", s("onboarding"))
                    .expression_attribute_values(":at", s(at.to_rfc3339())),
            ),
            AccountChange::Activated { id, at, project_id } => (
                id,
                Role::AccountActivation,
                Update::builder()
                    .update_expression("SET #e = :e, #id = :id, #name = if_not_exists(#name, :id), #status = :active, #first = if_not_exists(#first, :at), #activated = :at, #by = :project")
                    .condition_expression("attribute_not_exists(#pk) OR #status = :onboarding")
                    .expression_attribute_names("#pk", PK)
                    .expression_attribute_names("#activated", "activated_at")
                    .expression_attribute_names("#by", "activated_by")
                    .expression_attribute_values(":active", s("active"))
                    .expression_attribute_values(":onboarding", s("onboarding"))
                    .expression_attribute_values(":at", s(at.to_rfc3339()))
                    .expression_attribute_values(":project", s(project_id.as_str())),
            ),
        };
        let update = update
            .table_name(&self.table)
            .key(PK, s(account_pk(id)))
            .key(SK, s(ACCOUNT_SK))
            .expression_attribute_names("#e", ENTITY)
            .expression_attribute_names("#id", "id")
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#first", "first_seen_at")
            .expression_attribute_values(":e", s(ENTITY_ACCOUNT))
            .expression_attribute_values(":id", s(id.as_str()))
            .build()
            .map_err(invalid_request)?;
        Ok((role, TransactWriteItem::builder().update(update).build()))
    }

    /// Explains a cancelled transaction from its per-item reasons.
    fn cancelled(roles: &[Role], reasons: &[CancellationReason]) -> CommitError {
        let failed = |wanted: fn(Role) -> bool| {
            roles
                .iter()
                .zip(reasons)
                .find(|(role, r)| wanted(**role) && r.code() == Some("ConditionalCheckFailed"))
        };
        if let Some((_, reason)) = failed(|r| r == Role::Claim) {
            let record = reason.item().cloned().and_then(|item| read::<IntakeRecord>(item).ok());
            return CommitError::IntakeExists(record.map(Box::new));
        }
        if failed(|r| r == Role::Complete).is_some() {
            return CommitError::IntakeExists(None);
        }
        if failed(|r| r == Role::AccountActivation).is_some() {
            return CommitError::AccountAlreadyActive;
        }
        match failed(|r| matches!(r, Role::Header(_) | Role::Outbox)) {
            Some((Role::Header(Guard::Version(_)), _)) => return CommitError::VersionConflict,
            Some(_) => return CommitError::AlreadyExists,
            None => {}
        }
        let retryable = [
            "TransactionConflict",
            "ThrottlingError",
            "ProvisionedThroughputExceeded",
            "RequestLimitExceeded",
        ];
        if reasons.iter().any(|r| r.code().is_some_and(|c| retryable.contains(&c))) {
            return CommitError::Contention;
        }
        let codes: Vec<_> = reasons.iter().filter_map(|r| r.code()).collect();
        CommitError::Store(StoreError::Unavailable(
            format!("transaction cancelled: {codes:?}").into(),
        ))
    }

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

    fn outbox_update(
        &self,
        id: &OutboxId,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(outbox_pk(id.as_str())))
            .key(SK, s(OUTBOX_SK))
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

#[async_trait]
impl Projects for DynamoStore {
    async fn load(&self, id: &ProjectId) -> Result<Option<Project>, StoreError> {
        let mut header = None;
        let (mut milestones, mut tasks) = (Vec::new(), Vec::new());
        for item in self.query_all(project_pk(id.as_str())).await? {
            match item.get(ENTITY).and_then(|v| v.as_s().ok()).map(String::as_str) {
                Some(ENTITY_PROJECT) => header = Some(item),
                Some(ENTITY_MILESTONE) => milestones.push(AttributeValue::M(item)),
                Some(ENTITY_TASK) => tasks.push(AttributeValue::M(item)),
                _ => {}
            }
        }
        let Some(mut header) = header else { return Ok(None) };
        // Items arrive sorted by sort key: milestones by position, tasks by id (creation order).
        header.insert("milestones".into(), AttributeValue::L(milestones));
        header.insert("tasks".into(), AttributeValue::L(tasks));
        read(header).map(Some)
    }

    async fn commit(&self, commit: Commit) -> Result<(), CommitError> {
        let count = commit_items(&commit);
        if count > MAX_COMMIT_ITEMS {
            return Err(CommitError::TooLarge { items: count });
        }
        let (roles, items): (Vec<Role>, Vec<TransactWriteItem>) =
            self.items(&commit)?.into_iter().unzip();
        if items.is_empty() {
            return Ok(());
        }
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    Err(Self::cancelled(&roles, c.cancellation_reasons()))
                }
                TransactWriteItemsError::TransactionInProgressException(_)
                | TransactWriteItemsError::ProvisionedThroughputExceededException(_)
                | TransactWriteItemsError::RequestLimitExceeded(_)
                | TransactWriteItemsError::ThrottlingException(_) => Err(CommitError::Contention),
                _ => Err(CommitError::Store(unavailable(SdkError::ServiceError(e)))),
            },
            Err(e) => Err(CommitError::Store(unavailable(e))),
        }
    }

    async fn history(&self, id: &ProjectId) -> Result<Vec<HistoryEntry>, StoreError> {
        self.query_all(history_pk(id.as_str())).await?.into_iter().map(read).collect()
    }
}

#[async_trait]
impl IntakeRecords for DynamoStore {
    async fn intake_record(&self, deal_id: &str) -> Result<Option<IntakeRecord>, StoreError> {
        self.get(intake_pk(deal_id), INTAKE_SK).await?.map(read).transpose()
    }
}

#[async_trait]
impl Accounts for DynamoStore {
    async fn account(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        self.get(account_pk(id), ACCOUNT_SK).await?.map(read).transpose()
    }
}

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
        let mut request = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(invalid_request)?,
        );
        let mut templates = Vec::new();
        // Keys the service could not read this time come back to ask again.
        for attempt in 0..5 {
            let Some(keys) = request.take() else { break };
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await;
            }
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, keys)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default() {
                templates.push(read(item)?);
            }
            request = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|k| !k.keys().is_empty());
        }
        if request.is_some() {
            return Err(StoreError::Unavailable("templates could not all be read".into()));
        }
        Ok(templates)
    }

    async fn save_template(&self, template: &Template) -> Result<(), CommitError> {
        let pk = template_pk(&template.service_type);
        let current = keyed(pk.clone(), TEMPLATE_CURRENT_SK.into(), ENTITY_TEMPLATE, template)?;
        let mut guard = self.put(current)?;
        if template.version <= 1 {
            guard.condition_expression = Some("attribute_not_exists(#pk)".into());
            guard.expression_attribute_names = Some(HashMap::from([("#pk".into(), PK.into())]));
        } else {
            guard.condition_expression = Some("#v = :previous".into());
            guard.expression_attribute_names = Some(HashMap::from([("#v".into(), VERSION.into())]));
            guard.expression_attribute_values = Some(HashMap::from([(
                ":previous".into(),
                AttributeValue::N((template.version - 1).to_string()),
            )]));
        }
        let version = self.absent(keyed(
            pk,
            template_version_sk(template.version),
            ENTITY_TEMPLATE,
            template,
        )?)?;
        let items = vec![
            TransactWriteItem::builder().put(guard).build(),
            TransactWriteItem::builder().put(version).build(),
        ];
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    let codes: Vec<_> =
                        c.cancellation_reasons().iter().filter_map(|r| r.code()).collect();
                    if codes.contains(&"ConditionalCheckFailed") {
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

#[async_trait]
impl Outbox for DynamoStore {
    async fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut entries = Vec::new();
        let mut cursor = None;
        while entries.len() < limit {
            let query = IndexQuery {
                index: OUTBOX_PENDING,
                partition: OUTBOX_PENDING_PARTITION.into(),
                forward: true,
                filter: None,
            };
            let page = self
                .query_index(&query, PageRequest { cursor, limit: limit - entries.len() })
                .await?;
            entries.extend(page.items);
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(entries)
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
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                let number = |name: &str| {
                    item.get(name)
                        .and_then(|v| v.as_n().ok())
                        .and_then(|n| n.parse::<i64>().ok())
                        .unwrap_or(0)
                };
                let (lease, attempts) = (
                    Lease(number(CLAIMED_UNTIL)),
                    u32::try_from(number(ATTEMPTS)).unwrap_or(u32::MAX),
                );
                Ok(Claim::Claimed(Claimed { entry: read(item)?, lease, attempts }))
            }
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
            .expression_attribute_values(
                ":exp",
                AttributeValue::N(expires.timestamp().to_string()),
            );
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
impl Listings for DynamoStore {
    async fn list_projects(
        &self,
        filter: &ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<ProjectOverview>, StoreError> {
        let query = match (&filter.account_id, filter.status) {
            // An account has few projects: its partition, filtered by status.
            (Some(account), status) => IndexQuery {
                index: PROJECTS_BY_ACCOUNT,
                partition: projects_by_account_pk(account),
                forward: false,
                filter: status.map(|s| ("status", s.as_str().to_owned())),
            },
            (None, Some(status)) => IndexQuery {
                index: PROJECTS_BY_STATUS,
                partition: projects_by_status_pk(status.as_str()),
                forward: false,
                filter: None,
            },
            (None, None) => IndexQuery {
                index: PROJECTS_ALL,
                partition: PROJECTS_PARTITION.into(),
                forward: false,
                filter: None,
            },
        };
        self.query_index(&query, page).await
    }

    async fn list_tasks(
        &self,
        filter: &TaskFilter,
        page: PageRequest,
    ) -> Result<Page<AssignedTask>, StoreError> {
        let query = match filter {
            TaskFilter::Assignee { assignee, status } => IndexQuery {
                index: TASKS_BY_ASSIGNEE,
                partition: tasks_by_assignee_pk(assignee),
                forward: true,
                filter: status.map(|s| ("status", s.as_str().to_owned())),
            },
            TaskFilter::Status(status) => IndexQuery {
                index: TASKS_BY_STATUS,
                partition: tasks_by_status_pk(status.as_str()),
                forward: true,
                filter: None,
            },
        };
        self.query_index(&query, page).await
    }
}

#[async_trait]
impl EscalationSchedule for DynamoStore {
    async fn due_escalations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<DueEscalations, StoreError> {
        let mut due = DueEscalations::default();
        let mut start = None;
        while due.tasks.len() < limit {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(ESCALATION_DUE.name)
                .key_condition_expression("#p = :p AND #s <= :now")
                .expression_attribute_names("#p", ESCALATION_DUE.pk)
                .expression_attribute_names("#s", ESCALATION_DUE.sk)
                .expression_attribute_values(":p", s(ESCALATION_PARTITION))
                .expression_attribute_values(":now", s(escalation_due_bound(now)))
                .limit(i32::try_from(limit - due.tasks.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            due.read += usize::try_from(out.scanned_count).unwrap_or_default();
            for item in out.items.unwrap_or_default() {
                let key = |name: &str| {
                    item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()
                };
                let (pk, sk) = (key(PK), key(SK));
                let (project, task) = task_of_keys(&pk, &sk)
                    .ok_or_else(|| corrupt(&pk, "an escalation entry that is not a task"))?;
                due.tasks
                    .push((ProjectId::from_raw(project), crate::domain::TaskId::from_raw(task)));
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(due)
    }
}

/// One page of one partition of a secondary index.
struct IndexQuery {
    index: Index,
    partition: String,
    /// Ascending sort keys when true.
    forward: bool,
    /// An attribute that must equal a value (applied after the key condition).
    filter: Option<(&'static str, String)>,
}

impl DynamoStore {
    async fn query_index<T: serde::de::DeserializeOwned>(
        &self,
        q: &IndexQuery,
        page: PageRequest,
    ) -> Result<Page<T>, StoreError> {
        let mut start = match &page.cursor {
            None => None,
            Some(cursor) => {
                let key: HashMap<String, String> = decode_cursor(cursor)?;
                // A cursor names the page's last item: same partition, all four keys, nothing else.
                let expected = [PK, SK, q.index.pk, q.index.sk];
                if key.len() != 4
                    || !expected.iter().all(|k| key.contains_key(*k))
                    || key[q.index.pk] != q.partition
                {
                    return Err(StoreError::InvalidCursor);
                }
                Some(key.into_iter().map(|(k, v)| (k, s(v))).collect())
            }
        };
        let had_cursor = start.is_some();
        let mut items = Vec::new();
        loop {
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(q.index.name)
                .key_condition_expression("#p = :p")
                .expression_attribute_names("#p", q.index.pk)
                .expression_attribute_values(":p", s(q.partition.as_str()))
                .scan_index_forward(q.forward)
                .limit(i32::try_from(page.limit - items.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start);
            if let Some((attribute, value)) = &q.filter {
                request = request
                    .filter_expression("#f = :f")
                    .expression_attribute_names("#f", *attribute)
                    .expression_attribute_values(":f", s(value.as_str()));
            }
            let out = match request.send().await {
                Ok(out) => out,
                // Keys that pass the shape check but not DynamoDB's own.
                Err(SdkError::ServiceError(e))
                    if had_cursor && e.err().meta().code() == Some("ValidationException") =>
                {
                    return Err(StoreError::InvalidCursor);
                }
                Err(e) => return Err(unavailable(e)),
            };
            for item in out.items.unwrap_or_default() {
                items.push(read(item)?);
            }
            start = out.last_evaluated_key;
            // Limit applies before the filter: keep reading until the page is full.
            if start.is_none() || items.len() >= page.limit {
                break;
            }
        }
        let next_cursor = start.and_then(|key| {
            let key: HashMap<String, String> = key
                .into_iter()
                .filter_map(|(k, v)| v.as_s().ok().map(|v| (k, v.clone())))
                .collect();
            encode_cursor(&key)
        });
        Ok(Page { items, next_cursor })
    }
}

/// Creates the table as the IaC declares it (keys, indexes, stream): for
/// tests and local tooling against DynamoDB Local.
pub async fn create_table(
    client: &Client,
    table: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder().attribute_name(name).key_type(kind).build()
    };
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(PK)?)
        .attribute_definitions(attr(SK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()?,
        );
    for index in INDEXES {
        let projection =
            if index == ESCALATION_DUE { ProjectionType::KeysOnly } else { ProjectionType::All };
        request = request
            .attribute_definitions(attr(index.pk)?)
            .attribute_definitions(attr(index.sk)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .key_schema(key(index.pk, KeyType::Hash)?)
                    .key_schema(key(index.sk, KeyType::Range)?)
                    .projection(Projection::builder().projection_type(projection).build())
                    .build()?,
            );
    }
    request.send().await.map_err(aws_sdk_dynamodb::Error::from)?;
    Ok(())
}
