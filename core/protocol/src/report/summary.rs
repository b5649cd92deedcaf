//! The one-paragraph summary a pre-filled report opens with, drafted from the period's data
//! (今日拜访 3 家客户（华为、联影、科沃斯），电话 1 次，新签合同 ¥150,000；明日计划拜访 2 家). The rep
//! edits it as they like; a draft never overwrites their words.

use super::{FollowupGroup, KpiRow, Lang, PlanItem};
use crate::doc::{FollowupKind, PlanStatus, ReportKind, Stage};
use crate::kpi::{format_value, Unit};

/// How many names a list in the summary shows before "等".
const NAMED: usize = 5;

/// A deal that entered a later stage in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealMove {
    pub title: String,
    pub customer_name: String,
    pub from: Option<Stage>,
    pub to: Stage,
}

/// What a summary is drafted from: the period's followups (grouped by customer), its figures,
/// the deals that moved in it, and the next period's plans.
pub struct SummaryInput<'a> {
    pub kind: ReportKind,
    pub lang: Lang,
    pub groups: &'a [FollowupGroup],
    pub kpis: &'a [KpiRow],
    pub moves: &'a [DealMove],
    pub plans: &'a [PlanItem],
    /// For a daily whose next working day is not tomorrow (a Friday's: Monday), that day: the
    /// plans are named by its weekday (周一计划拜访…).
    pub next_day: Option<chrono::NaiveDate>,
}

/// A weekday's name (周一, Monday).
fn weekday(lang: Lang, d: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    let i = d.weekday().num_days_from_monday() as usize;
    let zh = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    let en = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    lang.pick(zh[i], en[i])
}

fn names(lang: Lang, list: &[&str]) -> String {
    let sep = lang.pick("、", ", ");
    let mut out = list.iter().take(NAMED).copied().collect::<Vec<_>>().join(sep);
    if list.len() > NAMED {
        out.push_str(lang.pick("等", " and others"));
    }
    out
}

/// Money without cents when it has none (¥150,000, not ¥150,000.00).
fn money(unit: &Unit, value: f64) -> String {
    let s = format_value(unit, value);
    s.strip_suffix(".00").map(str::to_string).unwrap_or(s)
}

