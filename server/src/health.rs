//! What `/healthz` reports beyond a reachable database: storage found full. Any write that fails
//! for a full disk or database notes it here; `/healthz` then answers 503 until a probe write
//! succeeds again (space returned), so that a load balancer or an operator's monitor sees the
//! fault while devices keep their data and retry.

use std::sync::Mutex;

/// The last storage fault seen and not yet cleared: when (UTC ms) and what failed.
static FULL: Mutex<Option<(i64, String)>> = Mutex::new(None);

/// Notes that a write failed because storage is full (logged once per fault).
pub fn storage_full(what: &str) {
    let mut full = FULL.lock().unwrap_or_else(|p| p.into_inner());
    if full.is_none() {
        tracing::error!(what, "storage is full: writes are refused with 503 until space returns");
        crate::metrics::metrics().storage_full.set(1);
    }
    *full = Some((crate::now_ms(), what.to_string()));
}

/// Notes that storage took a write again.
pub fn storage_ok() {
    let mut full = FULL.lock().unwrap_or_else(|p| p.into_inner());
    if full.take().is_some() {
        tracing::info!("storage takes writes again");
        crate::metrics::metrics().storage_full.set(0);
    }
}

/// The storage fault noted, if any: since when, and what failed.
pub fn storage_fault() -> Option<(i64, String)> {
    FULL.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Tests that set or read the process's storage fault take turns.
#[cfg(test)]
pub(crate) static TEST_TURN: Mutex<()> = Mutex::new(());

#[cfg(test)]
mod tests {
    #[test]
    fn a_fault_is_reported_until_storage_takes_a_write() {
        let _turn = super::TEST_TURN.lock().unwrap_or_else(|p| p.into_inner());
        super::storage_full("disk full");
        assert_eq!(super::storage_fault().map(|f| f.1).as_deref(), Some("disk full"));
        super::storage_ok();
        assert!(super::storage_fault().is_none());
    }
}
