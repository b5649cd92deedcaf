//! The small runtimes that drive the sockets of the synchronous storage layers (PostgreSQL's
//! connections, the object store's requests): each started once, on first use.

use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

/// The runtime in `cell`, started on first use with two threads named `name` (the sockets' I/O
/// is all it does). Fails only where the machine cannot start two threads, at start-up.
pub(crate) fn io_runtime(cell: &'static OnceLock<Runtime>, name: &'static str) -> &'static Runtime {
    cell.get_or_init(|| {
        Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(name)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start the {name} runtime: {e}"))
    })
}
