//! Listings: a page of one partition of a secondary index, newest or
//! soonest first, with an opaque cursor naming the last item read.

use super::{DynamoStore, Item, read, s, unavailable};
use app::ports::{Listings, Page, PageRequest, ProjectFilter, StoreError, TaskFilter};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use domain::project::ProjectOverview;
use domain::task::AssignedTask;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use store::keys::*;
use store::records;
use store::{decode_cursor, encode_cursor};

#[async_trait]
impl Listings for DynamoStore {
    async fn list_projects(
        &self,
        filter: &ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<ProjectOverview>, StoreError> {
        // A health is that of a project in progress: it names the status.
        let by_health = filter.health.map(|h| (HEALTH, h.as_str().to_owned()));
        let by_state = by_health.or(filter.status.map(|s| (STATUS, s.as_str().to_owned())));
        let by_owner =
            filter.owner.as_deref().map(|o| (PROJECTS_BY_OWNER.pk, projects_by_owner_pk(o)));
        let query = match (&filter.account_id, &filter.owner, filter.status, filter.health) {
            // An account has few projects: its partition, filtered.
            (Some(account), ..) => self
                .index_query(PROJECTS_BY_ACCOUNT, projects_by_account_pk(account), false)
                .filtered(by_state)
                .filtered(by_owner),
            // So has an owner.
            (None, Some(owner), ..) => self
                .index_query(PROJECTS_BY_OWNER, projects_by_owner_pk(owner), false)
                .filtered(by_state),
            (None, None, _, Some(health)) => {
                self.index_query(PROJECTS_BY_HEALTH, projects_by_health_pk(health.as_str()), false)
            }
            (None, None, Some(status), None) => {
                self.index_query(PROJECTS_BY_STATUS, projects_by_status_pk(status.as_str()), false)
            }
            (None, None, None, None) => {
                self.index_query(PROJECTS_ALL, PROJECTS_PARTITION.into(), false)
            }
        };
        self.query_index::<records::ProjectHeader, _>(&query, page).await
    }

    async fn list_tasks(
        &self,
        filter: &TaskFilter,
        page: PageRequest,
    ) -> Result<Page<AssignedTask>, StoreError> {
        let query = match filter {
            TaskFilter::Assignee { assignee, status } => self
                .index_query(TASKS_BY_ASSIGNEE, tasks_by_assignee_pk(assignee), true)
                .filtered(status.map(|s| (STATUS, s.as_str().to_owned()))),
            TaskFilter::Status(status) => {
                self.index_query(TASKS_BY_STATUS, tasks_by_status_pk(status.as_str()), true)
            }
        };
        self.query_index::<records::AssignedTask, _>(&query, page).await
    }
}

/// One partition of a secondary index.
pub(super) struct IndexQuery {
    index: Index,
    partition: String,
    /// Ascending sort keys when true.
    forward: bool,
    /// Attributes that must equal their values (applied after the key condition).
    filters: Vec<(&'static str, String)>,
}

impl IndexQuery {
    /// Also requires `filter`'s attribute to equal its value, if given.
    fn filtered(mut self, filter: Option<(&'static str, String)>) -> Self {
        self.filters.extend(filter);
        self
    }
}

impl DynamoStore {
    pub(super) fn index_query(&self, index: Index, partition: String, forward: bool) -> IndexQuery {
        IndexQuery { index, partition, forward, filters: Vec::new() }
    }

    /// Up to `limit` items of the query, page after page.
    pub(super) async fn read_index<R: DeserializeOwned + Into<D>, D>(
        &self,
        q: &IndexQuery,
        limit: usize,
    ) -> Result<Vec<D>, StoreError> {
        self.read_items(q, limit, read::<R, D>).await
    }

    /// Up to `limit` items of the query, page after page, each as `reader` reads it.
    pub(super) async fn read_items<D>(
        &self,
        q: &IndexQuery,
        limit: usize,
        reader: fn(Item) -> Result<D, StoreError>,
    ) -> Result<Vec<D>, StoreError> {
        let mut items = Vec::new();
        let mut cursor = None;
        while items.len() < limit {
            let request = PageRequest { cursor, limit: limit - items.len() };
            let page = self.query_items(q, request, reader).await?;
            items.extend(page.items);
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(items)
    }

    /// One page of the query, the records `R` read as the domain's `D`.
    async fn query_index<R: DeserializeOwned + Into<D>, D>(
        &self,
        q: &IndexQuery,
        page: PageRequest,
    ) -> Result<Page<D>, StoreError> {
        self.query_items(q, page, read::<R, D>).await
    }

    /// One page of the query, each item as `reader` reads it.
    async fn query_items<D>(
        &self,
        q: &IndexQuery,
        page: PageRequest,
        reader: fn(Item) -> Result<D, StoreError>,
    ) -> Result<Page<D>, StoreError> {
        let mut start = page.cursor.as_deref().map(|c| start_key(q, c)).transpose()?;
        let had_cursor = start.is_some();
        let mut items = Vec::new();
        loop {
            let request = self
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
            let out = match filtered(request, &q.filters).send().await {
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
                items.push(reader(item)?);
            }
            start = out.last_evaluated_key;
            // Limit applies before the filter: keep reading until the page is full.
            if start.is_none() || items.len() >= page.limit {
                break;
            }
        }
        Ok(Page { items, next_cursor: start.and_then(cursor_of) })
    }
}

/// The query with a filter expression requiring each attribute to equal its value.
fn filtered(
    mut query: QueryFluentBuilder,
    filters: &[(&'static str, String)],
) -> QueryFluentBuilder {
    let mut conditions = Vec::new();
    for (i, (attribute, value)) in filters.iter().enumerate() {
        conditions.push(format!("#f{i} = :f{i}"));
        query = query
            .expression_attribute_names(format!("#f{i}"), *attribute)
            .expression_attribute_values(format!(":f{i}"), s(value.as_str()));
    }
    if conditions.is_empty() { query } else { query.filter_expression(conditions.join(" AND ")) }
}

/// The key to start after: a cursor names the page's last item, in the
/// same partition, by its four keys and nothing else.
fn start_key(q: &IndexQuery, cursor: &str) -> Result<Item, StoreError> {
    let key: HashMap<String, String> = decode_cursor(cursor)?;
    let expected = [PK, SK, q.index.pk, q.index.sk];
    if key.len() != 4
        || !expected.iter().all(|k| key.contains_key(*k))
        || key[q.index.pk] != q.partition
    {
        return Err(StoreError::InvalidCursor);
    }
    Ok(key.into_iter().map(|(k, v)| (k, s(v))).collect())
}

fn cursor_of(last: Item) -> Option<String> {
    let key: HashMap<String, String> =
        last.into_iter().filter_map(|(k, v)| v.as_s().ok().map(|v| (k, v.clone()))).collect();
    encode_cursor(&key)
}
