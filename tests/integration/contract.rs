//! The store contract: the same cases run against every store adapter (all
//! the storage ports), DynamoDB (on DynamoDB Local) and the embedded SQLite store.

use app::ports::Store;
use app::ports::{
    Claim, Commit, CommitError, DealWrite, Guard, PageRequest, ProjectFilter, ProjectWrite,
    StoreError, TaskFilter,
};
use domain::MilestoneKey;
use domain::deal_changes::{ChangedProject, DealChange, DealChanged, LineOutcome};
use domain::forecast::Health;
use domain::go_live_facts::GoLiveFacts;
use domain::hold_and_cancel::{Category, HoldRequest};
use domain::intake::{self, DealCancellation, DealRecord, IntakeState, RevisionStep};
use domain::milestone_changes::CompleteMilestone;
use domain::outbox::{Delivery, OutboxEntry};
use domain::project::ProjectStatus;
use domain::project::{Change, Project};
use domain::task::TaskStatus;
use domain::task_changes::{NewTask, TaskPatch};
use domain::template::Template;
use domain::{DealWon, OutboxId};
use integration_tests::fixtures::t0;
use std::sync::Arc;

fn deal() -> DealWon {
    integration_tests::sample_deal_won()
}

/// The two projects of the sample deal and its intake record.
fn planned() -> (DealRecord, Vec<(Project, Change)>) {
    let plan = intake::plan(&deal(), Template::default_for, t0());
    (plan.record, plan.projects)
}

fn create((project, change): (Project, Change)) -> Commit {
    Commit { project: Some(ProjectWrite { guard: Guard::Create, project, change }), deal: None }
}

/// Completes the next milestone of a copy of `project`; the commit that stores it.
fn complete_next(project: &Project, note: &str) -> Commit {
    let mut p = project.clone();
    let key = p.next_milestone().unwrap().key.to_string();
    let input = CompleteMilestone { note: Some(note.into()), installation_date: None };
    let change = p.complete_milestone(&key, input, "pm@bluerocktel.fr", t0()).unwrap().unwrap();
    Commit {
        project: Some(ProjectWrite { guard: Guard::Version(project.version), project: p, change }),
        deal: None,
    }
}

/// The commit of `project` changed from `version`.
fn update(project: &Project, version: u64, change: Change) -> Commit {
    let write = ProjectWrite { guard: Guard::Version(version), project: project.clone(), change };
    Commit { project: Some(write), deal: None }
}

/// An undelivered outbox entry (the store's only way to read entries back
/// is as a dispatcher: pending, or by claiming them).
async fn pending_entry(store: &dyn Store, id: &OutboxId) -> Option<OutboxEntry> {
    store.pending_outbox(1000).await.unwrap().into_iter().find(|e| &e.id == id)
}

async fn all_pending(store: &dyn Store) -> Vec<OutboxEntry> {
    store.pending_outbox(1000).await.unwrap()
}

/// A project of another deal and account, created `minutes` after the sample's.
fn other_project(minutes: i64) -> (Project, Change) {
    owned_project("D-2026-0099", &deal().owner, minutes)
}

/// A project of deal `deal_id` (account ACC-2002) owned by `owner`,
/// created `minutes` after the sample's.
fn owned_project(deal_id: &str, owner: &str, minutes: i64) -> (Project, Change) {
    let mut deal = deal();
    deal.deal_id = deal_id.into();
    deal.account.id = "ACC-2002".into();
    deal.owner = owner.into();
    let line = deal.services[0].clone();
    Project::open(
        &deal,
        &line,
        &Template::default_for(&line.service_type),
        t0() + chrono::Duration::minutes(minutes),
    )
}

/// Adds tasks (assignee, due in days) to a copy of a new project, in its creating change.
fn with_tasks(
    (mut project, mut change): (Project, Change),
    tasks: &[(&str, i64)],
) -> (Project, Change) {
    for (assignee, days) in tasks {
        let new = NewTask {
            title: format!("for {assignee}"),
            assignee: (*assignee).into(),
            due_date: (t0() + chrono::Duration::days(*days)).date_naive(),
            description: None,
        };
        let (_, added) =
            project.add_task("order_confirmed", new, "pm@bluerocktel.fr", t0()).unwrap();
        change.tasks.extend(added.tasks);
    }
    project.version = 1;
    (project, change)
}

mod cases {
    use super::*;

    pub async fn an_unknown_project_loads_as_none(store: Arc<dyn Store>) {
        let (_, projects) = planned();
        assert_eq!(store.load(&projects[0].0.id).await.unwrap(), None);
    }

