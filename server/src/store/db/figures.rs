//! The queries KPI snapshots, alerts and submission statistics are computed from.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use fieldreport_protocol::doc::distance_m;
use fieldreport_protocol::period::month_of;

use super::Db;
use crate::model::{IdleDeal, PlacedCheckin, ReportEntry, Slice, Total};
use crate::p;
use crate::store::StoreResult as Result;
use crate::store::{ConnExt, Dialect, Param};

/// The days of a range as whole months and partial ones.
struct Segments {
    /// The whole months (`YYYY-MM`), first and last.
    months: Option<(String, String)>,
    /// The day ranges of the partial months at either end.
    days: Vec<(NaiveDate, NaiveDate)>,
}

/// Splits the days `first..=last` into [`Segments`].
fn segments(first: NaiveDate, last: NaiveDate) -> Segments {
    let (mut months, mut days) = (None::<(String, String)>, Vec::new());
    let mut at = first;
    while at <= last {
        let (mf, ml) = month_of(at);
        let end = ml.min(last);
        if at == mf && end == ml {
            let m = mf.format("%Y-%m").to_string();
            months = Some(match months {
                Some((a, _)) => (a, m),
                None => (m.clone(), m),
            });
        } else {
            days.push((at, end));
        }
        match end.succ_opt() {
            Some(n) => at = n,
            None => break,
        }
    }
    Segments { months, days }
}

/// Users above which one query naming them all beats one lookup per user.
const PER_USER_MAX: usize = 4;

/// Users above which reading everyone's rows of the range beats a query naming them (a
/// department of a large company: its members only, not the company's rows). SQLite looks a
/// named list up through an index of its own; on PostgreSQL a region's 830 named members took
/// 808 ms against 61 ms reading everyone's rows (`--bench organisation`), so there a smaller list is
/// named.
fn named_max(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Sqlite => 1_000,
        Dialect::Postgres => 100,
    }
}

type Sums = HashMap<(String, String), (f64, f64)>;

/// Owners above which one query over everyone (rows kept for the owners asked) beats one
/// indexed query per owner: a director's alerts over thousands of members.
const OWNERS_ONE_BY_ONE: usize = 100;