/// The summary of a report of `input.kind`, in `input.lang`.
pub fn draft_summary(input: &SummaryInput) -> String {
    let lang = input.lang;
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let (this, next) = match input.kind {
        ReportKind::Weekly => (t("本周", "This week"), t("下周", "next week")),
        ReportKind::Monthly => (t("本月", "This month"), t("下月", "next month")),
        _ => (t("今日", "Today"), input.next_day.map_or(t("明日", "tomorrow"), |d| weekday(lang, d))),
    };
    let count =
        |kind: FollowupKind| input.groups.iter().flat_map(|g| &g.items).filter(|i| i.kind == kind.as_str()).count();
    let visited: Vec<&str> = input
        .groups
        .iter()
        .filter(|g| g.items.iter().any(|i| i.kind == FollowupKind::Visit.as_str()))
        .map(|g| g.customer_name.as_str())
        .collect();
    let mut parts: Vec<String> = Vec::new();
    if !visited.is_empty() {
        let (open, close) = (t("（", " ("), t("）", ")"));
        parts.push(match lang {
            Lang::ZhCn => format!("{this}拜访 {} 家客户{open}{}{close}", visited.len(), names(lang, &visited)),
            Lang::En => format!("{this}: visited {} customer(s){open}{}{close}", visited.len(), names(lang, &visited)),
        });
    }
    for (kind, zh, en) in [
        (FollowupKind::Call, "电话", "call(s)"),
        (FollowupKind::Meeting, "会议", "meeting(s)"),
        (FollowupKind::Message, "消息", "message(s)"),
        (FollowupKind::Email, "邮件", "email(s)"),
    ] {
        let n = count(kind);
        if n > 0 {
            parts.push(match lang {
                Lang::ZhCn => format!("{zh} {n} 次"),
                Lang::En => format!("{n} {en}"),
            });
        }
    }
    for (metric, zh, en) in [
        ("new_customers", "新增客户", "new customers"),
        ("new_contract_amount", "新签合同", "new contracts"),
        ("payments_received", "回款", "payments received"),
        ("deals_won_amount", "赢单", "deals won"),
    ] {
        let Some(row) = input.kpis.iter().find(|r| r.metric == metric && r.value > 0.0) else { continue };
        let value = match &row.unit {
            Unit::Count => format!("{} {}", row.value.round() as i64, t("家", "")).trim_end().to_string(),
            unit => money(unit, row.value),
        };
        parts.push(match lang {
            Lang::ZhCn => format!("{zh} {value}"),
            Lang::En => format!("{en} {value}"),
        });
    }
    if parts.is_empty() {
        parts.push(match lang {
            Lang::ZhCn => format!("{this}无跟进记录"),
            Lang::En => format!("{this}: no followups"),
        });
    } else if lang == Lang::En && visited.is_empty() {
        parts[0] = format!("{this}: {}", parts[0]);
    }
    let mut text = parts.join(t("，", ", "));
    if matches!(input.kind, ReportKind::Weekly | ReportKind::Monthly) {
        let mut busiest: Vec<&FollowupGroup> = input.groups.iter().collect();
        busiest.sort_by_key(|g| std::cmp::Reverse(g.items.len()));
        let key: Vec<String> = busiest
            .iter()
            .take(3)
            .filter(|g| g.items.len() > 1)
            .map(|g| match lang {
                Lang::ZhCn => format!("{}（{} 次）", g.customer_name, g.items.len()),
                Lang::En => format!("{} ({})", g.customer_name, g.items.len()),
            })
            .collect();
        if !key.is_empty() {
            text.push_str(t("；重点客户：", "; key accounts: "));
            text.push_str(&key.join(t("、", ", ")));
        }
        if !input.moves.is_empty() {
            let moved: Vec<String> = input
                .moves
                .iter()
                .take(NAMED)
                .map(|m| {
                    let from = m.from.map(|s| lang.pick(s.zh(), s.as_str()).to_string()).unwrap_or_default();
                    let to = lang.pick(m.to.zh(), m.to.as_str());
                    format!("{} {from}→{to}", m.title)
                })
                .collect();
            text.push_str(&match lang {
                Lang::ZhCn => format!("；推进商机 {} 个（{}）", input.moves.len(), moved.join("、")),
                Lang::En => format!("; {} deal(s) moved ({})", input.moves.len(), moved.join(", ")),
            });
        }
    }
    let planned: Vec<&str> = {
        let mut seen: Vec<&str> = Vec::new();
        for p in input.plans.iter().filter(|p| p.status == PlanStatus::Planned) {
            if !seen.contains(&p.customer_name.as_str()) {
                seen.push(&p.customer_name);
            }
        }
        seen
    };
    if !planned.is_empty() {
        text.push_str(&match lang {
            Lang::ZhCn => format!("；{next}计划拜访 {} 家", planned.len()),
            Lang::En => format!("; {} visit(s) planned for {next}", planned.len()),
        });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::FollowupItem;

    fn group(name: &str, kinds: &[&str]) -> FollowupGroup {
        FollowupGroup {
            customer_id: name.into(),
            customer_name: name.into(),
            items: kinds
                .iter()
                .map(|k| FollowupItem {
                    id: String::new(),
                    occurred_at: 0,
                    kind: k.to_string(),
                    note: String::new(),
                    next_step: String::new(),
                    checked_in: false,
                    checkin_distance_m: None,
                    photos: Vec::new(),
                })
                .collect(),
        }
    }

    fn plan(name: &str) -> PlanItem {
        PlanItem {
            id: String::new(),
            customer_id: name.into(),
            customer_name: name.into(),
            on: chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
            at: None,
            purpose: String::new(),
            status: PlanStatus::Planned,
        }
    }

    #[test]
    fn a_daily_reads_as_the_rep_would_write_it() {
        let groups = [group("华为", &["visit"]), group("联影", &["visit", "call"]), group("科沃斯", &["visit"])];
        let kpis = [KpiRow {
            metric: "new_contract_amount".into(),
            name_zh: "新增合同金额".into(),
            name_en: "New contract amount".into(),
            value: 15_000_000.0,
            unit: Unit::Money { currency: "CNY".into() },
            target: None,
            achievement: None,
            status: None,
        }];
        let plans = [plan("华为"), plan("阿里"), plan("阿里")];
        let input = SummaryInput {
            kind: ReportKind::Daily,
            lang: Lang::ZhCn,
            groups: &groups,
            kpis: &kpis,
            moves: &[],
            plans: &plans,
            next_day: None,
        };
        assert_eq!(
            draft_summary(&input),
            "今日拜访 3 家客户（华为、联影、科沃斯），电话 1 次，新签合同 ¥150,000；明日计划拜访 2 家"
        );
        let en = draft_summary(&SummaryInput { lang: Lang::En, ..input });
        assert_eq!(
            en,
            "Today: visited 3 customer(s) (华为, 联影, 科沃斯), 1 call(s), new contracts ¥150,000; 2 visit(s) planned for tomorrow"
        );
    }

    #[test]
    fn an_empty_day_and_a_week_with_key_accounts_and_moves() {
        let none = SummaryInput {
            kind: ReportKind::Daily,
            lang: Lang::ZhCn,
            groups: &[],
            kpis: &[],
            moves: &[],
            plans: &[],
            next_day: None,
        };
        assert_eq!(draft_summary(&none), "今日无跟进记录");
        let friday = SummaryInput { plans: &[plan("华为")], next_day: "2026-12-14".parse().ok(), ..none };
        assert_eq!(draft_summary(&friday), "今日无跟进记录；周一计划拜访 1 家", "a Friday's next working day");
        let groups = [group("华为", &["visit", "call", "visit"]), group("联影", &["call"])];
        let moves = [DealMove {
            title: "华为扩容".into(),
            customer_name: "华为".into(),
            from: Some(Stage::Proposal),
            to: Stage::Negotiation,
        }];
        let week = SummaryInput { kind: ReportKind::Weekly, groups: &groups, moves: &moves, ..none };
        assert_eq!(
            draft_summary(&week),
            "本周拜访 1 家客户（华为），电话 2 次；重点客户：华为（3 次）；推进商机 1 个（华为扩容 方案报价→跟进推进）"
        );
    }
}
