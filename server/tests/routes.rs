//! The protocol's list of routes is the server's: every path a device builds from
//! `fieldreport_protocol::api::Route` reaches a handler (an answer of its own, or "not this
//! method"), never the answer for paths no route takes.

use fieldreport_protocol::api::{ErrorBody, Route};
use fieldreport_server::Limits;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn every_protocol_route_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let running = fieldreport_server::start(dir.path(), "127.0.0.1:0", Limits::default()).await.unwrap();
    let base = format!("http://{}", running.addr);
    // reqwest is built without a bundled crypto provider (see the robots' client).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let hash = "0".repeat(64);
    for route in Route::ALL {
        let url = route.url(&base, &hash);
        for method in [Method::GET, Method::POST] {
            let resp = client.request(method.clone(), &url).send().await.unwrap();
            let status = resp.status();
            let text = resp.text().await.unwrap();
            if status != StatusCode::NOT_FOUND {
                continue;
            }
            // A handler may answer 404 itself (no such file), in its own words.
            let body: Option<ErrorBody> = serde_json::from_str(&text).ok();
            assert!(
                body.is_some_and(|b| !b.message.starts_with("nothing at")),
                "{method} {url} ({route:?}) reaches no route: {text:.200}"
            );
        }
    }
    // Every route the router registered answers its methods (not "not this method", not "nothing
    // here"): the list the permission matrix walks is the router's own.
    let state = std::sync::Arc::new(fieldreport_server::state::AppState {
        service: std::sync::Arc::new(fieldreport_server::Service::open_dir(dir.path()).unwrap()),
        limits: Limits::default(),
    });
    let served = fieldreport_server::router::served(&state);
    assert!(served.len() >= Route::ALL.len() + 10, "{served:?}");
    for s in served {
        let path = s.pattern.replace("{hash}", &hash).replace("{id}", "x").replace("{token}", "x");
        let method = Method::from_bytes(s.method.as_bytes()).unwrap();
        let resp = client.request(method, format!("{base}{path}")).send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{s:?}: {text:.200}");
        assert!(!text.contains("nothing at"), "{s:?} reaches no route: {text:.200}");
    }
    // The check can tell: a path no route takes gets the answer it looks for.
    let text = client.get(format!("{base}/v1/nothing-here")).send().await.unwrap().text().await.unwrap();
    assert!(serde_json::from_str::<ErrorBody>(&text).unwrap().message.starts_with("nothing at"));
    running.shutdown().await;
}