/// `?first, ?first+1, …` for `n` values.
fn named(n: usize, first: usize) -> String {
    (first..first + n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

/// The rows of `sql` for `owners`, owner by owner in their order (each owner's rows in the
/// statement's order). `sql` holds `{owner}` where the condition on the owner goes: `col =
/// ?N` (the next parameter) for each owner, or, for many owners, nothing, the statement run
/// once and the rows of others dropped. (A helper of the primitives, not one itself.)
pub(super) fn by_owners<T>(
    db: &Db,
    owners: &[String],
    sql: &str,
    col: &str,
    params: &[Param],
    map: impl Fn(&dyn crate::store::Row) -> Result<T>,
    owner_of: impl Fn(&T) -> &str,
) -> Result<Vec<T>> {
    if owners.len() <= OWNERS_ONE_BY_ONE {
        let one = sql.replace("{owner}", &format!("{col} = ?{}", params.len() + 1));
        let mut out = Vec::new();
        for owner in owners {
            let mut all: Vec<Param> = params.to_vec();
            all.push(Param::from(owner.as_str()));
            out.extend(db.all(&one, &all, &map)?);
        }
        return Ok(out);
    }
    let place: HashMap<&str, usize> = owners.iter().enumerate().map(|(i, o)| (o.as_str(), i)).collect();
    let mut rows: Vec<(usize, T)> = db
        .all(&sql.replace("{owner}", "1 = 1"), params, &map)?
        .into_iter()
        .filter_map(|r| place.get(owner_of(&r)).map(|i| (*i, r)))
        .collect();
    // Stable: each owner's rows keep the statement's order.
    rows.sort_by_key(|(i, _)| *i);
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

impl Db<'_> {
    /// Adds the rows of `sql` to `sums`. Columns: the user or metric that varies (`user` or
    /// `metric` names the fixed one), then SUM(value), SUM(base).
    fn sum_into(
        &self,
        sums: &mut Sums,
        sql: &str,
        params: &[Param],
        user: Option<&str>,
        metric: Option<&str>,
    ) -> Result<()> {
        self.each(sql, params, &mut |r| {
            let (u, m) = match (user, metric) {
                (Some(u), None) => (u.to_string(), r.text(0)?),
                (None, Some(m)) => (r.text(0)?, m.to_string()),
                _ => (r.text(0)?, r.text(1)?),
            };
            let off = if user.is_none() && metric.is_none() { 2 } else { 1 };
            let e = sums.entry((u, m)).or_insert((0.0, 0.0));
            e.0 += r.real(off)?;
            e.1 += r.real(off + 1)?;
            Ok(())
        })?;
        Ok(())
    }

    /// Per user and metric over `first..=last` for `slice`: sums of the rollups (monthly for whole
    /// months, daily for the rest), and for `distinct` metrics the count of distinct keys.
    pub fn totals(&self, first: NaiveDate, last: NaiveDate, slice: Slice, distinct: &[String]) -> Result<Vec<Total>> {
        let segments = segments(first, last);
        let mut sums = Sums::new();
        let (a, b) = (first.to_string(), last.to_string());
        let mut out = Vec::new();
        match slice {
            Slice::Users(users) if users.len() <= PER_USER_MAX => {
                for u in users {
                    self.sum_segments(&mut sums, &segments, Some(u), None)?;
                }
                for u in users {
                    for m in distinct {
                        let n = self.one(
                            "SELECT COUNT(DISTINCT key) FROM kpi_keys WHERE metric = ?1 AND day BETWEEN ?2 AND ?3
                             AND user_id = ?4",
                            p![m, &a, &b, u],
                            |r| r.int(0),
                        )?;
                        out.push(Total { user_id: u.clone(), metric: m.clone(), value: n as f64, base: 0.0 });
                    }
                }
            }
            Slice::Users(users) if users.len() <= named_max(self.dialect()) => {
                self.sum_segments_of(&mut sums, &segments, users)?;
                self.distinct_counts_of(&a, &b, distinct, users, &mut out)?;
            }
            Slice::Users(users) => {
                self.sum_segments(&mut sums, &segments, None, None)?;
                let wanted: HashSet<&str> = users.iter().map(String::as_str).collect();
                sums.retain(|(u, _), _| wanted.contains(u.as_str()));
                self.distinct_counts(&a, &b, distinct, &mut out)?;
                out.retain(|t| wanted.contains(t.user_id.as_str()));
            }
            Slice::Metrics(metrics) => {
                for m in metrics.iter().filter(|m| !distinct.contains(m)) {
                    self.sum_segments(&mut sums, &segments, None, Some(m))?;
                }
                let wanted: Vec<String> = metrics.iter().filter(|m| distinct.contains(m)).cloned().collect();
                self.distinct_counts(&a, &b, &wanted, &mut out)?;
            }
        }
        sums.retain(|(_, m), _| !distinct.contains(m));
        out.extend(sums.into_iter().map(|((user_id, metric), (value, base))| Total { user_id, metric, value, base }));
        Ok(out)
    }

    /// Adds the rollups of `segments` to `sums`: of one user (`user`), of one metric
    /// (`metric`), or of everyone and everything.
    fn sum_segments(
        &self,
        sums: &mut Sums,
        segments: &Segments,
        user: Option<&str>,
        metric: Option<&str>,
    ) -> Result<()> {
        let (select, group, fixed) = match (user, metric) {
            (Some(u), _) => ("metric", "metric", Some(u)),
            (None, Some(m)) => ("user_id", "user_id", Some(m)),
            (None, None) => ("user_id, metric", "user_id, metric", None),
        };
        let filter = match (user, metric) {
            (Some(_), _) => " AND user_id = ?3",
            (None, Some(_)) => " AND metric = ?3",
            (None, None) => "",
        };
        let mut ranges: Vec<(&str, &str, String, String)> = Vec::new();
        if let Some((m1, m2)) = &segments.months {
            ranges.push(("kpi_monthly", "month", m1.clone(), m2.clone()));
        }
        for (d1, d2) in &segments.days {
            ranges.push(("kpi_daily", "day", d1.to_string(), d2.to_string()));
        }
        for (table, col, from, to) in &ranges {
            let sql = format!(
                "SELECT {select}, SUM(value), SUM(base) FROM {table} WHERE {col} BETWEEN ?1 AND ?2{filter} GROUP BY {group}"
            );
            let params = match fixed {
                Some(f) => p![from, to, f],
                None => p![from, to],
            };
            self.sum_into(sums, &sql, params, user, metric)?;
        }
        Ok(())
    }

    /// Adds the rollups of `segments` of `users` to `sums`, in one query per segment naming them.
    fn sum_segments_of(&self, sums: &mut Sums, segments: &Segments, users: &[String]) -> Result<()> {
        let mut ranges: Vec<(&str, &str, String, String)> = Vec::new();
        if let Some((m1, m2)) = &segments.months {
            ranges.push(("kpi_monthly", "month", m1.clone(), m2.clone()));
        }
        for (d1, d2) in &segments.days {
            ranges.push(("kpi_daily", "day", d1.to_string(), d2.to_string()));
        }
        let marks = named(users.len(), 3);
        for (table, col, from, to) in &ranges {
            let sql = format!(
                "SELECT user_id, metric, SUM(value), SUM(base) FROM {table}
                 WHERE {col} BETWEEN ?1 AND ?2 AND user_id IN ({marks}) GROUP BY user_id, metric"
            );
            let mut params: Vec<crate::store::Param> = vec![from.as_str().into(), to.as_str().into()];
            params.extend(users.iter().map(|u| crate::store::Param::from(u.as_str())));
            self.sum_into(sums, &sql, &params, None, None)?;
        }
        Ok(())
    }

    /// Distinct-key counts of `metrics` over the days `a..=b`, for `users`.
    fn distinct_counts_of(
        &self,
        a: &str,
        b: &str,
        metrics: &[String],
        users: &[String],
        out: &mut Vec<Total>,
    ) -> Result<()> {
        let marks = named(users.len(), 4);
        for m in metrics {
            let mut params: Vec<crate::store::Param> = vec![m.as_str().into(), a.into(), b.into()];
            params.extend(users.iter().map(|u| crate::store::Param::from(u.as_str())));
            let rows = self.all(
                &format!(
                    "SELECT user_id, COUNT(DISTINCT key) FROM kpi_keys
                     WHERE metric = ?1 AND day BETWEEN ?2 AND ?3 AND user_id IN ({marks}) GROUP BY user_id"
                ),
                &params,
                |r| Ok(Total { user_id: r.text(0)?, metric: m.clone(), value: r.int(1)? as f64, base: 0.0 }),
            )?;
            out.extend(rows);
        }
        Ok(())
    }

    /// Distinct-key counts of `metrics` over the days `a..=b`, per user.
    fn distinct_counts(&self, a: &str, b: &str, metrics: &[String], out: &mut Vec<Total>) -> Result<()> {
        for m in metrics {
            let rows = self.all(
                "SELECT user_id, COUNT(DISTINCT key) FROM kpi_keys WHERE metric = ?1 AND day BETWEEN ?2 AND ?3
                 GROUP BY user_id",
                p![m, a, b],
                |r| Ok(Total { user_id: r.text(0)?, metric: m.clone(), value: r.int(1)? as f64, base: 0.0 }),
            )?;
            out.extend(rows);
        }
        Ok(())
    }

    /// When each user's devices last synced (`None`: never).
    pub fn last_seen(&self) -> Result<Vec<(String, Option<i64>)>> {
        self.all(
            "SELECT u.id, MAX(d.last_seen_at) FROM users u LEFT JOIN devices d ON d.user_id = u.id GROUP BY u.id",
            p![],
            |r| Ok((r.text(0)?, r.opt_int(1)?)),
        )
    }

    /// `owners`' open deals whose latest followup (or, without any, whose creation) is before
    /// `before_ms`.
    pub fn idle_deals(&self, owners: &[String], before_ms: i64) -> Result<Vec<IdleDeal>> {
        by_owners(
            self,
            owners,
            "SELECT id, owner, customer_id, title, stage, created_at, last FROM (
                 SELECT d.id, d.owner, d.customer_id, d.title, d.stage, d.created_at,
                     (SELECT MAX(f.occurred_at) FROM followup_index f WHERE f.deal_id = d.id AND f.live = 1) AS last
                 FROM deal_index d
                 WHERE {owner} AND d.live = 1 AND d.stage NOT IN ('won', 'lost')) x
             WHERE COALESCE(last, created_at) < ?1
             ORDER BY COALESCE(last, created_at)",
            "d.owner",
            p![before_ms],
            |r| {
                Ok(IdleDeal {
                    id: r.text(0)?,
                    owner: r.text(1)?,
                    customer_id: r.text(2)?,
                    title: r.text(3)?,
                    stage: r.text(4)?,
                    created_at: r.int(5)?,
                    last_followup_at: r.opt_int(6)?,
                })
            },
            |d| &d.owner,
        )
    }

    /// `owners`' live check-ins since `since_ms` at customers that have a location.
    pub fn placed_checkins(&self, owners: &[String], since_ms: i64) -> Result<Vec<PlacedCheckin>> {
        by_owners(
            self,
            owners,
            "SELECT f.id, f.owner, COALESCE(c.name, ''), f.checkin_at, f.checkin_lat, f.checkin_lon, c.lat, c.lon, e.metres
             FROM followup_index f LEFT JOIN customer_index c ON c.id = f.customer_id
                 LEFT JOIN checkin_evidence e ON e.followup_id = f.id
             WHERE {owner} AND f.checkin_at IS NOT NULL AND f.checkin_at >= ?1 AND f.live = 1
               AND (e.metres IS NOT NULL OR (c.lat IS NOT NULL AND c.lon IS NOT NULL))
             ORDER BY f.checkin_at",
            "f.owner",
            p![since_ms],
            |r| {
                let checkin = (r.real(4)?, r.real(5)?);
                let customer = r.opt_real(6)?.zip(r.opt_real(7)?);
                // The distance measured when the check-in first met its customer's location;
                // a check-in merged before that was kept is measured against the location now.
                let metres = match (r.opt_real(8)?, customer) {
                    (Some(m), _) => m,
                    (None, Some(c)) => distance_m(checkin, c),
                    (None, None) => 0.0,
                };
                Ok(PlacedCheckin {
                    followup_id: r.text(0)?,
                    owner: r.text(1)?,
                    customer_name: r.text(2)?,
                    at: r.int(3)?,
                    checkin,
                    metres,
                })
            },
            |c| &c.owner,
        )
    }

    /// `owners`' live reports whose period ends within `first..=last`.
    pub fn reports(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<ReportEntry>> {
        let (a, b) = (first.to_string(), last.to_string());
        by_owners(
            self,
            owners,
            "SELECT id, owner, kind, first, last, submitted_at FROM report_index
             WHERE {owner} AND live = 1 AND last BETWEEN ?1 AND ?2 ORDER BY last",
            "owner",
            p![&a, &b],
            |r| {
                Ok(ReportEntry {
                    id: r.text(0)?,
                    owner: r.text(1)?,
                    kind: r.text(2)?,
                    first: r.text(3)?.parse().unwrap_or_default(),
                    last: r.text(4)?.parse().unwrap_or_default(),
                    submitted_at: r.opt_int(5)?,
                })
            },
            |r| &r.owner,
        )
    }
}

#[cfg(test)]
mod tests {
    use fieldreport_protocol::doc::{Followup, FollowupKind, Header, Kind, Record, SCHEMA_VERSION};
    use fieldreport_protocol::period::Calendar;
    use fieldreport_protocol::team::TeamConfig;

    use super::*;
    use crate::service::rollups;
    use crate::store::sqlite::create_schema;

    fn followup(owner: &str, at: i64, kind: FollowupKind) -> Record {
        Record::Followup(Followup {
            header: Header {
                kind: Kind::Followup,
                id: uuid::Uuid::now_v7().to_string(),
                team: "t".into(),
                owner: owner.into(),
                created_at: at,
                schema: SCHEMA_VERSION,
                deleted: false,
            },
            customer_id: "c".into(),
            deal_id: None,
            kind,
            occurred_at: at,
            note: String::new(),
            next_step: String::new(),
            next_followup_on: None,
            checkin: None,
            checkin_metres: None,
            attachments: Vec::new(),
            stage_change: None,
            plan_id: None,
        })
    }

    /// Totals from whole months and partial days equal the facts summed day by day, for ranges
    /// that start and end inside, on the edges of, and across months, and for any slice.
    #[test]
    fn totals_over_months_and_partial_days_equal_the_facts() {
        let raw = rusqlite::Connection::open_in_memory().unwrap();
        create_schema(&raw).unwrap();
        let conn = Db(&raw);
        let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
        let defs = TeamConfig::default().definitions();
        let start = cal.day_start_ms("2026-09-20".parse().unwrap());
        let users: Vec<String> = (0..6).map(|i| format!("u{i}")).collect();
        let mut all = Vec::new();
        for i in 0..3000i64 {
            let at = start + (i * 2_700_000) % (100 * 86_400_000);
            let kind = FollowupKind::ALL[(i % 5) as usize];
            let record = followup(&users[(i % 6) as usize], at, kind);
            rollups::index(&conn, &defs, &cal, &record).unwrap();
            all.extend(fieldreport_protocol::kpi::facts(&record, &defs, &cal));
        }
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        for (a, b) in [
            ("2026-10-01", "2026-12-31"),
            ("2026-09-25", "2026-11-03"),
            ("2026-10-05", "2026-10-20"),
            ("2026-11-01", "2026-11-30"),
        ] {
            let mut expected: HashMap<(String, String), f64> = HashMap::new();
            for f in all.iter().filter(|f| d(a) <= f.day && f.day <= d(b)) {
                *expected.entry((f.user.clone(), f.metric.clone())).or_default() += f.value;
            }
            let metrics: Vec<String> = vec!["visits".into(), "calls".into()];
            let everyone = conn.totals(d(a), d(b), Slice::Users(&users), &[]).unwrap();
            assert_eq!(everyone.iter().filter(|t| t.value > 0.0).count(), expected.len(), "nothing left out");
            // One by one (2), named in one query (5 of 6), and everyone.
            for slice in
                [Slice::Users(&users[..2]), Slice::Users(&users[1..]), Slice::Users(&users), Slice::Metrics(&metrics)]
            {
                let got = conn.totals(d(a), d(b), slice, &[]).unwrap();
                assert!(!got.is_empty());
                if let Slice::Users(only) = slice {
                    assert!(got.iter().all(|t| only.contains(&t.user_id)), "only the users asked for ({slice:?})");
                    let mine = expected.keys().filter(|(u, _)| only.contains(u)).count();
                    assert_eq!(got.iter().filter(|t| t.value > 0.0).count(), mine, "none left out ({slice:?})");
                }
                for t in got {
                    let want = expected.get(&(t.user_id.clone(), t.metric.clone())).copied().unwrap_or(0.0);
                    assert_eq!(t.value, want, "{} {} over {a}..{b} ({slice:?})", t.user_id, t.metric);
                }
            }
        }
    }
}
