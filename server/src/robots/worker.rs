//! The delivery worker: sends due messages from the outbox, one robot request at a time, and
//! records each outcome. It runs beside the HTTP server and never holds up a sync.

use std::sync::Arc;
use std::time::Duration;

use super::payload::{accepted, request, Message};
use crate::model::Delivery;
use crate::now_ms;
use crate::service::Service;
use fieldreport_protocol::team::TeamConfig;

/// First wait after a failure; it doubles with each attempt (up to 30 minutes).
pub const BACKOFF_BASE_MS: i64 = 2_000;
/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

const POLL: Duration = Duration::from_millis(500);

async fn send(http: &reqwest::Client, config: &TeamConfig, d: &Delivery) -> Result<(), String> {
    let robot = config
        .robots
        .iter()
        .find(|r| r.name == d.robot)
        .ok_or_else(|| format!("robot `{}` is no longer configured", d.robot))?;
    let mentions = d.mentions.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    let msg = Message { title: d.title.clone(), markdown: d.markdown.clone(), mentions };
    let (url, body) = request(robot, &msg, now_ms());
    let resp = http.post(url).json(&body).send().await.map_err(|e| format!("cannot reach the robot: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    accepted(status, &text)
}

/// The robots' HTTP client: rustls with ring (smaller than aws-lc-rs, builds without cmake). A
/// crypto provider already installed by the process stays.
fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().connect_timeout(std::time::Duration::from_secs(10)).build()
}

/// Starts the worker on the current tokio runtime.
pub fn spawn(storage: Arc<Service>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = match http_client() {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "robot deliveries are off: no HTTP client");
                return;
            }
        };
        loop {
            let s = storage.clone();
            let due = tokio::task::spawn_blocking(move || s.claim_deliveries(now_ms(), 20)).await;
            let due = match due {
                Ok(Ok(d)) => d,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "reading the robot outbox failed");
                    Vec::new()
                }
                Err(_) => Vec::new(),
            };
            // The robots' addresses and secrets as configured now, once per batch.
            let config = if due.is_empty() {
                None
            } else {
                let s = storage.clone();
                match tokio::task::spawn_blocking(move || s.config()).await {
                    Ok(Ok(c)) => Some(c),
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "reading the configuration for robot deliveries failed");
                        None
                    }
                    Err(_) => None,
                }
            };
            for d in &due {
                let Some(config) = &config else { break };
                let outcome = send(&http, config, d).await;
                match &outcome {
                    Ok(()) => {
                        tracing::info!(robot = %d.robot, event = %d.event, subject = %d.subject, "robot message sent")
                    }
                    Err(e) => {
                        tracing::warn!(robot = %d.robot, attempt = d.attempts + 1, error = %e, "robot message failed")
                    }
                }
                let (s, id) = (storage.clone(), d.id);
                let done = tokio::task::spawn_blocking(move || s.finish_delivery(id, outcome, now_ms())).await;
                if let Ok(Err(e)) = done {
                    tracing::error!(error = %e, "recording a robot delivery failed");
                }
            }
            if due.is_empty() || config.is_none() {
                tokio::time::sleep(POLL).await;
            }
        }
    })
}
