//! Deal intake records: read by a delivery that finds its deal claimed,
//! written as the claim and the completion riding in project commits.

use super::projects::{Role, Write};
use super::{DynamoStore, invalid_request, keyed, read, s};
use crate::domain::intake::IntakeRecord;
use crate::ports::{IntakeRecords, IntakeWrite, StoreError};
use crate::store::keys::*;
use crate::store::records;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

#[async_trait]
impl IntakeRecords for DynamoStore {
    async fn intake_record(&self, deal_id: &str) -> Result<Option<IntakeRecord>, StoreError> {
        let item = self.get(intake_pk(deal_id), INTAKE_SK).await?;
        item.map(read::<records::Intake, _>).transpose()
    }
}

impl DynamoStore {
    /// The intake record's part of a commit: the claim (returning the
    /// stored record when it fails) or the completion (with its fingerprint).
    pub(super) fn intake_write(&self, write: &IntakeWrite) -> Result<Write, StoreError> {
        match write {
            IntakeWrite::Claim(record) => {
                let body = records::Intake::from(record);
                let item =
                    keyed(intake_pk(&record.deal_id), INTAKE_SK.into(), ENTITY_INTAKE, &body)?;
                let mut put = self.absent(item)?;
                put.return_values_on_condition_check_failure =
                    Some(ReturnValuesOnConditionCheckFailure::AllOld);
                Ok((Role::Claim, TransactWriteItem::builder().put(put).build()))
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
                    .expression_attribute_values(":complete", s(records::Intake::COMPLETE))
                    .expression_attribute_values(":fp", s(fingerprint.as_str()))
                    .build()
                    .map_err(invalid_request)?;
                Ok((Role::Complete, TransactWriteItem::builder().update(update).build()))
            }
        }
    }
}
