//! The pure domain: what a deployment project is and the rules that change it.
//!
//! Nothing here performs I/O or knows about AWS, HTTP or SQL; time arrives as
//! arguments. Every rule of the product is tested in this module tree.
//!
//! The aggregate is [`project::Project`]; each behaviour that changes it
//! lives in a file named as the use case that calls it (`app`'s):
//!
//! | use case | domain |
//! |---|---|
//! | a won deal (`app::intake`) | [`deal`], [`intake`], [`project`] (`Project::open`) |
//! | the CRM changes or cancels it (`app::deal_changes`) | [`deal_changes`] |
//! | complete, reopen a milestone (`app::commands`) | [`milestone_changes`] |
//! | add, change a task (`app::commands`) | [`task_changes`] ([`task`]: a task's own rules) |
//! | go-live (`app::commands`) | [`activation`] |
//! | hold, resume, cancel (`app::commands`) | [`hold_and_cancel`] |
//! | the escalation sweep (`app::escalation`) | [`escalation`] |
//! | the forecast, on every change and in reviews (`app::review`) | [`forecast`] |
//! | mail bounces and complaints (function `mail-feedback`) | [`mail_feedback`] |
//! | templates (`app::templates`) | [`template`] |
//! | analytics (`app::analytics`) | [`analytics`], [`go_live_facts`] |
//!
//! Beside them: what a change produces ([`events`], [`outbox`],
//! [`history`], [`account`]), who may do what ([`staff`]), identifiers
//! ([`ids`]) and field rules ([`validation`]).

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
