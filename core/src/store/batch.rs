//! Many writes in one transaction ([`Store::batch`]): one fsync for a whole import instead of
//! one per record. Every local write opens its transaction through [`Store::write_tx`], which
//! inside a batch is a savepoint of the batch's transaction: a write that fails is undone alone,
//! and the batch commits (durably, once) what the others wrote — or nothing, when the batch's
//! own function fails.

use rusqlite::{Connection, Savepoint, Transaction, TransactionBehavior};

use super::Store;
use crate::error::Result;

/// The transaction of one local write: its own, or a savepoint of the running batch.
pub(crate) enum WriteTx<'a> {
    Own(Transaction<'a>),
    InBatch(Savepoint<'a>),
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            WriteTx::Own(t) => t,
            WriteTx::InBatch(s) => s,
        }
    }
}

impl WriteTx<'_> {
    /// Commits the write (inside a batch: keeps it for the batch's commit).
    pub(crate) fn commit(self) -> Result<()> {
        match self {
            WriteTx::Own(t) => t.commit()?,
            WriteTx::InBatch(s) => s.commit()?,
        }
        Ok(())
    }
}

impl Store {
    /// The transaction a local write runs in (see the module's comment).
    pub(crate) fn write_tx(&mut self) -> Result<WriteTx<'_>> {
        Ok(if self.in_batch {
            WriteTx::InBatch(self.conn.savepoint()?)
        } else {
            WriteTx::Own(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
        })
    }

    /// Runs `f`'s writes in one transaction, committed once (one fsync) when `f` returns `Ok`;
    /// when it fails (or panics) nothing of it is kept. A write inside that fails is undone
    /// alone: `f` decides whether to go on. Batches do not nest.
    pub fn batch<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if self.in_batch {
            return f(self);
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.in_batch = true;
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        self.in_batch = false;
        match out {
            Ok(Ok(v)) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(e.into())
                }
            },
            Ok(Err(e)) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
            Err(panic) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                std::panic::resume_unwind(panic)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::doc::NewCustomer;
    use crate::Store;

    fn store() -> Store {
        let mut s = Store::open_in_memory().unwrap();
        s.init("u1", "t1", "Asia/Shanghai", "monday").unwrap();
        s
    }

    fn customer(name: &str) -> NewCustomer {
        NewCustomer { name: name.into(), ..Default::default() }
    }

    #[test]
    fn a_batch_commits_its_writes_together_or_not_at_all() {
        let mut s = store();
        s.batch(|s| {
            for i in 0..3 {
                s.add_customer(customer(&format!("客户{i}")))?;
            }
            // A write that fails is undone alone; the batch goes on.
            assert!(s.add_customer(customer(" ")).is_err());
            Ok(())
        })
        .unwrap();
        assert_eq!(s.list_customers(None).unwrap().len(), 3);
        let failed = s.batch(|s| {
            s.add_customer(customer("不会留下"))?;
            s.add_customer(customer(" "))
        });
        assert!(failed.is_err());
        assert_eq!(s.list_customers(None).unwrap().len(), 3, "a failed batch keeps nothing");
        // The store is usable after both.
        s.add_customer(customer("之后")).unwrap();
        assert_eq!(s.list_customers(None).unwrap().len(), 4);
    }
}
