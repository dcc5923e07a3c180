//! Read use cases: a project with its history, project lists, task lists.
//! Each is served by Queries on the table or an index, never a Scan.

use crate::ports::{Listings, Page, PageRequest, ProjectFilter, Projects, StoreError, TaskFilter};
use domain::ProjectId;
use domain::history::HistoryEntry;
use domain::project::{Project, ProjectOverview};
use domain::staff::{Role, Staff};
use domain::task::{AssignedTask, TaskStatus};
use domain::validation::FieldError;
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum QueryError {
    #[error("no such project")]
    NotFound,
    #[error("not allowed for this member")]
    Forbidden,
    #[error("the pagination cursor is not one this service issued")]
    InvalidCursor,
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("the store is unavailable")]
    Store(#[source] StoreError),
}

impl From<StoreError> for QueryError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidCursor => Self::InvalidCursor,
            e => Self::Store(e),
        }
    }
}

/// A project with its milestones, tasks and history.
#[derive(Debug)]
pub struct ProjectView {
    pub project: Project,
    pub history: Vec<HistoryEntry>,
}

/// Whose tasks a task list shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assignee {
    /// Not given: a manager or admin asking for a status sees the whole
    /// team's tasks with it; anyone else sees their own.
    Unspecified,
    Me,
    Email(String),
    /// Every assignee (managers and admins, with a status).
    Anyone,
}

pub struct Queries {
    projects: Arc<dyn Projects>,
    listings: Arc<dyn Listings>,
}

impl Queries {
    pub fn new(projects: Arc<dyn Projects>, listings: Arc<dyn Listings>) -> Self {
        Self { projects, listings }
    }

    /// A project as `staff` may see it: two Queries, the project's partition
    /// and its history's, run concurrently.
    pub async fn project(&self, id: &ProjectId, staff: &Staff) -> Result<ProjectView, QueryError> {
        let (project, history) = tokio::join!(self.projects.load(id), self.projects.history(id));
        let project = project?.ok_or(QueryError::NotFound)?;
        // A technician without a task here learns nothing, not even that it exists.
        if !staff.can_see(&project) {
            return Err(QueryError::NotFound);
        }
        Ok(ProjectView { project, history: history? })
    }

    pub async fn projects(
        &self,
        filter: &ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<ProjectOverview>, QueryError> {
        // Only projects in progress have a health.
        if filter.health.is_some()
            && filter.status.is_some_and(|s| s != domain::ProjectStatus::InProgress)
        {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        }
        Ok(self.listings.list_projects(filter, page).await?)
    }

    /// Tasks by assignee (and status), or by status across assignees. A
    /// technician lists only their own tasks.
    pub async fn tasks(
        &self,
        assignee: Assignee,
        status: Option<TaskStatus>,
        staff: &Staff,
        page: PageRequest,
    ) -> Result<Page<AssignedTask>, QueryError> {
        let oversees = staff.has(Role::Manager) || staff.has(Role::Admin);
        let filter = match assignee {
            Assignee::Unspecified => match status {
                Some(status) if oversees => TaskFilter::Status(status),
                _ => TaskFilter::Assignee { assignee: staff.sub.clone(), status },
            },
            Assignee::Me => TaskFilter::Assignee { assignee: staff.sub.clone(), status },
            Assignee::Email(email) if oversees || email == staff.sub => {
                TaskFilter::Assignee { assignee: email, status }
            }
            Assignee::Anyone if oversees => match status {
                Some(status) => TaskFilter::Status(status),
                None => {
                    let message = "is required to list the tasks of every assignee".to_owned();
                    return Err(QueryError::Invalid(vec![FieldError {
                        field: "status".into(),
                        message,
                    }]));
                }
            },
            _ => return Err(QueryError::Forbidden),
        };
        Ok(self.listings.list_tasks(&filter, page).await?)
    }
}
