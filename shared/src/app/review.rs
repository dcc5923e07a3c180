//! Use case: the scheduled forecast review.
//!
//! Reads only the projects whose review is due (a sparse index keyed by the
//! next time their projection would change without progress), then
//! re-projects each through its version-guarded commit. A project whose
//! health changes announces it once: an overlapping sweep, reloading, finds
//! the forecast already current and writes nothing.

use super::commands::{CommandError, Commands};
use crate::domain::ProjectId;
use crate::domain::ProjectStatus;
use crate::domain::forecast::Health;
use crate::ports::{Clock, Listings, PageRequest, ProjectFilter, ReviewSchedule, StoreError};
use serde::Serialize;
use std::sync::Arc;

/// Projects one batch reads; a sweep takes batches until none is due.
pub const REVIEW_BATCH: usize = 200;
/// Most batches of one sweep, so that a store that keeps failing the same
/// projects cannot hold a sweep forever; the next sweep continues.
pub const MAX_BATCHES: usize = 250;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReviewReport {
    /// Projects re-projected.
    pub reviewed: usize,
    /// (project, new health) of each change of health.
    pub changed: Vec<(ProjectId, Health)>,
    /// Index entries read to find the due projects.
    pub read: usize,
    /// Projects that could not be reviewed this time (retried next sweep).
    pub failed: usize,
}

pub struct Reviewer {
    schedule: Arc<dyn ReviewSchedule>,
    /// Read by [`Reviewer::backfill`] only.
    listings: Arc<dyn Listings>,
    commands: Arc<Commands>,
    clock: Arc<dyn Clock>,
}

impl Reviewer {
    pub fn new(
        schedule: Arc<dyn ReviewSchedule>,
        listings: Arc<dyn Listings>,
        commands: Arc<Commands>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { schedule, listings, commands, clock }
    }

    /// Assesses the projects in progress stored before forecasting (no
    /// forecast, so in no health listing and never due for review): run
    /// once after the upgrade. Pages through the projects in progress, so
    /// it costs what they are; a second run finds none to assess.
    pub async fn backfill(&self) -> Result<ReviewReport, StoreError> {
        let filter =
            ProjectFilter { status: Some(ProjectStatus::InProgress), ..ProjectFilter::default() };
        let mut report = ReviewReport::default();
        let mut cursor = None;
        loop {
            let page = PageRequest { cursor, limit: REVIEW_BATCH };
            let page = self.listings.list_projects(&filter, page).await?;
            report.read += page.items.len();
            for project in page.items {
                if project.forecast.health == Health::None {
                    self.review(project.id, &mut report).await;
                }
            }
            cursor = page.next_cursor;
            if cursor.is_none() {
                return Ok(report);
            }
        }
    }

    pub async fn sweep(&self) -> Result<ReviewReport, StoreError> {
        let now = self.clock.now();
        let mut report = ReviewReport::default();
        for _ in 0..MAX_BATCHES {
            let due = self.schedule.due_reviews(now, REVIEW_BATCH).await?;
            report.read += due.read;
            let failed = report.failed;
            let count = due.projects.len();
            for project in due.projects {
                self.review(project, &mut report).await;
            }
            // A reviewed project moves past `now`: a full batch may have more behind it.
            if count < REVIEW_BATCH || report.failed - failed == count {
                break;
            }
        }
        Ok(report)
    }

    async fn review(&self, project: ProjectId, report: &mut ReviewReport) {
        match self.commands.review(&project).await {
            Ok(changed) => {
                report.reviewed += 1;
                if let Some(health) = changed {
                    let health_name = health.as_str();
                    tracing::info!(project_id = %project, health = health_name, "health changed");
                    report.changed.push((project, health));
                }
            }
            Err(CommandError::NotFound) => {
                tracing::warn!(project_id = %project, "review of a missing project")
            }
            Err(e) => {
                tracing::warn!(project_id = %project, error = %e, "review failed, to retry");
                report.failed += 1;
            }
        }
    }
}
