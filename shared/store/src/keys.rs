//! Every key format of the single table, and nothing else builds one.
//!
//! | item | `pk` | `sk` |
//! |---|---|---|
//! | project header | `PROJECT#<id>` | `PROJECT` |
//! | milestone | `PROJECT#<id>` | `MILESTONE#<position:02>` |
//! | task | `PROJECT#<id>` | `TASK#<task id>` |
//! | history entry | `PROJECT#<id>#HISTORY` | `<version:012>#<seq:04>` |
//! | outbox entry | `OUTBOX#<id>` | `OUTBOX` |
//! | deal record (intake, latest revision, cancellation) | `DEAL#<deal id>` | `INTAKE` |
//! | account | `ACCOUNT#<account id>` | `ACCOUNT` |
//! | template, current version | `TEMPLATE#<service type>` | `CURRENT` |
//! | template, each version | `TEMPLATE#<service type>` | `VERSION#<version:06>` |
//! | go-live facts | `GOLIVE#<YYYY-MM>` | `<service type>#<project id>` |
//!
//! Loading a project is one Query on its `pk`; history lives in its own
//! partition so that commands never read it. Analytics read one go-live
//! partition per month of their window.
//!
//! Secondary indexes ([`INDEXES`]), each sparse: only the items that carry
//! its two attributes appear in it.
//!
//! | index | on | partition | sort |
//! |---|---|---|---|
//! | `outbox_pending` | undelivered outbox entries | `OUTBOX#PENDING` | `<created_at>#<id>` |
//! | `projects_all` | project headers | `PROJECTS` | `<created_at>#<id>` |
//! | `projects_by_status` | project headers | `PROJECTS#<status>` | `<created_at>#<id>` |
//! | `projects_by_account` | project headers | `ACCOUNT#<account id>` | `<created_at>#<id>` |
//! | `tasks_by_assignee` | tasks | `ASSIGNEE#<email>` | `<due date>#<project id>#<task id>` |
//! | `tasks_by_status` | tasks | `TASKS#<status>` | `<due date>#<project id>#<task id>` |
//! | `escalation_due` | blocked, to escalate | `ESCALATION` | `<next at>#<project id>#<task id>` |
//! | `projects_by_health` | headers in progress | `HEALTH#<health>` | `<created_at>#<id>` |
//! | `review_due` | headers with a review ahead | `REVIEW` | `<review at>#<id>` |
//! | `go_lives_by_service` | go-live facts | `SERVICE#<service type>` | `<go-live date>#<id>` |
//! | `outbox_by_project` | every outbox entry | `PROJECT#<project id>` | `<created_at>#<id>` |
//! | `projects_by_owner` | project headers | `OWNER#<lower-cased e-mail>` | `<created_at>#<id>` |

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// What an item is: one of the `ENTITY_*` values (the stream filter uses it).
pub const ENTITY: &str = "entity";

pub const ENTITY_PROJECT: &str = "project";
pub const ENTITY_MILESTONE: &str = "milestone";
pub const ENTITY_TASK: &str = "task";
pub const ENTITY_HISTORY: &str = "history";
pub const ENTITY_OUTBOX: &str = "outbox";
pub const ENTITY_INTAKE: &str = "intake";
pub const ENTITY_ACCOUNT: &str = "account";
pub const ENTITY_TEMPLATE: &str = "template";
pub const ENTITY_GO_LIVE: &str = "go_live";

/// The status of a project or task, which listings filter on.
pub const STATUS: &str = "status";
/// A project header's health, which listings by account filter on.
pub const HEALTH: &str = "health";
/// The project's version attribute, the optimistic concurrency guard.
pub const VERSION: &str = "version";
pub const FINGERPRINT: &str = "fingerprint";
pub const STATE: &str = "state";

/// A global secondary index: its name, key attributes, and whether it
/// projects the keys only (readers then load what they need).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Index {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
    pub keys_only: bool,
}

const fn index(name: &'static str, pk: &'static str, sk: &'static str) -> Index {
    Index { name, pk, sk, keys_only: false }
}

pub const OUTBOX_PENDING: Index = index("outbox_pending", "outbox_pending_pk", "outbox_pending_sk");
pub const PROJECTS_ALL: Index = index("projects_all", "projects_all_pk", "projects_all_sk");
pub const PROJECTS_BY_STATUS: Index =
    index("projects_by_status", "projects_by_status_pk", "projects_by_status_sk");
pub const PROJECTS_BY_ACCOUNT: Index =
    index("projects_by_account", "projects_by_account_pk", "projects_by_account_sk");
pub const TASKS_BY_ASSIGNEE: Index =
    index("tasks_by_assignee", "tasks_by_assignee_pk", "tasks_by_assignee_sk");
pub const TASKS_BY_STATUS: Index =
    index("tasks_by_status", "tasks_by_status_pk", "tasks_by_status_sk");
/// Keys only: the sweep reads which tasks are due, then loads their projects.
pub const ESCALATION_DUE: Index =
    Index { keys_only: true, ..index("escalation_due", "escalation_due_pk", "escalation_due_sk") };
