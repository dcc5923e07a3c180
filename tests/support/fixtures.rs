//! What the integration tests share: a time origin, the team, and the
//! bundle (every route, as the local runner serves them) on either store,
//! with or without the sample deal received.

use crate::{
    Reply, SECRET, bundle_app, crm_request, deal_request, sample_deal, send, staff_request, token,
};
use app::clock::ManualClock;
use app::ports::Clock;
use app::ports::Store;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::{MilestoneKey, ProjectId};
use serde_json::Value;
use std::sync::Arc;

/// When the sample deal arrives (won five minutes earlier); the signature of
/// `events/apigw/deal-won.json` was made at this time too.
pub fn t0() -> DateTime<Utc> {
    "2026-11-20T10:05:00Z".parse().expect("a time")
}

/// When the sample's projects go live, in the tests that take them there.
pub fn live_at() -> DateTime<Utc> {
    "2027-01-11T16:00:00Z".parse().expect("a time")
}

/// The owner of the sample deal, a project manager.
pub const MANAGER: &str = "sophie.durand@bluerocktel.fr";
pub const ADMIN: &str = "root@bluerocktel.fr";
pub const TECH: &str = "tech.one@bluerocktel.fr";
pub const OTHER_TECH: &str = "tech.two@bluerocktel.fr";
/// A technician with no task anywhere.
pub const OUTSIDER_TECH: &str = "tech.three@bluerocktel.fr";

/// A caller: a member's e-mail and one role.
pub type Member = (&'static str, &'static str);
pub const PM: Member = (MANAGER, "manager");
pub const ROOT: Member = (ADMIN, "admin");
pub const TECH1: Member = (TECH, "technician");

/// A staff token for `sub` with `roles` that expired an hour ago.
pub fn expired_token(sub: &str, roles: &[&str]) -> String {
    let (secret, now) = (config::Secret::new(crate::JWT_SECRET), Utc::now().timestamp());
    deployments_local::auth::mint(&secret, sub, roles, now - 7200, 3600).expect("a token")
}

/// The project of a line of the sample deal (`L1`, `L2`).
pub fn project(line: &str) -> ProjectId {
    ProjectId::for_deal_line("D-2026-0042", line)
}

/// The milestones of the default template that come before `go_live`, in
/// order: what a project completes before it can be activated.
pub const BEFORE_GO_LIVE: [&str; 5] = [
    MilestoneKey::ORDER_CONFIRMED,
    MilestoneKey::EQUIPMENT_ORDERED,
    MilestoneKey::DELIVERY_CONFIRMED,
    MilestoneKey::INSTALLATION_DONE,
    MilestoneKey::CUSTOMER_ACCEPTANCE,
];

/// Every route of the bundle on one store, with a clock the test moves.
pub struct Bundle {
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub app: axum::Router,
}

impl Bundle {
    /// The bundle on `store`, at [`t0`], nothing received yet.
    pub fn new(store: Arc<dyn Store>) -> Self {
        let clock = Arc::new(ManualClock::new(t0()));
        let app = bundle_app(store.clone(), clock.clone() as Arc<dyn Clock>);
        Self { store, clock, app }
    }

    /// The bundle having received the sample deal: projects L1 and L2.
    pub async fn with_sample_deal(store: Arc<dyn Store>) -> Self {
        let bundle = Self::new(store);
        let reply = bundle.receive(sample_deal()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&reply.body));
        bundle
    }

    /// A CRM body, signed as the CRM signs it at the clock's time.
    pub async fn receive(&self, body: Vec<u8>) -> Reply {
        send(&self.app, deal_request(body, SECRET, self.clock.now().timestamp())).await
    }

    /// A body for CRM webhook `path`, signed as the CRM signs it.
    pub async fn crm(&self, path: &str, body: &Value) -> Reply {
        let body = serde_json::to_vec(body).expect("serializes");
        send(&self.app, crm_request(path, body, SECRET, self.clock.now().timestamp())).await
    }

    /// A staff request, as `who` (none: without a token).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        who: Option<Member>,
        body: Option<Value>,
    ) -> Reply {
        let token = who.map(|(sub, role)| token(sub, &[role]));
        send(&self.app, staff_request(method, path, token.as_deref(), body)).await
    }

    /// Completes milestone `key` of `project` as `who`, with `body` if given.
    pub async fn complete(
        &self,
        project: &ProjectId,
        key: &str,
        who: Member,
        body: Option<Value>,
    ) -> Reply {
        let path = format!("/v1/projects/{project}/milestones/{key}/complete");
        self.call("POST", &path, Some(who), body).await
    }

    /// Adds `task` (title, assignee, due date…) to `milestone` of `project`
    /// as the manager, which must answer 201; the new task's id.
    pub async fn add_task(&self, project: &ProjectId, milestone: &str, task: Value) -> String {
        let path = format!("/v1/projects/{project}/milestones/{milestone}/tasks");
        let reply = self.call("POST", &path, Some(PM), Some(task)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&reply.body));
        reply.json()["id"].as_str().expect("a task id").to_owned()
    }
}

/// Lets a test file's fixture, a [`Bundle`] in a field `bundle` with what
/// the file adds, be used as the bundle itself.
#[macro_export]
macro_rules! on_bundle {
    ($fixture:ty) => {
        impl ::std::ops::Deref for $fixture {
            type Target = $crate::fixtures::Bundle;

            fn deref(&self) -> &$crate::fixtures::Bundle {
                &self.bundle
            }
        }
    };
}

/// A console session of `sub` with `roles`, valid at the bundle's time
/// ([`t0`]) or expired: the `Cookie` header and the session's CSRF token.
pub fn console_session(sub: &str, roles: &[&str], expired: bool) -> (String, String) {
    console_session_at(sub, roles, t0(), expired)
}

/// [`console_session`] opened at `at` (for a bundle whose clock has moved).
pub fn console_session_at(
    sub: &str,
    roles: &[&str],
    at: DateTime<Utc>,
    expired: bool,
) -> (String, String) {
    use web_console::session::{SESSION_COOKIE, Session};
    let secrets = [config::Secret::new(crate::CONSOLE_SECRET)];
    let roles = roles.iter().filter_map(|r| domain::staff::Role::parse(r)).collect();
    let staff = domain::staff::Staff::new(sub, roles);
    let mut session = Session::new(&staff, at.timestamp()).expect("random bytes");
    if expired {
        session.expires = at.timestamp() - 1;
    }
    (format!("{SESSION_COOKIE}={}", session.encode(&secrets)), session.csrf(&secrets))
}
