//! Changes of a won deal (contract v1.1, "deal changed"): the CRM sends the
//! deal as it now is, at a revision it increases with every change.
//!
//! Each line's project takes the revision on its own: created for a new
//! line, updated where a field that may change did, cancelled when its line
//! left the deal, left alone when live or cancelled. Every step is a pure
//! function of the revision and the project as loaded, and a project
//! records the last revision that changed it (with the outcome), so a
//! delivery that finishes another's work finds what was already done.

use super::deal::{DealWon, ServiceLine};
use super::events::{self, DomainEvent};
use super::ids::ProjectId;
use super::project::{CRM_ACTOR, Change, Project, ProjectStatus, Recorder};
use super::template::Template;
use super::validation::{Errors, FieldError};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// What a revision did to one line's project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineOutcome {
    Created,
    Updated,
    Unchanged,
    Cancelled,
    NotChangedLive,
}

/// The last revision that changed a project, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppliedRevision {
    pub revision: u32,
    pub outcome: LineOutcome,
}

/// A deal as it now is, at `revision` (≥ 1; the won deal is revision 0).
#[derive(Clone, Debug, PartialEq)]
pub struct DealChange {
    pub deal: DealWon,
    pub revision: u32,
}

/// One project in the answer to a change.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangedProject {
    pub id: ProjectId,
    pub line_id: String,
    pub status: ProjectStatus,
    pub outcome: LineOutcome,
}

/// The answer to a change, given again for every delivery of its revision.
#[derive(Clone, Debug, PartialEq)]
pub struct DealChanged {
    pub deal_id: String,
    pub revision: u32,
    pub projects: Vec<ChangedProject>,
}

/// What a revision does to the project of one line.
#[derive(Debug)]
pub enum Step {
    /// Nothing to write: the line's project as it stands (`None`: the line
    /// has no project and gets none).
    Settled(Option<ChangedProject>),
    /// A new project for a new line.
    Create(Box<Project>, Change),
    /// The project changed from the version it was loaded at.
    Update { project: Box<Project>, change: Change, loaded: u64 },
}

impl Step {
    /// The line's project in the answer, once this step is written.
    pub fn answer(&self) -> Option<ChangedProject> {
        match self {
            Self::Settled(answer) => answer.clone(),
            Self::Create(project, _) | Self::Update { project, .. } => Some(answered(project)),
        }
    }
}

fn answered(p: &Project) -> ChangedProject {
    let outcome = p.deal_change.map_or(LineOutcome::Unchanged, |c| c.outcome);
    ChangedProject { id: p.id.clone(), line_id: p.line_id.clone(), status: p.status, outcome }
}

fn settled(p: &Project, outcome: LineOutcome) -> Step {
    let answer = ChangedProject { outcome, ..answered(p) };
    Step::Settled(Some(answer))
}

impl DealChange {
    /// The deal's own rules, and a revision of at least 1.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
        let mut errors = self.deal.validate(now).err().unwrap_or_default();
        if self.revision == 0 {
            errors.push(FieldError {
                field: "revision".into(),
                message: "must be at least 1 (the won deal is revision 0)".into(),
            });
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Content fingerprint of this revision: the same body delivered again
    /// is the same revision; another body under its number is a conflict.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::to_vec(&(self.revision, &self.deal)).unwrap_or_default();
        hex::encode(Sha256::digest(&canonical))
    }

    /// The lines that have a project to install, in the deal's order.
    pub fn installable_lines(&self) -> Vec<String> {
        self.deal.installable_lines().map(|l| l.line_id.clone()).collect()
    }

