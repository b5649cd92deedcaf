//! News from other processes: every server process on one database keeps a connection that
//! `LISTEN`s on [`CHANNEL`], and a write transaction that may have moved the change feed sends
//! `NOTIFY` before it commits (PostgreSQL delivers it only if the transaction commits). Each
//! notification counts as a commit ([`Commits`]), which wakes the requests waiting for news in
//! this process (`service::news`).

use tokio_postgres::{AsyncMessage, NoTls};

use crate::store::Commits;

use super::transaction::CHANNEL;

/// How long to wait before connecting again after the listening connection was lost.
const RECONNECT: std::time::Duration = std::time::Duration::from_secs(1);

/// Listens for other processes' commits until the returned sender is dropped (the backend's
/// end). While the connection is down no notification arrives: after each (re)connection one
/// commit is counted, so waiters look again at what they may have missed.
pub(super) fn listen(url: String, commits: Commits) -> tokio::sync::oneshot::Sender<()> {
    let (stop_tx, mut stop) = tokio::sync::oneshot::channel::<()>();
    super::conn::runtime().spawn(async move {
        loop {
            let ended = tokio::select! {
                _ = &mut stop => return,
                ended = listen_once(&url, &commits) => ended,
            };
            if let Err(e) = ended {
                tracing::warn!(error = %e, "listening for other servers' commits failed; connecting again");
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(RECONNECT) => {}
            }
        }
    });
    stop_tx
}

/// One listening connection, until it ends.
async fn listen_once(url: &str, commits: &Commits) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let c = commits.clone();
    // The connection is driven here, its notifications counted; the client says LISTEN.
    let drive = async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(_))) => c.bump(),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            }
        }
    };
    let say = async {
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        // What committed before LISTEN answered is looked at once.
        commits.bump();
        // Keep the client (and so the connection) until the connection ends.
        std::future::pending::<Result<(), tokio_postgres::Error>>().await
    };
    tokio::select! {
        ended = drive => ended,
        failed = say => failed,
    }
}
