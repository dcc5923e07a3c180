//! Deal records: read first by every delivery (a replay is answered from
//! the record alone), by a deal change and a cancellation; written as the
//! claim and the completion of intake, the replacement guarded by the
//! record's version, and the check of that version, all riding in commits.

use super::projects::{Role, Write};
use super::{DynamoStore, invalid_request, keyed, read, s};
use app::ports::{DealRecords, DealWrite, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    ConditionCheck, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use domain::intake::DealRecord;
use store::keys::*;
use store::records;

#[async_trait]
impl DealRecords for DynamoStore {
    async fn deal_record(&self, deal_id: &str) -> Result<Option<DealRecord>, StoreError> {
        let item = self.get(intake_pk(deal_id), INTAKE_SK).await?;
        item.map(read::<records::Intake, _>).transpose()
    }
}

impl DynamoStore {
    /// The deal record's part of a commit: the claim (returning the stored
    /// record when it fails), the completion (with its fingerprint), the
    /// replacement or the check (at a version).
    pub(super) fn intake_write(&self, write: &DealWrite) -> Result<Write, StoreError> {
        match write {
            DealWrite::Claim(record) => {
                let mut put = self.absent(record_item(record)?)?;
                put.return_values_on_condition_check_failure =
                    Some(ReturnValuesOnConditionCheckFailure::AllOld);
                Ok((Role::Claim, TransactWriteItem::builder().put(put).build()))
            }
            DealWrite::Complete { deal_id, fingerprint } => {
                let update = self.completion(deal_id, fingerprint)?;
                Ok((Role::Complete, TransactWriteItem::builder().update(update).build()))
            }
            DealWrite::Replace { record, expected } => {
                let (condition, names, values) = at_version(*expected);
                let mut put = self.put(record_item(record)?)?;
                put.condition_expression = Some(condition);
                put.expression_attribute_names = Some(names);
                put.expression_attribute_values = Some(values);
                Ok((Role::Deal, TransactWriteItem::builder().put(put).build()))
            }
            DealWrite::Check { deal_id, version } => {
                let (condition, names, values) = at_version(*version);
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .key(PK, s(intake_pk(deal_id)))
                    .key(SK, s(INTAKE_SK))
                    .condition_expression(condition)
                    .set_expression_attribute_names(Some(names))
                    .set_expression_attribute_values(Some(values))
                    .build()
                    .map_err(invalid_request)?;
                Ok((Role::Deal, TransactWriteItem::builder().condition_check(check).build()))
            }
        }
    }

    /// Intake's completion: its own record, never replaced since.
    fn completion(&self, deal_id: &str, fingerprint: &str) -> Result<Update, StoreError> {
        Update::builder()
            .table_name(&self.table)
            .key(PK, s(intake_pk(deal_id)))
            .key(SK, s(INTAKE_SK))
            .update_expression("SET #state = :complete")
            .condition_expression("#fp = :fp AND (attribute_not_exists(#v) OR #v = :zero)")
            .expression_attribute_names("#state", STATE)
            .expression_attribute_names("#fp", FINGERPRINT)
            .expression_attribute_names("#v", VERSION)
            .expression_attribute_values(":complete", s(records::Intake::COMPLETE))
            .expression_attribute_values(":fp", s(fingerprint))
            .expression_attribute_values(":zero", super::number(0))
            .build()
            .map_err(invalid_request)
    }
}

/// The item of a deal's record.
fn record_item(record: &DealRecord) -> Result<super::Item, StoreError> {
    let body = records::Intake::from(record);
    keyed(intake_pk(&record.deal_id), INTAKE_SK.into(), ENTITY_INTAKE, &body)
}

type Names = std::collections::HashMap<String, String>;
type Values = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// The condition that the record exists at `version` (which intake's
/// record, never replaced, holds as an absent attribute).
fn at_version(version: u64) -> (String, Names, Values) {
    let mut names = Names::from([("#v".into(), VERSION.into())]);
    let values = Values::from([(":v".into(), super::number(version))]);
    // DynamoDB refuses names an expression does not use.
    let condition = match version {
        0 => {
            names.insert("#pk".into(), PK.into());
            "attribute_exists(#pk) AND (attribute_not_exists(#v) OR #v = :v)"
        }
        _ => "#v = :v",
    };
    (condition.into(), names, values)
}
