//! The application layer: the ports through which use cases reach the
//! outside world ([`ports`], one trait per concern) and the application
//! services, one per use case. Each reads through a port, applies a domain
//! change and commits state and outbox in one write.
//!
//! Beside them: [`retry`] (the one retry policy), [`clock`], [`metrics`]
//! (the business metrics' names), [`signing`] and [`status_link`] (the
//! signed customer links), [`secrets`] (secrets fixed at start-up).

pub mod analytics;
pub mod clock;
pub mod commands;
pub mod deal_changes;
mod deals;
pub mod escalation;
pub mod intake;
pub mod metrics;
pub mod ports;
pub mod queries;
pub mod retry;
pub mod review;
pub mod secrets;
pub mod signing;
pub mod status_link;
pub mod templates;

pub use analytics::{Analytics, AnalyticsReport};
pub use commands::{CommandError, Commands};
pub use deal_changes::{DealChangeError, DealChanges};
pub use deals::DealPorts;
pub use escalation::{EscalationReport, Escalator};
pub use intake::{Intake, IntakeError, IntakeOutcome};
pub use queries::{Queries, QueryError};
pub use review::{ReviewReport, Reviewer};
pub use templates::{Templates, TemplatesError};
