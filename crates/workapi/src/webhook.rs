//! Checking the signature of a `task.updated` webhook.
//!
//! The page says webhooks are signed with HMAC-SHA256 and the key's webhook secret; it does not
//! name the header or the encoding. Our reading (CONTRACT.md): header `X-Webhook-Signature` or
//! `X-WorkAPI-Signature`, value the hex (or base64) HMAC-SHA256 of the RAW body, with or without
//! a `sha256=` prefix. The comparison is constant-time. Never log the secret.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header names a signature may arrive in (case-insensitive).
pub const SIGNATURE_HEADERS: [&str; 2] = ["x-webhook-signature", "x-workapi-signature"];

/// The hex HMAC-SHA256 of `body` with `secret` (how the simulator signs).
pub fn sign_hex(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// True when `signature` (a header value) is a valid signature of the raw `body`.
pub fn verify(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let sig = signature.trim();
    let sig = sig
        .strip_prefix("sha256=")
        .or_else(|| sig.strip_prefix("SHA256="))
        .unwrap_or(sig);
    let bytes = if sig.len() == 64 && sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(sig).ok()
    } else {
        base64::engine::general_purpose::STANDARD.decode(sig).ok()
    };
    let Some(bytes) = bytes else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hex_base64_and_prefix_and_rejects_tampering() {
        let body = br#"{"event":"task.updated","task_id":"65abc"}"#;
        let hexsig = sign_hex(b"whsec", body);
        let raw = hex::decode(&hexsig).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        assert!(verify(b"whsec", body, &hexsig));
        assert!(verify(b"whsec", body, &format!("sha256={hexsig}")));
        assert!(verify(b"whsec", body, &b64));
        assert!(!verify(b"other", body, &hexsig));
        assert!(!verify(b"whsec", b"{}", &hexsig));
        assert!(!verify(b"whsec", body, ""));
        assert!(!verify(b"whsec", body, "sha256=zz"));
    }
}
