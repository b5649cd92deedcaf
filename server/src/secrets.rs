//! Enrollment codes and device tokens: random, shown once, stored only as hashes.

use sha2::{Digest, Sha256};

use crate::error::{Result, ServerError};

/// Letters and digits that cannot be confused when read aloud or typed (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| ServerError::Internal(format!("no randomness: {e}")))
}

/// A one-time enrollment code such as `K7QM-2XWP-9HTR` (about 74 bits).
pub fn new_code() -> Result<String> {
    let mut b = [0u8; 15];
    random(&mut b)?;
    let chars: Vec<char> = b.iter().map(|x| CODE_ALPHABET[*x as usize % CODE_ALPHABET.len()] as char).collect();
    Ok(chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

/// A device token: 256 random bits, hex.
pub fn new_token() -> Result<String> {
    let mut b = [0u8; 32];
    random(&mut b)?;
    Ok(hex::encode(b))
}

/// The stored form of a code or token.
pub fn hash(secret: &str) -> String {
    let normalized: String = secret.trim().chars().filter(|c| *c != '-' && !c.is_whitespace()).collect();
    hex::encode(Sha256::digest(normalized.to_ascii_uppercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_readable_and_hash_without_dashes_or_case() {
        let c = super::new_code().unwrap();
        assert_eq!(c.len(), 17);
        assert_eq!(super::hash(&c), super::hash(&c.replace('-', "").to_lowercase()));
        assert_ne!(super::new_token().unwrap(), super::new_token().unwrap());
    }
}
