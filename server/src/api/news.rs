//! Long polls: `POST /v1/sync?wait=SECONDS` with nothing to push waits, when its page is empty,
//! until something the device may see is stored (`service::news`), or the time is up, and then
//! answers as any sync does. A request that pushes or asks for documents answers at once.

use std::sync::Arc;
use std::time::Duration;

use fieldreport_protocol::wire::SyncResponse;

use crate::error::Result;
use crate::model::Caller;
use crate::service::Waiter;
use crate::state::{blocking, AppState};

/// The longest wait a request may ask for. Devices ask for less (25 s): proxies and mobile
/// networks drop connections idle for much longer.
pub const MAX_WAIT_SECS: u64 = 60;

/// The query of `POST /v1/sync`.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct SyncQuery {
    /// Seconds to wait for news when there is nothing to send (0 or absent: answer at once).
    wait: Option<u64>,
}

impl SyncQuery {
    /// How long to wait, capped.
    pub(super) fn wait(&self) -> Option<Duration> {
        self.wait.filter(|s| *s > 0).map(|s| Duration::from_secs(s.min(MAX_WAIT_SECS)))
    }
}

/// Whether the answer carries nothing for the device.
pub(super) fn is_empty(r: &SyncResponse) -> bool {
    r.docs.is_empty() && !r.more && r.results.is_empty() && r.unavailable.is_empty() && r.resend.is_empty()
}

/// Waits with `waiter` (registered before `first` was read) until news or `wait` passed; answers
/// the first page that holds something, or `first`'s empty one at the end.
pub(super) async fn wait_for_news(
    state: &Arc<AppState>,
    caller: &Caller,
    waiter: Waiter,
    first: SyncResponse,
    max_bytes: u64,
    wait: Duration,
) -> Result<SyncResponse> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut last = first;
    loop {
        tokio::select! {
            _ = waiter.news() => {}
            _ = tokio::time::sleep_until(deadline) => return Ok(last),
        }
        if waiter.closed() {
            return Ok(last);
        }
        let (s, c) = (state.service.clone(), caller.clone());
        let (cursor, version) = (last.cursor, last.version);
        let page = blocking(move || s.pull(&c, cursor, max_bytes, version)).await?;
        if !is_empty(&page) {
            return Ok(page);
        }
        last = page;
    }
}