pub const PROJECTS_BY_HEALTH: Index =
    index("projects_by_health", "projects_by_health_pk", "projects_by_health_sk");
/// Keys only: the sweep reads which projects are due, then loads them.
pub const REVIEW_DUE: Index =
    Index { keys_only: true, ..index("review_due", "review_due_pk", "review_due_sk") };
pub const GO_LIVES_BY_SERVICE: Index =
    index("go_lives_by_service", "go_lives_by_service_pk", "go_lives_by_service_sk");

/// A project's outbox, whatever its delivery state: entries stay in it
/// until they expire, so the console shows what was sent and when.
pub const OUTBOX_BY_PROJECT: Index =
    index("outbox_by_project", "outbox_by_project_pk", "outbox_by_project_sk");
pub const PROJECTS_BY_OWNER: Index =
    index("projects_by_owner", "projects_by_owner_pk", "projects_by_owner_sk");

/// Every index of the table (the IaC declares the same).
pub const INDEXES: [Index; 12] = [
    OUTBOX_PENDING,
    PROJECTS_ALL,
    PROJECTS_BY_STATUS,
    PROJECTS_BY_ACCOUNT,
    TASKS_BY_ASSIGNEE,
    TASKS_BY_STATUS,
    ESCALATION_DUE,
    PROJECTS_BY_HEALTH,
    REVIEW_DUE,
    GO_LIVES_BY_SERVICE,
    OUTBOX_BY_PROJECT,
    PROJECTS_BY_OWNER,
];

pub const ESCALATION_PARTITION: &str = "ESCALATION";

