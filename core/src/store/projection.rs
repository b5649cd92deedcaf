//! Materializes each record into its projection table, inside the transaction that saves it.

use rusqlite::{params, Connection};

use crate::doc::{
    Attachment, Contract, Customer, Deal, Directory, Followup, Header, Payment, Plan, PlanStatus, Published, Record,
    Report, Stage,
};
use crate::error::Result;

/// Inserts or replaces the projection rows of `record`.
pub(crate) fn upsert(conn: &Connection, record: &Record) -> Result<()> {
    match record {
        Record::Customer(c) => customer(conn, c),
        Record::Deal(d) => deal(conn, d),
        Record::Followup(f) => followup(conn, f),
        Record::Contract(c) => contract(conn, c),
        Record::Payment(p) => payment(conn, p),
        Record::Plan(p) => plan(conn, p),
        Record::Report(r) => report(conn, r),
        Record::Published(p) => published(conn, p),
        Record::Directory(d) => directory(conn, d),
    }
}

/// The directory replaces the members this device knew.
fn directory(conn: &Connection, d: &Directory) -> Result<()> {
    conn.prepare_cached("DELETE FROM members")?.execute([])?;
    let mut ins = conn.prepare_cached(
        "INSERT INTO members (id, name, role, manager_id, active, phone, since, until, dept_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for m in &d.members {
        ins.execute(params![
            m.id,
            m.name,
            m.role.as_str(),
            m.manager_id,
            m.active,
            m.phone,
            m.since,
            m.until,
            m.dept_id
        ])?;
    }
    conn.prepare_cached("DELETE FROM departments")?.execute([])?;
    let mut ins =
        conn.prepare_cached("INSERT INTO departments (id, name, parent_id, heads) VALUES (?1, ?2, ?3, ?4)")?;
    for x in &d.departments {
        ins.execute(params![x.id, x.name, x.parent_id, serde_json::to_string(&x.heads).unwrap_or_default()])?;
    }
    Ok(())
}

fn published(conn: &Connection, p: &Published) -> Result<()> {
    let h = &p.header;
    conn.prepare_cached("INSERT OR REPLACE INTO published (id, kind, owner, body, as_of) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![h.id, h.kind.as_str(), h.owner, p.body, p.as_of])?;
    if h.kind == crate::doc::Kind::Snapshot {
        // A newer day's snapshot supersedes the older ones of the same user (the server dropped
        // them too): keep the store from growing by one document a day.
        let older = "SELECT id FROM published WHERE kind = 'snapshot' AND owner = ?1 AND id != ?2 AND as_of < ?3";
        conn.prepare_cached(&format!("DELETE FROM documents WHERE id IN ({older})"))?
            .execute(params![h.owner, h.id, p.as_of])?;
        conn.prepare_cached(&format!("DELETE FROM published WHERE id IN ({older})"))?
            .execute(params![h.owner, h.id, p.as_of])?;
    }
    Ok(())
}

fn customer(conn: &Connection, c: &Customer) -> Result<()> {
    let h = &c.header;
    let (lat, lon) = (c.location.map(|l| l.0), c.location.map(|l| l.1));
    conn.prepare_cached(
        "INSERT OR REPLACE INTO customers (id, team, owner, name, level, created_at, deleted, lat, lon, search)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        h.id,
        h.team,
        h.owner,
        c.name,
        c.level.map(|l| l.as_str()),
        h.created_at,
        h.deleted,
        lat,
        lon,
        super::search::customer_search_text(c)
    ])?;
    Ok(())
}

fn deal(conn: &Connection, d: &Deal) -> Result<()> {
    let h = &d.header;
    let stage_at = d.stage_history.last().map(|e| e.at).unwrap_or(h.created_at);
    conn.prepare_cached(
        "INSERT OR REPLACE INTO deals (id, team, owner, customer_id, title, amount_minor, currency, stage,
             stage_at, expected_close, created_at, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        h.id,
        h.team,
        h.owner,
        d.customer_id,
        d.title,
        d.amount.minor,
        d.amount.currency,
        d.stage.as_str(),
        stage_at,
        d.expected_close.map(|x| x.to_string()),
        h.created_at,
        h.deleted
    ])?;
    conn.prepare_cached("DELETE FROM deal_stages WHERE deal_id = ?1")?.execute([&h.id])?;
    let mut ins = conn.prepare_cached(
        "INSERT INTO deal_stages (deal_id, seq, owner, stage, at, moved_on, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (seq, e) in d.stage_history.iter().enumerate() {
        // Whether the deal later entered a later open stage or won: the funnel's numerator,
        // known here once instead of looked up for every row at every evaluation.
        let moved_on = d.stage_history[seq + 1..].iter().any(|l| l.stage > e.stage && l.stage != Stage::Lost);
        ins.execute(params![h.id, seq as i64, h.owner, e.stage.as_str(), e.at, moved_on, h.deleted])?;
    }
    Ok(())
}

