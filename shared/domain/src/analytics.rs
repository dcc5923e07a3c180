//! Deployment analytics (contract v1.1, "Analytics"): the go-lives of a
//! window of months, per service type. Percentiles are by nearest rank
//! ([`percentile`]); durations in days, time on hold left out.

use super::go_live_facts::{GoLiveFacts, SECONDS_PER_DAY, percentile};
use super::hold_and_cancel::Category;
use super::milestone::MilestoneKey;
use super::validation::{Errors, FieldError};
use chrono::{Datelike, NaiveDate};

/// The widest window one request may ask for (one Query per month).
pub const MAX_MONTHS: usize = 36;

/// Every blocked-time category, in the order reports list them.
pub const CATEGORIES: [Category; 6] = [
    Category::Customer,
    Category::Carrier,
    Category::SiteAccess,
    Category::Equipment,
    Category::Internal,
    Category::Other,
];

/// A calendar month, `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month(NaiveDate);

impl Month {
    pub fn parse(text: &str) -> Option<Self> {
        let valid = text.len() == 7 && text.as_bytes()[4] == b'-';
        let first = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok();
        first.filter(|_| valid).map(Self)
    }

    fn next(self) -> Option<Self> {
        self.0.checked_add_months(chrono::Months::new(1)).map(Self)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year(), self.0.month())
    }
}

/// The months `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: Month,
    pub to: Month,
}

impl Window {
    /// A window of at most [`MAX_MONTHS`] months, `from` not after `to`.
    pub fn new(from: &str, to: &str) -> Result<Self, Vec<FieldError>> {
        let mut e = Errors::new();
        let (from, to) = (Month::parse(from), Month::parse(to));
        for (name, month) in [("from", from), ("to", to)] {
            if month.is_none() {
                e.add(name, "must be a month, YYYY-MM");
            }
        }
        let (Some(from), Some(to)) = (from, to) else {
            return Err(e.into_result().err().unwrap_or_default());
        };
        let window = Self { from, to };
        if from > to {
            e.add("to", "must not be before from");
        } else if window.months().len() > MAX_MONTHS {
            e.add("to", format!("must be at most {MAX_MONTHS} months from `from`"));
        }
        e.into_result().map(|()| window)
    }

