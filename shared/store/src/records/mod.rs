//! The stored records: every item the stores write, as typed structs of
//! their own, converted to and from the domain. Both adapters store these
//! shapes (DynamoDB through serde_dynamo, SQLite as JSON columns), so a
//! renamed domain field breaks the build here, never the stored data;
//! `tests/integration/stored_items.rs` holds the stored shapes still.
//!
//! Readers are lenient (unknown attributes are ignored, absent optional
//! ones default) so that items written by an earlier or later release read.

mod account;
mod forecast;
mod intake;
mod outbox;
mod project;
mod template;
mod values;

pub use account::{Account, AccountStatus};
pub use forecast::GoLiveFacts;
pub use intake::Intake;
pub use outbox::{DeliveryState, OutboxEntry};
pub use project::{AssignedTask, HistoryEntry, Milestone, ProjectHeader, Task};
pub use template::Template;
