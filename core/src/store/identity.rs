//! The device's local identity ([`Identity`]): its user, team, calendar and persisted Automerge
//! actor id.

use automerge::ActorId;
use rusqlite::{params, OptionalExtension};

use super::Store;
pub use fieldreport_protocol::identity::Identity;

use crate::error::{Error, Result};
use crate::period::{parse_tz, parse_weekday, Calendar};

impl Store {
    /// Creates the device identity with a fresh random actor id. Fails when one exists.
    pub fn init(&mut self, user_id: &str, team_id: &str, tz: &str, week_start: &str) -> Result<Identity> {
        let user_id = user_id.trim();
        let team_id = team_id.trim();
        if user_id.is_empty() || team_id.is_empty() {
            return Err(Error::bad_input("user and team ids cannot be empty"));
        }
        let tz = parse_tz(tz)?.name().to_string();
        let week_start = weekday_name(parse_weekday(week_start)?);
        if let Some(existing) = self.identity_opt()? {
            return Err(Error::AlreadyInitialized { user: existing.user_id, team: existing.team_id });
        }
        let actor = ActorId::random();
        let now = self.now_ms();
        self.conn.execute(
            "INSERT INTO device (id, user_id, team_id, tz, week_start, actor, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![user_id, team_id, tz, week_start, actor.to_bytes(), now],
        )?;
        self.identity = None;
        self.identity()
    }

    /// The device identity; [`Error::NotInitialized`] before `init`.
    pub fn identity(&mut self) -> Result<Identity> {
        if let Some(id) = &self.identity {
            return Ok(id.clone());
        }
        let id = self.identity_opt()?.ok_or(Error::NotInitialized)?;
        self.identity = Some(id.clone());
        Ok(id)
    }

    fn identity_opt(&self) -> Result<Option<Identity>> {
        Ok(self
            .conn
            .query_row("SELECT user_id, team_id, tz, week_start, actor FROM device WHERE id = 1", [], |r| {
                let actor: Vec<u8> = r.get(4)?;
                Ok(Identity {
                    user_id: r.get(0)?,
                    team_id: r.get(1)?,
                    tz: r.get(2)?,
                    week_start: r.get(3)?,
                    actor: ActorId::from(actor).to_hex_string(),
                })
            })
            .optional()?)
    }

    /// The team calendar of this device: the time zone and week start of the team configuration
    /// the server published (an admin may change them), else those given at enrollment.
    pub fn calendar(&mut self) -> Result<Calendar> {
        match self.published_calendar()? {
            Some(cal) => Ok(cal),
            None => Ok(self.identity()?.calendar()?),
        }
    }

    /// The dates `period` (`today`, `this-week`, `2026-11-01..2026-11-07`, …) covers now, in the
    /// team's calendar.
    pub fn period_range(&mut self, period: &str) -> Result<crate::period::DateRange> {
        let p = period.parse::<crate::period::Period>()?;
        Ok(self.calendar()?.resolve(p, self.now_ms()))
    }
}

fn weekday_name(d: chrono::Weekday) -> String {
    use chrono::Weekday::*;
    match d {
        Mon => "monday",
        Tue => "tuesday",
        Wed => "wednesday",
        Thu => "thursday",
        Fri => "friday",
        Sat => "saturday",
        Sun => "sunday",
    }
    .to_string()
}
