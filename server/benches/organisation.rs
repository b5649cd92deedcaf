//! The organisation at a company's scale (BENCHMARKS.md, "The organisation"): 5,000 members in
//! 301 departments four levels deep (company → 6 regions → 42 areas → 252 teams, a head each),
//! a quarter of data (1.2 million visits), a weekly target for every member and a monthly one
//! for every region, on SQLite and on PostgreSQL:
//! - the dashboard's scorecard of the whole company for the quarter (the root department's
//!   figures: its own, each region's, its members');
//! - a department's KPI row for the quarter (a team of about 20; a region of about 830);
//! - the feed query of the top director, idle and with 100 new changes, with 301 departments
//!   and with 31 (the same members in fewer, larger teams): it must not grow with the number of
//!   departments.
//!
//! Run: `cargo bench -p fieldreport-server --bench organisation`
//! (PostgreSQL: `FIELDREPORT_BENCH_DATABASE_URL=postgres://…` or the cluster of
//! `scripts/pg-test-cluster bench`; `FIELDREPORT_BENCH_ONLY=sqlite|postgres` runs one backend;
//! `FIELDREPORT_BENCH_ORG_VISITS=N` indexes N visits instead of 1.2 million.)
//!
//! The visits are indexed through the `rollups::index` a merge runs, spread over the quarter; the
//! feed's documents are 20,000 stored rows owned by members (their contents do not matter to the
//! feed query). Data directory on tmpfs (`/dev/shm`): what is measured is the computation.

use std::time::Instant;

use fieldreport_core::doc::{Followup, FollowupKind, Record};
use fieldreport_core::period::Period;
use fieldreport_core::team::{below_pairs, Department, DeptTree, Person, Target, TargetPeriod, TeamConfig};
use fieldreport_server::figures::{alerts, department, snapshot, submissions, team_values, Scope};
use fieldreport_server::model::{Role, User};
use fieldreport_server::service::{rollups, Store};
use fieldreport_server::store::db::{NewDoc, Visibility};
use fieldreport_server::store::Location;
use fieldreport_server::testing::scratch_dir;

mod common;
use common::{cal, postgres_database, quarter_start};

const MEMBERS: usize = 5_000;
const VISITS: usize = 1_200_000;
const DOCS: usize = 20_000;
const DAY: i64 = 86_400_000;

/// The company's tree: 6 regions of 7 areas of 6 teams (301 departments), or (`small`) 6
/// regions of one area of 4 teams (37). Returns the departments and the teams' ids.
fn tree(small: bool) -> (Vec<Department>, Vec<String>) {
    let d = |id: String, parent: Option<&str>, head: String| Department {
        name: id.clone(),
        id,
        parent_id: parent.map(str::to_string),
        heads: vec![head],
    };
    let mut out = vec![d("company".into(), None, "director".into())];
    let mut teams = Vec::new();
    let (areas, per_area) = if small { (1, 4) } else { (7, 6) };
    for r in 0..6 {
        let region = format!("region-{r}");
        out.push(d(region.clone(), Some("company"), format!("head-{region}")));
        for a in 0..areas {
            let area = format!("{region}-area-{a}");
            out.push(d(area.clone(), Some(&region), format!("head-{area}")));
            for t in 0..per_area {
                let team = format!("{area}-team-{t}");
                out.push(d(team.clone(), Some(&area), format!("head-{team}")));
                teams.push(team);
            }
        }
    }
    (out, teams)
}

fn member(i: usize) -> String {
    format!("m-{i:05}")
}

fn user(id: String, role: Role, dept: &str) -> User {
    User {
        id,
        name: "成员".into(),
        role,
        manager_id: None,
        created_at: 0,
        phone: None,
        active: true,
        deactivated_at: None,
        dept_id: Some(dept.to_string()),
    }
}

