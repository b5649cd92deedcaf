//! KPIs: definitions as data, the built-in set, values as people read them, each record's daily
//! facts (for the server's rollups), and target status (red / yellow / green). The device
//! evaluates a definition over its own tables (`fieldreport_core::store`).

mod builtin;
mod definition;
mod facts;
mod status;
mod value;

pub use builtin::{builtin, builtin_ids};
pub use definition::{Aggregate, Entity, Filter, KpiDef, Unit};
pub use facts::{combine, facts, ratio, Fact};
pub use status::{achievement, status, KpiStatus, Status, Thresholds};
pub use value::{as_printed, format_target, format_value, KpiValue};
