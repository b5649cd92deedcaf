//! What an operator watches, in the Prometheus text format at `GET /metrics`: requests and their
//! latency by route, sync latency, changes merged and rejected by reason, feed pages, the
//! document cache's hits, the writer's queue, the robot outbox's backlog. One registry per
//! process (several server processes each answer their own).

use std::sync::OnceLock;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};

/// The process's collectors.
pub struct Metrics {
    registry: Registry,
    /// HTTP requests by route and status class.
    pub requests: IntCounterVec,
    /// HTTP request latency by route, in seconds.
    pub latency: HistogramVec,
    /// One sync round trip, in seconds.
    pub sync_seconds: Histogram,
    /// Pushed documents merged.
    pub merged: IntCounter,
    /// Pushed documents refused, by reason code.
    pub rejected: IntCounterVec,
    /// Feed pages answered, and the documents they carried.
    pub feed_pages: IntCounter,
    pub feed_documents: IntCounter,
    /// Merges that found their document in memory, or had to load it.
    pub cache_hits: IntCounter,
    pub cache_misses: IntCounter,
    /// Write jobs waiting for or in the writer's transaction.
    pub writer_queue: IntGauge,
    /// Write transactions (batches) the writer committed, and the jobs they held that a caller
    /// waited for.
    pub writer_batches: IntCounter,
    pub writer_jobs: IntCounter,
    /// Times the writer waited for PostgreSQL to answer (round trips; statements sent together
    /// count once). What a batch costs on a networked database.
    pub writer_round_trips: IntCounter,
    /// Sync requests waiting for news (long polls), and those answered because news came.
    pub news_waiting: IntGauge,
    pub news_woken: IntCounter,
    /// Robot messages not yet sent (set when scraped).
    pub outbox_backlog: IntGauge,
    /// Bytes of attached files received whole and stored.
    pub attachment_bytes: IntCounter,
    /// Bytes of attached files sent to devices and browsers.
    pub attachment_bytes_sent: IntCounter,
    /// 1 while storage (disk or database) is found full, else 0.
    pub storage_full: IntGauge,
    /// Requests refused before any work, by route and why (a bogus token, a body over the
    /// route's limit, too many at once).
    pub shed: IntCounterVec,
}

fn gauge(r: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("a valid metric");
    r.register(Box::new(g.clone())).expect("registered once");
    g
}

fn counter(r: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("a valid metric");
    r.register(Box::new(c.clone())).expect("registered once");
    c
}

impl Metrics {
    fn new() -> Metrics {
        let r = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("fieldreport_http_requests_total", "HTTP requests by route and status class"),
            &["route", "status"],
        )
        .expect("a valid metric");
        r.register(Box::new(requests.clone())).expect("registered once");
        let latency = HistogramVec::new(
            HistogramOpts::new("fieldreport_http_request_seconds", "HTTP request latency by route")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["route"],
        )
        .expect("a valid metric");
        r.register(Box::new(latency.clone())).expect("registered once");
        let sync_seconds = Histogram::with_opts(
            HistogramOpts::new("fieldreport_sync_seconds", "One sync round trip, from request to answer")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
        )
        .expect("a valid metric");
        r.register(Box::new(sync_seconds.clone())).expect("registered once");
        let rejected = IntCounterVec::new(
            Opts::new("fieldreport_changes_rejected_total", "Pushed documents refused, by reason"),
            &["reason"],
        )
        .expect("a valid metric");
        r.register(Box::new(rejected.clone())).expect("registered once");
        let shed = IntCounterVec::new(
            Opts::new("fieldreport_requests_shed_total", "Requests refused before any work, by route and reason"),
            &["route", "reason"],
        )
        .expect("a valid metric");
        r.register(Box::new(shed.clone())).expect("registered once");
        Metrics {
            merged: counter(&r, "fieldreport_changes_merged_total", "Pushed documents merged"),
            feed_pages: counter(&r, "fieldreport_feed_pages_total", "Feed pages answered"),
            feed_documents: counter(&r, "fieldreport_feed_documents_total", "Documents sent in feed pages"),
            cache_hits: counter(&r, "fieldreport_cache_hits_total", "Merges that found their document in memory"),
            cache_misses: counter(&r, "fieldreport_cache_misses_total", "Merges that loaded their document"),
            attachment_bytes: counter(&r, "fieldreport_attachment_bytes_total", "Bytes of attached files stored"),
            attachment_bytes_sent: counter(
                &r,
                "fieldreport_attachment_bytes_sent_total",
                "Bytes of attached files sent",
            ),
            writer_queue: gauge(&r, "fieldreport_writer_queue", "Write jobs queued or running"),
            writer_batches: counter(&r, "fieldreport_writer_batches_total", "Write transactions committed"),
            writer_jobs: counter(&r, "fieldreport_writer_jobs_total", "Write jobs run in committed transactions"),
            writer_round_trips: counter(
                &r,
                "fieldreport_writer_round_trips_total",
                "Times the writer waited for PostgreSQL's answer",
            ),
            news_waiting: gauge(&r, "fieldreport_news_waiting", "Sync requests waiting for news"),
            news_woken: counter(&r, "fieldreport_news_woken_total", "Waiting sync requests woken by news"),
            outbox_backlog: gauge(&r, "fieldreport_outbox_backlog", "Robot messages not yet sent"),
            storage_full: gauge(&r, "fieldreport_storage_full", "1 while storage is found full"),
            registry: r,
            shed,
            requests,
            latency,
            sync_seconds,
            rejected,
        }
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = prometheus::TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// This process's metrics.
pub fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(Metrics::new)
}
