//! The escalation schedule: a keys-only sparse index of blocked tasks by
//! the time of their next escalation, read up to now; and the reading of
//! such a schedule index, which the forecast review shares.

use super::{DynamoStore, s, unavailable};
use app::ports::{DueEscalations, EscalationSchedule, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{ProjectId, TaskId};
use store::corrupt;
use store::keys::*;

#[async_trait]
impl EscalationSchedule for DynamoStore {
    async fn due_escalations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<DueEscalations, StoreError> {
        let bound = escalation_due_bound(now);
        let (keys, read) =
            self.due_keys(ESCALATION_DUE, ESCALATION_PARTITION, bound, limit).await?;
        let mut due = DueEscalations { read, ..DueEscalations::default() };
        for (pk, sk) in keys {
            let (project, task) = task_of_keys(&pk, &sk)
                .ok_or_else(|| corrupt(&pk, "an escalation entry that is not a task"))?;
            due.tasks.push((ProjectId::from_raw(project), TaskId::from_raw(task)));
        }
        Ok(due)
    }
}

impl DynamoStore {
    /// The (pk, sk) of the entries of a keys-only schedule index due up to
    /// `bound`, soonest first, at most `limit`; and how many it read.
    pub(super) async fn due_keys(
        &self,
        index: Index,
        partition: &str,
        bound: String,
        limit: usize,
    ) -> Result<(Vec<(String, String)>, usize), StoreError> {
        let (mut keys, mut read, mut start) = (Vec::new(), 0, None);
        while keys.len() < limit {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index.name)
                .key_condition_expression("#p = :p AND #s <= :bound")
                .expression_attribute_names("#p", index.pk)
                .expression_attribute_names("#s", index.sk)
                .expression_attribute_values(":p", s(partition))
                .expression_attribute_values(":bound", s(bound.as_str()))
                .limit(i32::try_from(limit - keys.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            read += usize::try_from(out.scanned_count).unwrap_or_default();
            for item in out.items.unwrap_or_default() {
                let key = |name: &str| {
                    item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()
                };
                keys.push((key(PK), key(SK)));
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok((keys, read))
    }
}
