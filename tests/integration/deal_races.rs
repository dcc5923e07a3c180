//! Deliveries of the CRM that overlap, forced into their worst order on
//! DynamoDB Local and on the embedded store: a store wrapper runs another
//! delivery at the exact moment one is between two steps.

use app::clock::ManualClock;
use app::ports::Store;
use app::ports::{
    Clock, Commit, CommitError, DealRecords, DealWrite, GoLives, Guard, ProjectWrite, Projects,
    StoreError, TemplateStore,
};
use app::{DealChanges, DealPorts, Intake, IntakeOutcome};
use domain::deal_changes::{DealCancel, DealChange, LineOutcome, Step};
use domain::go_live_facts::GoLiveFacts;
use domain::history::HistoryEntry;
use domain::intake::{DealRecord, RevisionStep};
use domain::project::{Project, ProjectStatus};
use domain::{DealWon, ProjectId, Template};
use integration_tests::fixtures::t0;
use integration_tests::sample_deal_won;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

type Hook = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// When the hook runs, once.
#[derive(Clone, PartialEq)]
enum Moment {
    /// Right after a load of this project.
    Loaded(ProjectId),
    /// Right before a commit that completes an intake.
    Completing,
}

/// A store that runs `hook` at `moment`, then behaves as `inner`.
struct Hooked {
    inner: Arc<dyn Store>,
    moment: Moment,
    hook: Mutex<Option<Hook>>,
}

impl Hooked {
    fn new(inner: Arc<dyn Store>, moment: Moment, hook: Hook) -> Arc<Self> {
        Arc::new(Self { inner, moment, hook: Mutex::new(Some(hook)) })
    }

    /// The store as it is, with no hook.
    fn plain(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self { inner, moment: Moment::Completing, hook: Mutex::new(None) })
    }

    async fn run_at(&self, moment: Moment) {
        if moment != self.moment {
            return;
        }
        let hook = self.hook.lock().expect("not poisoned").take();
        if let Some(hook) = hook {
            hook().await;
        }
    }
}

#[async_trait::async_trait]
impl Projects for Hooked {
    async fn load(&self, id: &ProjectId) -> Result<Option<Project>, StoreError> {
        let loaded = self.inner.load(id).await;
        self.run_at(Moment::Loaded(id.clone())).await;
        loaded
    }

    async fn commit(&self, commit: Commit) -> Result<(), CommitError> {
        if matches!(commit.deal, Some(DealWrite::Complete { .. })) {
            self.run_at(Moment::Completing).await;
        }
        self.inner.commit(commit).await
    }

    async fn history(&self, id: &ProjectId) -> Result<Vec<HistoryEntry>, StoreError> {
        self.inner.history(id).await
    }
}

#[async_trait::async_trait]
impl DealRecords for Hooked {
    async fn deal_record(&self, deal_id: &str) -> Result<Option<DealRecord>, StoreError> {
        self.inner.deal_record(deal_id).await
    }
}

#[async_trait::async_trait]
impl TemplateStore for Hooked {
    async fn current_templates(&self, types: &[String]) -> Result<Vec<Template>, StoreError> {
        self.inner.current_templates(types).await
    }

    async fn save_template(&self, template: &Template) -> Result<(), CommitError> {
        self.inner.save_template(template).await
    }
}

#[async_trait::async_trait]
impl GoLives for Hooked {
    async fn recent_go_lives(
        &self,
        service_type: &str,
        limit: usize,
    ) -> Result<Vec<GoLiveFacts>, StoreError> {
        self.inner.recent_go_lives(service_type, limit).await
    }

    async fn go_lives_in_month(
        &self,
        month: &str,
        service_type: Option<&str>,
    ) -> Result<Vec<GoLiveFacts>, StoreError> {
        self.inner.go_lives_in_month(month, service_type).await
    }
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(ManualClock::new(t0() + chrono::Duration::days(1)))
}

/// The ports the CRM's use cases take.
trait CrmPorts: Projects + DealRecords + TemplateStore + GoLives + 'static {}

impl<T: Projects + DealRecords + TemplateStore + GoLives + 'static> CrmPorts for T {}

fn ports<S: CrmPorts>(store: Arc<S>) -> DealPorts {
    DealPorts::new(store.clone(), store.clone(), store.clone(), store, clock())
}

