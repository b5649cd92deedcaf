//! Typed records for the index primitives, as the service hands them over after a merge.

use chrono::NaiveDate;
use fieldreport_protocol::doc::{
    CheckIn, Comment, Customer, Deal, Followup, FollowupKind, Header, Kind, Plan, PlanStatus, Report, ReportKind,
    ReportStatus, Stage, SCHEMA_VERSION,
};
use fieldreport_protocol::money::Money;
use fieldreport_protocol::report::Lang;

fn header(kind: Kind, id: &str, owner: &str, created_at: i64) -> Header {
    Header {
        kind,
        id: id.into(),
        team: "team-1".into(),
        owner: owner.into(),
        created_at,
        schema: SCHEMA_VERSION,
        deleted: false,
    }
}

/// A day as stored (`YYYY-MM-DD`).
pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub fn customer(id: &str, owner: &str, name: &str, location: Option<(f64, f64)>) -> Customer {
    Customer {
        header: header(Kind::Customer, id, owner, 1),
        name: name.into(),
        level: None,
        contacts: Vec::new(),
        address: None,
        location,
        tags: Vec::new(),
    }
}

pub fn deal(id: &str, owner: &str, customer: &str, stage: Stage, created_at: i64) -> Deal {
    Deal {
        header: header(Kind::Deal, id, owner, created_at),
        customer_id: customer.into(),
        title: format!("商机 {id}"),
        amount: Money { minor: 100_000, currency: "CNY".into() },
        stage,
        stage_history: Vec::new(),
        expected_close: None,
        lost_reason: None,
    }
}

pub fn visit(
    id: &str,
    owner: &str,
    customer: &str,
    deal: Option<&str>,
    at: i64,
    checkin: Option<(f64, f64)>,
) -> Followup {
    Followup {
        header: header(Kind::Followup, id, owner, at),
        customer_id: customer.into(),
        deal_id: deal.map(String::from),
        kind: FollowupKind::Visit,
        occurred_at: at,
        note: String::new(),
        next_step: String::new(),
        next_followup_on: None,
        checkin: checkin.map(|(lat, lon)| CheckIn { lat, lon, accuracy: None, at }),
        checkin_metres: None,
        attachments: Vec::new(),
        stage_change: None,
        plan_id: None,
    }
}

/// A plan of `owner`'s to visit `customer` on `on`, in `status`.
pub fn plan(id: &str, owner: &str, customer: &str, on: &str, status: PlanStatus) -> Plan {
    Plan {
        header: header(Kind::Plan, id, owner, 1),
        customer_id: customer.into(),
        on: Some(day(on)),
        at: None,
        purpose: "演示".into(),
        status,
        followup_id: None,
    }
}

/// A daily report of `first`, submitted at `submitted_at`, with `comments` comments.
pub fn report(id: &str, owner: &str, first: &str, submitted_at: Option<i64>, comments: usize) -> Report {
    Report {
        header: header(Kind::Report, id, owner, 1),
        kind: ReportKind::Daily,
        first: day(first),
        last: day(first),
        template: "daily".into(),
        lang: Lang::ZhCn,
        title: format!("日报 {first}"),
        summary: String::new(),
        filled_at: None,
        sections: Vec::new(),
        blocks: Vec::new(),
        to: Vec::new(),
        cc: Vec::new(),
        status: if submitted_at.is_some() { ReportStatus::Submitted } else { ReportStatus::Draft },
        submitted_at,
        comments: (0..comments)
            .map(|i| Comment {
                id: format!("c{i}"),
                author: "m".into(),
                at: 1,
                text: "好".into(),
                ..Default::default()
            })
            .collect(),
        attachments: Vec::new(),
    }
}