/// Sorts escalations by due time, then project and task.
pub fn escalation_due_sk(at: DateTime<Utc>, project_id: &str, task_id: &str) -> String {
    format!("{}#{project_id}#{task_id}", at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// The upper bound of the escalation keys due at `now`: `~` sorts after
/// every id character.
pub fn escalation_due_bound(now: DateTime<Utc>) -> String {
    format!("{}#~", now.to_rfc3339_opts(SecondsFormat::Millis, true))
}

pub const REVIEW_PARTITION: &str = "REVIEW";

/// Sorts reviews by due time, then project.
pub fn review_due_sk(at: DateTime<Utc>, project_id: &str) -> String {
    format!("{}#{project_id}", at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// The upper bound of the review keys due at `now`.
pub fn review_due_bound(now: DateTime<Utc>) -> String {
    format!("{}#~", now.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// The project id of a header item's partition key.
pub fn project_of_pk(pk: &str) -> Option<&str> {
    pk.strip_prefix("PROJECT#").filter(|id| !id.is_empty() && !id.contains('#'))
}

pub fn projects_by_health_pk(health: &str) -> String {
    format!("HEALTH#{health}")
}

/// The go-lives of one month (`YYYY-MM`).
pub fn go_live_pk(month: &str) -> String {
    format!("GOLIVE#{month}")
}

/// Within a month, go-lives group by service type.
pub fn go_live_sk(service_type: &str, project_id: &str) -> String {
    format!("{service_type}#{project_id}")
}

pub fn go_lives_by_service_pk(service_type: &str) -> String {
    format!("SERVICE#{service_type}")
}

/// Sorts a service type's go-lives by date, then project.
pub fn go_lives_by_service_sk(go_live_date: NaiveDate, project_id: &str) -> String {
    format!("{go_live_date}#{project_id}")
}

/// The project and task ids of a task item's keys.
pub fn task_of_keys<'a>(pk: &'a str, sk: &'a str) -> Option<(&'a str, &'a str)> {
    Some((pk.strip_prefix("PROJECT#")?, sk.strip_prefix("TASK#")?))
}

pub const OUTBOX_PENDING_PARTITION: &str = "OUTBOX#PENDING";
pub const PROJECTS_PARTITION: &str = "PROJECTS";

/// Attribute of task items naming their project (task lists read it).
pub const PROJECT_ID: &str = "project_id";

/// Delivery state of an outbox entry: one of the `DELIVERY_*` values.
pub const DELIVERY: &str = "delivery";
pub const DELIVERY_PENDING: &str = "pending";
pub const DELIVERY_CLAIMED: &str = "claimed";
pub const DELIVERY_SENT: &str = "sent";
pub const DELIVERY_FAILED: &str = "failed";
/// Epoch milliseconds until which a claim holds.
pub const CLAIMED_UNTIL: &str = "claimed_until";
pub const ATTEMPTS: &str = "attempts";
pub const LAST_ERROR: &str = "last_error";
pub const SENT_AT: &str = "sent_at";
/// The table's TTL attribute (epoch seconds): delivered entries expire.
pub const EXPIRES_AT: &str = "expires_at";
/// How long a delivered outbox entry is kept before it expires: the
/// console shows a project's mails as sent (and when) for its whole life
/// and a year of follow-up; a deployment runs for weeks or months, and a
/// customer may ask long after go-live whether the go-live mail went out.
/// The entries hold no more customer data than their project, which is
/// kept anyway; a few small items per project cost next to nothing.
pub const SENT_RETENTION_DAYS: i64 = 400;

/// The outbox id of an outbox item's partition key.
pub fn outbox_id_of(pk: &str) -> Option<&str> {
    pk.strip_prefix(OUTBOX_PREFIX).filter(|id| !id.is_empty())
}

const OUTBOX_PREFIX: &str = "OUTBOX#";

pub const PROJECT_SK: &str = "PROJECT";
pub const OUTBOX_SK: &str = "OUTBOX";
pub const INTAKE_SK: &str = "INTAKE";
pub const ACCOUNT_SK: &str = "ACCOUNT";
pub const TEMPLATE_CURRENT_SK: &str = "CURRENT";

pub fn project_pk(project_id: &str) -> String {
    format!("PROJECT#{project_id}")
}

pub fn milestone_sk(position: u16) -> String {
    format!("MILESTONE#{position:02}")
}

pub fn task_sk(task_id: &str) -> String {
    format!("TASK#{task_id}")
}

pub fn history_pk(project_id: &str) -> String {
    format!("PROJECT#{project_id}#HISTORY")
}

pub fn history_sk(version: u64, seq: u16) -> String {
    format!("{version:012}#{seq:04}")
}

pub fn outbox_pk(entry_id: &str) -> String {
    format!("{OUTBOX_PREFIX}{entry_id}")
}

/// Sorts pending entries by creation time, then id.
pub fn outbox_pending_sk(created_at: DateTime<Utc>, entry_id: &str) -> String {
    format!("{}#{entry_id}", created_at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

pub fn projects_by_status_pk(status: &str) -> String {
    format!("PROJECTS#{status}")
}

pub fn projects_by_account_pk(account_id: &str) -> String {
    format!("ACCOUNT#{account_id}")
}

/// An owner as listings compare it: e-mails match whatever their case
/// (the CRM's, the identity provider's).
pub fn owner_key(owner: &str) -> String {
    owner.to_ascii_lowercase()
}

pub fn projects_by_owner_pk(owner: &str) -> String {
    format!("OWNER#{}", owner_key(owner))
}

pub fn outbox_by_project_pk(project_id: &str) -> String {
    format!("PROJECT#{project_id}")
}

/// Sorts a project's entries by creation time, then id (as pending ones).
pub fn outbox_by_project_sk(created_at: DateTime<Utc>, entry_id: &str) -> String {
    outbox_pending_sk(created_at, entry_id)
}

/// Sorts projects by creation time, then id.
pub fn project_listing_sk(created_at: DateTime<Utc>, project_id: &str) -> String {
    format!("{}#{project_id}", created_at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

pub fn tasks_by_assignee_pk(assignee: &str) -> String {
    format!("ASSIGNEE#{assignee}")
}

pub fn tasks_by_status_pk(status: &str) -> String {
    format!("TASKS#{status}")
}

/// Sorts tasks by due date, then project and id.
pub fn task_listing_sk(due_date: NaiveDate, project_id: &str, task_id: &str) -> String {
    format!("{due_date}#{project_id}#{task_id}")
}

pub fn account_pk(account_id: &str) -> String {
    format!("ACCOUNT#{account_id}")
}

pub fn template_pk(service_type: &str) -> String {
    format!("TEMPLATE#{service_type}")
}

pub fn template_version_sk(version: u32) -> String {
    format!("VERSION#{version:06}")
}

pub fn intake_pk(deal_id: &str) -> String {
    format!("DEAL#{deal_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_as_their_numbers() {
        assert!(milestone_sk(2) < milestone_sk(10));
        assert!(history_sk(9, 0) < history_sk(10, 0));
        assert!(history_sk(10, 1) < history_sk(10, 2));
    }

    #[test]
    fn outbox_ids_read_back_from_their_keys() {
        assert_eq!(outbox_id_of(&outbox_pk("abc")), Some("abc"));
        assert_eq!(outbox_id_of("PROJECT#abc"), None);
        assert_eq!(outbox_id_of("OUTBOX#"), None);
    }

    #[test]
    fn escalation_keys_order_by_time_and_stay_under_their_bound() {
        let at: DateTime<Utc> = "2026-12-06T00:00:00Z".parse().unwrap();
        let key = escalation_due_sk(at, "ffffffff-ffff-5fff-bfff-ffffffffffff", "T-999999-99");
        assert!(key <= escalation_due_bound(at));
        assert!(key > escalation_due_bound(at - chrono::Duration::milliseconds(1)));
        assert_eq!(task_of_keys(&project_pk("p"), &task_sk("T-1")), Some(("p", "T-1")));
    }

    #[test]
    fn owners_key_their_projects_whatever_the_case_of_their_address() {
        assert_eq!(
            projects_by_owner_pk("Sophie.Durand@BlueRockTEL.fr"),
            "OWNER#sophie.durand@bluerocktel.fr"
        );
    }

    #[test]
    fn pending_outbox_sort_keys_order_by_time() {
        let a = outbox_pending_sk("2026-11-20T10:00:00Z".parse().unwrap(), "z");
        let b = outbox_pending_sk("2026-11-20T10:00:00.001Z".parse().unwrap(), "a");
        assert!(a < b);
    }
}
