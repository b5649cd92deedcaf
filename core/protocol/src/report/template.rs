//! Report templates as data. The built-in ones come in zh-CN and en; admin-defined templates
//! (delivered by the server) use the same type.

use serde::{Deserialize, Serialize};

use super::Lang;
use crate::doc::ReportKind;

/// One section of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SectionDef {
    /// Stable key, used on the command line and to place blocks (e.g. `done`).
    pub key: String,
    pub title: String,
    /// A report is not submitted while this section is empty (no text and no inserted block).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub required: bool,
}

/// A report template: its sections and where inserted blocks go by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Template {
    /// `builtin:daily:zh-CN`, or an admin-defined id.
    pub id: String,
    pub kind: ReportKind,
    pub lang: Lang,
    pub sections: Vec<SectionDef>,
    /// Section that receives inserted followups by default.
    pub followups_section: String,
    /// Section that receives inserted KPIs by default.
    pub kpis_section: String,
    /// Who reports from this template are copied to by default (user ids), besides the
    /// author's manager.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// Whether reports from this template are copied to the heads of the author's department
    /// and of every department above it (抄送 up the chain), besides `cc`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cc_heads: bool,
}

fn sections(lang: Lang, defs: &[(&str, &str, &str)]) -> Vec<SectionDef> {
    defs.iter()
        .map(|(key, zh, en)| SectionDef { key: key.to_string(), title: lang.pick(zh, en).to_string(), required: false })
        .collect()
}

/// The key of the section planned visits go to.
pub const PLAN_SECTION: &str = "plan";

/// What the ids of the built-in templates start with.
const BUILTIN: &str = "builtin:";

impl Template {
    /// Whether `id` names a built-in template (whose section titles are translated).
    pub fn is_builtin(id: &str) -> bool {
        id.starts_with(BUILTIN)
    }

    /// The section that receives the next period's planned visits: the one keyed `plan` (明日计划,
    /// 下周计划…), when the template has one.
    pub fn plan_section(&self) -> Option<&str> {
        self.sections.iter().find(|s| s.key == PLAN_SECTION).map(|s| s.key.as_str())
    }
}

/// The built-in template for `kind` in `lang`.
pub fn builtin_template(kind: ReportKind, lang: Lang) -> Template {
    let (defs, followups, kpis): (&[(&str, &str, &str)], &str, &str) = match kind {
        ReportKind::Daily => (
            &[
                ("done", "今日完成工作", "Done today"),
                ("undone", "未完成工作", "Not finished"),
                ("plan", "明日计划", "Plan for tomorrow"),
                ("help", "需要协调与帮助", "Help needed"),
            ],
            "done",
            "done",
        ),
        ReportKind::Weekly => (
            &[
                ("summary", "本周总结", "This week"),
                ("key_accounts", "重点客户跟进", "Key accounts"),
                ("issues", "问题与改进", "Issues and improvements"),
                ("plan", "下周计划", "Plan for next week"),
            ],
            "key_accounts",
            "summary",
        ),
        ReportKind::Monthly => (
            &[
                ("summary", "本月总结", "This month"),
                ("key_accounts", "重点客户跟进", "Key accounts"),
                ("issues", "问题与改进", "Issues and improvements"),
                ("plan", "下月计划", "Plan for next month"),
            ],
            "key_accounts",
            "summary",
        ),
        ReportKind::Free => (&[("content", "正文", "Content")], "content", "content"),
    };
    Template {
        id: format!("{BUILTIN}{}:{}", kind.as_str(), lang.as_str()),
        kind,
        lang,
        sections: sections(lang, defs),
        followups_section: followups.into(),
        kpis_section: kpis.into(),
        cc: Vec::new(),
        cc_heads: false,
    }
}

/// Every built-in template, in `lang`.
pub fn builtin_templates(lang: Lang) -> Vec<Template> {
    ReportKind::ALL.into_iter().map(|k| builtin_template(k, lang)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_have_their_sections_in_both_languages() {
        let d = builtin_template(ReportKind::Daily, Lang::ZhCn);
        let titles: Vec<_> = d.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["今日完成工作", "未完成工作", "明日计划", "需要协调与帮助"]);
        let w = builtin_template(ReportKind::Weekly, Lang::En);
        assert_eq!(w.sections[1].title, "Key accounts");
        assert_eq!(builtin_template(ReportKind::Free, Lang::ZhCn).sections.len(), 1);
        for kind in ReportKind::ALL {
            for lang in [Lang::ZhCn, Lang::En] {
                let t = builtin_template(kind, lang);
                assert!(t.sections.iter().any(|s| s.key == t.followups_section));
                assert!(t.sections.iter().any(|s| s.key == t.kpis_section));
            }
        }
    }
}
