//! What a project's go-live leaves behind for forecasting and analytics:
//! compact facts written in the go-live's commit, and the durations that
//! new projects of the same service type learn from them.

use super::forecast::Basis;
use super::hold_and_cancel::Category;
use super::ids::ProjectId;
use super::milestone::MilestoneKey;
use super::project::Project;
use super::template::{MAX_EXPECTED_DAYS, Template};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// Most go-lives of one service type that learned durations look at (the
/// most recent ones): the pace of last year, not of five years ago.
pub const LEARNING_WINDOW: usize = 100;
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// One project's go-live, in numbers. Durations exclude time on hold.
#[derive(Clone, Debug, PartialEq)]
pub struct GoLiveFacts {
    pub project_id: ProjectId,
    pub service_type: String,
    pub won_at: DateTime<Utc>,
    pub go_live_date: NaiveDate,
    pub target_go_live: NaiveDate,
    /// Calendar days from the win to the go-live date (the customer's wait).
    pub lead_time_days: i64,
    /// Per milestone, in order: seconds it was the current one, hold excluded.
    pub milestones: Vec<(MilestoneKey, i64)>,
    /// Seconds tasks spent blocked (project hold excluded), by category.
    pub blocked_seconds: BTreeMap<Category, i64>,
    pub held_seconds: i64,
}

impl GoLiveFacts {
    pub fn on_time(&self) -> bool {
        self.go_live_date <= self.target_go_live
    }

    /// `YYYY-MM` of the go-live, the window analytics query by.
    pub fn month(&self) -> String {
        self.go_live_date.format("%Y-%m").to_string()
    }
}

impl Project {
    /// The facts of this project's go-live, once it is live.
    pub fn go_live_facts(&self) -> Option<GoLiveFacts> {
        let go_live_date = self.go_live_date?;
        let mut start = self.created_at;
        let mut milestones = Vec::with_capacity(self.milestones.len());
        for m in &self.milestones {
            let end = m.completed_at?;
            let active = (end - start).num_seconds() - m.held_seconds;
            milestones.push((m.key.clone(), active.max(0)));
            start = end;
        }
        let went_live = start;
        let mut blocked_seconds = BTreeMap::new();
        for t in &self.tasks {
            for (category, seconds) in &t.blocked_by_category {
                *blocked_seconds.entry(*category).or_insert(0) += seconds;
            }
            // A task of the go-live milestone may still be blocked: count it up to go-live.
            if let Some(since) = t.blocked_since {
                let category = t.blocked_category.unwrap_or(Category::Other);
                let active = (went_live - since).num_seconds() - t.block_held_seconds;
                *blocked_seconds.entry(category).or_insert(0) += active.max(0);
            }
        }
        Some(GoLiveFacts {
            project_id: self.id.clone(),
            service_type: self.services.first().map(|s| s.service_type.clone()).unwrap_or_default(),
            won_at: self.won_at,
            go_live_date,
            target_go_live: self.target_go_live,
            lead_time_days: (go_live_date - self.won_at.date_naive()).num_days(),
            milestones,
            blocked_seconds,
            held_seconds: self.held_seconds,
        })
    }
}

