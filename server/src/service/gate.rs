//! Bounds how many merge checks run at once.
//!
//! Checks are CPU work on the request's own thread; the single writer must not queue behind them
//! for a core. With about one runnable check per core the writer gets its share of the CPU; with
//! fifty (one per connected device) the scheduler gave it a fiftieth, and every request waited on
//! it.

use std::sync::{Condvar, Mutex};

/// A counting semaphore for blocking threads.
pub(super) struct Gate {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Gate {
    /// A gate letting `n` (at least one) threads through at once.
    pub(super) fn new(n: usize) -> Gate {
        Gate { free: Mutex::new(n.max(1)), freed: Condvar::new() }
    }

    /// A gate for merge checks: one per core and one more, so that the cores stay busy while a
    /// check waits (for a read connection, a page of the database) without crowding the writer.
    /// `FIELDREPORT_MERGE_CHECKS` overrides the number (for measuring it: see BENCHMARKS.md).
    pub(super) fn for_checks() -> Gate {
        let set = std::env::var("FIELDREPORT_MERGE_CHECKS").ok().and_then(|v| v.trim().parse::<usize>().ok());
        Gate::new(set.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) + 1))
    }

    /// Runs `f` once a place is free.
    pub(super) fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            while *free == 0 {
                free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
            }
            *free -= 1;
        }
        // Give the place back even if `f` panics.
        struct Release<'a>(&'a Gate);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        f()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn never_lets_more_than_its_places_through() {
        let gate = Arc::new(Gate::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (gate, inside, most) = (gate.clone(), inside.clone(), most.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        gate.run(|| {
                            let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(n, Ordering::SeqCst);
                            std::thread::yield_now();
                            inside.fetch_sub(1, Ordering::SeqCst);
                        });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
