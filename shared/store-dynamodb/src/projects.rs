//! The project aggregate: load, history, and the atomic commit of a change.

use super::{DynamoStore, Item, index, keyed, number, read, s, unavailable};
use app::ports::{Commit, CommitError, Guard, ProjectWrite, Projects, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{CancellationReason, Put, TransactWriteItem};
use domain::ProjectId;
use domain::forecast::Health;
use domain::go_live_facts::GoLiveFacts;
use domain::history::HistoryEntry;
use domain::project::Project;
use serde_dynamo::aws_sdk_dynamodb_1::from_item;
use std::collections::HashMap;
use store::keys::*;
use store::records;
use store::{MAX_COMMIT_ITEMS, commit_items, corrupt};

/// What each item of a transaction stands for, to explain a cancellation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Header(Guard),
    Outbox,
    Claim,
    Complete,
    Deal,
    AccountActivation,
    Other,
}

pub(super) type Write = (Role, TransactWriteItem);

pub(super) fn put(put: Put) -> TransactWriteItem {
    TransactWriteItem::builder().put(put).build()
}

#[async_trait]
impl Projects for DynamoStore {
    async fn load(&self, id: &ProjectId) -> Result<Option<Project>, StoreError> {
        let pk = project_pk(id.as_str());
        let mut header: Option<records::ProjectHeader> = None;
        let (mut milestones, mut tasks) = (Vec::new(), Vec::new());
        // Items arrive sorted by sort key: milestones by position, tasks by id (creation order).
        for item in self.query_all(pk.clone()).await? {
            match item.get(ENTITY).and_then(|v| v.as_s().ok()).map(String::as_str) {
                Some(ENTITY_PROJECT) => header = Some(record(&pk, item)?),
                Some(ENTITY_MILESTONE) => milestones.push(record(&pk, item)?),
                Some(ENTITY_TASK) => tasks.push(record(&pk, item)?),
                _ => {}
            }
        }
        Ok(header.map(|h| h.into_project(milestones, tasks)))
    }

    async fn commit(&self, commit: Commit) -> Result<(), CommitError> {
        let count = commit_items(&commit);
        if count > MAX_COMMIT_ITEMS {
            return Err(CommitError::TooLarge { items: count });
        }
        let (roles, items): (Vec<Role>, Vec<TransactWriteItem>) =
            self.transaction(&commit)?.into_iter().unzip();
        if items.is_empty() {
            return Ok(());
        }
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    Err(cancelled(&roles, c.cancellation_reasons()))
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
        let items = self.query_all(history_pk(id.as_str())).await?;
        items.into_iter().map(read::<records::HistoryEntry, _>).collect()
    }
}

fn record<R: serde::de::DeserializeOwned>(pk: &str, item: Item) -> Result<R, StoreError> {
    from_item(item).map_err(|e| corrupt(pk, e))
}

impl DynamoStore {
    /// The items of a commit: the intake record's part first (its failure
    /// explains the others'), then the project's.
    fn transaction(&self, commit: &Commit) -> Result<Vec<Write>, StoreError> {
        let mut items = Vec::new();
        if let Some(intake) = &commit.deal {
            items.push(self.intake_write(intake)?);
        }
        let Some(write) = &commit.project else { return Ok(items) };
        items.push((Role::Header(write.guard), put(self.header_put(write)?)));
        let (project, change) = (&write.project, &write.change);
        let pk = project_pk(project.id.as_str());
        for key in &change.milestones {
            let m =
                project.milestone(key.as_str()).ok_or_else(|| corrupt(&pk, "no such milestone"))?;
            let item = keyed(
                pk.clone(),
                milestone_sk(m.position),
                ENTITY_MILESTONE,
                &records::Milestone::from(m),
            )?;
            items.push((Role::Other, put(self.put(item)?)));
        }
        for task_id in &change.tasks {
            let task =
                project.task(task_id.as_str()).ok_or_else(|| corrupt(&pk, "no such task"))?;
            items.push((Role::Other, put(self.put(task_item(&project.id, task)?)?)));
        }
        for h in &change.history {
            let item = keyed(
                history_pk(project.id.as_str()),
                history_sk(h.version, h.seq),
                ENTITY_HISTORY,
                &records::HistoryEntry::from(h),
            )?;
            items.push((Role::Other, put(self.put(item)?)));
        }
        if let Some(account) = &change.account {
            items.push(self.account_write(account)?);
        }
        for entry in &change.outbox {
            items.push((Role::Outbox, put(self.outbox_put(entry)?)));
        }
        if let Some(facts) = &change.facts {
            items.push((Role::Other, put(self.put(go_live_item(facts)?)?)));
        }
        Ok(items)
    }

