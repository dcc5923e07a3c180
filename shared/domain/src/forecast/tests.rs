use super::*;
use crate::fixtures::{now, project};
use crate::milestone_changes::CompleteMilestone;
use crate::outbox::OutboxMessage;
use crate::task::Block;
use proptest::prelude::*;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn complete(p: &mut Project, key: &str, at: DateTime<Utc>) {
    let mut change = p.complete_milestone(key, CompleteMilestone::default(), "pm", at).unwrap();
    p.reassess(change.as_mut().unwrap(), at);
}

fn add_task(p: &mut Project, milestone: &str, due: NaiveDate) -> usize {
    let id = TaskId::from_raw(format!("T-{}", p.tasks.len()));
    let key = MilestoneKey::from_raw(milestone);
    p.tasks.push(Task::new(id, key, "Survey", None, "tech@bluerocktel.fr", due, now()));
    p.tasks.len() - 1
}

fn kinds(change: &Change) -> Vec<String> {
    change
        .outbox
        .iter()
        .map(|e| match &e.message {
            OutboxMessage::Event { detail_type, .. } => detail_type.clone(),
            OutboxMessage::Mail { template, to, .. } => format!("mail {template:?} to {to}"),
        })
        .collect()
}

#[test]
fn a_new_project_projects_its_template_durations_and_is_on_track() {
    let (p, change) = project();
    // Created 2026-11-20 on the default template (36 expected days), target 2027-01-15.
    assert_eq!(p.forecast.projected_go_live, Some(date("2026-12-26")));
    assert_eq!(
        (p.forecast.health, p.basis, p.slack_days()),
        (Health::OnTrack, Basis::Template, Some(20))
    );
    assert!(p.forecast.reasons.is_empty());
    assert_eq!(kinds(&change), ["DeploymentProjectCreated"], "on track needs no announcement");
}

#[test]
fn a_project_created_late_announces_it_once_and_mails_its_owner() {
    let mut deal = crate::fixtures::sample();
    deal.target_go_live = date("2026-11-30");
    let template = crate::Template::default_for("fibre_ftto");
    let (p, change) = Project::open(&deal, &deal.services[0], &template, now());
    assert_eq!((p.forecast.health, p.slack_days()), (Health::Late, Some(-26)));
    assert_eq!(
        kinds(&change),
        [
            "DeploymentProjectCreated",
            "ProjectJeopardyChanged",
            &format!("mail ProjectJeopardy to {}", p.owner)
        ]
    );
    let OutboxMessage::Event { detail, .. } = &change.outbox[1].message else { panic!() };
    assert_eq!(
        (detail["previous_health"].as_str(), detail["health"].as_str()),
        (Some("none"), Some("late"))
    );
    assert_eq!(detail["projected_go_live"], "2026-12-26");
    assert_eq!(change.history.last().unwrap().action, "project.health_changed");
}

#[test]
fn completed_milestones_are_pinned_to_their_actual_dates() {
    let (mut p, _) = project();
    complete(&mut p, "order_confirmed", now() + days(6));
    // 2026-11-26, then the 34 expected days of the rest.
    assert_eq!(p.forecast.projected_go_live, Some(date("2026-12-30")));
    complete(&mut p, "equipment_ordered", now() + days(7));
    // 2026-11-27, then 29 days.
    assert_eq!(p.forecast.projected_go_live, Some(date("2026-12-26")));
}

#[test]
fn an_overrun_milestone_ends_no_earlier_than_today_and_says_so() {
    let (p, _) = project();
    let later = now() + days(10);
    let f = p.assess(later);
    // order_confirmed was expected by 2026-11-22; today is 2026-11-30: 30 + 34 days.
    assert_eq!(f.projected_go_live, Some(date("2027-01-03")));
    let late = Reason::MilestoneLate {
        milestone: MilestoneKey::from_raw("order_confirmed"),
        expected_by: date("2026-11-22"),
    };
    assert_eq!(f.reasons, [late]);
    assert_eq!(
        (f.health, (date("2027-01-15") - date("2027-01-03")).num_days()),
        (Health::OnTrack, 12)
    );
}

#[test]
fn a_blocked_or_overdue_task_pushes_the_current_milestone_a_day_past_today() {
    let (mut p, _) = project();
    let i = add_task(&mut p, "order_confirmed", date("2026-11-21"));
    let at = now() + days(2); // 2026-11-22, the milestone's expected end
    assert_eq!(p.assess(at).projected_go_live, Some(date("2026-12-27")), "overdue: +1 day");
    let block = Block { reason: Some("No access"), category: Some(Category::SiteAccess) };
    p.tasks[i].transition(TaskStatus::Blocked, block, true, now()).unwrap();
    let f = p.assess(now());
    assert_eq!(f.projected_go_live, Some(date("2026-12-26")), "still within expected");
    let blocked =
        Reason::TaskBlocked { task_id: p.tasks[i].id.clone(), category: Category::SiteAccess };
    assert_eq!(f.reasons, [blocked]);
}

