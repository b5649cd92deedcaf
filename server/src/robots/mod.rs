//! Delivery to group chats: messages for submitted reports and new alerts are queued in the
//! outbox inside the merge that raised them, and a worker sends them to each configured robot
//! (DingTalk, Feishu, WeCom), retrying with backoff. A robot that fails never blocks a sync: the
//! merge only writes a row.

mod payload;
mod worker;

pub use payload::{request, Mention, Message};
pub use worker::{spawn, BACKOFF_BASE_MS, MAX_ATTEMPTS};