    /// The project's header, in every project listing, guarded as the commit says.
    fn header_put(&self, write: &ProjectWrite) -> Result<Put, StoreError> {
        let project = &write.project;
        let id = project.id.as_str();
        let header = records::ProjectHeader::from(project);
        let mut item = keyed(project_pk(id), PROJECT_SK.into(), ENTITY_PROJECT, &header)?;
        let listing = project_listing_sk(project.created_at, id);
        index(&mut item, PROJECTS_ALL, PROJECTS_PARTITION.into(), listing.clone());
        let status = projects_by_status_pk(project.status.as_str());
        index(&mut item, PROJECTS_BY_STATUS, status, listing.clone());
        let account = projects_by_account_pk(&project.account.id);
        index(&mut item, PROJECTS_BY_ACCOUNT, account, listing.clone());
        let owner = projects_by_owner_pk(&project.owner);
        index(&mut item, PROJECTS_BY_OWNER, owner, listing.clone());
        let health = project.forecast.health;
        item.insert(HEALTH.into(), s(health.as_str()));
        if health != Health::None {
            index(&mut item, PROJECTS_BY_HEALTH, projects_by_health_pk(health.as_str()), listing);
        }
        if let Some(at) = project.forecast.review_at {
            index(&mut item, REVIEW_DUE, REVIEW_PARTITION.into(), review_due_sk(at, id));
        }
        match write.guard {
            Guard::Create => self.absent(item),
            Guard::Version(expected) => {
                let mut put = self.put(item)?;
                put.condition_expression = Some("#v = :expected".into());
                put.expression_attribute_names =
                    Some(HashMap::from([("#v".into(), VERSION.into())]));
                put.expression_attribute_values =
                    Some(HashMap::from([(":expected".into(), number(expected))]));
                Ok(put)
            }
        }
    }
}

/// A task, in the task lists of its assignee and status, and in the
/// escalation schedule while an escalation is ahead of it.
fn task_item(project: &ProjectId, task: &domain::Task) -> Result<Item, StoreError> {
    let (p, t) = (project.as_str(), task.id.as_str());
    let mut item = keyed(project_pk(p), task_sk(t), ENTITY_TASK, &records::Task::from(task))?;
    item.insert(PROJECT_ID.into(), s(p));
    let listing = task_listing_sk(task.due_date, p, t);
    index(&mut item, TASKS_BY_ASSIGNEE, tasks_by_assignee_pk(&task.assignee), listing.clone());
    index(&mut item, TASKS_BY_STATUS, tasks_by_status_pk(task.status.as_str()), listing);
    if let Some(at) = task.next_escalation_at {
        index(&mut item, ESCALATION_DUE, ESCALATION_PARTITION.into(), escalation_due_sk(at, p, t));
    }
    Ok(item)
}

/// The facts of a go-live, in its month's partition and its service type's index.
fn go_live_item(facts: &GoLiveFacts) -> Result<Item, StoreError> {
    let id = facts.project_id.as_str();
    let pk = go_live_pk(&facts.month());
    let sk = go_live_sk(&facts.service_type, id);
    let mut item = keyed(pk, sk, ENTITY_GO_LIVE, &records::GoLiveFacts::from(facts))?;
    let by_service = go_lives_by_service_pk(&facts.service_type);
    index(
        &mut item,
        GO_LIVES_BY_SERVICE,
        by_service,
        go_lives_by_service_sk(facts.go_live_date, id),
    );
    Ok(item)
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
        let record = reason.item().cloned().and_then(|item| read::<records::Intake, _>(item).ok());
        return CommitError::IntakeExists(record.map(Box::new));
    }
    if failed(|r| r == Role::Complete).is_some() {
        return CommitError::IntakeExists(None);
    }
    if failed(|r| r == Role::Deal).is_some() {
        return CommitError::DealChanged;
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
    CommitError::Store(StoreError::Unavailable(format!("transaction cancelled: {codes:?}").into()))
}
