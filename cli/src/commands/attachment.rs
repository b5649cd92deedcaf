//! `visit attach|detach`, `report attach|detach`, `attachment get|list|cache`: photos and files.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use fieldreport_core::doc::{Attachment, Kind};
use fieldreport_core::store::{AttachmentState, Saved};
use fieldreport_core::sync::{self, CancelToken, ProgressListener, SyncOptions, SyncProgress};
use serde_json::{json, Value};

use super::Ctx;
use crate::args::AttachmentCmd;
use crate::error::{CliError, CliResult};
use crate::output::note;

/// Attaches each of `files` to record `id`; the ones that attach are reported even when
/// another is refused (the command then fails, naming it).
pub fn attach(ctx: &mut Ctx, kind: Kind, id: &str, files: &[PathBuf], section: Option<&str>) -> CliResult {
    let mut done: Vec<Attachment> = Vec::new();
    let mut refused: Vec<(String, fieldreport_core::Error)> = Vec::new();
    for path in files {
        match ctx.store.attach_file(kind, id, path, None, section) {
            Ok(a) => done.push(a),
            Err(e) => refused.push((path.display().to_string(), e)),
        }
    }
    let json: Vec<Value> = done.iter().map(|a| file_json(a, &AttachmentState::Own { uploaded: false })).collect();
    ctx.out.print(&json!({"record_id": id, "attached": json}), || {
        done.iter()
            .map(|a| {
                format!(
                    "attached {} ({}, {}) [{}]; it goes at the next sync",
                    a.name,
                    a.mime,
                    size(a.size),
                    short(&a.hash)
                )
            })
            .collect()
    })?;
    match refused.len() {
        0 => Ok(()),
        1 => {
            let (path, e) = refused.remove(0);
            Err(refused_error(&path, e))
        }
        n => {
            for (path, e) in &refused {
                note(&format!("not attached: {path}: {e}"));
            }
            let bad_input = refused.iter().all(|(_, e)| e.is_bad_input());
            let msg = format!("{n} files were not attached (above)");
            Err(if bad_input { CliError::Usage(msg) } else { CliError::Damaged(msg) })
        }
    }
}

fn refused_error(path: &str, e: fieldreport_core::Error) -> CliError {
    if e.is_bad_input() {
        CliError::Usage(format!("{path} was not attached: {e}"))
    } else {
        CliError::Core(e)
    }
}

/// Removes file `hash` (or a unique start of it, or its name) from record `id`.
pub fn detach(ctx: &mut Ctx, kind: Kind, id: &str, hash: &str) -> CliResult {
    let hash = ctx.store.resolve_attachment(hash)?;
    let n = ctx.store.detach(kind, id, &hash)?;
    ctx.out.print(&json!({"record_id": id, "detached": hash, "references": n}), || {
        vec![format!("detached {} from {id}", short(&hash))]
    })
}

pub fn run(ctx: &mut Ctx, cmd: AttachmentCmd) -> CliResult {
    match cmd {
        AttachmentCmd::Get { hash, out } => get(ctx, &hash, out.as_deref()),
        AttachmentCmd::List => {
            let rows = ctx.store.list_attachments()?;
            ctx.out.print(&rows, || {
                if rows.is_empty() {
                    return vec!["no record on this device has files".into()];
                }
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}  {}  {}  {}  {} {}",
                            short(&r.hash),
                            r.name,
                            size(r.size),
                            state_text(&r.state),
                            r.record_kind,
                            r.record_id
                        )
                    })
                    .collect()
            })
        }
        AttachmentCmd::Cache { megabytes } => {
            let bytes = megabytes.saturating_mul(1_048_576);
            ctx.store.set_attachment_cache(bytes)?;
            ctx.out.print(&json!({"cache_bytes": bytes}), || {
                vec![format!("downloaded files are kept up to {megabytes} MB (least recently used go first)")]
            })
        }
    }
}

/// Draws download progress on stderr when it is a terminal.
struct Bar;

impl ProgressListener for Bar {
    fn on_progress(&self, p: SyncProgress) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{} / {} KiB", p.bytes_done / 1024, p.bytes_total / 1024);
        let _ = err.flush();
    }
}

