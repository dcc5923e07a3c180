//! Exactly-once intake of won deals, and the record of each deal: its
//! intake, its latest change (contract v1.1, README) and its cancellation.
//!
//! A deal is planned in full before anything is written: the projects, their
//! outbox entries and the response are all functions of the deal, so every
//! delivery of the same deal plans the same writes and the same answer.

use super::deal::DealWon;
use super::deal_changes::{DealChange, DealChanged};
use super::ids::ProjectId;
use super::project::{Change, Project, ProjectStatus};
use super::template::Template;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The record of one deal: the idempotency record of its intake, then of
/// its changes, and its cancellation.
#[derive(Clone, Debug, PartialEq)]
pub struct DealRecord {
    pub deal_id: String,
    /// Fingerprint of the deal's content; a different body under the same id is a conflict.
    pub fingerprint: String,
    pub state: IntakeState,
    /// The projects of the first answer (`201`), given again on every later delivery.
    pub response: DealAccepted,
    pub received_at: DateTime<Utc>,
    /// Counts the replacements of the record (0 as claimed at intake): the
    /// guard of changes and cancellations against each other.
    pub version: u64,
    /// The lines whose project a change may have created since intake.
    pub lines: Vec<String>,
    /// The latest revision the CRM sent, and how far it went.
    pub revision: Option<RevisionRecord>,
    pub cancellation: Option<DealCancellation>,
}

/// The idempotency record of a deal's latest revision.
#[derive(Clone, Debug, PartialEq)]
pub struct RevisionRecord {
    pub number: u32,
    pub fingerprint: String,
    /// `Complete` once every project took it; then `result` is the answer.
    pub state: IntakeState,
    pub result: Option<DealChanged>,
    pub received_at: DateTime<Utc>,
}

/// The CRM cancelled the deal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DealCancellation {
    pub cancelled_at: DateTime<Utc>,
    pub reason: String,
    pub received_at: DateTime<Utc>,
}

/// What a delivery of a revision does, seen from the deal's record.
#[derive(Clone, Debug, PartialEq)]
pub enum RevisionStep {
    /// A new revision: store this record (the claim), then apply it.
    Claim(Box<DealRecord>),
    /// This revision is claimed, not complete: finish applying it.
    Finish,
    /// This revision is complete: answer as it was answered.
    Replay(DealChanged),
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RevisionError {
    #[error("the deal is cancelled")]
    Cancelled,
    #[error("revision {current} of the deal was already applied")]
    Stale { current: u32 },
    #[error("revision {revision} of the deal was already received with different content")]
    Conflict { revision: u32 },
}

impl DealRecord {
    /// Every line that has or may have a project, in the order they came.
    pub fn project_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> =
            self.response.projects.iter().map(|p| p.line_id.clone()).collect();
        for line in &self.lines {
            if !lines.contains(line) {
                lines.push(line.clone());
            }
        }
        lines
    }

