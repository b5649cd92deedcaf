//! Reading a team configuration file (JSON or TOML) and printing the one in force.

use std::path::Path;

use fieldreport_core::team::TeamConfig;

use crate::error::{Result, ServerError};

/// Parses `path` as TOML (`.toml`) or JSON (anything else); errors name the line or field.
pub fn read(path: &Path) -> Result<TeamConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ServerError::BadRequest(format!("cannot read {}: {e}", path.display())))?;
    let is_toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    parse(&text, is_toml)
        .map_err(|e| ServerError::BadRequest(format!("{} is not a valid configuration: {e}", path.display())))
}

/// Parses a configuration's text (TOML or JSON); the error names the line or field.
pub fn parse(text: &str, toml: bool) -> std::result::Result<TeamConfig, String> {
    if toml {
        toml::from_str(text).map_err(|e| e.to_string().trim().to_string())
    } else {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// The configuration as TOML, for people and for editing into the next file.
pub fn to_toml(config: &TeamConfig) -> Result<String> {
    toml::to_string_pretty(config).map_err(|e| ServerError::Internal(format!("cannot print the configuration: {e}")))
}
