//! What the device and the server agree on about attached files: a file is named by the SHA-256
//! of its bytes, its kind is read from its bytes ([`sniff`]), and how large one may be by default.

pub mod sniff;

use std::io::{self, Write};

use sha2::{Digest, Sha256};

/// The default largest attachment a device takes (a team's configuration may set another).
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// Hashes what is written through it (SHA-256).
pub struct HashWriter(Sha256);

impl HashWriter {
    pub fn new() -> HashWriter {
        HashWriter(Sha256::new())
    }

    /// The hash so far, hex.
    pub fn hex(&self) -> String {
        hex::encode(self.0.clone().finalize())
    }
}

impl Default for HashWriter {
    fn default() -> Self {
        HashWriter::new()
    }
}

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// SHA-256 of `bytes`, hex (for checking a downloaded file).
pub fn hash_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