    pub fn months(&self) -> Vec<Month> {
        let mut months = vec![self.from];
        while let Some(next) = months.last().and_then(|m| m.next()).filter(|m| *m <= self.to) {
            if months.len() > MAX_MONTHS {
                break;
            }
            months.push(next);
        }
        months
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p85: f64,
    pub p95: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MilestoneStats {
    pub key: MilestoneKey,
    /// Go-lives whose plan had this milestone.
    pub count: usize,
    pub p50_days: f64,
    pub p85_days: f64,
}

/// One service type over the window.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceStats {
    pub service_type: String,
    pub count: usize,
    pub lead_time_days: Percentiles,
    /// Share of go-lives on or before their target, 0 to 1.
    pub on_time_rate: f64,
    /// In the order the go-lives' plans have them.
    pub milestones: Vec<MilestoneStats>,
    /// Total days tasks spent blocked, by category (every category listed).
    pub blocked_days: Vec<(Category, f64)>,
    /// Total days projects spent on hold.
    pub held_days: f64,
}

/// The statistics of `facts`, per service type in name order.
pub fn summarize(facts: &[GoLiveFacts]) -> Vec<ServiceStats> {
    let mut types: Vec<&str> = facts.iter().map(|f| f.service_type.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    types
        .into_iter()
        .map(|t| {
            let of_type: Vec<&GoLiveFacts> = facts.iter().filter(|f| f.service_type == t).collect();
            service_stats(t, &of_type)
        })
        .collect()
}

fn service_stats(service_type: &str, facts: &[&GoLiveFacts]) -> ServiceStats {
    let mut lead: Vec<f64> = facts.iter().map(|f| f.lead_time_days as f64).collect();
    let on_time = facts.iter().filter(|f| f.on_time()).count();
    let days = |seconds: i64| seconds as f64 / SECONDS_PER_DAY;
    let blocked_days = CATEGORIES
        .iter()
        .map(|c| {
            let seconds: i64 = facts.iter().filter_map(|f| f.blocked_seconds.get(c)).sum();
            (*c, round(days(seconds)))
        })
        .collect();
    ServiceStats {
        service_type: service_type.to_owned(),
        count: facts.len(),
        lead_time_days: Percentiles {
            p50: round(percentile(&mut lead, 50).unwrap_or_default()),
            p85: round(percentile(&mut lead, 85).unwrap_or_default()),
            p95: round(percentile(&mut lead, 95).unwrap_or_default()),
        },
        on_time_rate: round(on_time as f64 / facts.len().max(1) as f64),
        milestones: milestone_stats(facts),
        blocked_days,
        held_days: round(days(facts.iter().map(|f| f.held_seconds).sum())),
    }
}

fn milestone_stats(facts: &[&GoLiveFacts]) -> Vec<MilestoneStats> {
    let mut keys: Vec<&MilestoneKey> = Vec::new();
    for (key, _) in facts.iter().flat_map(|f| &f.milestones) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .map(|key| {
            let mut days: Vec<f64> = facts
                .iter()
                .flat_map(|f| &f.milestones)
                .filter(|(k, _)| k == key)
                .map(|(_, seconds)| *seconds as f64 / SECONDS_PER_DAY)
                .collect();
            MilestoneStats {
                key: key.clone(),
                count: days.len(),
                p50_days: round(percentile(&mut days, 50).unwrap_or_default()),
                p85_days: round(percentile(&mut days, 85).unwrap_or_default()),
            }
        })
        .collect()
}

/// Two decimals: hours are enough for planning, and reports stay readable.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProjectId;
    use std::collections::BTreeMap;

    fn facts(service: &str, lead: i64, late: bool, blocked: &[(Category, i64)]) -> GoLiveFacts {
        let go_live: NaiveDate = "2027-01-10".parse().unwrap();
        GoLiveFacts {
            project_id: ProjectId::from_raw(format!("p{lead}")),
            service_type: service.into(),
            won_at: "2026-11-20T10:00:00Z".parse().unwrap(),
            go_live_date: go_live,
            target_go_live: if late { go_live.pred_opt().unwrap() } else { go_live },
            lead_time_days: lead,
            milestones: vec![
                (MilestoneKey::from_raw("order_confirmed"), lead * 8_640),
                (MilestoneKey::from_raw("go_live"), 86_400),
            ],
            blocked_seconds: blocked
                .iter()
                .map(|(c, d)| (*c, d * 86_400))
                .collect::<BTreeMap<_, _>>(),
            held_seconds: 43_200,
        }
    }

    #[test]
    fn a_window_lists_its_months_and_refuses_a_backward_or_huge_one() {
        let w = Window::new("2026-11", "2027-02").unwrap();
        let months: Vec<String> = w.months().iter().map(ToString::to_string).collect();
        assert_eq!(months, ["2026-11", "2026-12", "2027-01", "2027-02"]);
        assert!(Window::new("2027-02", "2026-11").is_err());
        assert!(Window::new("2020-01", "2027-01").is_err());
        assert_eq!(Window::new("2027-13", "27-01").unwrap_err().len(), 2);
    }

    #[test]
    fn each_service_type_gets_its_counts_percentiles_and_blocked_time() {
        let mut all: Vec<GoLiveFacts> = (1..=20)
            .map(|d| facts("fibre_ftto", d * 10, d % 4 == 0, &[(Category::Carrier, 1)]))
            .collect();
        all.push(facts("sip_trunk", 7, false, &[]));
        let stats = summarize(&all);
        assert_eq!(stats.len(), 2);
        let fibre = &stats[0];
        assert_eq!((fibre.service_type.as_str(), fibre.count), ("fibre_ftto", 20));
        assert_eq!(fibre.lead_time_days, Percentiles { p50: 100.0, p85: 170.0, p95: 190.0 });
        assert_eq!(fibre.on_time_rate, 0.75);
        assert_eq!(fibre.milestones[0].key.as_str(), "order_confirmed");
        assert_eq!((fibre.milestones[0].p50_days, fibre.milestones[0].p85_days), (10.0, 17.0));
        assert_eq!(fibre.blocked_days[1], (Category::Carrier, 20.0));
        assert_eq!(fibre.blocked_days[0], (Category::Customer, 0.0));
        assert_eq!(fibre.held_days, 10.0);
        assert_eq!(stats[1].count, 1);
    }
}