#[test]
fn hold_time_is_left_out_of_the_milestone_and_health_is_none_while_held() {
    let (mut p, _) = project();
    let request = crate::hold_and_cancel::HoldRequest {
        reason: "Site closed".into(),
        category: Category::SiteAccess,
        until: None,
    };
    let mut change = p.hold(&request, "pm", now()).unwrap().unwrap();
    p.reassess(&mut change, now());
    assert_eq!(p.forecast.health, Health::None);
    assert_eq!(p.forecast.reasons, [Reason::OnHold { category: Category::SiteAccess }]);
    assert_eq!(p.forecast.review_at, None, "no clock runs on hold");
    assert_eq!(kinds(&change), ["DeploymentProjectHeld", "ProjectJeopardyChanged"]);

    let resumed = now() + days(3);
    let mut change = p.resume("pm", resumed).unwrap().unwrap();
    p.reassess(&mut change, resumed);
    assert_eq!(p.milestones[0].held_seconds, 3 * 86_400);
    // The first milestone is now expected by 2026-11-25: three days later.
    assert_eq!(p.forecast.projected_go_live, Some(date("2026-12-29")));
    assert_eq!(p.forecast.health, Health::OnTrack);
}

#[test]
fn a_review_changes_nothing_until_the_projection_moves() {
    let (mut p, _) = project();
    let review_at = p.forecast.review_at.unwrap();
    // Without progress the projection moves once order_confirmed overruns (after 2026-11-22).
    assert_eq!(review_at, "2026-11-23T00:00:00Z".parse::<DateTime<Utc>>().unwrap());
    assert_eq!(p.review(review_at - Duration::seconds(1)), None);
    let change = p.review(review_at).unwrap();
    assert!(change.outbox.is_empty(), "on track still: no announcement");
    assert_eq!(p.forecast.projected_go_live, Some(date("2026-12-27")));
    assert_eq!(p.review(review_at), None, "a second identical sweep writes nothing");
}

#[test]
fn health_goes_at_risk_then_late_as_days_pass_one_event_each() {
    let (mut p, _) = project();
    let mut seen = Vec::new();
    let mut at = now();
    while let Some(next) = p.forecast.review_at.filter(|t| *t < now() + days(60)) {
        at = next;
        let change = p.review(at).unwrap();
        if !change.outbox.is_empty() {
            seen.push((at.date_naive(), p.forecast.health, kinds(&change)));
        }
    }
    let mail = |()| {
        vec!["ProjectJeopardyChanged".to_owned(), format!("mail ProjectJeopardy to {}", p.owner)]
    };
    assert_eq!(
        seen,
        [
            (date("2026-12-08"), Health::AtRisk, mail(())),
            (date("2026-12-13"), Health::Late, mail(())),
        ]
    );
    // Overrunning, the projection moves every day: reviewed daily, late still.
    assert_eq!(p.forecast.review_at, Some(at + days(1)));
    assert_eq!(p.forecast.health, Health::Late);
}

/// A project some days into its plan: some milestones completed, a task
/// or two, perhaps blocked.
fn arbitrary_project() -> impl Strategy<Value = Project> {
    let tasks = proptest::collection::vec((0i64..40, any::<bool>()), 0..4);
    (0usize..5, 0i64..20, tasks, 0i64..6).prop_map(|(completed, gap, tasks, held)| {
        let (mut p, _) = project();
        let keys: Vec<String> = p.milestones.iter().map(|m| m.key.to_string()).collect();
        for (i, key) in keys.iter().take(completed).enumerate() {
            let at = now() + days(gap * (i as i64 + 1) / 3);
            p.complete_milestone(key, CompleteMilestone::default(), "pm", at).unwrap();
        }
        if held > 0 {
            // On hold for `held` days once the completions are done.
            let request = crate::hold_and_cancel::HoldRequest {
                reason: "Closed".into(),
                category: Category::Customer,
                until: None,
            };
            p.hold(&request, "pm", now() + days(gap)).unwrap();
            p.resume("pm", now() + days(gap + held)).unwrap();
        }
        let current = keys[completed].clone();
        for (due, blocked) in tasks {
            let i = add_task(&mut p, &current, now().date_naive() + days(due));
            if blocked {
                let block = Block { reason: Some("Waiting"), category: None };
                p.tasks[i].transition(TaskStatus::Blocked, block, true, now()).unwrap();
            }
        }
        p
    })
}

proptest! {
    #[test]
    fn the_projection_never_lies_before_today_for_open_work(
        p in arbitrary_project(), d in 0i64..120,
    ) {
        let at = now() + days(d);
        let projected = p.assess(at).projected_go_live.unwrap();
        prop_assert!(projected >= at.date_naive());
    }

    #[test]
    fn a_day_without_progress_never_moves_the_projection_earlier(
        p in arbitrary_project(), d in 0i64..120,
    ) {
        let today = p.assess(now() + days(d)).projected_go_live;
        let tomorrow = p.assess(now() + days(d + 1)).projected_go_live;
        prop_assert!(tomorrow >= today);
    }

    #[test]
    fn nothing_changes_before_the_review_and_something_does_at_it(
        p in arbitrary_project(), d in 0i64..60,
    ) {
        let at = now() + days(d);
        let f = p.assess(at);
        let end = f.review_at.map_or(at + days(400), |r| r);
        let mut day = at;
        while day + days(1) < end {
            day += days(1);
            let g = p.assess(day.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc());
            prop_assert_eq!((&g.projected_go_live, &g.reasons), (&f.projected_go_live, &f.reasons));
        }
        if let Some(review) = f.review_at {
            let g = p.assess(review);
            prop_assert!((g.projected_go_live, g.reasons) != (f.projected_go_live, f.reasons));
        }
    }
}
