//! Sign-in with the phone (扫码登录): the dashboard's sign-in page shows a short code; this
//! enrolled device approves it for its user, and the browser that showed it is signed in.

use super::http::{json_body, post_json, SyncOptions};
use crate::api::{Route, WebLoginApproved, WebLoginRequest};
use crate::error::{Error, Result};
use crate::store::SyncState;

/// The code as typed: letters and digits, any case, with or without its dash or spaces
/// (`k7qx-m2pa`, `K7QX M2PA`), or as its QR code says (`fieldreport://web-login/K7QX-M2PA`).
pub fn normalize_code(code: &str) -> Result<String> {
    let code = code.trim();
    let code = code.strip_prefix("fieldreport://web-login/").unwrap_or(code);
    let c: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    if c.len() != 8 || code.chars().any(|ch| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == ' ')) {
        return Err(Error::bad_input(format!(
            "`{}` is not a sign-in code: it has eight letters and digits, as the dashboard's sign-in page shows (e.g. K7QX-M2PA)",
            code.trim()
        )));
    }
    Ok(format!("{}-{}", &c[..4], &c[4..]))
}

/// Approves the sign-in code a browser shows, for the user of the enrolled device whose sync
/// state is `state` ([`crate::Store::sync_state`]).
pub async fn approve_web_login(state: &SyncState, code: &str, opts: &SyncOptions) -> Result<WebLoginApproved> {
    let code = normalize_code(code)?;
    let body = json_body(&WebLoginRequest { code })?;
    let bytes = post_json(opts, &Route::WebLogin.at(&state.server_url), Some(&state.token), body).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::bad_response(200, format!("the sign-in answer could not be read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(normalize_code("k7qx-m2pa").unwrap(), "K7QX-M2PA");
        assert_eq!(normalize_code(" K7QX M2PA ").unwrap(), "K7QX-M2PA");
        assert_eq!(normalize_code("K7QXM2PA").unwrap(), "K7QX-M2PA");
        assert_eq!(normalize_code("fieldreport://web-login/K7QX-M2PA").unwrap(), "K7QX-M2PA", "a scanned QR code");
        assert!(normalize_code("K7QX-M2P").is_err());
        assert!(normalize_code("K7QX;M2PA").is_err());
        assert!(normalize_code("").is_err());
    }
}
