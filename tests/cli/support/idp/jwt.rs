//! JWTs: access tokens (JWT-shaped, with an unverifiable random signature), ID tokens (RS256,
//! signed with a key the keys endpoint serves), and the checks on a certificate client assertion
//! (RFC 7523 §3: signature and thumbprint, audience, issuer and subject, lifetime, single use).

use std::sync::OnceLock;

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair as _, RsaKeyPair, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::now_secs;
use super::server::Server;

/// Clock skew tolerated for `nbf`/`iat`/`exp` of client assertions.
const CLOCK_SKEW_SECS: i64 = 60;
/// `kid` of the ID token signing key.
const SIGNING_KID: &str = "msal-test-idp-signing-key";

/// A JWT-shaped token with a random (not verifiable) signature: unique per call.
pub(super) fn make_jwt(claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "test-idp-key"});
    let mut sig = [0u8; 64];
    aws_lc_rs::rand::fill(&mut sig).expect("random bytes");
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

/// The ID token signing key, one per test process (RSA key generation is slow in debug builds).
fn signing_key() -> &'static RsaKeyPair {
    static KEY: OnceLock<RsaKeyPair> = OnceLock::new();
    KEY.get_or_init(|| RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA signing key"))
}

/// The signing key as a JWK, as Entra's keys endpoint lists it.
pub(super) fn signing_jwk() -> Value {
    let (n, e) = rsa_public_components(signing_key().public_key().as_ref())
        .expect("the RSAPublicKey DER of the signing key");
    json!({
        "kty": "RSA",
        "use": "sig",
        "kid": SIGNING_KID,
        "n": URL_SAFE_NO_PAD.encode(n),
        "e": URL_SAFE_NO_PAD.encode(e),
    })
}

/// (modulus, exponent) of a DER `RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER }`, without
/// the sign bytes.
fn rsa_public_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    fn tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&t, rest) = input.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        (rest.len() >= len).then(|| (&rest[..len], &rest[len..]))
    }
    let (seq, _) = tlv(der, 0x30)?;
    let (n, rest) = tlv(seq, 0x02)?;
    let (e, _) = tlv(rest, 0x02)?;
    let strip = |v: &[u8]| {
        let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
        v[start..].to_vec()
    };
    Some((strip(n), strip(e)))
}

/// A JWT with these claims, signed RS256 with the ID token signing key.
pub(super) fn sign_rs256(claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": SIGNING_KID});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = signing_key();
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .expect("RS256 signature");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Verify a certificate client assertion. Err((AADSTS code, message)).
pub(super) fn verify_assertion(
    server: &Server,
    assertion: &str,
    client_id: &str,
    endpoint: &str,
    certificates: &[(Vec<u8>, Vec<u8>)],
) -> Result<(), (u32, String)> {
    let malformed = || (50027, "JWT token is invalid or malformed.".to_owned());
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        return Err(malformed());
    }
    let header: Value = b64url_decode(parts[0])
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(malformed)?;
    let claims: Value = b64url_decode(parts[1])
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(malformed)?;
    let signature_bytes = b64url_decode(parts[2]).ok_or_else(malformed)?;
    let signed = format!("{}.{}", parts[0], parts[1]);

    let (thumb_field, algorithm): (&str, &'static dyn signature::VerificationAlgorithm) =
        match header["alg"].as_str() {
            Some("RS256") => ("x5t", &signature::RSA_PKCS1_2048_8192_SHA256),
            Some("PS256") => ("x5t#S256", &signature::RSA_PSS_2048_8192_SHA256),
            other => {
                return Err((
                    5002738,
                    format!(
                        "The client assertion uses an unsupported signing algorithm {other:?}; use RS256 or PS256."
                    ),
                ));
            }
        };
    let Some(thumb) = header[thumb_field].as_str() else {
        return Err((
            700027,
            format!(
                "Client assertion failed signature validation: the JWT header has no '{thumb_field}' for its algorithm."
            ),
        ));
    };
    let thumb = thumb.trim_end_matches('=');
    let Some((cert_der, public_key)) = certificates.iter().find(|(der, _)| {
        let d = if thumb_field == "x5t" {
            digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der)
        } else {
            digest::digest(&digest::SHA256, der)
        };
        URL_SAFE_NO_PAD.encode(d.as_ref()) == thumb
    }) else {
        return Err((
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application '{client_id}'."
            ),
        ));
    };
    if let Some(x5c) = header.get("x5c") {
        let first = x5c
            .as_array()
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .and_then(|c| STANDARD.decode(c).ok());
        if first.as_deref() != Some(cert_der.as_slice()) {
            return Err((
                700027,
                "The first certificate in the assertion's x5c is not the certificate named by its thumbprint.".to_owned(),
            ));
        }
    }
    UnparsedPublicKey::new(algorithm, public_key)
        .verify(signed.as_bytes(), &signature_bytes)
        .map_err(|_| {
            (
                700027,
                "Client assertion failed signature validation.".to_owned(),
            )
        })?;

    if claims["aud"].as_str() != Some(endpoint) {
        return Err((
            700023,
            format!(
                "Client assertion audience claim does not match Realm issuer. Expected '{endpoint}'."
            ),
        ));
    }
    if claims["iss"].as_str() != Some(client_id) || claims["sub"].as_str() != Some(client_id) {
        return Err((
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter."
                .to_owned(),
        ));
    }
    let now = now_secs() as i64;
    let exp = claims["exp"].as_i64();
    let not_in_future =
        |v: &Value| v.is_null() || v.as_i64().is_some_and(|t| t <= now + CLOCK_SKEW_SECS);
    if exp.is_none_or(|e| e <= now - CLOCK_SKEW_SECS)
        || !not_in_future(&claims["nbf"])
        || !not_in_future(&claims["iat"])
    {
        return Err((
            700024,
            "Client assertion is not within its valid time range.".to_owned(),
        ));
    }
    let Some(jti) = claims["jti"].as_str().filter(|j| !j.is_empty()) else {
        return Err((
            700027,
            "Client assertion failed signature validation: the 'jti' claim is missing.".to_owned(),
        ));
    };
    if !server.state().used_jtis.insert(jti.to_owned()) {
        return Err((
            700024,
            "The client assertion was already used (its 'jti' was seen before); make a new assertion for each request.".to_owned(),
        ));
    }
    Ok(())
}

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}