    /// What a delivery of `change` (with that fingerprint) does.
    pub fn revision_step(
        &self,
        change: &DealChange,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<RevisionStep, RevisionError> {
        // A revision answered before the cancellation is answered again.
        if let Some(r) = &self.revision
            && (r.number, r.fingerprint.as_str(), r.state)
                == (change.revision, fingerprint, IntakeState::Complete)
            && let Some(result) = &r.result
        {
            return Ok(RevisionStep::Replay(result.clone()));
        }
        if self.cancellation.is_some() {
            return Err(RevisionError::Cancelled);
        }
        match &self.revision {
            Some(r) if r.number > change.revision => {
                Err(RevisionError::Stale { current: r.number })
            }
            Some(r) if r.number == change.revision && r.fingerprint != fingerprint => {
                Err(RevisionError::Conflict { revision: r.number })
            }
            Some(r) if r.number == change.revision => Ok(match &r.result {
                Some(result) if r.state == IntakeState::Complete => {
                    RevisionStep::Replay(result.clone())
                }
                _ => RevisionStep::Finish,
            }),
            _ => Ok(RevisionStep::Claim(Box::new(self.claimed(change, fingerprint, now)))),
        }
    }

    /// The record once `change` is claimed. An intake still pending is
    /// complete from now on: the change creates what it had left.
    fn claimed(&self, change: &DealChange, fingerprint: &str, now: DateTime<Utc>) -> Self {
        let mut record = self.replaced();
        record.state = IntakeState::Complete;
        let known = record.project_lines();
        let new = change.installable_lines().into_iter().filter(|l| !known.contains(l));
        record.lines.extend(new);
        record.revision = Some(RevisionRecord {
            number: change.revision,
            fingerprint: fingerprint.to_owned(),
            state: IntakeState::Pending,
            result: None,
            received_at: now,
        });
        record
    }

    /// The record once its claimed revision is complete, answered with `result`.
    pub fn with_result(&self, result: DealChanged) -> Self {
        let mut record = self.replaced();
        if let Some(r) = &mut record.revision {
            r.state = IntakeState::Complete;
            r.result = Some(result);
        }
        record
    }

    /// The record of the deal cancelled; `None` if it already is. A
    /// revision still pending stays so: it stops, and its deliveries are
    /// refused from now on.
    pub fn cancelled(&self, cancellation: DealCancellation) -> Option<Self> {
        if self.cancellation.is_some() {
            return None;
        }
        let mut record = self.replaced();
        // Nothing more is created for a cancelled deal, not even by intake.
        record.state = IntakeState::Complete;
        record.cancellation = Some(cancellation);
        Some(record)
    }

    fn replaced(&self) -> Self {
        Self { version: self.version + 1, ..self.clone() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntakeState {
    /// Claimed: some projects may still be missing (a delivery stopped half-way).
    Pending,
    /// Every project of the deal exists.
    Complete,
}

/// What a deal became: its projects, in the order of its lines.
#[derive(Clone, Debug, PartialEq)]
pub struct DealAccepted {
    pub deal_id: String,
    pub projects: Vec<ProjectSummary>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProjectSummary {
    pub id: ProjectId,
    pub line_id: String,
    pub service_type: String,
    pub service_name: String,
    pub subscription_id: String,
    pub status: ProjectStatus,
    pub template_version: u32,
}

/// Everything one deal writes, in commit order.
#[derive(Debug)]
pub struct IntakePlan {
    pub record: DealRecord,
    pub projects: Vec<(Project, Change)>,
}

/// Content fingerprint of a deal: SHA-256 of its canonical JSON (the
/// serialization of [`DealWon`]: its field names and order are part of every
/// stored fingerprint). Two bodies that differ only in whitespace, key order
/// or date notation are the same deal.
pub fn fingerprint(deal: &DealWon) -> String {
    // A struct of strings, dates and enums always serializes.
    let canonical = serde_json::to_vec(deal).unwrap_or_default();
    hex::encode(Sha256::digest(&canonical))
}

/// Plans the intake of `deal`; `template_for` gives the template of a service type.
pub fn plan(
    deal: &DealWon,
    template_for: impl Fn(&str) -> Template,
    now: DateTime<Utc>,
) -> IntakePlan {
    let projects: Vec<(Project, Change)> = deal
        .installable_lines()
        .map(|line| Project::open(deal, line, &template_for(&line.service_type), now))
        .collect();
    let response = DealAccepted {
        deal_id: deal.deal_id.clone(),
        projects: projects
            .iter()
            .map(|(p, _)| {
                let line = &p.services[0];
                ProjectSummary {
                    id: p.id.clone(),
                    line_id: p.line_id.clone(),
                    service_type: line.service_type.clone(),
                    service_name: line.name.clone(),
                    subscription_id: line.subscription_id.clone(),
                    status: p.status,
                    template_version: p.template.version,
                }
            })
            .collect(),
    };
    let record = DealRecord {
        deal_id: deal.deal_id.clone(),
        fingerprint: fingerprint(deal),
        state: IntakeState::Pending,
        response,
        received_at: now,
        version: 0,
        lines: Vec::new(),
        revision: None,
        cancellation: None,
    };
    IntakePlan { record, projects }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;

    fn now() -> DateTime<Utc> {
        "2026-11-20T10:05:00Z".parse().unwrap()
    }

    #[test]
    fn one_project_per_line_needing_installation() {
        let plan = plan(&sample(), Template::default_for, now());
        let lines: Vec<_> =
            plan.record.response.projects.iter().map(|p| p.line_id.as_str()).collect();
        assert_eq!(lines, ["L1", "L2"]);
        assert_eq!(plan.projects.len(), 2);
        assert_eq!(plan.record.state, IntakeState::Pending);
    }

    #[test]
    fn planning_twice_gives_the_same_ids_and_response() {
        let a = plan(&sample(), Template::default_for, now());
        let b = plan(&sample(), Template::default_for, now() + chrono::Duration::minutes(3));
        assert_eq!(a.record.response, b.record.response);
        assert_eq!(a.record.fingerprint, b.record.fingerprint);
        let ids = |p: &IntakePlan| {
            p.projects
                .iter()
                .map(|(p, c)| (p.id.clone(), c.outbox[0].id.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
    }

    #[test]
    fn the_fingerprint_is_the_content_s_and_stays_the_same_across_releases() {
        let deal = sample();
        // Stored in every intake record: were it to change, every later
        // delivery of a deal received before would be taken for a conflict.
        assert_eq!(
            fingerprint(&deal),
            "43544279ad3ff6c7a283ded3f389dfe876aa68ae2897beaa0fa8fa7361b96eab"
        );
        let mut changed = deal.clone();
        changed.services[1].name = "Trunk SIP 20 canaux".into();
        assert_ne!(fingerprint(&deal), fingerprint(&changed));
    }

    #[test]
    fn a_deal_without_installations_plans_no_project() {
        let mut deal = sample();
        deal.services.retain(|s| !s.needs_installation());
        let plan = plan(&deal, Template::default_for, now());
        assert!(plan.projects.is_empty() && plan.record.response.projects.is_empty());
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;
    use crate::deal_changes::DealChange;
    use crate::fixtures::sample;

    fn now() -> DateTime<Utc> {
        "2026-11-21T10:00:00Z".parse().unwrap()
    }

    fn received() -> DealRecord {
        plan(&sample(), Template::default_for, now()).record
    }

    fn change(revision: u32) -> DealChange {
        let mut deal = sample();
        deal.services[1].installation = crate::Installation::None;
        let mut l4 = deal.services[0].clone();
        l4.line_id = "L4".into();
        deal.services.push(l4);
        DealChange { deal, revision }
    }

    fn claim(record: &DealRecord, c: &DealChange) -> DealRecord {
        match record.revision_step(c, &c.fingerprint(), now()) {
            Ok(RevisionStep::Claim(claimed)) => *claimed,
            other => panic!("a claim, not {other:?}"),
        }
    }

    #[test]
    fn a_new_revision_is_claimed_with_its_new_lines_and_completes_a_pending_intake() {
        let record = received();
        let claimed = claim(&record, &change(1));
        assert_eq!(claimed.version, 1);
        assert_eq!(claimed.state, IntakeState::Complete);
        assert_eq!(claimed.project_lines(), ["L1", "L2", "L4"]);
        let revision = claimed.revision.as_ref().unwrap();
        assert_eq!((revision.number, revision.state), (1, IntakeState::Pending));
    }

    #[test]
    fn each_delivery_of_a_revision_finishes_replays_or_is_refused() {
        let c = change(2);
        let claimed = claim(&received(), &c);
        let step = |r: &DealRecord, c: &DealChange, fp: &str| r.revision_step(c, fp, now());
        assert_eq!(step(&claimed, &c, &c.fingerprint()), Ok(RevisionStep::Finish));
        let result = DealChanged { deal_id: c.deal.deal_id.clone(), revision: 2, projects: vec![] };
        let done = claimed.with_result(result.clone());
        assert_eq!(done.version, 2);
        assert_eq!(step(&done, &c, &c.fingerprint()), Ok(RevisionStep::Replay(result)));
        assert_eq!(step(&done, &c, "other"), Err(RevisionError::Conflict { revision: 2 }));
        assert_eq!(step(&done, &change(1), "x"), Err(RevisionError::Stale { current: 2 }));
        assert!(matches!(step(&done, &change(3), "y"), Ok(RevisionStep::Claim(_))));
    }

    #[test]
    fn a_deal_is_cancelled_once_and_then_takes_no_revision() {
        let cancellation =
            DealCancellation { cancelled_at: now(), reason: "Lost".into(), received_at: now() };
        let cancelled = received().cancelled(cancellation.clone()).unwrap();
        assert_eq!((cancelled.version, cancelled.state), (1, IntakeState::Complete));
        assert_eq!(cancelled.cancelled(cancellation.clone()), None);
        let c = change(1);
        assert_eq!(
            cancelled.revision_step(&c, &c.fingerprint(), now()),
            Err(RevisionError::Cancelled)
        );
        // A revision answered before the cancellation is answered again.
        let result = DealChanged { deal_id: c.deal.deal_id.clone(), revision: 1, projects: vec![] };
        let answered = claim(&received(), &c).with_result(result.clone());
        let cancelled = answered.cancelled(cancellation).unwrap();
        let replay = cancelled.revision_step(&c, &c.fingerprint(), now());
        assert_eq!(replay, Ok(RevisionStep::Replay(result)));
        assert_eq!(cancelled.revision_step(&c, "other", now()), Err(RevisionError::Cancelled));
    }
}
