//! The pure domain: what a deployment project is and the rules that change it.
//!
//! Nothing here performs I/O or knows about AWS, HTTP or SQL; time arrives as
//! arguments. Every rule of the product is tested in this module tree.

pub mod account;
pub mod activation;
pub mod amendment;
pub mod analytics;
pub mod deal;
pub mod deliverability;
pub mod escalation;
pub mod events;
pub mod facts;
pub mod forecast;
pub mod history;
pub mod ids;
pub mod intake;
pub mod lifecycle;
pub mod milestone;
pub mod outbox;
pub mod project;
pub mod staff;
pub mod task;
pub mod template;
pub mod validation;
pub mod work;

pub use deal::{DealWon, Installation, Language};
pub use ids::{OutboxId, ProjectId, TaskId};
pub use milestone::{Milestone, MilestoneKey, MilestoneStatus};
pub use project::{Project, ProjectStatus};
pub use task::{Task, TaskStatus};
pub use template::Template;
