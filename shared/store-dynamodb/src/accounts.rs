//! Customer accounts: read by go-live, written by the changes that see or
//! activate them.

use super::projects::{Role, Write};
use super::{DynamoStore, invalid_request, read, s};
use app::ports::{Accounts, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use domain::account::{AccountChange, AccountRecord};
use store::keys::*;
use store::records::{self, AccountStatus};

#[async_trait]
impl Accounts for DynamoStore {
    async fn account(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        self.get(account_pk(id), ACCOUNT_SK).await?.map(read::<records::Account, _>).transpose()
    }
}

impl DynamoStore {
    /// The account record's part of a change: an upsert that keeps the
    /// status, or the one-time move to active (refused if already active).
    pub(super) fn account_write(&self, change: &AccountChange) -> Result<Write, StoreError> {
        let (id, role, update) = match change {
            AccountChange::Seen { id, name, at } => (
                id,
                Role::Other,
                Update::builder()
                    .update_expression(
                        "SET #e = :e, #id = :id, #name = :name, \
                         #status = if_not_exists(#status, :onboarding), \
                         #first = if_not_exists(#first, :at)",
                    )
                    .expression_attribute_values(":name", s(name.as_str()))
                    .expression_attribute_values(":onboarding", s(AccountStatus::ONBOARDING))
                    .expression_attribute_values(":at", s(at.to_rfc3339())),
            ),
            AccountChange::Activated { id, at, project_id } => (
                id,
                Role::AccountActivation,
                Update::builder()
                    .update_expression(
                        "SET #e = :e, #id = :id, #name = if_not_exists(#name, :id), \
                         #status = :active, #first = if_not_exists(#first, :at), \
                         #activated = :at, #by = :project",
                    )
                    .condition_expression("attribute_not_exists(#pk) OR #status = :onboarding")
                    .expression_attribute_names("#pk", PK)
                    .expression_attribute_names("#activated", "activated_at")
                    .expression_attribute_names("#by", "activated_by")
                    .expression_attribute_values(":active", s(AccountStatus::ACTIVE))
                    .expression_attribute_values(":onboarding", s(AccountStatus::ONBOARDING))
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
}
