//! Identifiers. Project and outbox ids are derived, never random, so that a
//! retried command computes the same ids and the store's uniqueness
//! conditions turn the retry into a no-op.

use serde::Serialize;
use std::fmt;
use uuid::Uuid;

/// Namespace of every name-based (v5) id of this service.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c1f_0a3e_9b2d_4e57_8a60_b1e2_d3f4_0426);

/// Joins id parts with a separator that validated inputs cannot contain.
fn derive(parts: &[&str]) -> Uuid {
    Uuid::new_v5(&NAMESPACE, parts.join("\u{1f}").as_bytes())
}

macro_rules! string_id {
    ($name:ident) => {
        // Serialized as the plain string in event details and mail contexts.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id read from storage or a URL (validated by the caller).
            pub fn from_raw(raw: impl Into<String>) -> Self {
                Self(raw.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(ProjectId);
string_id!(TaskId);
string_id!(OutboxId);

impl ProjectId {
    /// The project of one service line of one deal: the same on every delivery.
    pub fn for_deal_line(deal_id: &str, line_id: &str) -> Self {
        Self(derive(&["project", deal_id, line_id]).to_string())
    }

    /// Whether `raw` has the shape of an id this service issues.
    pub fn is_well_formed(raw: &str) -> bool {
        Uuid::try_parse(raw).is_ok()
    }
}

impl TaskId {
    /// A task id unique within its project: the project version that created
    /// it and its rank in that change. Ids sort in creation order.
    pub fn derived(version: u64, index: usize) -> Self {
        Self(format!("T-{version:06}-{index:02}"))
    }

    /// Whether `raw` has the shape of an id this service issues.
    pub fn is_well_formed(raw: &str) -> bool {
        let b = raw.as_bytes();
        raw.len() >= 11
            && raw.starts_with("T-")
            && b[2..].iter().all(|c| c.is_ascii_digit() || *c == b'-')
    }
}

impl OutboxId {
    /// The id of the `index`-th message produced by the change that brought
    /// `project` to `version`: stable across retries of that change.
    pub fn derived(project: &ProjectId, version: u64, index: usize) -> Self {
        Self(
            derive(&["outbox", project.as_str(), &version.to_string(), &index.to_string()])
                .to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_id_is_stable_for_the_same_deal_line() {
        assert_eq!(ProjectId::for_deal_line("D-1", "L1"), ProjectId::for_deal_line("D-1", "L1"));
    }

    #[test]
    fn project_ids_differ_between_lines_and_deals() {
        let a = ProjectId::for_deal_line("D-1", "L1");
        assert_ne!(a, ProjectId::for_deal_line("D-1", "L2"));
        assert_ne!(a, ProjectId::for_deal_line("D-2", "L1"));
        // The separator keeps ("D-1L", "1") apart from ("D-1", "L1").
        assert_ne!(a, ProjectId::for_deal_line("D-1L", "1"));
    }

    #[test]
    fn issued_project_ids_are_well_formed_and_others_are_not() {
        assert!(ProjectId::is_well_formed(ProjectId::for_deal_line("D", "L").as_str()));
        assert!(!ProjectId::is_well_formed("PROJECT#x"));
    }

    #[test]
    fn task_ids_sort_in_creation_order() {
        assert!(TaskId::derived(2, 1) < TaskId::derived(2, 10));
        assert!(TaskId::derived(2, 99) < TaskId::derived(10, 0));
        assert!(TaskId::is_well_formed(TaskId::derived(3, 4).as_str()));
        assert!(!TaskId::is_well_formed("TASK#1"));
    }

    #[test]
    fn outbox_ids_are_stable_per_change_and_position() {
        let p = ProjectId::for_deal_line("D", "L");
        assert_eq!(OutboxId::derived(&p, 3, 0), OutboxId::derived(&p, 3, 0));
        assert_ne!(OutboxId::derived(&p, 3, 0), OutboxId::derived(&p, 3, 1));
        assert_ne!(OutboxId::derived(&p, 3, 0), OutboxId::derived(&p, 4, 0));
    }
}
