//! Use case: deployment analytics over a window of months, from the facts
//! each go-live wrote: one Query per month, so the cost follows the
//! go-lives of the window, never the table.

use crate::domain::analytics::{ServiceStats, Window, summarize};
use crate::ports::{GoLives, StoreError};
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
        let mut facts = Vec::new();
        for month in window.months() {
            facts.extend(self.go_lives.go_lives_in_month(&month.to_string(), service_type).await?);
        }
        Ok(AnalyticsReport { window, service_types: summarize(&facts) })
    }
}
