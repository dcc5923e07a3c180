//! The sweeps' cost on tables of 10,000 items, on DynamoDB Local: the
//! escalation sweep over 10,000 tasks and the review over 10,000 projects
//! read only the entries due. The longest tests of the suite, named so that
//! they start first (libtest starts tests in the order of their names) and
//! run beside the others rather than after them.

use app::clock::ManualClock;
use app::ports::Store;
use app::{Commands, Reviewer};
use chrono::Duration;
use domain::project::Change;
use integration_tests::fixtures::{MANAGER as OWNER, TECH, t0};
use std::sync::Arc;

const CONTACT: &str = "escalade@bluerocktel.fr";

/// The sweep's cost grows with the tasks due, not with the table.
mod escalation_on_dynamodb_local {
    use super::*;
    use domain::DealWon;
    use domain::intake;
    use domain::project::{Change, Project};
    use domain::task_changes::{NewTask, TaskPatch};
    use domain::template::Template;
    use integration_tests::dynamo_store_counted;

    const PROJECTS: usize = 125;
    const TASKS_PER_PROJECT: usize = 80;

    /// A project of its own deal with 80 tasks; `blocked` of them blocked at
    /// `t0`, due `due_in_days` after it.
    fn project_with_tasks(n: usize, blocked: usize, due_in_days: i64) -> (Project, Change) {
        let mut deal: DealWon = integration_tests::sample_deal_won();
        deal.deal_id = format!("D-SCALE-{n:04}");
        let mut plan = intake::plan(&deal, Template::default_for, t0());
        let (mut project, mut change) = plan.projects.remove(0);
        for i in 0..TASKS_PER_PROJECT {
            let due = if i < blocked {
                t0() + Duration::days(due_in_days)
            } else {
                t0() + Duration::days(30)
            };
            let new = NewTask {
                title: format!("Task {i}"),
                assignee: TECH.into(),
                due_date: due.date_naive(),
                description: None,
            };
            let (id, added) = project.add_task("order_confirmed", new, OWNER, t0()).unwrap();
            change.tasks.extend(added.tasks);
            if i < blocked {
                let patch = TaskPatch {
                    status: Some(domain::TaskStatus::Blocked),
                    blocked_reason: Some("Carrier delay".into()),
                    ..TaskPatch::default()
                };
                project.change_task(id.as_str(), patch, TECH, t0()).unwrap();
            }
        }
        project.version = 1;
        (project, change)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_sweep_over_ten_thousand_tasks_reads_only_the_five_due() {
        let (dynamo, counter) = dynamo_store_counted().await;
        let (client, table) = (dynamo.client().clone(), dynamo.table().to_owned());
        let store: Arc<dyn Store> = Arc::new(dynamo);
        let started = std::time::Instant::now();
        // Project 0 holds the 5 due tasks; projects 1-4 hold 20 blocked ones
        // not yet due. Four writers at a time: DynamoDB Local runs on the
        // same two cores.
        let projects = (0..PROJECTS).map(|n| match n {
            0 => project_with_tasks(n, 5, 0),
            1..=4 => project_with_tasks(n, 5, 20),
            _ => project_with_tasks(n, 0, 0),
        });
        integration_tests::create_all(&store, projects, 4).await;
        eprintln!("{} tasks written in {:?}", PROJECTS * TASKS_PER_PROJECT, started.elapsed());

        // Overdue since midnight for project 0's five; 48 h threshold not
        // yet reached for the others.
        let now = t0() + Duration::hours(30);
        counter.reset();
        let due = store.due_escalations(now, 200).await.unwrap();
        assert_eq!(due.tasks.len(), 5);
        assert_eq!(due.read, 5, "only the due entries are read");
        assert_eq!(counter.counts().get("Query"), Some(&1));
        assert_eq!(counter.total(), 1, "one request: {:?}", counter.counts());

        let escalator =
            integration_tests::escalator(store.clone(), Arc::new(ManualClock::new(now)), CONTACT);
        let report = escalator.sweep().await.unwrap();
        assert_eq!((report.escalated.len(), report.read, report.failed), (5, 5, 0));
        // 10,000 items would slow down every later test sharing DynamoDB Local.
        client.delete_table().table_name(table).send().await.unwrap();
    }
}

/// The review reads the projects due, whatever the table holds.
mod review_on_dynamodb_local {
    use super::*;
    use domain::project::Project;
    use domain::template::Template;
    use integration_tests::dynamo_store_counted;
    use std::collections::BTreeMap;

    const PROJECTS: usize = 10_000;
    const DUE: usize = 5;

    /// A project of its own deal, created `days_before` `t0`: only its header
    /// is written (the review reads headers' keys, then loads the due ones).
    fn project_created(n: usize, days_before: i64) -> (Project, Change) {
        let mut deal = integration_tests::sample_deal_won();
        deal.deal_id = format!("D-REVIEW-{n:05}");
        let line = deal.services[0].clone();
        let at = t0() - Duration::days(days_before);
        let (project, _) = Project::open(&deal, &line, &Template::default_for("fibre_ftto"), at);
        (project, Change::default())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_sweep_over_ten_thousand_projects_reads_only_the_five_due() {
        let (dynamo, counter) = dynamo_store_counted().await;
        let (client, table) = (dynamo.client().clone(), dynamo.table().to_owned());
        let store: Arc<dyn Store> = Arc::new(dynamo);
        let started = std::time::Instant::now();
        // The first five were created ten days earlier: their first
        // milestone overran, they are reviewed daily.
        let projects = (0..PROJECTS).map(|n| project_created(n, if n < DUE { 10 } else { 0 }));
        integration_tests::create_all(&store, projects, 16).await;
        eprintln!("{PROJECTS} projects written in {:?}", started.elapsed());

        let now = t0() + Duration::hours(20);
        counter.reset();
        let due = store.due_reviews(now, 200).await.unwrap();
        assert_eq!((due.projects.len(), due.read), (DUE, DUE), "only the due entries are read");
        let one_query = BTreeMap::from([("Query".to_owned(), 1)]);
        assert_eq!(counter.counts(), one_query, "one request");

        counter.reset();
        let clock = Arc::new(app::clock::ManualClock::new(now));
        let commands = Arc::new(Commands::new(store.clone(), store.clone(), clock.clone()));
        let report =
            Reviewer::new(store.clone(), store.clone(), commands, clock).sweep().await.unwrap();
        assert_eq!((report.reviewed, report.read, report.failed), (DUE, DUE, 0));
        // One Query to find them (fewer than a batch: no second look), then
        // a load and a commit each; nothing else (no Scan, no template read).
        let due = u32::try_from(DUE).unwrap();
        let expected =
            BTreeMap::from([("Query".to_owned(), due + 1), ("TransactWriteItems".to_owned(), due)]);
        assert_eq!(counter.counts(), expected);
        client.delete_table().table_name(table).send().await.unwrap();
    }
}
