//! `files`: attached files' use of the server, and their collection.

use fieldreport_server::service::blobs::FileUsage;
use fieldreport_server::{ServerError, Service};
use serde_json::json;

use crate::print;

fn mb(bytes: i64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// The human lines of `usage`.
pub fn usage_lines(usage: &FileUsage) -> Vec<String> {
    let mut lines = vec![match &usage.store {
        Some(at) => format!("attached files are kept in {at}"),
        None => "this server keeps no attached files: start it with --blobs DIR or s3://…".to_string(),
    }];
    lines.push(format!(
        "limits: {} per file, {} per member per day; unreferenced files go after {} days",
        mb(usage.max_file_bytes as i64),
        mb(usage.max_bytes_per_day as i64),
        usage.keep_unreferenced_days
    ));
    for m in &usage.members {
        lines.push(format!(
            "  {}: {} files, {} stored; today {} of {}",
            m.user_id,
            m.files,
            mb(m.bytes),
            mb(m.bytes_today),
            mb(usage.max_bytes_per_day as i64)
        ));
    }
    lines
}

pub fn files(s: &Service, collect: bool, j: bool) -> Result<(), ServerError> {
    let collected = if collect { Some(s.collect_files()?) } else { None };
    let usage = s.file_usage()?;
    let mut lines = usage_lines(&usage);
    if let Some(c) = &collected {
        lines.push(format!("collected {} unreferenced files and {} unfinished uploads", c.files, c.partial_uploads));
    }
    print(j, json!({"files": usage, "collected": collected}), lines);
    Ok(())
}