fn get(ctx: &mut Ctx, query: &str, out: Option<&Path>) -> CliResult {
    let hash = ctx.store.resolve_attachment(query)?;
    let row = ctx
        .store
        .list_attachments()?
        .into_iter()
        .find(|r| r.hash == hash)
        .ok_or_else(|| fieldreport_core::Error::NotFound { kind: "attachment", id: hash.clone() })?;
    if !matches!(ctx.store.attachment_state(&hash)?, AttachmentState::Own { .. } | AttachmentState::Downloaded) {
        let tty = std::io::stderr().is_terminal();
        let bar = Bar;
        let listener: Option<&dyn ProgressListener> = if tty { Some(&bar) } else { None };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Usage(format!("cannot start the network runtime: {e}")))?;
        let fetched = rt.block_on(sync::fetch_file(
            &mut ctx.store,
            &hash,
            &SyncOptions::default(),
            listener,
            &CancelToken::new(),
        ));
        if tty {
            note("");
        }
        fetched.map_err(|e| match e {
            fieldreport_core::Error::NotFound { .. } => CliError::Usage(format!(
                "the server has no {} for you: it is still uploading from its author's device, or it is not yours to read",
                row.name
            )),
            e => e.into(),
        })?;
    }
    if out == Some(Path::new("-")) {
        let mut stdout = std::io::stdout().lock();
        ctx.store.write_attachment(&hash, &mut stdout)?;
        stdout.flush()?;
        return Ok(());
    }
    let (path, fresh) = match out {
        Some(p) => (p.to_path_buf(), false),
        None => (PathBuf::from(safe_name(&row.name, &hash, &row.mime)), true),
    };
    // A name made here never replaces a file; one given with --out does.
    match ctx.store.save_attachment(&hash, &path, !fresh)? {
        Saved::Written => {}
        Saved::Exists => {
            return Err(CliError::Usage(format!(
                "{} exists: give --out PATH to write elsewhere or over it",
                path.display()
            )))
        }
        Saved::NotOnDevice => {
            return Err(CliError::Usage(format!("{} is not on this device whole: fetch it again", row.name)))
        }
    }
    ctx.out.print(&json!({"hash": hash, "path": path, "size": row.size, "mime": row.mime}), || {
        vec![format!("wrote {} ({})", path.display(), size(row.size))]
    })
}

/// A file name from an attachment's name (set by another device: no directories, no hidden
/// files, nothing a shell or a file system trips on), else the hash with the kind's extension.
fn safe_name(name: &str, hash: &str, mime: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|&c| {
            fieldreport_core::text::forbidden_char(c.encode_utf8(&mut [0; 4])).is_none()
                && !c.is_control()
                && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|')
        })
        .collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        let ext = mime.rsplit('/').next().unwrap_or("bin");
        format!("{}.{ext}", short(hash))
    } else {
        clean
    }
}

/// The JSON of a file in command output.
pub fn file_json(a: &Attachment, state: &AttachmentState) -> Value {
    json!({
        "hash": a.hash, "name": a.name, "mime": a.mime, "size": a.size,
        "width": a.width, "height": a.height, "taken_at": a.taken_at, "section": a.section,
        "state": state,
    })
}

/// The files of a record with where each stands, for `show`.
pub fn files_json(ctx: &Ctx, list: &[Attachment]) -> CliResult<Value> {
    let mut out = Vec::new();
    for a in list {
        out.push(file_json(a, &ctx.store.attachment_state(&a.hash)?));
    }
    Ok(Value::Array(out))
}

/// One file on a line, for `show`.
pub fn file_line(ctx: &Ctx, a: &Attachment) -> CliResult<String> {
    let state = ctx.store.attachment_state(&a.hash)?;
    Ok(format!("  📎 {} ({}, {}) [{}] {}", a.name, a.mime, size(a.size), short(&a.hash), state_text(&state)))
}

fn state_text(s: &AttachmentState) -> &'static str {
    match s {
        AttachmentState::Own { uploaded: true } => "sent",
        AttachmentState::Own { uploaded: false } => "waiting to be sent",
        AttachmentState::Downloaded => "downloaded",
        AttachmentState::Partial { .. } => "partly downloaded",
        AttachmentState::Missing => "not on this device (attachment get)",
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

fn size(bytes: u64) -> String {
    if bytes >= 1_048_576 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{:.0} KB", (bytes as f64 / 1024.0).ceil())
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn names_from_other_devices_cannot_leave_the_directory() {
        let h = "ab".repeat(32);
        assert_eq!(safe_name("../../etc/passwd", &h, "image/jpeg"), "passwd");
        assert_eq!(safe_name("..\\..\\x.jpg", &h, "image/jpeg"), "x.jpg");
        assert_eq!(safe_name("..", &h, "image/jpeg"), format!("{}.jpeg", &h[..12]));
        assert_eq!(safe_name(".bashrc", &h, "image/png"), "bashrc");
        assert_eq!(safe_name("门头照.jpg", &h, "image/jpeg"), "门头照.jpg");
        assert_eq!(safe_name("", &h, "application/pdf"), format!("{}.pdf", &h[..12]));
        assert_eq!(safe_name("photo\u{202E}gpj.exe", &h, "image/png"), "photogpj.exe", "no reordering on screen");
        assert_eq!(safe_name("a\u{1b}[31mb.png", &h, "image/png"), "a[31mb.png");
    }
}
