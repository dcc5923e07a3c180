//! Use case: deployment analytics over a window of months, from the facts
//! each go-live wrote: one Query per month, all at once, so the cost
//! follows the go-lives of the window, never the table.

use crate::ports::{GoLives, StoreError};
use domain::analytics::{ServiceStats, Window, summarize};
use std::sync::Arc;

pub struct Analytics {
    go_lives: Arc<dyn GoLives>,
}

/// The statistics of a window, per service type.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalyticsReport {
    pub window: Window,
    pub service_types: Vec<ServiceStats>,
}

impl Analytics {
    pub fn new(go_lives: Arc<dyn GoLives>) -> Self {
        Self { go_lives }
    }

    pub async fn deployments(
        &self,
        window: Window,
        service_type: Option<&str>,
    ) -> Result<AnalyticsReport, StoreError> {
        let mut months = tokio::task::JoinSet::new();
        for month in window.months() {
            let (go_lives, service_type) =
                (Arc::clone(&self.go_lives), service_type.map(str::to_owned));
            months.spawn(async move {
                go_lives.go_lives_in_month(&month.to_string(), service_type.as_deref()).await
            });
        }
        let mut facts = Vec::new();
        while let Some(month) = months.join_next().await {
            facts.extend(month.map_err(|e| StoreError::Unavailable(e.into()))??);
        }
        // Months arrive in any order: the report must not depend on it.
        facts.sort_by(|a, b| (a.go_live_date, &a.project_id).cmp(&(b.go_live_date, &b.project_id)));
        Ok(AnalyticsReport { window, service_types: summarize(&facts) })
    }
}