fn changes<S: CrmPorts>(store: Arc<S>) -> DealChanges {
    DealChanges::new(ports(store))
}

fn intake<S: CrmPorts>(store: Arc<S>) -> Intake {
    Intake::new(ports(store))
}

fn deal(id: &str) -> DealWon {
    let mut deal = sample_deal_won();
    deal.deal_id = id.into();
    deal
}

/// Revision 1 of deal `id`: the sample with a line L4 added.
fn with_l4(id: &str) -> DealChange {
    let mut deal = deal(id);
    let mut l4 = deal.services[0].clone();
    l4.line_id = "L4".into();
    l4.subscription_id = "SUB-9004".into();
    deal.services.push(l4);
    DealChange { deal, revision: 1 }
}

mod cases {
    use super::*;

    /// Revision 1 adds L4 and is claimed; revision 2 (without L4) loads the
    /// projects, and only then does revision 1's delivery create L4. The
    /// claim of revision 2 stops revision 1; what it wrote before, revision
    /// 2 sees, and L4 ends cancelled.
    pub async fn a_revision_sees_what_an_earlier_one_wrote_before_its_claim(store: Arc<dyn Store>) {
        let id = "D-RACE-0001";
        intake(Hooked::plain(store.clone())).receive(deal(id)).await.expect("received");
        let first = with_l4(id);
        let record = store.deal_record(id).await.unwrap().expect("a record");
        let now = clock().now();
        let Ok(RevisionStep::Claim(claimed)) =
            record.revision_step(&first, &first.fingerprint(), now)
        else {
            panic!("revision 1 is new")
        };
        let claim = DealWrite::Replace { record: claimed, expected: record.version };
        store.commit(Commit { project: None, deal: Some(claim) }).await.expect("claimed");

        let l4 = ProjectId::for_deal_line(id, "L4");
        let writer = store.clone();
        let create_l4: Hook = Box::new(move || {
            Box::pin(async move {
                let Step::Create(project, change) =
                    first.step("L4", None, Template::default_for, now)
                else {
                    panic!("L4 is new")
                };
                let write = ProjectWrite { guard: Guard::Create, project: *project, change };
                let check = DealWrite::Check { deal_id: id.into(), version: 1 };
                let commit = Commit { project: Some(write), deal: Some(check) };
                writer.commit(commit).await.expect("revision 1 still holds the deal");
            })
        });
        let hooked = Hooked::new(store.clone(), Moment::Loaded(l4.clone()), create_l4);
        let second = DealChange { deal: deal(id), revision: 2 };
        let answer = changes(hooked).change(second).await.expect("revision 2 applies");

        let project = store.load(&l4).await.unwrap().expect("L4 was created");
        assert_eq!(project.status, ProjectStatus::Cancelled);
        let l4_answer = answer.projects.iter().find(|p| p.line_id == "L4").expect("L4 answered");
        assert_eq!(l4_answer.outcome, LineOutcome::Cancelled);
    }

    /// An intake creating its second project when the deal is cancelled:
    /// it stops, and the deal has no project the cancellation left running.
    pub async fn an_intake_under_way_stops_once_the_deal_is_cancelled(store: Arc<dyn Store>) {
        let id = "D-RACE-0002";
        let canceller = store.clone();
        let cancel: Hook = Box::new(move || {
            Box::pin(async move {
                let body = DealCancel {
                    deal_id: id.into(),
                    cancelled_at: t0(),
                    reason: "Lost to a competitor".into(),
                };
                changes(Hooked::plain(canceller)).cancel(body).await.expect("cancelled");
            })
        });
        let hooked = Hooked::new(store.clone(), Moment::Completing, cancel);
        let outcome = intake(hooked).receive(deal(id)).await.expect("received");
        assert!(matches!(outcome, IntakeOutcome::Created(_)), "this delivery claimed the deal");
        let l1 = store.load(&ProjectId::for_deal_line(id, "L1")).await.unwrap();
        assert_eq!(l1.map(|p| p.status), Some(ProjectStatus::Cancelled));
        let l2 = store.load(&ProjectId::for_deal_line(id, "L2")).await.unwrap();
        assert!(l2.is_none(), "no project created after the cancellation");
    }
}

integration_tests::suite_per_store!(|store| store;
    a_revision_sees_what_an_earlier_one_wrote_before_its_claim,
    an_intake_under_way_stops_once_the_deal_is_cancelled,
);
