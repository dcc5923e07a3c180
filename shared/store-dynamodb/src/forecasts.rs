//! Forecasting's reads: the review schedule (a keys-only sparse index of
//! project headers by their next review), and the facts of past go-lives
//! (a partition per month, an index per service type).

use super::listings::IndexQuery;
use super::{DynamoStore, read, s, unavailable};
use app::ports::{DueReviews, GoLives, ReviewSchedule, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ProjectId;
use domain::go_live_facts::GoLiveFacts;
use store::corrupt;
use store::keys::*;
use store::records;

#[async_trait]
impl ReviewSchedule for DynamoStore {
    async fn due_reviews(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<DueReviews, StoreError> {
        let bound = review_due_bound(now);
        let (keys, read) = self.due_keys(REVIEW_DUE, REVIEW_PARTITION, bound, limit).await?;
        let mut due = DueReviews { read, ..DueReviews::default() };
        for (pk, _) in keys {
            let id = project_of_pk(&pk)
                .ok_or_else(|| corrupt(&pk, "a review entry that is not a project"))?;
            due.projects.push(ProjectId::from_raw(id));
        }
        Ok(due)
    }
}

#[async_trait]
impl GoLives for DynamoStore {
    async fn recent_go_lives(
        &self,
        service_type: &str,
        limit: usize,
    ) -> Result<Vec<GoLiveFacts>, StoreError> {
        let query: IndexQuery =
            self.index_query(GO_LIVES_BY_SERVICE, go_lives_by_service_pk(service_type), false);
        self.read_index::<records::GoLiveFacts, _>(&query, limit).await
    }

    async fn go_lives_in_month(
        &self,
        month: &str,
        service_type: Option<&str>,
    ) -> Result<Vec<GoLiveFacts>, StoreError> {
        let prefix = service_type.map(|t| go_live_sk(t, ""));
        let mut facts = Vec::new();
        let mut start = None;
        loop {
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(go_live_pk(month)))
                .set_exclusive_start_key(start);
            request = match &prefix {
                Some(prefix) => request
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expression_attribute_names("#sk", SK)
                    .expression_attribute_values(":prefix", s(prefix.as_str())),
                None => request.key_condition_expression("#pk = :pk"),
            };
            let page = request.send().await.map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                facts.push(read::<records::GoLiveFacts, _>(item)?);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(facts);
            }
        }
    }
}
