//! The team, its members, enrollment codes and devices.

use super::Db;
use crate::model::{Device, Role, Team, User};
use crate::p;
use crate::store::StoreResult as Result;
use crate::store::{ConnExt, Row, StoreError};

fn user_row(r: &dyn Row) -> Result<User, StoreError> {
    let role = r.text(2)?;
    Ok(User {
        id: r.text(0)?,
        name: r.text(1)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Data(format!("unknown role `{role}`")))?,
        manager_id: r.opt_text(3)?,
        created_at: r.int(4)?,
        phone: r.opt_text(5)?,
        active: r.int(6)? != 0,
        deactivated_at: r.opt_int(7)?,
        dept_id: r.opt_text(8)?,
    })
}

fn device_row(r: &dyn Row) -> Result<Device, StoreError> {
    Ok(Device {
        id: r.text(0)?,
        user_id: r.text(1)?,
        actor: r.text(2)?,
        created_at: r.int(3)?,
        last_seen_at: r.opt_int(4)?,
        revoked_at: r.opt_int(5)?,
        name: r.opt_text(6)?,
    })
}

/// A row's columns from `at` on, as a row of their own (to read joined rows with the readers of
/// each table).
struct Shifted<'r>(&'r dyn Row, usize);

impl Row for Shifted<'_> {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.0.int(self.1 + i)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        self.0.opt_int(self.1 + i)
    }
    fn real(&self, i: usize) -> Result<f64, StoreError> {
        self.0.real(self.1 + i)
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        self.0.opt_real(self.1 + i)
    }
    fn text(&self, i: usize) -> Result<String, StoreError> {
        self.0.text(self.1 + i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        self.0.opt_text(self.1 + i)
    }
    fn blob(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        self.0.blob(self.1 + i)
    }
    fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.opt_blob(self.1 + i)
    }
}

/// How precisely a device's last-seen time is kept.
pub const SEEN_EVERY_MS: i64 = 60_000;

/// Whether a device last seen at `last_seen` is due a [`Db::touch_device`] at `now` (a caller
/// that has read the time spares the statement).
pub fn seen_long_ago(last_seen: Option<i64>, now: i64) -> bool {
    last_seen.is_none_or(|seen| seen < now - SEEN_EVERY_MS)
}

const USER_COLS: &str = "id, name, role, manager_id, created_at, phone, active, deactivated_at, dept_id";
const DEVICE_COLS: &str = "id, user_id, actor, created_at, last_seen_at, revoked_at, name";

