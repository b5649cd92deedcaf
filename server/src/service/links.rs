//! Signed file links for the dashboard. A link names the file, the record it is read through,
//! and when it expires, signed with the server's key (`link_keys`, shared by every process):
//! a bare hash grants nothing, a link copied out of a page stops working after a day, and even
//! a valid link serves only a signed-in member who may read that record.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Service;
use crate::error::{Result, ServerError};
use crate::now_ms;

/// How long a link on a page works.
pub const LINK_TTL_MS: i64 = 24 * 3_600_000;

/// What a file link says besides the file: the record, the expiry (UTC ms), the signature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LinkProof {
    pub doc: String,
    pub exp: i64,
    pub sig: String,
}

fn signature(key: &str, hash: &str, doc: &str, exp: i64) -> String {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(format!("{hash}\n{doc}\n{exp}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

impl Service {
    fn link_key(&self) -> Result<&str> {
        if let Some(k) = self.link_key.get() {
            return Ok(k);
        }
        let candidate = crate::secrets::new_token()?;
        let key = self.store.write(move |db| Ok(db.link_key(&candidate, now_ms())?))?;
        Ok(self.link_key.get_or_init(|| key))
    }

    /// The query of a link to file `hash` read through record `doc`, valid for a day.
    pub fn sign_file_link(&self, hash: &str, doc: &str) -> Result<String> {
        let exp = now_ms() + LINK_TTL_MS;
        let sig = signature(self.link_key()?, hash, doc, exp);
        Ok(format!(
            "doc={}&exp={exp}&sig={sig}",
            percent_encoding::utf8_percent_encode(doc, percent_encoding::NON_ALPHANUMERIC)
        ))
    }

    /// Whether `proof` is a link this server signed for `hash`, not expired: the record it names.
    pub fn check_file_link(&self, hash: &str, proof: Option<&LinkProof>) -> Result<String> {
        let none = || ServerError::NotFound(format!("no file {hash}"));
        let p = proof.ok_or_else(none)?;
        let want = signature(self.link_key()?, hash, &p.doc, p.exp);
        // Compared in constant time: the signature is the secret part.
        let same = want.len() == p.sig.len() && want.bytes().zip(p.sig.bytes()).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0;
        if !same || p.exp < now_ms() {
            return Err(none());
        }
        Ok(p.doc.clone())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_signature_binds_file_record_and_expiry() {
        let s = super::signature("k", "h", "d", 5);
        assert_eq!(s.len(), 32);
        assert_ne!(s, super::signature("k", "h2", "d", 5));
        assert_ne!(s, super::signature("k", "h", "d2", 5));
        assert_ne!(s, super::signature("k", "h", "d", 6));
        assert_ne!(s, super::signature("k2", "h", "d", 5));
    }
}
