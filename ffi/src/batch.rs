//! Many records in one write: `write_batch` commits them in one transaction, one fsync for an
//! import of thousands instead of one each.

use std::sync::Arc;

use crate::error::FieldError;
use crate::records::{new_customer, new_deal, new_followup};
use crate::store::{FieldStore, Result};
use crate::types::{NewCustomer, NewDeal, NewFollowup};

/// One write of a batch.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum BatchWrite {
    AddCustomer { customer: NewCustomer },
    AddDeal { deal: NewDeal },
    LogFollowup { followup: NewFollowup },
}

#[uniffi::export]
impl FieldStore {
    /// Writes `writes` in order in one transaction, committed once (one fsync), and returns the
    /// new records' ids in the same order. All or nothing: when one is refused (an empty name, an
    /// unknown customer), nothing is written and the error says which (`write 17 of 3000: …`).
    /// A write may name a record an earlier write of the batch made only by its id, which the app
    /// cannot know beforehand: make customers in one batch and their followups in the next.
    pub async fn write_batch(self: Arc<Self>, writes: Vec<BatchWrite>) -> Result<Vec<String>> {
        let total = writes.len();
        let which = move |i: usize, e: FieldError| FieldError::InvalidInput {
            reason: format!("write {} of {total}: {e}", i + 1),
        };
        // Checked before the transaction starts: what can be refused without the store.
        enum Ready {
            Customer(fieldreport_core::doc::NewCustomer),
            Deal(fieldreport_core::doc::NewDeal),
            Followup(crate::records::PendingFollowup),
        }
        let ready = writes
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                match w {
                    BatchWrite::AddCustomer { customer } => new_customer(customer).map(Ready::Customer),
                    BatchWrite::AddDeal { deal } => new_deal(deal).map(Ready::Deal),
                    BatchWrite::LogFollowup { followup } => new_followup(followup).map(Ready::Followup),
                }
                .map_err(|e| which(i, e))
            })
            .collect::<Result<Vec<_>>>()?;
        self.on_worker(move |me| {
            let mut failed = None;
            let out = me.with(|s| {
                s.batch(|s| {
                    let now = s.now_ms();
                    let mut ids = Vec::with_capacity(ready.len());
                    for (i, w) in ready.into_iter().enumerate() {
                        let written = match w {
                            Ready::Customer(n) => s.add_customer(n).map(|r| r.header.id),
                            Ready::Deal(n) => s.add_deal(n).map(|r| r.header.id),
                            Ready::Followup(n) => s.log_followup(n.at(now)).map(|r| r.header.id),
                        };
                        match written {
                            Ok(id) => ids.push(id),
                            Err(e) => {
                                failed = Some(i);
                                return Err(e);
                            }
                        }
                    }
                    Ok(ids)
                })
            });
            out.map_err(|e| match failed {
                Some(i) => which(i, e),
                None => e,
            })
        })
        .await
    }
}
