//! Application services: one per use case. Each reads through a port,
//! applies a domain change and commits state and outbox in one write.

pub mod intake;
mod retry;

pub use intake::{Intake, IntakeError, IntakeOutcome};
