//! Milestones: ordered checkpoints of a project.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt;

/// A milestone's key, unique within its project (`order_confirmed`, ...).
/// Serialized as the plain string in the audit trail's task snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MilestoneKey(String);

impl MilestoneKey {
    pub const ORDER_CONFIRMED: &str = "order_confirmed";
    pub const EQUIPMENT_ORDERED: &str = "equipment_ordered";
    pub const DELIVERY_CONFIRMED: &str = "delivery_confirmed";
    pub const INSTALLATION_DONE: &str = "installation_done";
    pub const CUSTOMER_ACCEPTANCE: &str = "customer_acceptance";
    pub const GO_LIVE: &str = "go_live";

    pub fn from_raw(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MilestoneKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A name in the two languages of the product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    pub fr: String,
    pub en: String,
}

/// The automatic customer mails of the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerMail {
    OrderConfirmed,
    DeliveryConfirmed,
    GoLive,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MilestoneStatus {
    Pending,
    Completed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Milestone {
    pub key: MilestoneKey,
    /// 1-based rank; milestones complete in this order.
    pub position: u16,
    pub name: Names,
    pub customer_mail: Option<CustomerMail>,
    pub activation: bool,
    pub expected_days: u16,
    /// Time the project spent on hold while this milestone was the current one.
    pub held_seconds: i64,
    pub status: MilestoneStatus,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
    pub note: Option<String>,
}

impl Milestone {
    pub fn is_completed(&self) -> bool {
        self.status == MilestoneStatus::Completed
    }
}
