//! Report composition: templates, inserted blocks, label languages and rendering.

mod block;
mod labels;
mod lang;
mod mentions;
mod names;
mod period_name;
mod render;
mod summary;
mod template;

pub use block::{Block, BlockData, BlockKind, FigureSource, FollowupGroup, FollowupItem, KpiRow, PlanItem};
pub use labels::{label_of, Label};
pub use lang::Lang;
pub use mentions::{find_mentions, reads_report};
pub use names::Names;
pub use period_name::period_name;
pub use render::{render_markdown, render_markdown_linked, render_text, Dialect};
pub use summary::{draft_summary, DealMove, SummaryInput};
pub use template::{builtin_template, builtin_templates, SectionDef, Template};

/// The KPIs a report gets when none are named: the six headline figures.
pub const DEFAULT_REPORT_KPIS: [&str; 6] =
    ["new_customers", "new_contract_amount", "payments_received", "visits", "calls", "followups"];
