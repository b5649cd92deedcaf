//! KPIs: definitions as data, the built-in set, evaluation over the store's projection tables,
//! each record's daily facts (for the server's rollups), and
//! target status (red / yellow / green).

mod builtin;
mod definition;
mod eval;
mod facts;
mod status;

pub use builtin::{builtin, builtin_ids};
pub use definition::{Aggregate, Entity, Filter, KpiDef, Unit};
pub(crate) use eval::evaluate;
pub use eval::{format_value, KpiValue};
pub use facts::{combine, facts, ratio, Fact};
pub use status::{achievement, status, KpiStatus, Status, Thresholds};