    /// What cannot change once a project exists: the account and the win,
    /// and of a running project's line its service type, subscription and
    /// kind of installation (remove the line and add another instead).
    pub fn check_against(&self, projects: &[Project]) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(p) = projects.first() {
            if p.account.id != self.deal.account.id {
                e.add(
                    "account.id",
                    format!("must stay {}: the deal's projects are its", p.account.id),
                );
            }
            if p.won_at != self.deal.won_at {
                e.add("won_at", format!("must stay {} as the deal was won", p.won_at.to_rfc3339()));
            }
        }
        for (i, line) in self.deal.services.iter().enumerate() {
            let Some(p) = projects.iter().find(|p| p.line_id == line.line_id) else { continue };
            let Some(current) = p.services.first().filter(|_| !p.status.is_final()) else {
                continue;
            };
            let at = |field: &str| format!("services[{i}].{field}");
            let fixed = "cannot change while its project runs: remove the line and add a new one";
            if line.service_type != current.service_type {
                e.add(at("service_type"), fixed);
            }
            if line.subscription_id != current.subscription_id {
                e.add(at("subscription_id"), fixed);
            }
            if line.needs_installation() && line.installation != current.installation {
                e.add(at("installation"), fixed);
            }
        }
        e.into_result()
    }

    /// What this revision does to the project of `line_id`, `existing` as loaded.
    pub fn step(
        &self,
        line_id: &str,
        existing: Option<Project>,
        template_for: impl Fn(&str) -> Template,
        now: DateTime<Utc>,
    ) -> Step {
        let line = self.deal.installable_lines().find(|l| l.line_id == line_id);
        let Some(mut project) = existing else {
            let Some(line) = line else { return Step::Settled(None) };
            let (mut project, change) =
                Project::open(&self.deal, line, &template_for(&line.service_type), now);
            project.deal_change = Some(self.applied(LineOutcome::Created));
            return Step::Create(Box::new(project), change);
        };
        if let Some(done) = project.deal_change.filter(|c| c.revision >= self.revision) {
            // Taken already (by this revision, or superseded by a later one).
            let outcome =
                if done.revision == self.revision { done.outcome } else { LineOutcome::Unchanged };
            return settled(&project, outcome);
        }
        match project.status {
            ProjectStatus::Live => return settled(&project, LineOutcome::NotChangedLive),
            ProjectStatus::Cancelled => return settled(&project, LineOutcome::Unchanged),
            _ => {}
        }
        let loaded = project.version;
        let (change, outcome) = match line {
            Some(line) => {
                (project.take_revision(&self.deal, line, self.revision, now), LineOutcome::Updated)
            }
            None => (self.cancel_removed(&mut project, now), LineOutcome::Cancelled),
        };
        let Some(mut change) = change else { return settled(&project, LineOutcome::Unchanged) };
        project.deal_change = Some(self.applied(outcome));
        project.reassess(&mut change, now);
        Step::Update { project: Box::new(project), change, loaded }
    }

    fn applied(&self, outcome: LineOutcome) -> AppliedRevision {
        AppliedRevision { revision: self.revision, outcome }
    }

    /// Cancels a project whose line left the deal (or needs no installation now).
    fn cancel_removed(&self, project: &mut Project, now: DateTime<Utc>) -> Option<Change> {
        let reason = format!(
            "line {} no longer needs an installation in revision {} of the deal",
            project.line_id, self.revision
        );
        project.cancel(&reason, CRM_ACTOR, now).ok().flatten()
    }
}

/// The fields a revision may change, as (name, before, after) when they differ.
fn changed_fields(
    p: &Project,
    deal: &DealWon,
    line: &ServiceLine,
) -> Vec<(&'static str, Value, Value)> {
    let current = p.services.first();
    let pairs = [
        ("technical_contact", json!(p.technical_contact), json!(deal.technical_contact)),
        ("owner", json!(p.owner), json!(deal.owner)),
        ("target_go_live", json!(p.target_go_live), json!(deal.target_go_live)),
        ("service_name", json!(current.map(|s| &s.name)), json!(line.name)),
        ("site", json!(current.and_then(|s| s.site.as_ref())), json!(line.site)),
        ("account_name", json!(p.account.name), json!(deal.account.name)),
        ("language", json!(p.account.language), json!(deal.account.language)),
    ];
    pairs.into_iter().filter(|(_, before, after)| before != after).collect()
}

impl Project {
    /// The revision of the deal this project reflects (0: as won).
    pub fn deal_revision(&self) -> u32 {
        self.deal_change.map_or(0, |c| c.revision)
    }

    /// Applies the fields of `deal` and `line` that may change after the
    /// win; `None` when none differs.
    fn take_revision(
        &mut self,
        deal: &DealWon,
        line: &ServiceLine,
        revision: u32,
        now: DateTime<Utc>,
    ) -> Option<Change> {
        let fields = changed_fields(self, deal, line);
        if fields.is_empty() {
            return None;
        }
        if !self.technical_contact.email.eq_ignore_ascii_case(&deal.technical_contact.email) {
            // A new address: nothing is known against it yet.
            self.contact_undeliverable = None;
        }
        self.technical_contact = deal.technical_contact.clone();
        self.owner = deal.owner.clone();
        self.target_go_live = deal.target_go_live;
        self.account.name = deal.account.name.clone();
        self.account.language = deal.account.language;
        if let Some(current) = self.services.first_mut() {
            current.name = line.name.clone();
            current.site = line.site.clone();
        }
        let version = self.bump(now);
        let mut rec = Recorder::new(&self.id, version, now, CRM_ACTOR);
        let (mut before, mut after) = (Map::new(), Map::new());
        for (name, old, new) in &fields {
            before.insert((*name).into(), old.clone());
            after.insert((*name).into(), new.clone());
        }
        after.insert("revision".into(), json!(revision));
        rec.history("project.updated", self.id.as_str(), Some(before.into()), Some(after.into()));
        let changed = fields.iter().map(|(name, _, _)| (*name).to_owned()).collect();
        rec.event(DomainEvent::ProjectUpdated(self.updated_event(revision, changed, now)));
        Some(rec.finish())
    }