/// The `p`th percentile (0–100) of `values` by nearest rank: the smallest
/// value with at least `p`% of the values at or below it.
pub fn percentile(values: &mut [f64], p: u8) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let rank = (f64::from(p) / 100.0 * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

impl Template {
    /// This template as new projects follow it: with `history` (go-lives of
    /// its service type, most recent first) once there are enough of them,
    /// each milestone's expected duration becomes the p85 of its observed
    /// ones, in whole days rounded up; a milestone the history lacks keeps
    /// its template duration, and a template none of whose milestones the
    /// history knows (all keys renamed) keeps its basis.
    pub fn learned_from(mut self, history: &[GoLiveFacts]) -> Self {
        let history = &history[..history.len().min(LEARNING_WINDOW)];
        if history.is_empty() || history.len() < usize::from(self.history_min_go_lives) {
            return self;
        }
        let mut learned = false;
        for m in &mut self.milestones {
            let mut days: Vec<f64> = history
                .iter()
                .filter_map(|f| f.milestones.iter().find(|(key, _)| *key == m.key))
                .map(|(_, seconds)| *seconds as f64 / SECONDS_PER_DAY)
                .collect();
            if days.len() < usize::from(self.history_min_go_lives) {
                continue;
            }
            if let Some(p85) = percentile(&mut days, 85) {
                m.expected_days = (p85.ceil() as u16).min(MAX_EXPECTED_DAYS);
                learned = true;
            }
        }
        if learned {
            self.basis = Basis::History;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(days: &[i64]) -> GoLiveFacts {
        let keys = ["order_confirmed", "equipment_ordered", "delivery_confirmed"];
        GoLiveFacts {
            project_id: ProjectId::from_raw("p"),
            service_type: "fibre_ftto".into(),
            won_at: "2026-11-20T10:00:00Z".parse().unwrap(),
            go_live_date: "2026-12-20".parse().unwrap(),
            target_go_live: "2027-01-15".parse().unwrap(),
            lead_time_days: 30,
            milestones: keys
                .iter()
                .zip(days)
                .map(|(k, d)| (MilestoneKey::from_raw(*k), d * 86_400))
                .collect(),
            blocked_seconds: BTreeMap::new(),
            held_seconds: 0,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&mut v, 50), Some(10.0));
        assert_eq!(percentile(&mut v, 85), Some(17.0));
        assert_eq!(percentile(&mut v, 95), Some(19.0));
        assert_eq!(percentile(&mut [4.0], 85), Some(4.0));
        assert_eq!(percentile(&mut [], 85), None);
    }

    #[test]
    fn durations_are_learned_only_from_enough_go_lives() {
        let template = Template::default_for("fibre_ftto");
        let nine: Vec<_> = (0..9).map(|_| facts(&[1, 9, 30])).collect();
        let learned = template.clone().learned_from(&nine);
        assert_eq!((learned.basis, &learned.milestones), (Basis::Template, &template.milestones));

        let mut ten = nine;
        ten.push(facts(&[3, 1, 40]));
        let learned = template.clone().learned_from(&ten);
        assert_eq!(learned.basis, Basis::History);
        let days: Vec<u16> = learned.milestones.iter().map(|m| m.expected_days).collect();
        // p85 of ten values is the 9th smallest; milestones without history keep theirs.
        assert_eq!(days, [1, 9, 30, 7, 5, 2]);
    }

    /// The sample project live on day 12: a task blocked (carrier) days 0-2,
    /// on hold days 3-5, a milestone a day from day 6, a go-live task
    /// blocked (no category) from day 10.
    fn live_after_a_hold_and_two_blocks() -> Project {
        use crate::activation::Activation;
        use crate::fixtures::{now, project};
        use crate::hold_and_cancel::HoldRequest;
        use crate::milestone_changes::CompleteMilestone;
        use crate::task::{Block, Task, TaskStatus};
        use crate::{TaskId, TaskStatus as S};
        let day = |n: i64| now() + chrono::Duration::days(n);
        let (mut p, _) = project();
        let key = MilestoneKey::from_raw("order_confirmed");
        let due = day(1).date_naive();
        let mut task =
            Task::new(TaskId::from_raw("T-1"), key, "Survey", None, "t@x.fr", due, now());
        let block = Block { reason: Some("Carrier"), category: Some(Category::Carrier) };
        task.transition(S::Blocked, block, true, now()).unwrap();
        task.transition(S::InProgress, Block::default(), true, day(2)).unwrap();
        task.transition(S::Done, Block::default(), true, day(2)).unwrap();
        p.tasks.push(task);
        let hold =
            HoldRequest { reason: "Closed".into(), category: Category::SiteAccess, until: None };
        p.hold(&hold, "pm", day(3)).unwrap();
        p.resume("pm", day(5)).unwrap();
        let keys: Vec<String> = p.milestones.iter().map(|m| m.key.to_string()).collect();
        for (i, key) in keys.iter().take(5).enumerate() {
            let at = day(6 + i as i64);
            p.complete_milestone(key, CompleteMilestone::default(), "pm", at).unwrap();
        }
        let summary = crate::activation::ServiceSummary {
            line_id: "L1".into(),
            circuit_id: None,
            ip_addressing: None,
            numbers: vec![],
            equipment: None,
            details: Default::default(),
        };
        let go_live =
            Activation { go_live_date: day(12).date_naive(), technical_summary: vec![summary] };
        let mut open = Task::new(
            TaskId::from_raw("T-2"),
            MilestoneKey::from_raw("go_live"),
            "Port",
            None,
            "t@x.fr",
            due,
            day(10),
        );
        let block = Block { reason: Some("Customer away"), category: None };
        open.transition(TaskStatus::Blocked, block, true, day(10)).unwrap();
        p.tasks.push(open);
        p.activate(&go_live, false, "pm", day(12)).unwrap();
        p
    }

    #[test]
    fn a_go_live_leaves_its_durations_without_hold_and_its_blocked_time_by_category() {
        let p = live_after_a_hold_and_two_blocks();
        let facts = p.go_live_facts().unwrap();
        let days: Vec<i64> = facts.milestones.iter().map(|(_, s)| s / 86_400).collect();
        // order_confirmed: 6 days, 2 of them on hold; then a day each; go-live 2 days.
        assert_eq!(days, [4, 1, 1, 1, 1, 2]);
        let blocked: Vec<(Category, i64)> =
            facts.blocked_seconds.iter().map(|(c, s)| (*c, s / 86_400)).collect();
        assert_eq!(blocked, [(Category::Carrier, 2), (Category::Other, 2)]);
        assert_eq!(
            (facts.held_seconds, facts.lead_time_days, facts.on_time()),
            (2 * 86_400, 12, true)
        );
    }

    #[test]
    fn a_hold_before_a_reopen_counts_for_the_reopened_milestone() {
        use crate::fixtures::{now, project};
        use crate::hold_and_cancel::HoldRequest;
        use crate::milestone_changes::CompleteMilestone;
        let day = |n: i64| now() + chrono::Duration::days(n);
        let (mut p, _) = project();
        p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", day(1))
            .unwrap();
        let hold =
            HoldRequest { reason: "Closed".into(), category: Category::Customer, until: None };
        p.hold(&hold, "pm", day(2)).unwrap();
        p.resume("pm", day(5)).unwrap();
        assert_eq!(p.milestones[1].held_seconds, 3 * 86_400);
        let change = p.reopen_milestone("order_confirmed", "Wrong order", "admin", day(6)).unwrap();
        assert_eq!((p.milestones[0].held_seconds, p.milestones[1].held_seconds), (3 * 86_400, 0));
        assert_eq!(change.milestones.len(), 2, "both milestones are written");
        // Re-completed on day 8: 8 days of span, 3 of them on hold.
        p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", day(8))
            .unwrap();
        let forecast = p.assess(day(8));
        // 2026-11-28, then the 34 expected days of the rest.
        assert_eq!(forecast.projected_go_live, "2027-01-01".parse().ok());
    }

    #[test]
    fn a_history_of_other_milestones_teaches_nothing() {
        let mut template = Template::default_for("fibre_ftto");
        template.history_min_go_lives = 1;
        for m in &mut template.milestones {
            m.key = MilestoneKey::from_raw(format!("renamed_{}", m.key));
        }
        let learned = template.clone().learned_from(&[facts(&[1, 2, 3])]);
        assert_eq!((learned.basis, learned.milestones), (Basis::Template, template.milestones));
    }

    #[test]
    fn a_learned_duration_rounds_partial_days_up() {
        let mut template = Template::default_for("fibre_ftto");
        template.history_min_go_lives = 1;
        let mut f = facts(&[1]);
        f.milestones[0].1 = 86_400 + 60;
        assert_eq!(template.learned_from(&[f]).milestones[0].expected_days, 2);
    }
}
