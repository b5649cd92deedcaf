//! The persistence primitives, on any backend's connection: each method is one statement or a
//! few, with no rule about who may do what (that is the service's). Grouped by what they hold.

mod blobs;
mod config;
mod departments;
mod docs;
mod evidence;
mod export;
mod feed;
mod figures;
mod obligations;
mod outbox;
mod plans;
mod quarantine;
mod rollups;
mod team;
mod web;
mod week;

use std::ops::Deref;

use fieldreport_protocol::wire::ChangeHash;

use super::Conn;

pub use blobs::{BlobRow, BlobUsage};
pub use config::{PublishedSnapshotRow, PublishedState};
pub use departments::DeptStint;
pub use docs::{DocRow, NewDoc, StoredMeta};
pub use evidence::LocationChange;
pub use export::{CustomerPlace, ExportRow};
pub use feed::{FeedRow, Visibility, PAGE_ROWS};
pub use obligations::Obligation;
pub use outbox::NewDelivery;
pub use plans::PlanEntry;
pub use quarantine::Quarantined;
pub use rollups::{RebuildInput, RollupDelta, RollupTable};
pub use team::seen_long_ago;
pub use web::{LinkRow, SessionRow};
pub use web::{NewSession, WebLogin};
pub use week::{MentionRow, NudgeRow};

/// A connection seen through the primitives.
#[derive(Clone, Copy)]
pub struct Db<'c>(pub &'c dyn Conn);

impl<'c> Deref for Db<'c> {
    type Target = dyn Conn + 'c;
    fn deref(&self) -> &Self::Target {
        self.0
    }
}

/// Heads as stored: their 32-byte hashes, concatenated.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// Heads from their stored form.
pub fn decode_heads(b: &[u8]) -> Vec<ChangeHash> {
    b.chunks_exact(32).filter_map(|c| ChangeHash::try_from(c).ok()).collect()
}