    fn updated_event(
        &self,
        revision: u32,
        changed: Vec<String>,
        now: DateTime<Utc>,
    ) -> events::ProjectUpdated {
        let line = self.services.first();
        events::ProjectUpdated {
            account_id: self.account.id.clone(),
            deal_id: self.deal_id.clone(),
            line_id: self.line_id.clone(),
            revision,
            changed,
            account_name: self.account.name.clone(),
            language: self.account.language,
            technical_contact: self.technical_contact.clone(),
            owner: self.owner.clone(),
            target_go_live: self.target_go_live,
            service_name: line.map(|l| l.name.clone()).unwrap_or_default(),
            site: line.and_then(|l| l.site.clone()),
            updated_at: now,
        }
    }
}

/// The CRM cancelled a won deal (contract v1.1, "deal cancelled").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DealCancel {
    pub deal_id: String,
    pub cancelled_at: DateTime<Utc>,
    pub reason: String,
}

impl DealCancel {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.identifier("deal_id", &self.deal_id);
        if self.cancelled_at > now + super::deal::WON_AT_FUTURE_TOLERANCE {
            e.add("cancelled_at", "must not be in the future");
        }
        e.text("reason", &self.reason, super::validation::MAX_TEXT);
        e.into_result()
    }
}

/// A project of a deal and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct DealProject {
    pub id: ProjectId,
    pub line_id: String,
    pub status: ProjectStatus,
}

/// The answer to a cancellation: the deal's cancellation as first
/// received, and each of its projects.
#[derive(Clone, Debug, PartialEq)]
pub struct DealCancelled {
    pub deal_id: String,
    pub cancelled_at: DateTime<Utc>,
    pub reason: String,
    pub projects: Vec<DealProject>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deal::{Installation, ServiceLine};
    use crate::fixtures::now;
    use crate::fixtures::sample;
    use crate::outbox::OutboxMessage;

    fn revision(n: u32, edit: impl FnOnce(&mut DealWon)) -> DealChange {
        let mut deal = sample();
        edit(&mut deal);
        DealChange { deal, revision: n }
    }

    fn opened(line: &str) -> Project {
        let deal = sample();
        let line = deal.services.iter().find(|l| l.line_id == line).unwrap();
        Project::open(&deal, line, &Template::default_for(&line.service_type), now()).0
    }

    fn stepped(change: &DealChange, line: &str, existing: Option<Project>) -> Step {
        change.step(line, existing, Template::default_for, now())
    }

    fn new_contact(deal: &mut DealWon) {
        deal.technical_contact.email = "it@boulangerie-martin.fr".into();
    }

    #[test]
    fn a_revision_updates_what_changed_and_says_which_fields() {
        let change = revision(1, new_contact);
        let Step::Update { project, change: c, loaded } =
            stepped(&change, "L1", Some(opened("L1")))
        else {
            panic!("an update")
        };
        assert_eq!((loaded, project.version), (1, 2));
        assert_eq!(project.technical_contact.email, "it@boulangerie-martin.fr");
        let applied = AppliedRevision { revision: 1, outcome: LineOutcome::Updated };
        assert_eq!(project.deal_change, Some(applied));
        assert_eq!(c.history[0].action, "project.updated");
        let OutboxMessage::Event { detail_type, detail } = &c.outbox[0].message else { panic!() };
        assert_eq!(detail_type, "DeploymentProjectUpdated");
        assert_eq!(detail["changed"], json!(["technical_contact"]));
        assert_eq!(detail["revision"], 1);
        // The next customer mail goes to the new contact.
        let mut project = *project;
        let done = crate::milestone_changes::CompleteMilestone::default();
        let c = project.complete_milestone("order_confirmed", done, "pm", now()).unwrap().unwrap();
        let OutboxMessage::Mail { to, .. } = &c.outbox[1].message else { panic!("a mail") };
        assert_eq!(to, "it@boulangerie-martin.fr");
    }

    #[test]
    fn a_revision_that_changes_nothing_of_a_project_leaves_it_alone() {
        let change = revision(1, |deal| deal.services[1].name = "Trunk SIP 20 canaux".into());
        let Step::Settled(Some(answer)) = stepped(&change, "L1", Some(opened("L1"))) else {
            panic!("settled")
        };
        assert_eq!(answer.outcome, LineOutcome::Unchanged);
        assert!(matches!(stepped(&change, "L2", Some(opened("L2"))), Step::Update { .. }));
    }