fn followup(conn: &Connection, f: &Followup) -> Result<()> {
    let h = &f.header;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO followups (id, team, owner, customer_id, deal_id, kind, occurred_at, note,
             next_step, next_followup_on, lat, lon, created_at, deleted, attachments, checkin_m, planned)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        h.id,
        h.team,
        h.owner,
        f.customer_id,
        f.deal_id,
        f.kind.as_str(),
        f.occurred_at,
        f.note,
        f.next_step,
        f.next_followup_on.map(|x| x.to_string()),
        f.checkin.as_ref().map(|c| c.lat),
        f.checkin.as_ref().map(|c| c.lon),
        h.created_at,
        h.deleted,
        (!f.attachments.is_empty()).then(|| serde_json::to_string(&f.attachments).unwrap_or_default()),
        f.checkin_metres,
        f.plan_id.is_some()
    ])?;
    attachment_refs(conn, h, f.attachments.iter())
}

/// The files live record `h` shows.
fn attachment_refs<'a>(conn: &Connection, h: &Header, files: impl Iterator<Item = &'a Attachment>) -> Result<()> {
    conn.prepare_cached("DELETE FROM attachment_refs WHERE doc_id = ?1")?.execute([&h.id])?;
    if h.deleted {
        return Ok(());
    }
    let mut ins = conn.prepare_cached(
        "INSERT OR IGNORE INTO attachment_refs (hash, doc_id, name, size, mime) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for a in files {
        ins.execute(params![a.hash, h.id, a.name, a.size as i64, a.mime])?;
    }
    Ok(())
}

fn contract(conn: &Connection, c: &Contract) -> Result<()> {
    let h = &c.header;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO contracts (id, team, owner, customer_id, deal_id, title, amount_minor, currency,
             signed_on, created_at, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        h.id,
        h.team,
        h.owner,
        c.customer_id,
        c.deal_id,
        c.title,
        c.amount.minor,
        c.amount.currency,
        c.signed_on.map(|x| x.to_string()).unwrap_or_default(),
        h.created_at,
        h.deleted
    ])?;
    Ok(())
}

fn report(conn: &Connection, r: &Report) -> Result<()> {
    let h = &r.header;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO reports (id, team, owner, kind, period_first, period_last, title, status,
             submitted_at, created_at, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        h.id,
        h.team,
        h.owner,
        r.kind.as_str(),
        r.first.to_string(),
        r.last.to_string(),
        r.title,
        r.status.as_str(),
        r.submitted_at,
        h.created_at,
        h.deleted
    ])?;
    conn.prepare_cached("DELETE FROM report_recipients WHERE report_id = ?1")?.execute([&h.id])?;
    let mut ins =
        conn.prepare_cached("INSERT OR IGNORE INTO report_recipients (report_id, user_id, role) VALUES (?1, ?2, ?3)")?;
    for u in &r.to {
        ins.execute(params![h.id, u, "to"])?;
    }
    for u in &r.cc {
        ins.execute(params![h.id, u, "cc"])?;
    }
    attachment_refs(conn, h, r.files().into_iter())
}

fn payment(conn: &Connection, p: &Payment) -> Result<()> {
    let h = &p.header;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO payments (id, team, owner, contract_id, customer_id, amount_minor, currency,
             received_on, created_at, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        h.id,
        h.team,
        h.owner,
        p.contract_id,
        p.customer_id,
        p.amount.minor,
        p.amount.currency,
        p.received_on.map(|x| x.to_string()).unwrap_or_default(),
        h.created_at,
        h.deleted
    ])?;
    Ok(())
}

fn plan(conn: &Connection, p: &Plan) -> Result<()> {
    let h = &p.header;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO plans (id, team, owner, customer_id, planned_on, planned_at, purpose, status, done,
             followup_id, created_at, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        h.id,
        h.team,
        h.owner,
        p.customer_id,
        p.on.map(|d| d.to_string()).unwrap_or_default(),
        p.at.map(|t| t.format("%H:%M").to_string()),
        p.purpose,
        p.status.as_str(),
        p.status == PlanStatus::Done,
        p.followup_id,
        h.created_at,
        h.deleted
    ])?;
    Ok(())
}

/// Removes the projection rows of record `id` of `kind` (a record the server never accepted,
/// dropped from this device).
pub(crate) fn remove(conn: &Connection, kind: crate::doc::Kind, id: &str) -> Result<()> {
    use crate::doc::Kind;
    let tables: &[(&str, &str)] = match kind {
        Kind::Customer => &[("customers", "id")],
        Kind::Deal => &[("deals", "id"), ("deal_stages", "deal_id")],
        Kind::Followup => &[("followups", "id")],
        Kind::Contract => &[("contracts", "id")],
        Kind::Payment => &[("payments", "id")],
        Kind::Plan => &[("plans", "id")],
        Kind::Report => &[("reports", "id"), ("report_recipients", "report_id"), ("report_reads", "report_id")],
        _ => &[],
    };
    for (table, column) in tables {
        conn.prepare_cached(&format!("DELETE FROM {table} WHERE {column} = ?1"))?.execute([id])?;
    }
    conn.prepare_cached("DELETE FROM attachment_refs WHERE doc_id = ?1")?.execute([id])?;
    Ok(())
}
