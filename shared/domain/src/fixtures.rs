//! Values the tests of this crate and of the crates above it start from
//! (feature `fixtures`, a dev-dependency of those crates).

use crate::deal::{Account, Contact, DealWon, Installation, Language, ServiceLine, Site};
use crate::project::{Change, Project};
use crate::template::Template;
use chrono::{DateTime, NaiveDate, Utc};

/// The sample deal of the contract (`events/crm/deal-won.json`, which the
/// HTTP layer's tests parse into this very value).
pub fn sample() -> DealWon {
    let line =
        |id: &str, service_type: &str, name: &str, installation, subscription: &str| ServiceLine {
            line_id: id.into(),
            service_type: service_type.into(),
            name: name.into(),
            installation,
            subscription_id: subscription.into(),
            site: None,
        };
    let mut fibre =
        line("L1", "fibre_ftto", "Fibre FTTO 1 Gb/s", Installation::Physical, "SUB-9001");
    fibre.site =
        Some(Site { label: "Siège".into(), address: "12 rue des Lilas, 69003 Lyon".into() });
    DealWon {
        deal_id: "D-2026-0042".into(),
        won_at: "2026-11-20T10:00:00Z".parse().unwrap(),
        account: Account {
            id: "ACC-1001".into(),
            name: "Boulangerie Martin SARL".into(),
            language: Language::Fr,
        },
        technical_contact: Contact {
            name: "Claire Martin".into(),
            email: "claire@boulangerie-martin.fr".into(),
            phone: Some("+33612345678".into()),
        },
        owner: "sophie.durand@bluerocktel.fr".into(),
        target_go_live: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
        services: vec![
            fibre,
            line("L2", "sip_trunk", "Trunk SIP 10 canaux", Installation::Logical, "SUB-9002"),
            line("L3", "support_premium", "Support Premium", Installation::None, "SUB-9003"),
        ],
    }
}

pub fn now() -> DateTime<Utc> {
    "2026-11-20T10:05:00Z".parse().unwrap()
}

pub fn project() -> (Project, Change) {
    let deal = sample();
    let line = &deal.services[0];
    Project::open(&deal, line, &Template::default_for(&line.service_type), now())
}