    pub async fn a_created_project_loads_whole(store: Arc<dyn Store>) {
        let (_, mut projects) = planned();
        let first = projects.remove(0);
        let expected = first.0.clone();
        store.commit(create(first)).await.unwrap();
        let loaded = store.load(&expected.id).await.unwrap().expect("the project exists");
        assert_eq!(loaded, expected);
        assert_eq!(loaded.milestones.len(), 6);
    }

    pub async fn the_create_guard_rejects_an_existing_project_and_writes_nothing(
        store: Arc<dyn Store>,
    ) {
        let (_, mut projects) = planned();
        let (project, change) = projects.remove(0);
        store.commit(create((project.clone(), change.clone()))).await.unwrap();
        let mut again = change.clone();
        again.outbox[0].id = OutboxId::from_raw("another-entry");
        let err = store.commit(create((project, again))).await.unwrap_err();
        assert!(matches!(err, CommitError::AlreadyExists), "{err:?}");
        let absent = pending_entry(store.as_ref(), &OutboxId::from_raw("another-entry")).await;
        assert_eq!(absent, None, "nothing of a rejected commit lands");
    }

    pub async fn the_version_guard_takes_the_current_version_and_rejects_a_stale_one(
        store: Arc<dyn Store>,
    ) {
        let (_, mut projects) = planned();
        let (project, change) = projects.remove(0);
        store.commit(create((project.clone(), change))).await.unwrap();
        let winner = complete_next(&project, "first");
        let loser = complete_next(&project, "second");
        store.commit(winner).await.unwrap();
        let err = store.commit(loser.clone()).await.unwrap_err();
        assert!(matches!(err, CommitError::VersionConflict), "{err:?}");
        let stored = store.load(&project.id).await.unwrap().unwrap();
        assert_eq!(stored.version, 2);
        assert_eq!(stored.milestones[0].note.as_deref(), Some("first"));
        assert_eq!(
            store.history(&project.id).await.unwrap().len(),
            2,
            "the stale commit added no history"
        );
    }

    pub async fn a_commit_lands_state_history_and_outbox_together(store: Arc<dyn Store>) {
        let (_, mut projects) = planned();
        let (project, change) = projects.remove(0);
        let created_entry = change.outbox[0].clone();
        store.commit(create((project.clone(), change))).await.unwrap();
        let update = complete_next(&project, "done");
        let entries = update.outbox().to_vec();
        store.commit(update).await.unwrap();

        let history = store.history(&project.id).await.unwrap();
        let actions: Vec<_> = history.iter().map(|h| (h.version, h.action.as_str())).collect();
        assert_eq!(actions, [(1, "project.created"), (2, "milestone.completed")]);
        assert_eq!(
            pending_entry(store.as_ref(), &created_entry.id).await,
            Some(created_entry.clone())
        );
        for entry in &entries {
            assert_eq!(pending_entry(store.as_ref(), &entry.id).await.as_ref(), Some(entry));
        }
        let pending: Vec<_> = all_pending(store.as_ref()).await.into_iter().map(|e| e.id).collect();
        let mut expected = vec![created_entry.id];
        expected.extend(entries.into_iter().map(|e| e.id));
        assert_eq!(pending.len(), expected.len());
        assert!(expected.iter().all(|id| pending.contains(id)));
    }

    pub async fn an_intake_claim_is_exclusive_and_returns_the_stored_record(store: Arc<dyn Store>) {
        let (record, _) = planned();
        let claim =
            |r: DealRecord| Commit { project: None, deal: Some(DealWrite::Claim(Box::new(r))) };
        store.commit(claim(record.clone())).await.unwrap();
        let other = DealRecord { fingerprint: "another".into(), ..record.clone() };
        match store.commit(claim(other)).await.unwrap_err() {
            CommitError::IntakeExists(Some(existing)) => assert_eq!(*existing, record),
            e => panic!("expected the existing record, got {e:?}"),
        }
        assert_eq!(store.deal_record(&record.deal_id).await.unwrap(), Some(record));
    }

    pub async fn a_failed_claim_writes_none_of_its_project(store: Arc<dyn Store>) {
        let (record, mut projects) = planned();
        let second = projects.remove(1);
        let first = projects.remove(0);
        let mut commit = create(first);
        commit.deal = Some(DealWrite::Claim(Box::new(record.clone())));
        store.commit(commit).await.unwrap();
        let second_id = second.0.id.clone();
        let second_entry = second.1.outbox[0].id.clone();
        let mut commit = create(second);
        commit.deal = Some(DealWrite::Claim(Box::new(record)));
        let err = store.commit(commit).await.unwrap_err();
        assert!(matches!(err, CommitError::IntakeExists(Some(_))), "{err:?}");
        assert_eq!(store.load(&second_id).await.unwrap(), None);
        assert_eq!(pending_entry(store.as_ref(), &second_entry).await, None);
    }

