//! The bodies of the API: what requests carry and responses return, with
//! their OpenAPI schemas. Where the table keeps a value in the same format,
//! the body is that shared format ([`wire`], re-exported here); the types
//! of this module are the API's own (request shapes, and views that show
//! more or less than the table keeps). `tests/integration/api_snapshots.rs`
//! holds the public shapes still.

mod analytics;
mod commands;
mod deal;
mod forecast;
mod project;
mod template;

pub use analytics::{Analytics, MilestoneStats, Percentiles, ServiceStats};
pub use commands::{
    Activation, CancelBody, CompleteBody, HoldBody, NewTask, ReopenBody, TaskPatch,
};
pub use deal::{Account, DealCancel, DealCancelled, DealChange, DealChanged, DealProject, DealWon};
pub use forecast::{Forecast, HealthFilter};
pub use project::{
    AssignedTask, Milestone, OpenTask, Progress, Project, ProjectContact, ProjectOverview,
    ProjectView, Task,
};
pub use template::TemplateInput;
pub use wire::{
    AccountInfo, Basis, Cancellation, Category, ChangedProject, Contact, CustomerMail,
    DealAccepted, Health, HistoryEntry, Hold, Installation, Language, LineOutcome, MilestoneKey,
    MilestoneStatus, MilestoneTemplate, Names, ProjectId, ProjectStatus, ProjectSummary, Reason,
    ServiceLine, ServiceSummary, Site, TaskId, TaskStatus, TaskTemplate, Template, TemplateRef,
    Undeliverable, rules,
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
        Self { items: wire::each(&page.items), next_cursor: page.next_cursor }
    }
}