fn visit(i: usize, start: i64) -> Followup {
    let at = start + (i as i64 * 7_919_000) % (85 * DAY);
    common::visit(format!("v-{i:07}"), member(i % MEMBERS), format!("c-{}", i % 40_000), FollowupKind::ALL[i % 5], at)
}

/// The company at `loc`: the tree, heads and members placed, who sees whom, the quarter's
/// visits indexed (`visits`: how many), and the feed's documents.
fn company(loc: &Location, small: bool, visits: usize) -> Store {
    let store = Store::open(loc).unwrap();
    let t = Instant::now();
    store
        .write(move |db| {
            let (depts, teams) = tree(small);
            for d in &depts {
                db.insert_department(d, 0)?;
            }
            let mut users: Vec<User> = depts.iter().map(|d| user(d.heads[0].clone(), Role::Manager, &d.id)).collect();
            users.extend((0..MEMBERS).map(|i| user(member(i), Role::Rep, &teams[i % teams.len()])));
            for u in &users {
                db.insert_user(u)?;
                db.set_user_dept(&u.id, u.dept_id.as_deref().unwrap(), 0)?;
            }
            let tree = DeptTree::new(&depts);
            let people: Vec<Person> =
                users.iter().map(|u| Person { id: &u.id, manager_id: None, dept_id: u.dept_id.as_deref() }).collect();
            db.replace_sees(&below_pairs(&people, &tree))?;
            let defs = TeamConfig::default().definitions();
            let (cal, start) = (cal(), quarter_start());
            for i in 0..visits {
                rollups::index(db, &defs, &cal, &Record::Followup(visit(i, start)))?;
            }
            let ids: Vec<String> = (0..DOCS).map(|i| format!("doc-{i:06}")).collect();
            let owners: Vec<String> = (0..DOCS).map(|i| member(i * 7 % MEMBERS)).collect();
            let docs: Vec<NewDoc> = (0..DOCS)
                .map(|i| NewDoc {
                    id: &ids[i],
                    kind: "followup",
                    owner: &owners[i],
                    bytes: b"x",
                    heads: b"",
                    seq: i as i64 + 1,
                    now: 0,
                    view: None,
                    view_format: None,
                })
                .collect();
            db.put_docs(&docs)?;
            Ok(())
        })
        .unwrap();
    eprintln!("  built ({} departments, {visits} visits) in {:.1} s", tree(small).0.len(), t.elapsed().as_secs_f64());
    if let Location::Postgres(url) = loc {
        // A quarter's updates in one transaction leave the rollup tables many times their size
        // in dead rows, which autovacuum would have cleared as they came: compact them, as a
        // running server's tables are, and give the planner its statistics.
        let out = std::process::Command::new("psql").args([url.as_str(), "-qc", "VACUUM FULL ANALYZE"]).output();
        assert!(out.is_ok_and(|o| o.status.success()), "psql (PostgreSQL's client) is needed to VACUUM the database");
        eprintln!("  database {url} compacted");
    }
    store
}

