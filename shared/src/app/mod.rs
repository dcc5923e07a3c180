//! Application services: one per use case. Each reads through a port,
//! applies a domain change and commits state and outbox in one write.

pub mod analytics;
pub mod commands;
pub mod deal_changes;
mod deals;
pub mod dispatch;
pub mod escalation;
pub mod intake;
pub mod queries;
pub mod review;
pub mod templates;

pub use analytics::{Analytics, AnalyticsReport};
pub use commands::{CommandError, Commands};
pub use deal_changes::{DealChangeError, DealChanges};
pub use deals::DealPorts;
pub use dispatch::{DispatchReport, DispatchSettings, Dispatcher, StatusLinks};
pub use escalation::{EscalationReport, Escalator};
pub use intake::{Intake, IntakeError, IntakeOutcome};
pub use queries::{Queries, QueryError};
pub use review::{ReviewReport, Reviewer};
pub use templates::{Templates, TemplatesError};