    pub async fn completing_an_intake_needs_its_fingerprint(store: Arc<dyn Store>) {
        let (record, _) = planned();
        let deal_id = record.deal_id.clone();
        store
            .commit(Commit {
                project: None,
                deal: Some(DealWrite::Claim(Box::new(record.clone()))),
            })
            .await
            .unwrap();
        let complete = |fingerprint: &str| Commit {
            project: None,
            deal: Some(DealWrite::Complete {
                deal_id: deal_id.clone(),
                fingerprint: fingerprint.into(),
            }),
        };
        let err = store.commit(complete("wrong")).await.unwrap_err();
        assert!(matches!(err, CommitError::IntakeExists(None)), "{err:?}");
        assert_eq!(store.deal_record(&deal_id).await.unwrap().unwrap().state, IntakeState::Pending);
        store.commit(complete(&record.fingerprint)).await.unwrap();
        assert_eq!(
            store.deal_record(&deal_id).await.unwrap().unwrap().state,
            IntakeState::Complete
        );
    }

    pub async fn of_concurrent_commits_on_one_version_exactly_one_lands(store: Arc<dyn Store>) {
        let (_, mut projects) = planned();
        let (project, change) = projects.remove(0);
        store.commit(create((project.clone(), change))).await.unwrap();
        let attempts = (0..10).map(|i| {
            let store = Arc::clone(&store);
            let commit = complete_next(&project, &format!("writer {i}"));
            tokio::spawn(async move { store.commit(commit).await })
        });
        let mut landed = 0;
        for attempt in attempts.collect::<Vec<_>>() {
            match attempt.await.unwrap() {
                Ok(()) => landed += 1,
                Err(CommitError::VersionConflict | CommitError::Contention) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(landed, 1);
        assert_eq!(store.load(&project.id).await.unwrap().unwrap().version, 2);
        assert_eq!(store.history(&project.id).await.unwrap().len(), 2);
    }

    pub async fn pending_outbox_lists_oldest_first_within_the_limit(store: Arc<dyn Store>) {
        let (_, projects) = planned();
        let mut ids = Vec::new();
        for (i, (project, mut change)) in projects.into_iter().enumerate() {
            change.outbox[0].created_at = t0() + chrono::Duration::seconds(10 - i as i64);
            ids.push(change.outbox[0].id.clone());
            store.commit(create((project, change))).await.unwrap();
        }
        let pending: Vec<_> =
            store.pending_outbox(1).await.unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(pending, [ids[1].clone()], "the younger-stamped second entry sorts first");
        assert_eq!(store.pending_outbox(10).await.unwrap().len(), 2);
    }

    pub async fn an_outbox_claim_is_exclusive_until_its_lease_ends(store: Arc<dyn Store>) {
        let (_, mut projects) = planned();
        let (project, change) = projects.remove(0);
        let entry = change.outbox[0].clone();
        store.commit(create((project, change))).await.unwrap();
        let lease = chrono::Duration::seconds(60);
        let Claim::Claimed(first) = store.claim_outbox(&entry.id, t0(), lease).await.unwrap()
        else {
            panic!("claimable")
        };
        assert_eq!((first.entry.clone(), first.attempts), (entry.clone(), 1));
        assert_eq!(
            store
                .claim_outbox(&entry.id, t0() + chrono::Duration::seconds(30), lease)
                .await
                .unwrap(),
            Claim::Busy
        );
        let later = t0() + chrono::Duration::seconds(61);
        let Claim::Claimed(second) = store.claim_outbox(&entry.id, later, lease).await.unwrap()
        else {
            panic!("an ended lease is taken over")
        };
        assert_eq!(second.attempts, 2);
        assert!(
            !store.mark_sent(&entry.id, first.lease, later).await.unwrap(),
            "the first holder lost its lease"
        );
        assert!(!store.release_outbox(&entry.id, first.lease, "late").await.unwrap());
        assert!(store.mark_sent(&entry.id, second.lease, later).await.unwrap());
        assert_eq!(
            store.claim_outbox(&entry.id, later + chrono::Duration::hours(1), lease).await.unwrap(),
            Claim::Done
        );
        assert!(
            all_pending(store.as_ref()).await.is_empty(),
            "a sent entry leaves the pending list"
        );
        let unknown = OutboxId::from_raw("no-such-entry");
        assert_eq!(store.claim_outbox(&unknown, t0(), lease).await.unwrap(), Claim::Missing);
        assert!(!store.mark_sent(&unknown, second.lease, later).await.unwrap());
    }

    pub async fn a_released_entry_is_claimed_again_and_a_failed_one_never(store: Arc<dyn Store>) {
        let (_, projects) = planned();
        let mut entries = Vec::new();
        for p in projects {
            entries.push(p.1.outbox[0].id.clone());
            store.commit(create(p)).await.unwrap();
        }
        let lease = chrono::Duration::seconds(60);
        let claim = |id| {
            let store = Arc::clone(&store);
            async move {
                match store.claim_outbox(&id, t0(), lease).await.unwrap() {
                    Claim::Claimed(c) => c,
                    other => panic!("expected a claim, got {other:?}"),
                }
            }
        };
        let first = claim(entries[0].clone()).await;
        assert!(store.release_outbox(&entries[0], first.lease, "SES throttled").await.unwrap());
        let again = claim(entries[0].clone()).await;
        assert_eq!(again.attempts, 2);
        assert_eq!(
            all_pending(store.as_ref()).await.len(),
            2,
            "claimed entries stay pending until sent"
        );

        let doomed = claim(entries[1].clone()).await;
        assert!(
            store.mark_failed(&entries[1], doomed.lease, t0(), "recipient rejected").await.unwrap()
        );
        assert_eq!(
            store.claim_outbox(&entries[1], t0() + chrono::Duration::days(1), lease).await.unwrap(),
            Claim::Done
        );
        let pending: Vec<_> = all_pending(store.as_ref()).await.into_iter().map(|e| e.id).collect();
        assert_eq!(pending, [entries[0].clone()]);
    }

    pub async fn of_concurrent_claims_exactly_one_wins(store: Arc<dyn Store>) {
        let (_, mut projects) = planned();
        let (project, change) = projects.remove(0);
        let id = change.outbox[0].id.clone();
        store.commit(create((project, change))).await.unwrap();
        let claims: Vec<_> = (0..10)
            .map(|_| {
                let (store, id) = (Arc::clone(&store), id.clone());
                tokio::spawn(async move {
                    store.claim_outbox(&id, t0(), chrono::Duration::seconds(60)).await.unwrap()
                })
            })
            .collect();
        let mut won = 0;
        for claim in claims {
            match claim.await.unwrap() {
                Claim::Claimed(_) => won += 1,
                Claim::Busy => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(won, 1);
    }

    pub async fn projects_list_newest_first_by_filter_and_page(store: Arc<dyn Store>) {
        let (_, projects) = planned();
        for p in projects {
            store.commit(create(p)).await.unwrap();
        }
        let newest = other_project(30);
        let newest_id = newest.0.id.clone();
        store.commit(create(newest)).await.unwrap();

        let all = ProjectFilter::default();
        let first =
            store.list_projects(&all, PageRequest { cursor: None, limit: 2 }).await.unwrap();
        assert_eq!(first.items.len(), 2);
        assert_eq!(first.items[0].id, newest_id, "newest first");
        assert_eq!(
            first.items[0].progress.next_milestone.as_ref().map(|k| k.as_str()),
            Some("order_confirmed")
        );
        let second = store
            .list_projects(&all, PageRequest { cursor: first.next_cursor, limit: 2 })
            .await
            .unwrap();
        assert_eq!(second.items.len(), 1);
        assert!(second.items.iter().all(|p| !first.items.iter().any(|q| q.id == p.id)));

        let count = |status: Option<ProjectStatus>, account: Option<&str>| {
            let store = Arc::clone(&store);
            let account_id = account.map(str::to_owned);
            let filter = ProjectFilter { status, account_id, ..ProjectFilter::default() };
            async move {
                let page = PageRequest { cursor: None, limit: 10 };
                store.list_projects(&filter, page).await.unwrap().items.len()
            }
        };
        let (in_progress, live) = (Some(ProjectStatus::InProgress), Some(ProjectStatus::Live));
        assert_eq!(count(None, Some("ACC-1001")).await, 2);
        assert_eq!(count(in_progress, None).await, 3);
        assert_eq!(count(live, None).await, 0);
        assert_eq!(count(in_progress, Some("ACC-2002")).await, 1);

        let garbage = PageRequest { cursor: Some("not-a-cursor".into()), limit: 2 };
        assert!(matches!(store.list_projects(&all, garbage).await, Err(StoreError::InvalidCursor)));
    }

    pub async fn tasks_list_soonest_due_first_by_assignee_or_status(store: Arc<dyn Store>) {
        let (_, mut projects) = planned();
        let a = with_tasks(
            projects.remove(0),
            &[("tech@bluerocktel.fr", 9), ("other@bluerocktel.fr", 1)],
        );
        let b = with_tasks(
            projects.remove(0),
            &[("tech@bluerocktel.fr", 3), ("tech@bluerocktel.fr", 5)],
        );
        store.commit(create(a)).await.unwrap();
        store.commit(create(b)).await.unwrap();

        let mine = TaskFilter::Assignee { assignee: "tech@bluerocktel.fr".into(), status: None };
        let page = store.list_tasks(&mine, PageRequest { cursor: None, limit: 2 }).await.unwrap();
        let due: Vec<_> = page.items.iter().map(|t| t.task.due_date).collect();
        assert_eq!(
            due,
            [
                (t0() + chrono::Duration::days(3)).date_naive(),
                (t0() + chrono::Duration::days(5)).date_naive()
            ]
        );
        let rest = store
            .list_tasks(&mine, PageRequest { cursor: page.next_cursor, limit: 2 })
            .await
            .unwrap();
        assert_eq!(rest.items.len(), 1);
        assert_eq!(rest.items[0].task.due_date, (t0() + chrono::Duration::days(9)).date_naive());

        let todo = store
            .list_tasks(
                &TaskFilter::Status(TaskStatus::Todo),
                PageRequest { cursor: None, limit: 10 },
            )
            .await
            .unwrap();
        assert_eq!(todo.items.len(), 4);
        assert_eq!(todo.items[0].task.assignee, "other@bluerocktel.fr");
        let done = TaskFilter::Assignee {
            assignee: "tech@bluerocktel.fr".into(),
            status: Some(TaskStatus::Done),
        };
        assert!(
            store
                .list_tasks(&done, PageRequest { cursor: None, limit: 10 })
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
    pub async fn a_deal_record_is_replaced_only_at_the_version_read(store: Arc<dyn Store>) {
        let (record, mut projects) = planned();
        let deal_id = record.deal_id.clone();
        let replace = |record: &DealRecord, expected: u64| Commit {
            project: None,
            deal: Some(DealWrite::Replace { record: Box::new(record.clone()), expected }),
        };
        let err = store.commit(replace(&record, 0)).await.unwrap_err();
        assert!(matches!(err, CommitError::DealChanged), "no record to replace: {err:?}");
        let claim = DealWrite::Claim(Box::new(record.clone()));
        store.commit(Commit { project: None, deal: Some(claim) }).await.unwrap();

        let cancellation = DealCancellation {
            cancelled_at: t0(),
            reason: "Customer withdrew".into(),
            received_at: t0(),
        };
        let cancelled = record.cancelled(cancellation).unwrap();
        store.commit(replace(&cancelled, 0)).await.unwrap();
        assert_eq!(store.deal_record(&deal_id).await.unwrap().as_ref(), Some(&cancelled));
        let err = store.commit(replace(&cancelled, 0)).await.unwrap_err();
        assert!(matches!(err, CommitError::DealChanged), "a stale version: {err:?}");

        let (project, change) = projects.remove(0);
        let id = project.id.clone();
        let check = |version: u64| DealWrite::Check { deal_id: deal_id.clone(), version };
        let mut stale = create((project.clone(), change.clone()));
        stale.deal = Some(check(0));
        let err = store.commit(stale).await.unwrap_err();
        assert!(matches!(err, CommitError::DealChanged), "{err:?}");
        assert_eq!(store.load(&id).await.unwrap(), None, "nothing of a refused commit lands");
        let mut current = create((project, change));
        current.deal = Some(check(1));
        store.commit(current).await.unwrap();
        assert!(store.load(&id).await.unwrap().is_some());
    }

    pub async fn a_revision_and_its_answer_are_stored_with_the_deal(store: Arc<dyn Store>) {
        let (record, _) = planned();
        let claim = DealWrite::Claim(Box::new(record.clone()));
        store.commit(Commit { project: None, deal: Some(claim) }).await.unwrap();
        let mut deal = deal();
        deal.technical_contact.email = "it@boulangerie-martin.fr".into();
        let change = DealChange { deal, revision: 3 };
        let Ok(RevisionStep::Claim(claimed)) =
            record.revision_step(&change, &change.fingerprint(), t0())
        else {
            panic!("a claim")
        };
        let replace = DealWrite::Replace { record: claimed.clone(), expected: 0 };
        store.commit(Commit { project: None, deal: Some(replace) }).await.unwrap();
        let answer = ChangedProject {
            id: record.response.projects[0].id.clone(),
            line_id: "L1".into(),
            status: ProjectStatus::InProgress,
            outcome: LineOutcome::Updated,
        };
        let result =
            DealChanged { deal_id: record.deal_id.clone(), revision: 3, projects: vec![answer] };
        let done = claimed.with_result(result);
        let replace = DealWrite::Replace { record: Box::new(done.clone()), expected: 1 };
        store.commit(Commit { project: None, deal: Some(replace) }).await.unwrap();
        assert_eq!(store.deal_record(&record.deal_id).await.unwrap(), Some(done));
    }

    pub async fn a_held_project_keeps_its_hold_and_leaves_the_escalation_schedule(
        store: Arc<dyn Store>,
    ) {
        let (_, mut projects) = planned();
        let (mut project, change) = with_tasks(projects.remove(0), &[("tech@bluerocktel.fr", 1)]);
        store.commit(create((project.clone(), change))).await.unwrap();
        let task = project.tasks[0].id.clone();
        let block = TaskPatch {
            status: Some(TaskStatus::Blocked),
            blocked_reason: Some("Carrier late".into()),
            blocked_category: Some(Category::Carrier),
            ..TaskPatch::default()
        };
        let version = project.version;
        let change = project.change_task(task.as_str(), block, "tech", t0()).unwrap().unwrap();
        store.commit(update(&project, version, change)).await.unwrap();
        let later = t0() + chrono::Duration::days(30);
        assert_eq!(store.due_escalations(later, 10).await.unwrap().tasks.len(), 1);

        let hold = HoldRequest {
            reason: "Site closed".into(),
            category: Category::SiteAccess,
            until: None,
        };
        let version = project.version;
        let change = project.hold(&hold, "pm@bluerocktel.fr", t0()).unwrap().unwrap();
        store.commit(update(&project, version, change)).await.unwrap();
        assert_eq!(store.load(&project.id).await.unwrap().as_ref(), Some(&project));
        assert!(
            store.due_escalations(later, 10).await.unwrap().tasks.is_empty(),
            "no clock on hold"
        );
        let on_hold =
            ProjectFilter { status: Some(ProjectStatus::OnHold), ..ProjectFilter::default() };
        let page = store.list_projects(&on_hold, PageRequest { cursor: None, limit: 10 }).await;
        let listed = page.unwrap().items;
        assert_eq!((listed.len(), listed[0].hold.as_ref()), (1, project.hold.as_ref()));

        let version = project.version;
        let change =
            project.cancel("Customer withdrew", "pm@bluerocktel.fr", t0()).unwrap().unwrap();
        store.commit(update(&project, version, change)).await.unwrap();
        assert_eq!(store.load(&project.id).await.unwrap().as_ref(), Some(&project));
    }

    pub async fn projects_are_due_for_review_when_their_forecast_says_and_list_by_health(
        store: Arc<dyn Store>,
    ) {
        let (_, projects) = planned();
        let late = {
            let mut deal = deal();
            deal.deal_id = "D-2026-0100".into();
            deal.target_go_live = (t0() + chrono::Duration::days(10)).date_naive();
            let line = deal.services[0].clone();
            Project::open(&deal, &line, &Template::default_for(&line.service_type), t0())
        };
        for planned in projects.into_iter().chain([late.clone()]) {
            store.commit(create(planned)).await.unwrap();
        }
        // The sample's projects are on track; their first milestone's
        // expected end passes on 2026-11-22.
        let review_at = late.0.forecast.review_at.unwrap();
        let before = store.due_reviews(review_at - chrono::Duration::seconds(1), 10).await.unwrap();
        assert_eq!((before.projects.len(), before.read), (0, 0));
        let due = store.due_reviews(review_at, 10).await.unwrap();
        assert_eq!((due.projects.len(), due.read), (3, 3));
        assert_eq!(store.due_reviews(review_at, 2).await.unwrap().projects.len(), 2);

        let page = PageRequest { cursor: None, limit: 10 };
        let by = |health| ProjectFilter { health: Some(health), ..ProjectFilter::default() };
        let listed = store.list_projects(&by(Health::Late), page.clone()).await.unwrap().items;
        assert_eq!(listed.iter().map(|p| &p.id).collect::<Vec<_>>(), [&late.0.id]);
        assert_eq!(listed[0].forecast, late.0.forecast);
        let on_track = store.list_projects(&by(Health::OnTrack), page.clone()).await.unwrap();
        assert_eq!(on_track.items.len(), 2);
        let of_account = ProjectFilter { account_id: Some("ACC-1001".into()), ..by(Health::Late) };
        assert_eq!(store.list_projects(&of_account, page).await.unwrap().items.len(), 1);

        // Reviewed, a project leaves the schedule until its next review.
        let (mut project, _) = late;
        let version = project.version;
        let change = project.review(review_at).unwrap();
        store.commit(update(&project, version, change)).await.unwrap();
        let due = store.due_reviews(review_at, 10).await.unwrap();
        assert!(!due.projects.contains(&project.id));
        assert_eq!(store.load(&project.id).await.unwrap().as_ref(), Some(&project));
    }

    pub async fn go_live_facts_are_read_by_month_and_newest_first_by_service_type(
        store: Arc<dyn Store>,
    ) {
        let fact = |i: i64, service: &str, date: &str| GoLiveFacts {
            project_id: domain::ProjectId::from_raw(format!("p-{i}")),
            service_type: service.into(),
            won_at: t0(),
            go_live_date: date.parse().unwrap(),
            target_go_live: "2027-01-15".parse().unwrap(),
            lead_time_days: 40 + i,
            milestones: vec![(MilestoneKey::from_raw("order_confirmed"), 3600 * i)],
            blocked_seconds: [(Category::Carrier, 60 * i)].into_iter().collect(),
            held_seconds: i,
        };
        let facts = [
            fact(1, "fibre_ftto", "2027-01-03"),
            fact(2, "fibre_ftto", "2027-01-20"),
            fact(3, "sip_trunk", "2027-01-05"),
            fact(4, "fibre_ftto", "2027-02-01"),
        ];
        // Each rides on a project's commit, as a go-live's does.
        for (i, f) in facts.iter().enumerate() {
            let (project, mut change) = other_project(i as i64);
            let mut project = project;
            project.id = domain::ProjectId::from_raw(format!("{}-{i}", project.id));
            change.outbox.clear();
            change.facts = Some(f.clone());
            store.commit(create((project, change))).await.unwrap();
        }
        let mut january = store.go_lives_in_month("2027-01", None).await.unwrap();
        january.sort_by(|a, b| a.project_id.as_str().cmp(b.project_id.as_str()));
        assert_eq!(january, facts[..3]);
        let fibre = store.go_lives_in_month("2027-01", Some("fibre_ftto")).await.unwrap();
        assert_eq!(fibre.len(), 2);
        assert!(store.go_lives_in_month("2026-12", None).await.unwrap().is_empty());
        let recent = store.recent_go_lives("fibre_ftto", 2).await.unwrap();
        assert_eq!(recent, [facts[3].clone(), facts[1].clone()]);
    }

    pub async fn a_projects_outbox_lists_its_entries_oldest_first_with_their_delivery(
        store: Arc<dyn Store>,
    ) {
        let (_, mut projects) = planned();
        let (project, change) = projects.remove(0);
        let mut entries = change.outbox.clone();
        store.commit(create((project.clone(), change))).await.unwrap();
        let mut update = complete_next(&project, "done");
        let later = &mut update.project.as_mut().unwrap().change.outbox;
        assert!(later.len() >= 2, "a mail and an event at least");
        // Stamped in reverse: the listing follows the stamps, not the writes.
        for (i, entry) in later.iter_mut().enumerate() {
            entry.created_at = t0() + chrono::Duration::seconds(10 - i as i64);
        }
        entries.extend(later.iter().rev().cloned());
        store.commit(update).await.unwrap();
        let other = projects.remove(0);
        let other_entries = other.1.outbox.clone();
        store.commit(create(other)).await.unwrap();

        let (sent_at, failed_at) =
            (t0() + chrono::Duration::hours(1), t0() + chrono::Duration::hours(2));
        settle_three(store.as_ref(), &entries, sent_at, failed_at).await;

        let listed = store.project_outbox(&project.id).await.unwrap();
        let ids = |records: &[domain::outbox::OutboxRecord]| {
            records.iter().map(|r| r.entry.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(&listed), entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>());
        assert!(listed.iter().zip(&entries).all(|(r, e)| &r.entry == e), "entries read back whole");
        let deliveries: Vec<_> = listed.iter().map(|r| r.delivery.clone()).collect();
        assert_eq!(deliveries[0], Delivery::Sent { at: sent_at });
        assert_eq!(
            deliveries[1],
            Delivery::Failed { at: failed_at, reason: "recipient rejected".into() }
        );
        let released = Delivery::Pending { attempts: 1, last_error: Some("SES throttled".into()) };
        assert_eq!(deliveries[2], released);
        let untouched = Delivery::Pending { attempts: 0, last_error: None };
        assert!(deliveries[3..].iter().all(|d| d == &untouched));

        let theirs = store.project_outbox(&other_entries[0].project_id).await.unwrap();
        assert_eq!(ids(&theirs), other_entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>());
        assert!(theirs.iter().all(|r| r.delivery == untouched));
        let unknown = domain::ProjectId::from_raw("no-such-project");
        assert!(store.project_outbox(&unknown).await.unwrap().is_empty());
    }

    /// Sends the first entry at `sent_at`, gives up on the second at
    /// `failed_at`, gives the third back after a failed attempt.
    async fn settle_three(
        store: &dyn Store,
        entries: &[OutboxEntry],
        sent_at: chrono::DateTime<chrono::Utc>,
        failed_at: chrono::DateTime<chrono::Utc>,
    ) {
        let mut leases = Vec::new();
        for entry in &entries[..3] {
            match store.claim_outbox(&entry.id, t0(), chrono::Duration::hours(3)).await.unwrap() {
                Claim::Claimed(c) => leases.push(c.lease),
                other => panic!("expected a claim, got {other:?}"),
            }
        }
        assert!(store.mark_sent(&entries[0].id, leases[0], sent_at).await.unwrap());
        let reason = "recipient rejected";
        assert!(store.mark_failed(&entries[1].id, leases[1], failed_at, reason).await.unwrap());
        assert!(store.release_outbox(&entries[2].id, leases[2], "SES throttled").await.unwrap());
    }

    pub async fn projects_list_by_owner_newest_first_and_paged(store: Arc<dyn Store>) {
        let (_, projects) = planned();
        let manager = deal().owner;
        let mut mine: Vec<_> = projects.iter().map(|p| p.0.id.clone()).collect();
        for p in projects {
            store.commit(create(p)).await.unwrap();
        }
        let theirs = owned_project("D-2026-0101", "Claire.Martin@BlueRockTEL.fr", 10);
        let newest = owned_project("D-2026-0102", &manager, 20);
        mine.insert(0, newest.0.id.clone());
        store.commit(create(theirs.clone())).await.unwrap();
        store.commit(create(newest)).await.unwrap();

        let of =
            |owner: &str| ProjectFilter { owner: Some(owner.into()), ..ProjectFilter::default() };
        let first = PageRequest { cursor: None, limit: 2 };
        let page = store.list_projects(&of(&manager), first).await.unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[0].id, mine[0], "newest first");
        let next = PageRequest { cursor: page.next_cursor.clone(), limit: 2 };
        let rest = store.list_projects(&of(&manager), next).await.unwrap();
        assert_eq!(rest.next_cursor, None);
        let mut listed: Vec<_> =
            page.items.iter().chain(&rest.items).map(|p| p.id.clone()).collect();
        listed[1..].sort();
        mine[1..].sort();
        assert_eq!(listed, mine, "the owner's projects, each once");

        let count = |filter| listed_count(store.as_ref(), filter);
        assert_eq!(count(of("claire.martin@bluerocktel.fr")).await, 1, "any case matches");
        assert_eq!(count(of(&manager.to_uppercase())).await, 3);
        let status = |s| ProjectFilter { status: Some(s), ..of(&manager) };
        assert_eq!(count(status(ProjectStatus::InProgress)).await, 3);
        assert_eq!(count(status(ProjectStatus::Live)).await, 0);
        assert_eq!(count(ProjectFilter { health: Some(Health::OnTrack), ..of(&manager) }).await, 3);
        let account = |a: &str| ProjectFilter { account_id: Some(a.into()), ..of(&manager) };
        assert_eq!(count(account("ACC-1001")).await, 2);
        assert_eq!(count(account("ACC-2002")).await, 1);
        assert_eq!(count(of("nobody@bluerocktel.fr")).await, 0);

        // A new owner moves the project with its next commit.
        let (mut project, _) = theirs;
        let version = project.version;
        project.owner = manager.clone();
        project.version += 1;
        store.commit(update(&project, version, Change::default())).await.unwrap();
        assert_eq!(count(of(&manager)).await, 4);
        assert_eq!(count(of("claire.martin@bluerocktel.fr")).await, 0);
    }

    async fn listed_count(store: &dyn Store, filter: ProjectFilter) -> usize {
        let page = PageRequest { cursor: None, limit: 10 };
        store.list_projects(&filter, page).await.unwrap().items.len()
    }
}

integration_tests::suite_per_store!(|store| store;
    an_unknown_project_loads_as_none,
    a_created_project_loads_whole,
    the_create_guard_rejects_an_existing_project_and_writes_nothing,
    the_version_guard_takes_the_current_version_and_rejects_a_stale_one,
    a_commit_lands_state_history_and_outbox_together,
    an_intake_claim_is_exclusive_and_returns_the_stored_record,
    a_failed_claim_writes_none_of_its_project,
    completing_an_intake_needs_its_fingerprint,
    of_concurrent_commits_on_one_version_exactly_one_lands,
    pending_outbox_lists_oldest_first_within_the_limit,
    projects_list_newest_first_by_filter_and_page,
    tasks_list_soonest_due_first_by_assignee_or_status,
    an_outbox_claim_is_exclusive_until_its_lease_ends,
    a_released_entry_is_claimed_again_and_a_failed_one_never,
    of_concurrent_claims_exactly_one_wins,
    a_deal_record_is_replaced_only_at_the_version_read,
    a_revision_and_its_answer_are_stored_with_the_deal,
    a_held_project_keeps_its_hold_and_leaves_the_escalation_schedule,
    projects_are_due_for_review_when_their_forecast_says_and_list_by_health,
    go_live_facts_are_read_by_month_and_newest_first_by_service_type,
    a_projects_outbox_lists_its_entries_oldest_first_with_their_delivery,
    projects_list_by_owner_newest_first_and_paged,
);
