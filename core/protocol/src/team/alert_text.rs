//! An alert as a person reads it: in their language, with the member's name and the words for
//! stored values (stages, report kinds, periods), never ids or enum names.

use super::Alert;
use crate::codes::AlertKind;
use crate::report::{label_of, period_name, Lang, Names};

/// One line saying what `alert` is about, in `lang`, naming people from `names`. An alert from
/// a server too old to send its particulars reads as the server's own (English) message.
pub fn alert_text(alert: &Alert, lang: Lang, names: &Names) -> String {
    let f = &alert.facts;
    let who = names.of(&alert.user_id);
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let metric = || lang.pick(f.metric_zh.as_deref().unwrap_or(""), f.metric_en.as_deref().unwrap_or("")).to_string();
    let word = |v: &Option<String>| label_of(v.as_deref().unwrap_or(""), lang);
    let zh = lang == Lang::ZhCn;
    let text = match alert.alert_kind() {
        Some(AlertKind::ConversionBelowTeam) if f.value.is_some() => {
            if zh {
                format!("{who}本月{}为 {}，低于团队平均 {} 的 {}", metric(), s(&f.value), s(&f.reference), s(&f.share))
            } else {
                format!(
                    "{who}: {} {} this month, below {} of the team average {}",
                    metric(),
                    s(&f.value),
                    s(&f.share),
                    s(&f.reference)
                )
            }
        }
        Some(AlertKind::StaleDeal) if f.title.is_some() => {
            let days = f.days.unwrap_or_default();
            if zh {
                format!("{who}的商机「{}」（{}）已 {days} 天没有跟进", s(&f.title), word(&f.stage))
            } else {
                format!("{who}: deal “{}” ({}) has had no followup for {days} days", s(&f.title), word(&f.stage))
            }
        }
        Some(kind @ (AlertKind::ReportMissing | AlertKind::ReportLate)) if f.report_kind.is_some() => {
            let late = kind == AlertKind::ReportLate;
            let period = match f.date.as_deref().and_then(|d| d.parse().ok()) {
                Some(last) => period_name(f.report_kind.as_deref().unwrap_or(""), last, None, lang),
                None => format!("{} {}", s(&f.date), word(&f.report_kind)),
            };
            if zh {
                format!("{who} {period}{}", if late { "迟交" } else { "未提交" })
            } else {
                format!("{who}: {period} {}", if late { "submitted late" } else { "not submitted" })
            }
        }
        Some(AlertKind::KpiRed) if f.value.is_some() => {
            if zh {
                format!("{who}{}{}为 {}，按进度应达 {}：落后", word(&f.period), metric(), s(&f.value), s(&f.reference))
            } else {
                format!(
                    "{who}: {} {} {}, behind the pace of {}",
                    metric(),
                    s(&f.value),
                    word(&f.period),
                    s(&f.reference)
                )
            }
        }
        Some(AlertKind::CheckinFar) if f.value.is_some() => {
            if zh {
                format!(
                    "{who} {} 拜访「{}」的签到距客户地址 {}（超过 {}）",
                    s(&f.date),
                    s(&f.title),
                    s(&f.value),
                    s(&f.reference)
                )
            } else {
                format!(
                    "{who}: check-in at “{}” on {} was {} from the customer's address (more than {})",
                    s(&f.title),
                    s(&f.date),
                    s(&f.value),
                    s(&f.reference)
                )
            }
        }
        _ => return format!("{who} · {} · {}", label_of(&alert.kind, lang), alert.message),
    };
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::AlertFacts;

    fn alert(kind: &str, facts: AlertFacts) -> Alert {
        Alert {
            id: "x".into(),
            kind: kind.into(),
            user_id: "u-1".into(),
            subject: "s".into(),
            message: "english with ids".into(),
            facts,
        }
    }

    fn names() -> Names {
        [("u-1".to_string(), "张伟".to_string())].into_iter().collect()
    }

    #[test]
    fn alerts_read_in_words_with_names() {
        let stale = alert(
            "stale_deal",
            AlertFacts {
                title: Some("华为云".into()),
                stage: Some("proposal".into()),
                days: Some(15),
                ..Default::default()
            },
        );
        assert_eq!(alert_text(&stale, Lang::ZhCn, &names()), "张伟的商机「华为云」（方案报价）已 15 天没有跟进");
        assert!(alert_text(&stale, Lang::En, &names()).starts_with("张伟: deal “华为云” (proposal)"));
        let missing = alert(
            "report_missing",
            AlertFacts { report_kind: Some("weekly".into()), date: Some("2026-11-29".into()), ..Default::default() },
        );
        assert_eq!(alert_text(&missing, Lang::ZhCn, &names()), "张伟 周报（11-23 ~ 11-29）未提交");
        let red = alert(
            "kpi_red",
            AlertFacts {
                metric_zh: Some("新签合同额".into()),
                metric_en: Some("New contract value".into()),
                value: Some("¥12,000.00".into()),
                reference: Some("¥350,000.00".into()),
                period: Some("this-month".into()),
                ..Default::default()
            },
        );
        let zh = alert_text(&red, Lang::ZhCn, &names());
        assert_eq!(zh, "张伟本月新签合同额为 ¥12,000.00，按进度应达 ¥350,000.00：落后");
        for raw in ["kpi_red", "this-month", "u-1", "proposal", "weekly"] {
            assert!(!zh.contains(raw), "{zh}");
        }
    }

    #[test]
    fn an_alert_without_facts_keeps_the_servers_message() {
        let old = alert("stale_deal", AlertFacts::default());
        assert_eq!(alert_text(&old, Lang::ZhCn, &names()), "张伟 · 商机停滞 · english with ids");
    }
}
