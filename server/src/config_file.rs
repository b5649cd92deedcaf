//! Reading a team configuration file (JSON or TOML) and printing the one in force.

use std::path::Path;

use fieldreport_protocol::team::TeamConfig;

use crate::error::{Result, ServerError};

/// Parses `path` as TOML (`.toml`) or JSON (anything else); errors name the line or field.
pub fn read(path: &Path) -> Result<TeamConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ServerError::BadRequest(format!("cannot read {}: {e}", path.display())))?;
    let is_toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    parse(&text, is_toml)
        .map_err(|e| ServerError::BadRequest(format!("{} is not a valid configuration: {e}", path.display())))
}

/// Parses a configuration's text (TOML or JSON); the error names the line or field. A field the
/// configuration does not have (a typo, or one of a newer version) is refused: devices ignore
/// such fields, so a misspelt setting would otherwise silently do nothing.
pub fn parse(text: &str, toml: bool) -> std::result::Result<TeamConfig, String> {
    let mut unknown: Vec<String> = Vec::new();
    let config: TeamConfig = if toml {
        let de = toml::Deserializer::parse(text).map_err(|e| e.to_string().trim().to_string())?;
        serde_ignored::deserialize(de, |p| unknown.push(p.to_string())).map_err(|e| e.to_string().trim().to_string())?
    } else {
        let mut de = serde_json::Deserializer::from_str(text);
        let c = serde_ignored::deserialize(&mut de, |p| unknown.push(p.to_string())).map_err(|e| e.to_string())?;
        de.end().map_err(|e| e.to_string())?;
        c
    };
    match unknown.first() {
        None => Ok(config),
        Some(path) => {
            let key = path.rsplit('.').next().unwrap_or(path);
            let line = line_of_key(text, key, toml).map(|n| format!(" (line {n})")).unwrap_or_default();
            Err(format!("{path}: no such setting{line}"))
        }
    }
}

/// The first line that sets `key` (TOML `key =`, JSON `"key":`).
fn line_of_key(text: &str, key: &str, toml: bool) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches(['{', ',', ' ']);
            let rest = l.strip_prefix('"').and_then(|r| r.strip_prefix(key)).and_then(|r| r.strip_prefix('"'));
            let rest = rest.or_else(|| if toml { l.strip_prefix(key) } else { None });
            rest.is_some_and(|r| r.trim_start().starts_with(if toml { '=' } else { ':' }))
        })
        .map(|i| i + 1)
}

/// The configuration as TOML, for people and for editing into the next file.
pub fn to_toml(config: &TeamConfig) -> Result<String> {
    toml::to_string_pretty(config).map_err(|e| ServerError::Internal(format!("cannot print the configuration: {e}")))
}
