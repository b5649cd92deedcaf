//! A report's period as people name it: `12-04 日报`, `周报（11-30 ~ 12-06）`, `11月月报`; with
//! 本周 / 上周 when the reader's day is known (words that go stale are left out of messages
//! kept for later).

use chrono::{Datelike, Days, NaiveDate};

use super::Lang;
use crate::period::month_of;

/// The period of a `kind` report (`daily`, `weekly`, `monthly`, stored values) whose last day is
/// `last`, in `lang`. With `today`, a week is named relative to it (本周 / 上周) and a month or day
/// in another year carries its year.
pub fn period_name(kind: &str, last: NaiveDate, today: Option<NaiveDate>, lang: Lang) -> String {
    let zh = lang == Lang::ZhCn;
    let same_year = today.is_none_or(|t| t.year() == last.year());
    let md = |d: NaiveDate| if same_year { d.format("%m-%d").to_string() } else { d.format("%Y-%m-%d").to_string() };
    match kind {
        "daily" => {
            if zh {
                format!("{} 日报", md(last))
            } else {
                format!("daily report of {}", md(last))
            }
        }
        "weekly" => {
            let first = last.checked_sub_days(Days::new(6)).unwrap_or(last);
            let relative = today.and_then(|t| {
                if (first..=last).contains(&t) {
                    Some(("本周", "this week's "))
                } else if last.checked_add_days(Days::new(7)).is_some_and(|l| (first + Days::new(7)..=l).contains(&t)) {
                    Some(("上周", "last week's "))
                } else {
                    None
                }
            });
            if zh {
                format!("{}周报（{} ~ {}）", relative.map_or("", |r| r.0), md(first), md(last))
            } else {
                format!("{}weekly report ({} ~ {})", relative.map_or("", |r| r.1), md(first), md(last))
            }
        }
        "monthly" => {
            let (first, _) = month_of(last);
            match (zh, same_year) {
                (true, true) => format!("{}月月报", first.month()),
                (true, false) => format!("{}年{}月月报", first.year(), first.month()),
                (false, _) => format!("monthly report of {}", first.format("%Y-%m")),
            }
        }
        other => format!("{} {}", super::label_of(other, lang), md(last)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_read_as_people_name_them() {
        let zh = Lang::ZhCn;
        assert_eq!(period_name("daily", d("2026-12-04"), None, zh), "12-04 日报");
        assert_eq!(period_name("weekly", d("2026-12-06"), Some(d("2026-12-03")), zh), "本周周报（11-30 ~ 12-06）");
        assert_eq!(period_name("weekly", d("2026-11-29"), Some(d("2026-12-03")), zh), "上周周报（11-23 ~ 11-29）");
        assert_eq!(period_name("weekly", d("2026-11-29"), None, zh), "周报（11-23 ~ 11-29）");
        assert_eq!(period_name("monthly", d("2026-11-30"), None, zh), "11月月报");
        assert_eq!(period_name("monthly", d("2025-11-30"), Some(d("2026-01-02")), zh), "2025年11月月报");
        assert_eq!(period_name("weekly", d("2026-12-06"), None, Lang::En), "weekly report (11-30 ~ 12-06)");
    }
}
