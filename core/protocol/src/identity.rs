//! Who a device writes as: its user, team, calendar and Automerge actor.

use automerge::ActorId;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::period::Calendar;

/// Who this device writes as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Identity {
    pub user_id: String,
    pub team_id: String,
    /// IANA zone name, e.g. `Asia/Shanghai`.
    pub tz: String,
    /// Lower-case English day name, e.g. `monday`.
    pub week_start: String,
    /// Hex of the device's Automerge actor id; every local change is authored by it.
    pub actor: String,
}

impl Identity {
    /// The team calendar this identity resolves periods in.
    pub fn calendar(&self) -> Result<Calendar> {
        Calendar::parse(&self.tz, &self.week_start)
    }

    /// The Automerge actor id every local change is authored by.
    pub fn actor_id(&self) -> Result<ActorId> {
        ActorId::try_from(self.actor.as_str()).map_err(|_| Error::Corrupt {
            id: "device".into(),
            reason: format!("the stored actor id `{}` is not hex", self.actor),
        })
    }
}
