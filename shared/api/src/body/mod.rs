//! The bodies of the API: what requests carry and responses return, with
//! their OpenAPI schemas. Each is a type of its own, converted to or from
//! the domain, so the public shapes change only here (and
//! `tests/integration/api_snapshots.rs` holds them still), never through a renamed
//! domain field.

mod analytics;
mod commands;
mod deal;
mod forecast;
mod project;
pub mod rules;
mod template;
mod values;

pub use analytics::{Analytics, MilestoneStats, Percentiles, ServiceStats};
pub use commands::{
    Activation, CancelBody, CompleteBody, HoldBody, NewTask, ReopenBody, TaskPatch,
};
pub use deal::{
    Account, ChangedProject, DealAccepted, DealCancel, DealCancelled, DealChange, DealChanged,
    DealProject, DealWon, ProjectSummary,
};
pub use forecast::{Basis, Forecast, Health, HealthFilter, Reason};
pub use project::{
    AssignedTask, Cancellation, HistoryEntry, Hold, Milestone, Progress, Project, ProjectOverview,
    ProjectView, Task,
};
pub use template::{MilestoneTemplate, TaskTemplate, Template, TemplateInput};
pub use values::{
    AccountInfo, Category, Contact, CustomerMail, Installation, Language, LineOutcome,
    MilestoneKey, MilestoneStatus, Names, OpenTask, ProjectId, ProjectStatus, ServiceLine,
    ServiceSummary, Site, TaskId, TaskStatus, TemplateRef,
};

use serde::Serialize;

/// One page of a listing.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Present when more items may follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of the store's items, each as its body.
    pub fn of<D>(page: app::ports::Page<D>) -> Self
    where
        T: for<'a> From<&'a D>,
    {
        Self { items: each(&page.items), next_cursor: page.next_cursor }
    }
}

/// Maps each element of a slice into a body.
fn each<'a, D: 'a, B: From<&'a D>>(items: &'a [D]) -> Vec<B> {
    items.iter().map(B::from).collect()
}

/// Maps each body into the domain.
fn back<B, D: From<B>>(items: Vec<B>) -> Vec<D> {
    items.into_iter().map(D::from).collect()
}
