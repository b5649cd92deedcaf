//! The team server's HTTP routes and the JSON bodies devices exchange with it besides the binary
//! sync ([`crate::wire`]). The server routes by these paths and the device builds its URLs from
//! them, so the two cannot drift apart.

use serde::{Deserialize, Serialize};

use crate::codes::{ErrorCode, Role};

/// The content type of a sync request and answer.
pub const SYNC_CONTENT_TYPE: &str = "application/x-fieldreport-sync";

/// A route of the team server's device API. `{hash}` stands for a file's SHA-256 (hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET`: whether the server and its database answer.
    Healthz,
    /// `GET`: Prometheus metrics.
    Metrics,
    /// `POST` [`EnrollRequest`] → [`Enrollment`].
    Enroll,
    /// `POST` a binary sync request.
    Sync,
    /// `POST` [`WebLoginRequest`] → [`WebLoginApproved`].
    WebLogin,
    /// `POST` [`ReadsRequest`] → `{"recorded": n}`.
    Reads,
    /// `POST` `{}` → `{"signed_out": device id}`.
    SignOut,
    /// `POST` [`NudgeRequest`] → [`NudgeSent`].
    Nudges,
    /// `GET` a member's (or the team's) KPI figures.
    Kpi,
    /// `GET` the caller's alerts.
    Alerts,
    /// `GET` submission statistics.
    Submissions,
    /// `POST` the hashes a device holds → those the server lacks.
    BlobsMissing,
    /// `POST` one piece of a file (`?offset=…&size=…`).
    Blob,
    /// `POST` to read one piece of a file (`?offset=…&len=…`).
    BlobRead,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 14] = [
        Route::Healthz,
        Route::Metrics,
        Route::Enroll,
        Route::Sync,
        Route::WebLogin,
        Route::Reads,
        Route::SignOut,
        Route::Nudges,
        Route::Kpi,
        Route::Alerts,
        Route::Submissions,
        Route::BlobsMissing,
        Route::Blob,
        Route::BlobRead,
    ];

    /// The path pattern (`{hash}` where a file's hash goes), as the server's router takes it.
    pub fn pattern(self) -> &'static str {
        match self {
            Route::Healthz => "/healthz",
            Route::Metrics => "/metrics",
            Route::Enroll => "/v1/enroll",
            Route::Sync => "/v1/sync",
            Route::WebLogin => "/v1/web-login",
            Route::Reads => "/v1/reads",
            Route::SignOut => "/v1/sign-out",
            Route::Nudges => "/v1/nudges",
            Route::Kpi => "/v1/kpi",
            Route::Alerts => "/v1/alerts",
            Route::Submissions => "/v1/submissions",
            Route::BlobsMissing => "/v1/blobs/missing",
            Route::Blob => "/v1/blobs/{hash}",
            Route::BlobRead => "/v1/blobs/{hash}/read",
        }
    }

    /// The URL of this route at the server `base` (`http://host:port`, no trailing slash), with
    /// `hash` in place of `{hash}`.
    pub fn url(self, base: &str, hash: &str) -> String {
        format!("{base}{}", self.pattern().replace("{hash}", hash))
    }

    /// The URL of a route without a hash.
    pub fn at(self, base: &str) -> String {
        self.url(base, "")
    }
}

/// The API's paths start with this (the dashboard's pages do not).
pub const API_PREFIX: &str = "/v1/";

/// Whether `path` is the API's (answered in JSON) rather than the dashboard's (answered as a
/// page): under `/v1`, and `/healthz`.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with(API_PREFIX) || path == API_PREFIX.trim_end_matches('/') || path == Route::Healthz.pattern()
}

/// A refused request's body: `{"code": …, "message": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// What was wrong and what to do.
    pub message: String,
}

/// A device asks to enroll with a one-time code. (Fields in the order devices have always sent
/// them.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// Hex of the Automerge actor id the device authors with.
    pub actor: String,
    pub code: String,
    /// What the user calls the device (`张伟的手机`), if anything.
    #[serde(default)]
    pub name: Option<String>,
}

/// What the server says at enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub device_id: String,
    pub token: String,
    pub user_id: String,
    pub team_id: String,
    pub tz: String,
    pub week_start: String,
    pub role: Role,
}

/// An enrolled device approves the sign-in code a browser shows (扫码登录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebLoginRequest {
    pub code: String,
}

/// What the server says when it accepted an approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebLoginApproved {
    /// The member the browser is now signed in as (this device's user).
    pub user_id: String,
    /// UTC milliseconds when the browser's session ends.
    pub session_expires_at: i64,
}

/// The reports addressed to the device's user that were read on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadsRequest {
    pub reports: Vec<String>,
}

/// A manager's device asks a member for a report (催交). (Fields in the order devices have
/// always sent them.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NudgeRequest {
    /// daily, weekly or monthly.
    pub kind: String,
    /// A period, or a day within it.
    pub period: String,
    /// The member's id.
    pub user: String,
}

/// A nudge (催交) the server recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NudgeSent {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub first: String,
    pub last: String,
    /// UTC milliseconds.
    pub at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_built_from_the_routes_the_server_serves() {
        assert_eq!(Route::Sync.at("http://h:1"), "http://h:1/v1/sync");
        assert_eq!(Route::BlobRead.url("http://h:1", "ab12"), "http://h:1/v1/blobs/ab12/read");
        assert!(Route::ALL.iter().all(|r| r.pattern().starts_with('/')));
        let api: Vec<_> = Route::ALL.iter().filter(|r| r.pattern().starts_with(API_PREFIX)).collect();
        assert_eq!(api.len(), Route::ALL.len() - 2, "all but /healthz and /metrics are under {API_PREFIX}");
        assert!(["/v1", "/v1/nothing", "/healthz"].iter().all(|p| is_api_path(p)));
        assert!(["/", "/reports/1", "/v10", "/metrics"].iter().all(|p| !is_api_path(p)));
    }

    #[test]
    fn bodies_keep_their_json_shape() {
        let e: Enrollment = serde_json::from_str(
            r#"{"device_id":"d","token":"t","user_id":"u","team_id":"T","tz":"Asia/Shanghai","week_start":"monday","role":"manager"}"#,
        )
        .unwrap();
        assert_eq!(e.role, Role::Manager);
        let body: ErrorBody = serde_json::from_str(r#"{"code":"code_used","message":"used"}"#).unwrap();
        assert_eq!(body.code, ErrorCode::CodeUsed);
        let req = EnrollRequest { code: "c".into(), actor: "a".into(), name: None };
        assert_eq!(serde_json::to_string(&req).unwrap(), r#"{"actor":"a","code":"c","name":null}"#);
    }
}
