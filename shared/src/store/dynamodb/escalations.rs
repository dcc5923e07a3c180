//! The escalation schedule: a keys-only sparse index of blocked tasks by
//! the time of their next escalation, read up to now.

use super::{DynamoStore, s, unavailable};
use crate::domain::{ProjectId, TaskId};
use crate::ports::{DueEscalations, EscalationSchedule, StoreError};
use crate::store::corrupt;
use crate::store::keys::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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
                due.tasks.push((ProjectId::from_raw(project), TaskId::from_raw(task)));
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(due)
    }
}
