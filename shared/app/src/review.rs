//! Use case: the scheduled forecast review.
//!
//! Reads only the projects whose review is due (a sparse index keyed by the
//! next time their projection would change without progress), then
//! re-projects each through its version-guarded commit. A project whose
//! health changes announces it once: an overlapping sweep, reloading, finds
//! the forecast already current and writes nothing. The change is counted
//! in `JeopardyChanges` where it is committed (`Commands`, as for a staff
//! command that changes a project's health), so once however it came.

use super::commands::{CommandError, Commands};
use crate::ports::{Clock, Listings, PageRequest, ProjectFilter, ReviewSchedule, StoreError};
use domain::ProjectId;
use domain::ProjectStatus;
use domain::forecast::Health;
use serde::Serialize;
use std::sync::Arc;

/// Projects one batch reads; a sweep takes batches until none is due.
pub const REVIEW_BATCH: usize = 200;
/// Most batches of one sweep, so that a store that keeps failing the same
/// projects cannot hold a sweep forever; the next sweep continues.
pub const MAX_BATCHES: usize = 250;
/// Reviews in flight at once: a day's due projects (every overrunning one)
/// within the function's timeout, without throttling the table.
pub const CONCURRENT_REVIEWS: usize = 8;
/// A sweep starts no batch after this long (the function times out at
/// 300 s); the next sweep takes what is left, still due.
pub const SWEEP_BUDGET: std::time::Duration = std::time::Duration::from_secs(240);

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
            let unassessed = page.items.into_iter().filter(|p| p.forecast.health == Health::None);
            self.review_all(unassessed.map(|p| p.id).collect(), &mut report).await;
            cursor = page.next_cursor;
            if cursor.is_none() {
                return Ok(report);
            }
        }
    }

    pub async fn sweep(&self) -> Result<ReviewReport, StoreError> {
        let (now, started) = (self.clock.now(), std::time::Instant::now());
        let mut report = ReviewReport::default();
        for _ in 0..MAX_BATCHES {
            if started.elapsed() > SWEEP_BUDGET {
                tracing::warn!(reviewed = report.reviewed, "review sweep out of time, to continue");
                break;
            }
            let due = self.schedule.due_reviews(now, REVIEW_BATCH).await?;
            report.read += due.read;
            let failed = report.failed;
            let count = due.projects.len();
            self.review_all(due.projects, &mut report).await;
            // A reviewed project moves past `now`: a full batch may have more behind it.
            if count < REVIEW_BATCH || report.failed - failed == count {
                break;
            }
        }
        Ok(report)
    }

    /// Reviews `projects`, [`CONCURRENT_REVIEWS`] at a time.
    async fn review_all(&self, projects: Vec<ProjectId>, report: &mut ReviewReport) {
        for chunk in projects.chunks(CONCURRENT_REVIEWS) {
            let mut reviews = tokio::task::JoinSet::new();
            for project in chunk.iter().cloned() {
                let commands = Arc::clone(&self.commands);
                reviews.spawn(async move {
                    let result = commands.review(&project).await;
                    (project, result)
                });
            }
            while let Some(joined) = reviews.join_next().await {
                match joined {
                    Ok((project, result)) => record(project, result, report),
                    Err(e) => {
                        tracing::warn!(error = %e, "a review did not finish, to retry");
                        report.failed += 1;
                    }
                }
            }
        }
    }
}

/// What one project's review did, into `report`.
fn record(
    project: ProjectId,
    result: Result<Option<Health>, CommandError<std::convert::Infallible>>,
    report: &mut ReviewReport,
) {
    match result {
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
