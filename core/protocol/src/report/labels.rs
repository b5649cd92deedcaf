//! Every enum a person reads, in their language: followup kinds, deal stages, report kinds and
//! statuses, KPI statuses, roles, submission statuses, alert kinds. zh-CN by default, en on request.

use super::Lang;
use crate::codes::{Role, SubmissionStatus};
use crate::doc::{FollowupKind, PlanStatus, ReportKind, ReportStatus, Stage};
use crate::kpi::KpiStatus;

/// A value's name for people.
pub trait Label {
    fn label(&self, lang: Lang) -> &'static str;
}

impl Label for FollowupKind {
    fn label(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh(), self.as_str())
    }
}

impl Label for Stage {
    fn label(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh(), self.as_str())
    }
}

impl Label for ReportKind {
    fn label(&self, lang: Lang) -> &'static str {
        match self {
            ReportKind::Daily => lang.pick("日报", "daily report"),
            ReportKind::Weekly => lang.pick("周报", "weekly report"),
            ReportKind::Monthly => lang.pick("月报", "monthly report"),
            ReportKind::Free => lang.pick("工作汇报", "report"),
        }
    }
}

impl Label for ReportStatus {
    fn label(&self, lang: Lang) -> &'static str {
        match self {
            ReportStatus::Draft => lang.pick("草稿", "draft"),
            ReportStatus::Submitted => lang.pick("已提交", "submitted"),
        }
    }
}

impl Label for PlanStatus {
    fn label(&self, lang: Lang) -> &'static str {
        match self {
            PlanStatus::Planned => lang.pick("计划中", "planned"),
            PlanStatus::Done => lang.pick("已完成", "done"),
            PlanStatus::Cancelled => lang.pick("已取消", "cancelled"),
        }
    }
}

impl Label for KpiStatus {
    fn label(&self, lang: Lang) -> &'static str {
        match self {
            KpiStatus::Green => lang.pick("达标", "on track"),
            KpiStatus::Yellow => lang.pick("关注", "watch"),
            KpiStatus::Red => lang.pick("落后", "behind"),
        }
    }
}

impl Label for Role {
    fn label(&self, lang: Lang) -> &'static str {
        match self {
            Role::Rep => lang.pick("销售", "rep"),
            Role::Manager => lang.pick("经理", "manager"),
            Role::Admin => lang.pick("管理员", "admin"),
        }
    }
}

impl Label for SubmissionStatus {
    fn label(&self, lang: Lang) -> &'static str {
        match self {
            SubmissionStatus::OnTime => lang.pick("按时", "on time"),
            SubmissionStatus::Late => lang.pick("迟交", "late"),
            SubmissionStatus::Missing => lang.pick("未交", "missing"),
            SubmissionStatus::Pending => lang.pick("未到期", "not yet due"),
        }
    }
}

/// The name of a stored enum value (`visit`, `proposal`, `weekly`, `submitted`, `rep`, an alert
/// kind…) in `lang`; an unknown value reads as itself.
pub fn label_of(value: &str, lang: Lang) -> String {
    if let Ok(k) = value.parse::<FollowupKind>() {
        return k.label(lang).to_string();
    }
    if let Some(s) = Stage::ALL.into_iter().find(|s| s.as_str() == value) {
        return s.label(lang).to_string();
    }
    if let Ok(k) = value.parse::<ReportKind>() {
        return k.label(lang).to_string();
    }
    if let Some(r) = Role::parse(value) {
        return r.label(lang).to_string();
    }
    if let Some(s) = SubmissionStatus::parse(value) {
        return s.label(lang).to_string();
    }
    let words: &[(&str, &str, &str)] = &[
        ("draft", "草稿", "draft"),
        ("submitted", "已提交", "submitted"),
        ("green", "达标", "on track"),
        ("yellow", "关注", "watch"),
        ("red", "落后", "behind"),
        ("conversion_below_team", "转化率低于团队", "conversion below the team"),
        ("stale_deal", "商机停滞", "stalled deal"),
        ("report_late", "汇报迟交", "report late"),
        ("report_missing", "汇报未交", "report missing"),
        ("kpi_red", "指标落后", "KPI behind"),
        ("checkin_far", "外勤签到异常", "check-in far from the customer"),
        ("followups", "跟进记录", "followups"),
        ("today", "今天", "today"),
        ("yesterday", "昨天", "yesterday"),
        ("this-week", "本周", "this week"),
        ("last-week", "上周", "last week"),
        ("this-month", "本月", "this month"),
        ("last-month", "上月", "last month"),
        ("this-quarter", "本季度", "this quarter"),
        ("last-quarter", "上季度", "last quarter"),
        ("kpis", "关键指标", "key figures"),
    ];
    match words.iter().find(|(v, _, _)| *v == value) {
        Some((_, zh, en)) => lang.pick(zh, en).to_string(),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_read_as_words() {
        assert_eq!(label_of("visit", Lang::ZhCn), "拜访");
        assert_eq!(label_of("proposal", Lang::ZhCn), "方案报价");
        assert_eq!(label_of("weekly", Lang::ZhCn), "周报");
        assert_eq!(label_of("submitted", Lang::ZhCn), "已提交");
        assert_eq!(label_of("stale_deal", Lang::En), "stalled deal");
        assert_eq!(label_of("something-new", Lang::ZhCn), "something-new");
    }
}