    #[test]
    fn a_line_that_leaves_the_deal_cancels_its_project() {
        let change = revision(1, |deal| deal.services.retain(|l| l.line_id != "L2"));
        let Step::Update { project, change: c, .. } = stepped(&change, "L2", Some(opened("L2")))
        else {
            panic!("an update")
        };
        assert_eq!(project.status, ProjectStatus::Cancelled);
        assert_eq!(project.cancellation.as_ref().unwrap().by, CRM_ACTOR);
        let OutboxMessage::Event { detail, .. } = &c.outbox[0].message else { panic!() };
        assert_eq!(detail["subscription_id"], "SUB-9002");
        let none = revision(1, |deal| deal.services[1].installation = Installation::None);
        assert!(matches!(stepped(&none, "L2", Some(opened("L2"))), Step::Update { .. }));
    }

    #[test]
    fn a_new_line_gets_its_project_from_the_revision() {
        let change = revision(2, |deal| {
            let mut l4 = deal.services[0].clone();
            l4.line_id = "L4".into();
            l4.subscription_id = "SUB-9004".into();
            deal.services.push(l4);
        });
        let Step::Create(project, c) = stepped(&change, "L4", None) else { panic!("a creation") };
        assert_eq!(project.id, ProjectId::for_deal_line("D-2026-0042", "L4"));
        assert_eq!(project.deal_revision(), 2);
        assert_eq!(c.outbox[0].detail_type(), Some("DeploymentProjectCreated"));
        assert_eq!(change.step("L3", None, Template::default_for, now()).answer(), None);
    }

    #[test]
    fn live_and_cancelled_projects_keep_what_they_are() {
        let change = revision(1, new_contact);
        let mut live = opened("L1");
        live.status = ProjectStatus::Live;
        let outcome = |step: Step| step.answer().map(|a| a.outcome);
        assert_eq!(outcome(stepped(&change, "L1", Some(live))), Some(LineOutcome::NotChangedLive));
        let mut cancelled = opened("L1");
        cancelled.cancel("withdrawn", "pm", now()).unwrap();
        assert_eq!(outcome(stepped(&change, "L1", Some(cancelled))), Some(LineOutcome::Unchanged));
    }

    #[test]
    fn a_project_that_took_the_revision_answers_as_it_did_and_writes_nothing() {
        let change = revision(1, new_contact);
        let Step::Update { project, .. } = stepped(&change, "L1", Some(opened("L1"))) else {
            panic!()
        };
        let again = stepped(&change, "L1", Some(*project.clone()));
        assert!(matches!(&again, Step::Settled(Some(a)) if a.outcome == LineOutcome::Updated));
        let older = revision(1, |deal| deal.owner = "someone@bluerocktel.fr".into());
        let superseded = DealChange { revision: 1, ..older };
        let mut newer = *project;
        newer.deal_change = Some(AppliedRevision { revision: 2, outcome: LineOutcome::Updated });
        let step = stepped(&superseded, "L1", Some(newer));
        assert!(matches!(step, Step::Settled(Some(a)) if a.outcome == LineOutcome::Unchanged));
    }

    #[test]
    fn what_cannot_change_once_a_project_runs_is_refused_by_field() {
        let change = revision(1, |deal| {
            deal.services[0].service_type = "fibre_ftth".into();
            deal.services[1].subscription_id = "SUB-1".into();
            deal.services[1].installation = Installation::Physical;
            deal.account.id = "ACC-2".into();
        });
        let errors = change.check_against(&[opened("L1"), opened("L2")]).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "account.id",
                "services[0].service_type",
                "services[1].subscription_id",
                "services[1].installation"
            ]
        );
        let removed: ServiceLine = sample().services[1].clone();
        let ok = revision(1, |deal| deal.services[1] = ServiceLine { name: "x".into(), ..removed });
        assert_eq!(ok.check_against(&[opened("L1"), opened("L2")]), Ok(()));
    }

    #[test]
    fn a_revision_needs_a_number_and_its_fingerprint_depends_on_it() {
        let zero = revision(0, |_| {});
        let errors = zero.validate(now()).unwrap_err();
        assert_eq!(errors[0].field, "revision");
        assert_ne!(revision(1, |_| {}).fingerprint(), revision(2, |_| {}).fingerprint());
        assert_eq!(revision(1, |_| {}).fingerprint(), revision(1, |_| {}).fingerprint());
    }
}