/// The median of `runs` timings of `f`, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm
    let mut v: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn measure(name: &str, mut fresh: impl FnMut() -> Location) {
    println!("== {name}: {MEMBERS} members");
    // Targets as a company sets them: visits per week for every member, per month for each
    // region (按个人/部门设置目标).
    let mut config = TeamConfig::default();
    let target = |user: Option<String>, dept: Option<String>, per, value| Target {
        metric: "visits".into(),
        user,
        dept,
        per,
        value: Some(value),
        amount: None,
        from: "2020-01-01".parse().unwrap(),
        until: None,
    };
    config.targets.extend((0..MEMBERS).map(|i| target(Some(member(i)), None, TargetPeriod::Week, 25.0)));
    config.targets.extend((0..6).map(|r| target(None, Some(format!("region-{r}")), TargetPeriod::Month, 80_000.0)));
    let now = quarter_start() + 85 * DAY;
    let visits: usize =
        std::env::var("FIELDREPORT_BENCH_ORG_VISITS").ok().and_then(|v| v.parse().ok()).unwrap_or(VISITS);
    let store = match std::env::var("FIELDREPORT_BENCH_ORG_PG_REUSE") {
        // A database an earlier run built (its name is printed): measured again, not rebuilt.
        Ok(url) if name == "PostgreSQL" => Store::open(&Location::Postgres(url)).unwrap(),
        _ => company(&fresh(), false, visits),
    };
    let (_, teams) = tree(false);
    store
        .read(move |db| {
            let src = *db;
            for (what, dept, runs) in [
                ("scorecard: the whole company, this quarter", "company", 5),
                ("a region's row (about 830 members), this quarter", "region-0", 10),
                ("a team's row (about 20 members), this quarter", teams[0].as_str(), 30),
            ] {
                let rows = department(&src, &config, dept, None, Period::ThisQuarter, now)?.rows.len();
                let ms = median_ms(runs, || {
                    department(&src, &config, dept, None, Period::ThisQuarter, now).unwrap();
                });
                println!("  {what}: {ms:.1} ms (median of {runs}; {rows} rows)");
            }
            // What a director's snapshot computes (their device's figures, offline): everyone
            // below them for the standard periods, their alerts, and submissions for one week.
            let scope = Scope::of(&src, Some(&db.user("director")?.unwrap()), None)?;
            for (what, p) in [("this month", Period::ThisMonth), ("this quarter", Period::ThisQuarter)] {
                let ms = median_ms(3, || {
                    snapshot(&src, &config, &scope, p, now).unwrap();
                });
                println!(
                    "  the director's snapshot of {what} ({} members): {ms:.1} ms (median of 3)",
                    scope.members.len()
                );
            }
            let ms = median_ms(3, || {
                alerts(&src, &config, &scope, now).unwrap();
            });
            println!("  the director's alerts: {ms:.1} ms (median of 3)");
            let ms = median_ms(3, || {
                submissions(&src, &config, &scope, Period::ThisWeek, now).unwrap();
            });
            println!("  the director's submission statistics, this week: {ms:.1} ms (median of 3)");
            // The KPI page's chart beside the scorecard: the subtree's value per week, 8 weeks.
            for (what, dept) in [("the whole company", "company"), ("a region", "region-0")] {
                let scope = Scope::of_dept(&src, dept)?;
                let week = cal().resolve(Period::ThisWeek, now).first;
                let ms = median_ms(3, || {
                    for back in 0..8u64 {
                        let first = week - chrono::Days::new(7 * back);
                        team_values(&src, &config, &scope, first, first + chrono::Days::new(6)).unwrap();
                    }
                });
                println!("  the 8-week trend of {what}: {ms:.1} ms (median of 3)");
            }
            Ok(())
        })
        .unwrap();
    // The feed on two trees of the same members, without visits (which the feed never reads):
    // what differs is the number of departments only.
    for small in [false, true] {
        let store = company(&fresh(), small, 0);
        let n = tree(small).0.len();
        store
            .read(move |db| {
                let director = Visibility { role: Role::Manager, user: "director" };
                let idle = median_ms(100, || {
                    db.feed_page(director, DOCS as i64).unwrap();
                });
                let hundred = median_ms(100, || {
                    assert!(!db.feed_page(director, (DOCS - 100) as i64).unwrap().is_empty());
                });
                println!(
                    "  the director's feed query, {n} departments: idle {idle:.3} ms, 100 new changes {hundred:.3} ms"
                );
                Ok(())
            })
            .unwrap();
    }
}

fn main() {
    let dir = scratch_dir();
    let mut n = 0;
    let sqlite = move || {
        n += 1;
        Location::Dir(dir.path().join(n.to_string()))
    };
    let only = std::env::var("FIELDREPORT_BENCH_ONLY").unwrap_or_default();
    if only != "postgres" {
        measure("SQLite", sqlite);
    }
    if only != "sqlite" {
        measure("PostgreSQL", || Location::Postgres(postgres_database("fr_org")));
    }
}