impl Db<'_> {
    pub fn team(&self) -> Result<Option<Team>> {
        self.opt("SELECT team_id, name, tz, week_start FROM team WHERE id = 1", p![], |r| {
            Ok(Team { id: r.text(0)?, name: r.text(1)?, tz: r.text(2)?, week_start: r.text(3)? })
        })
    }

    pub fn insert_team(&self, t: &Team, now: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO team (id, team_id, name, tz, week_start, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            p![&t.id, &t.name, &t.tz, &t.week_start, now],
        )?;
        Ok(())
    }

    pub fn update_team(&self, name: &str, tz: &str, week_start: &str) -> Result<()> {
        self.exec_later("UPDATE team SET name = ?1, tz = ?2, week_start = ?3 WHERE id = 1", p![name, tz, week_start])?;
        Ok(())
    }

    pub fn user(&self, id: &str) -> Result<Option<User>> {
        self.opt(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"), p![id], user_row)
    }

    /// Every member, oldest first.
    pub fn users(&self) -> Result<Vec<User>> {
        self.all(&format!("SELECT {USER_COLS} FROM users ORDER BY created_at, id"), p![], user_row)
    }

    /// Adds a member (and so changes the directory).
    pub fn insert_user(&self, u: &User) -> Result<()> {
        self.exec_later(
            "INSERT INTO users (id, name, role, manager_id, created_at, phone, active, deactivated_at, dept_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            p![
                &u.id,
                &u.name,
                u.role.as_str(),
                &u.manager_id,
                u.created_at,
                &u.phone,
                u.active,
                u.deactivated_at,
                &u.dept_id
            ],
        )?;
        if let Some(d) = &u.dept_id {
            self.exec_later(
                "INSERT INTO dept_history (user_id, dept_id, since, until) VALUES (?1, ?2, ?3, NULL)
                 ON CONFLICT (user_id, since) DO UPDATE SET dept_id = excluded.dept_id, until = NULL",
                p![&u.id, d, u.created_at],
            )?;
        }
        self.bump_directory()
    }

    /// Replaces a member's name, role, manager, phone, activity and when they were deactivated
    /// (and so the directory).
    pub fn update_user(&self, u: &User) -> Result<()> {
        self.exec_later(
            "UPDATE users SET name = ?2, role = ?3, manager_id = ?4, phone = ?5, active = ?6, deactivated_at = ?7
             WHERE id = ?1",
            p![&u.id, &u.name, u.role.as_str(), &u.manager_id, &u.phone, u.active, u.deactivated_at],
        )?;
        self.bump_directory()
    }

    /// Sets when a member joined (an existing team brought onto the server).
    pub fn update_user_since(&self, id: &str, since: i64) -> Result<()> {
        self.exec_later("UPDATE users SET created_at = ?2 WHERE id = ?1", p![id, since])?;
        self.bump_directory()
    }

    pub(super) fn bump_directory(&self) -> Result<()> {
        self.exec_later("UPDATE team SET directory_version = directory_version + 1 WHERE id = 1", p![])?;
        Ok(())
    }

    pub fn set_published_directory(&self, doc_id: &str, version: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO published_directory (id, doc_id, version) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET doc_id = excluded.doc_id, version = excluded.version",
            p![doc_id, version],
        )?;
        Ok(())
    }

    pub fn insert_code(&self, hash: &str, user_id: &str, expires_at: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO enroll_codes (code_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
            p![hash, user_id, expires_at],
        )?;
        Ok(())
    }

    /// An enrollment code: (user, expires at, used at).
    pub fn code(&self, hash: &str) -> Result<Option<(String, i64, Option<i64>)>> {
        self.opt("SELECT user_id, expires_at, used_at FROM enroll_codes WHERE code_hash = ?1", p![hash], |r| {
            Ok((r.text(0)?, r.int(1)?, r.opt_int(2)?))
        })
    }

    pub fn use_code(&self, hash: &str, now: i64) -> Result<()> {
        self.exec_later("UPDATE enroll_codes SET used_at = ?2 WHERE code_hash = ?1", p![hash, now])?;
        Ok(())
    }

    /// Whether an active device authors as `actor`.
    pub fn actor_taken(&self, actor: &str) -> Result<bool> {
        Ok(self.opt("SELECT 1 FROM devices WHERE actor = ?1 AND revoked_at IS NULL", p![actor], |_| Ok(()))?.is_some())
    }

    /// The active device of `user_id` authoring as `actor` that was enrolled at `at` (the moment
    /// a code was used), if any: a device retrying its own enrollment.
    pub fn enrolled_with(&self, actor: &str, user_id: &str, at: i64) -> Result<Option<Device>> {
        self.opt(
            &format!(
                "SELECT {DEVICE_COLS} FROM devices
                 WHERE actor = ?1 AND user_id = ?2 AND created_at = ?3 AND revoked_at IS NULL"
            ),
            p![actor, user_id, at],
            device_row,
        )
    }

    /// Gives device `id` a new token (the old one stops working).
    pub fn set_device_token(&self, id: &str, token_hash: &str) -> Result<()> {
        self.exec_later("UPDATE devices SET token_hash = ?2 WHERE id = ?1", p![id, token_hash])?;
        Ok(())
    }

    pub fn insert_device(&self, d: &Device, token_hash: &str) -> Result<()> {
        self.exec_later(
            "INSERT INTO devices (id, user_id, actor, token_hash, created_at, name) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            p![&d.id, &d.user_id, &d.actor, token_hash, d.created_at, &d.name],
        )?;
        Ok(())
    }

    /// The device with this token, its member and the team, in one query (every request asks).
    pub fn caller_by_token(&self, token_hash: &str) -> Result<Option<(Device, User, Team)>> {
        self.opt(
            "SELECT d.id, d.user_id, d.actor, d.created_at, d.last_seen_at, d.revoked_at, d.name,
                    u.id, u.name, u.role, u.manager_id, u.created_at, u.phone, u.active, u.deactivated_at, u.dept_id,
                    t.team_id, t.name, t.tz, t.week_start
             FROM devices d JOIN users u ON u.id = d.user_id JOIN team t ON t.id = 1
             WHERE d.token_hash = ?1",
            p![token_hash],
            |r| {
                let team = Team { id: r.text(16)?, name: r.text(17)?, tz: r.text(18)?, week_start: r.text(19)? };
                Ok((device_row(r)?, user_row(&Shifted(r, 7))?, team))
            },
        )
    }

    pub fn device(&self, id: &str) -> Result<Option<Device>> {
        self.opt(&format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"), p![id], device_row)
    }

    /// Devices, of one user or all, oldest first.
    pub fn devices(&self, user_id: Option<&str>) -> Result<Vec<Device>> {
        let sql = match user_id {
            Some(_) => format!("SELECT {DEVICE_COLS} FROM devices WHERE user_id = ?1 ORDER BY created_at, id"),
            None => format!("SELECT {DEVICE_COLS} FROM devices ORDER BY created_at, id"),
        };
        let params = match user_id {
            Some(u) => vec![u.into()],
            None => Vec::new(),
        };
        self.all(&sql, &params, device_row)
    }

    /// Marks a device revoked (once); returns whether it exists.
    pub fn revoke_device(&self, id: &str, now: i64) -> Result<bool> {
        Ok(self.exec("UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1", p![id, now])? > 0)
    }

    /// Records that a device synced, to the minute: an idle sync then writes nothing.
    pub fn touch_device(&self, id: &str, now: i64) -> Result<()> {
        self.exec_later(
            &format!(
                "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1 AND (last_seen_at IS NULL OR last_seen_at < ?2 - {SEEN_EVERY_MS})"
            ),
            p![id, now],
        )?;
        Ok(())
    }

    /// Whether a one-time flag is set (work the service owes the data after an upgrade).
    pub fn flag(&self, name: &str) -> Result<bool> {
        Ok(self.opt("SELECT 1 FROM flags WHERE name = ?1", p![name], |_| Ok(()))?.is_some())
    }

    pub fn clear_flag(&self, name: &str) -> Result<()> {
        self.exec_later("DELETE FROM flags WHERE name = ?1", p![name])?;
        Ok(())
    }

    /// A write that touches one row, to see whether the database takes writes (after it was
    /// found full).
    pub fn probe_write(&self, now: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO health_probe (id, at) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
            p![now],
        )?;
        Ok(())
    }

    /// The key that signs file links, made from `candidate` by the first process that asks.
    pub fn link_key(&self, candidate: &str, now: i64) -> Result<String> {
        self.exec_later(
            "INSERT INTO link_keys (id, key, created_at) VALUES (1, ?1, ?2) ON CONFLICT (id) DO NOTHING",
            p![candidate, now],
        )?;
        self.one("SELECT key FROM link_keys WHERE id = 1", p![], |r| r.text(0))
    }
}
