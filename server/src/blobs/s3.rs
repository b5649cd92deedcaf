//! Files on S3-compatible object storage (AWS S3, MinIO, Ceph, OSS/COS in S3 mode), through the
//! `object_store` crate. A file is put whole (in parts when large) once verified, so an object
//! exists only complete.

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload, WriteMultipart};

use super::{relative, BlobStore};
use crate::error::{Result, ServerError};
use crate::io_runtime::io_runtime;

/// The runtime the object store's requests run on (the storage layer is synchronous).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    io_runtime(&RT, "fieldreport-s3")
}

/// Runs `f` on the object store's runtime and waits for it, from any thread.
fn wait<T: Send + 'static>(f: impl std::future::Future<Output = T> + Send + 'static) -> Result<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime().spawn(async move {
        let _ = tx.send(f.await);
    });
    rx.recv().map_err(|_| ServerError::Internal("the object store's runtime stopped".into()))
}

fn unavailable(what: &str, e: object_store::Error) -> ServerError {
    ServerError::Unavailable(format!("the object store cannot {what}: {e}"))
}

/// An S3 bucket (and a prefix in it).
pub struct S3Blobs {
    store: Arc<dyn ObjectStore>,
    bucket: String,
    prefix: String,
}

impl S3Blobs {
    /// `spec` is `bucket[/prefix][?endpoint=URL&region=R]`; the rest comes from the environment
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL`, `AWS_REGION`).
    pub fn open(spec: &str) -> Result<S3Blobs> {
        let (path, query) = spec.split_once('?').unwrap_or((spec, ""));
        let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
        if bucket.is_empty() {
            return Err(ServerError::BadRequest("an S3 attachment store needs a bucket: s3://BUCKET[/PREFIX]".into()));
        }
        let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (k, v) in query.split('&').filter_map(|kv| kv.split_once('=')) {
            b = match k {
                "endpoint" => b.with_endpoint(v).with_allow_http(v.starts_with("http://")),
                "region" => b.with_region(v),
                other => {
                    return Err(ServerError::BadRequest(format!("`{other}` is not an S3 option (endpoint, region)")))
                }
            };
        }
        if let Ok(ep) = std::env::var("AWS_ENDPOINT_URL") {
            if ep.starts_with("http://") {
                b = b.with_allow_http(true);
            }
        }
        S3Blobs::from_builder(b, bucket, prefix)
    }

    /// The store an S3 builder describes (its bucket set), under `prefix`.
    pub(crate) fn from_builder(b: AmazonS3Builder, bucket: &str, prefix: &str) -> Result<S3Blobs> {
        let store = b.build().map_err(|e| ServerError::Setup(format!("cannot use the S3 bucket {bucket}: {e}")))?;
        Ok(S3Blobs { store: Arc::new(store), bucket: bucket.to_string(), prefix: prefix.trim_matches('/').to_string() })
    }

    fn object(&self, hash: &str) -> Result<ObjectPath> {
        let rel = relative(hash)?;
        Ok(ObjectPath::from(if self.prefix.is_empty() { rel } else { format!("{}/{rel}", self.prefix) }))
    }
}

/// Parts of a large upload.
const PART: usize = 8 * 1024 * 1024;

impl BlobStore for S3Blobs {
    fn put_file(&self, hash: &str, staged: &Path) -> Result<()> {
        let object = self.object(hash)?;
        let mut f = std::fs::File::open(staged)
            .map_err(|e| ServerError::Unavailable(format!("cannot read a staged upload: {e}")))?;
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        let store = self.store.clone();
        if size as usize <= PART {
            let mut bytes = Vec::with_capacity(size as usize);
            f.read_to_end(&mut bytes)
                .map_err(|e| ServerError::Unavailable(format!("cannot read a staged upload: {e}")))?;
            wait(async move { store.put(&object, PutPayload::from(bytes)).await })?
                .map_err(|e| unavailable("store a file", e))?;
        } else {
            // Streamed in parts: the whole file is never in memory.
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(2);
            let upload = runtime().spawn(async move {
                let mut w = WriteMultipart::new(store.put_multipart(&object).await?);
                while let Some(chunk) = rx.recv().await {
                    w.wait_for_capacity(4).await?;
                    w.write(&chunk);
                }
                w.finish().await.map(|_| ())
            });
            let mut buf = vec![0u8; PART];
            loop {
                let n = f
                    .read(&mut buf)
                    .map_err(|e| ServerError::Unavailable(format!("cannot read a staged upload: {e}")))?;
                if n == 0 || tx.blocking_send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
            drop(tx);
            wait(upload)?
                .map_err(|e| ServerError::Internal(format!("an upload task failed: {e}")))?
                .map_err(|e| unavailable("store a file", e))?;
        }
        let _ = std::fs::remove_file(staged);
        Ok(())
    }

    fn read(&self, hash: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        let object = self.object(hash)?;
        let store = self.store.clone();
        let out = wait(async move {
            let meta = match store.head(&object).await {
                Ok(m) => m,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            let size = meta.size;
            let start = offset.min(size);
            let end = start + len.min(size - start);
            if start == end {
                return Ok(Some(Vec::new()));
            }
            Ok(Some(store.get_range(&object, start..end).await?.to_vec()))
        })?;
        out.map_err(|e| unavailable("read a file", e))
    }

    fn exists(&self, hash: &str) -> Result<bool> {
        let object = self.object(hash)?;
        let store = self.store.clone();
        match wait(async move { store.head(&object).await })? {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(unavailable("look up a file", e)),
        }
    }

    fn delete(&self, hash: &str) -> Result<()> {
        let object = self.object(hash)?;
        let store = self.store.clone();
        match wait(async move { store.delete(&object).await })? {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable("delete a file", e)),
        }
    }

    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The S3-compatible server of the tests (`scripts/s3-test-server`), started unless
    /// FIELDREPORT_TEST_S3_ENDPOINT names one.
    pub(crate) fn test_endpoint() -> String {
        match std::env::var("FIELDREPORT_TEST_S3_ENDPOINT") {
            Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
            _ => {
                let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/s3-test-server");
                let out = std::process::Command::new(script).output().expect("scripts/s3-test-server runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                String::from_utf8(out.stdout).unwrap().trim().to_string()
            }
        }
    }

    /// A new bucket on the test server (moto takes an unsigned path-style PUT).
    pub(crate) fn new_bucket(endpoint: &str) -> String {
        use std::io::{Read, Write};
        let bucket = format!("fr-{}", uuid::Uuid::now_v7().simple());
        let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
        let mut conn = std::net::TcpStream::connect(host).unwrap();
        write!(conn, "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "creating bucket {bucket}: {answer}");
        bucket
    }

    #[test]
    fn s3_passes_the_blob_store_conformance() {
        let endpoint = test_endpoint();
        let bucket = new_bucket(&endpoint);
        let b = AmazonS3Builder::new()
            .with_endpoint(&endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .with_bucket_name(&bucket);
        let store = S3Blobs::from_builder(b, &bucket, "team-1/").unwrap();
        let dir = tempfile::tempdir().unwrap();
        crate::blobs::conformance::stores_reads_and_deletes(&store, dir.path());
        assert_eq!(store.describe(), format!("s3://{bucket}/team-1"));
    }
}
