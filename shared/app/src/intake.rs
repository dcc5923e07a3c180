//! Use case: a won deal arrives from the CRM.
//!
//! Reads the deal's idempotency record first (one read): a replay of a deal
//! received in full is answered from it, and a different body under the
//! same id refused, with no other call. Otherwise reads the current
//! templates of the deal's service types, then writes, for a deal with N
//! projects to create, exactly N transactions: the first also claims the
//! record, the last marks it complete. The claim is what makes intake
//! exactly-once (the read only saves a replay the rest): a concurrent
//! delivery fails it (writing nothing) and answers from the record; a
//! delivery that finds the claim still pending (a concurrent or crashed
//! one) finishes the remaining projects, whose creation is guarded by
//! `Guard::Create` on ids derived from the deal.

use super::deals::DealPorts;
use crate::ports::{Commit, CommitError, DealWrite, Guard, ProjectWrite, StoreError};
use domain::deal::DealWon;
use domain::intake::{self, DealAccepted, DealRecord, IntakeState};
use domain::validation::FieldError;
use thiserror::Error;

pub struct Intake {
    ports: DealPorts,
}

#[derive(Debug, PartialEq)]
pub enum IntakeOutcome {
    /// This delivery created the projects: `201`.
    Created(DealAccepted),
    /// The deal was already received with this content: `200`, same body.
    Replayed(DealAccepted),
}

#[derive(Debug, Error)]
pub enum IntakeError {
    #[error("the deal is invalid")]
    Invalid(Vec<FieldError>),
    #[error("deal {deal_id} was already received with different content")]
    Conflict { deal_id: String },
    #[error("the deal could not be recorded")]
    Store(#[source] CommitError),
}

impl From<StoreError> for IntakeError {
    fn from(e: StoreError) -> Self {
        Self::Store(CommitError::Store(e))
    }
}

impl Intake {
    pub fn new(ports: DealPorts) -> Self {
        Self { ports }
    }

    pub async fn receive(&self, deal: DealWon) -> Result<IntakeOutcome, IntakeError> {
        let now = self.ports.clock.now();
        deal.validate(now).map_err(IntakeError::Invalid)?;
        if let Some(answered) = self.answered(&deal).await? {
            return Ok(IntakeOutcome::Replayed(answered));
        }
        let types = deal.installable_lines().map(|l| l.service_type.clone()).collect();
        let templates = self.ports.templates(types).await?;
        let plan = intake::plan(&deal, |service_type| templates.of(service_type), now);
        let mut claim = plan.record;
        if plan.projects.len() <= 1 {
            // The claim and the last project land together: complete at once.
            claim.state = IntakeState::Complete;
        }
        let create = |(project, change)| ProjectWrite { guard: Guard::Create, project, change };
        let mut writes = plan.projects.into_iter().map(create);
        let replayed = match self.claim(writes.next(), &claim).await? {
            Some(record) if record.state == IntakeState::Complete => {
                return Ok(IntakeOutcome::Replayed(record.response));
            }
            // Pending with our content: a concurrent or interrupted delivery.
            // The first project landed with the claim; finish the rest.
            replayed => replayed,
        };
        let complete =
            DealWrite::Complete { deal_id: deal.deal_id, fingerprint: claim.fingerprint };
        self.create_rest(writes.collect(), complete).await?;
        Ok(match replayed {
            None => IntakeOutcome::Created(claim.response),
            Some(record) => IntakeOutcome::Replayed(record.response),
        })
    }

    /// The answer of an earlier delivery of this deal that completed: read
    /// from the record before anything else, so that a replay costs one
    /// read. `None` when the deal is new, or claimed but not complete (that
    /// delivery may still be running, or stopped half-way: the claim sorts
    /// it out).
    async fn answered(&self, deal: &DealWon) -> Result<Option<DealAccepted>, IntakeError> {
        let Some(record) = self.ports.records.deal_record(&deal.deal_id).await? else {
            return Ok(None);
        };
        if record.fingerprint != intake::fingerprint(deal) {
            return Err(IntakeError::Conflict { deal_id: record.deal_id });
        }
        Ok((record.state == IntakeState::Complete).then_some(record.response))
    }

    /// Commits the claim with the first project; `Some` record when the
    /// deal was claimed before with the same content (a `409` otherwise).
    async fn claim(
        &self,
        first: Option<ProjectWrite>,
        claim: &DealRecord,
    ) -> Result<Option<DealRecord>, IntakeError> {
        let commit =
            Commit { project: first, deal: Some(DealWrite::Claim(Box::new(claim.clone()))) };
        match self.ports.commit(commit).await {
            Ok(()) => Ok(None),
            Err(CommitError::IntakeExists(stored)) => {
                self.existing(&claim.deal_id, &claim.fingerprint, stored).await.map(Some)
            }
            Err(e) => Err(IntakeError::Store(e)),
        }
    }

    /// Creates the projects after the first, the last one completing the
    /// record. Each checks that the record was never replaced: once a
    /// change or a cancellation of the deal has, it owns what is left.
    async fn create_rest(
        &self,
        writes: Vec<ProjectWrite>,
        complete: DealWrite,
    ) -> Result<(), IntakeError> {
        let last = writes.len().saturating_sub(1);
        for (i, write) in writes.into_iter().enumerate() {
            let deal = match i == last {
                true => complete.clone(),
                false => DealWrite::Check { deal_id: write.project.deal_id.clone(), version: 0 },
            };
            match self.ports.commit(Commit { project: Some(write), deal: Some(deal) }).await {
                // AlreadyExists: a concurrent delivery of the same content
                // created it (and, on the last step, completed the record with it).
                Ok(()) | Err(CommitError::AlreadyExists) => {}
                Err(CommitError::DealChanged | CommitError::IntakeExists(None)) => break,
                Err(e) => return Err(IntakeError::Store(e)),
            }
        }
        Ok(())
    }

    /// The stored record of a deal already claimed, if it has our content.
    async fn existing(
        &self,
        deal_id: &str,
        fingerprint: &str,
        returned: Option<Box<DealRecord>>,
    ) -> Result<DealRecord, IntakeError> {
        let record = match returned {
            Some(record) => *record,
            None => self
                .ports
                .records
                .deal_record(deal_id)
                .await?
                .ok_or_else(|| IntakeError::Conflict { deal_id: deal_id.into() })?,
        };
        if record.fingerprint != fingerprint {
            return Err(IntakeError::Conflict { deal_id: deal_id.into() });
        }
        Ok(record)
    }
}
