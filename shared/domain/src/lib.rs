//! The pure domain: what a deployment project is and the rules that change it.
//!
//! Nothing here performs I/O or knows about AWS, HTTP or SQL; time arrives as
//! arguments. Every rule of the product is tested in this module tree.

pub mod account;
pub mod activation;
pub mod analytics;
pub mod deal;
pub mod deal_changes;
pub mod escalation;
pub mod events;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod forecast;
pub mod go_live_facts;
pub mod history;
pub mod hold_and_cancel;
pub mod ids;
pub mod intake;
pub mod mail_feedback;
pub mod milestone;
pub mod milestone_changes;
pub mod outbox;
pub mod project;
pub mod staff;
pub mod task;
pub mod task_changes;
pub mod template;
pub mod validation;

pub use deal::{DealWon, Installation, Language};
pub use ids::{OutboxId, ProjectId, TaskId};
pub use milestone::{Milestone, MilestoneKey, MilestoneStatus};
pub use project::{Project, ProjectStatus};
pub use task::{Task, TaskStatus};
pub use template::Template;
