//! Unit tests for client credentials: real RSA keys and certificates from rcgen, signatures
//! verified with aws-lc-rs, PFX files written with p12-keystore. No network.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::OnceLock;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

use super::*;
use crate::http::{HttpResponse, Method};
use crate::secret::CertificatePassword;

const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
const AUDIENCE: &str =
    "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
const NOW: u64 = 1_800_000_000;
/// 2040-01-02 00:00:00 UTC, the leaf's `notAfter`.
const LEAF_NOT_AFTER: u64 = 2_209_075_200;

/// An RSA leaf certificate issued by an EC test CA, generated once (RSA key generation is slow
/// in debug builds).
struct Fixture {
    key_pkcs8: Vec<u8>,
    key_pem: String,
    leaf_der: Vec<u8>,
    leaf_pem: String,
    ca_der: Vec<u8>,
    ca_pem: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "msal test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "msal test client");
        params.not_after = rcgen::date_time_ymd(2040, 1, 2);
        let leaf = params.signed_by(&key, &issuer).unwrap();
        Fixture {
            key_pkcs8: key.serialize_der(),
            key_pem: key.serialize_pem(),
            leaf_der: leaf.der().to_vec(),
            leaf_pem: leaf.pem(),
            ca_der: ca_cert.der().to_vec(),
            ca_pem: ca_cert.pem(),
        }
    })
}

fn pem_of(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// A decoded compact JWS: header, claims, and the verification result against the leaf key.
struct Jws {
    header: Value,
    claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

fn decode(assertion: &Assertion) -> Jws {
    let parts: Vec<&str> = assertion.secret().split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS has three parts");
    let json = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    Jws {
        header: json(parts[0]),
        claims: json(parts[1]),
        signing_input: format!("{}.{}", parts[0], parts[1]),
        signature: URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
    }
}

fn verify(jws: &Jws, algorithm: &'static dyn signature::VerificationAlgorithm) {
    // Verify against the certificate's public key, as Entra ID does.
    let info = der::cert_info(&fixture().leaf_der).unwrap();
    UnparsedPublicKey::new(algorithm, info.public_key)
        .verify(jws.signing_input.as_bytes(), &jws.signature)
        .expect("the signature verifies with the certificate's public key");
}

fn check_claims(claims: &Value) {
    assert_eq!(claims["aud"], AUDIENCE);
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert_eq!(claims["iat"], NOW);
    assert_eq!(claims["nbf"], NOW);
    assert_eq!(claims["exp"], NOW + 600);
    let jti = uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).unwrap();
    assert_eq!(jti.get_version_num(), 4);
    assert_eq!(
        claims.as_object().unwrap().len(),
        7,
        "no unexpected claims: {claims}"
    );
}

fn combined_pem() -> String {
    let f = fixture();
    // CA first, so the leaf must be found by its public key, not by position.
    format!("{}{}{}", f.ca_pem, f.key_pem, f.leaf_pem)
}

#[test]
fn pkcs8_pem_signs_a_verifiable_ps256_assertion() {
    let f = fixture();
    let cert = Certificate::from_pem(combined_pem().as_bytes()).unwrap();
    assert_eq!(cert.leaf_der(), f.leaf_der.as_slice());
    assert_eq!(cert.chain_len(), 1);

    let jws = decode(
        &cert
            .sign_assertion(
                CLIENT_ID,
                AUDIENCE,
                NOW,
                &AssertionOptions {
                    algorithm: SigningAlgorithm::Ps256,
                    key_id: None,
                    send_chain: false,
                },
            )
            .unwrap(),
    );
    verify(&jws, &signature::RSA_PSS_2048_8192_SHA256);
    let expected_x5t = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &f.leaf_der));
    assert_eq!(jws.header["alg"], "PS256");
    assert_eq!(jws.header["typ"], "JWT");
    assert_eq!(jws.header["x5t#S256"], expected_x5t.as_str());
    assert_eq!(cert.thumbprint_sha256(), expected_x5t);
    assert!(jws.header.get("x5c").is_none(), "x5c only with send_chain");
    assert!(jws.header.get("x5t").is_none());
    assert_eq!(jws.header.as_object().unwrap().len(), 3);
    check_claims(&jws.claims);
}

#[test]
fn rs256_assertion_uses_sha1_x5t_and_sends_the_chain_on_request() {
    let f = fixture();
    let cert = Certificate::from_pem(combined_pem().as_bytes()).unwrap();
    let jws = decode(
        &cert
            .sign_assertion(
                CLIENT_ID,
                AUDIENCE,
                NOW,
                &AssertionOptions {
                    algorithm: SigningAlgorithm::Rs256,
                    key_id: None,
                    send_chain: true,
                },
            )
            .unwrap(),
    );
    verify(&jws, &signature::RSA_PKCS1_2048_8192_SHA256);
    let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &f.leaf_der);
    assert_eq!(jws.header["alg"], "RS256");
    assert_eq!(jws.header["typ"], "JWT");
    assert_eq!(
        jws.header["x5t"],
        URL_SAFE_NO_PAD.encode(sha1.as_ref()).as_str()
    );
    assert!(jws.header.get("x5t#S256").is_none());
    let x5c: Vec<&str> = jws.header["x5c"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        x5c,
        [STANDARD.encode(&f.leaf_der), STANDARD.encode(&f.ca_der)]
    );
    check_claims(&jws.claims);

    let hex = cert.thumbprint_sha1_hex();
    assert_eq!(hex.len(), 40);
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    );
    let expected: String = sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(hex, expected);
}

#[test]
fn each_assertion_gets_a_fresh_jti() {
    let cert = Certificate::from_pem(combined_pem().as_bytes()).unwrap();
    let sign = || {
        decode(
            &cert
                .sign_assertion(
                    CLIENT_ID,
                    AUDIENCE,
                    NOW,
                    &AssertionOptions {
                        algorithm: SigningAlgorithm::Ps256,
                        key_id: None,
                        send_chain: false,
                    },
                )
                .unwrap(),
        )
        .claims["jti"]
            .clone()
    };
    assert_ne!(sign(), sign());
}

#[test]
fn pkcs1_pem_key_loads_and_signs() {
    let f = fixture();
    let pkcs1 = der::pkcs8_private_key(&f.key_pkcs8).unwrap();
    let pem = format!("{}{}", f.leaf_pem, pem_of("RSA PRIVATE KEY", pkcs1));
    let cert = Certificate::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(cert.leaf_der(), f.leaf_der.as_slice());
    assert_eq!(cert.chain_len(), 0);
    let jws = decode(
        &cert
            .sign_assertion(
                CLIENT_ID,
                AUDIENCE,
                NOW,
                &AssertionOptions {
                    algorithm: SigningAlgorithm::Ps256,
                    key_id: None,
                    send_chain: true,
                },
            )
            .unwrap(),
    );
    verify(&jws, &signature::RSA_PSS_2048_8192_SHA256);
    assert_eq!(jws.header["x5c"].as_array().unwrap().len(), 1);
}

#[test]
fn expiry_is_read_from_the_leaf() {
    let cert = Certificate::from_pem(combined_pem().as_bytes()).unwrap();
    assert_eq!(cert.not_after(), Some(LEAF_NOT_AFTER));
}

#[test]
fn without_a_matching_certificate_the_first_is_the_leaf() {
    let f = fixture();
    let pem = format!("{}{}", f.key_pem, f.ca_pem);
    let cert = Certificate::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(cert.leaf_der(), f.ca_der.as_slice());
}

fn write_pfx(password: &str, with_key: bool) -> Vec<u8> {
    let f = fixture();
    let leaf = p12_keystore::Certificate::from_der(&f.leaf_der).unwrap();
    let ca = p12_keystore::Certificate::from_der(&f.ca_der).unwrap();
    let mut store = p12_keystore::KeyStore::new();
    if with_key {
        let key = p12_keystore::PrivateKey::from_der(&f.key_pkcs8).unwrap();
        let chain = p12_keystore::PrivateKeyChain::new("key-1", key, [leaf, ca]);
        store.add_entry(
            "client",
            p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
        );
    } else {
        store.add_entry("client", p12_keystore::KeyStoreEntry::Certificate(leaf));
    }
    // Few iterations: the test is about the format, not the KDF cost.
    store
        .writer(password)
        .encryption_iterations(16)
        .mac_iterations(16)
        .write()
        .unwrap()
}

#[test]
fn pfx_round_trip_and_password_errors() {
    let f = fixture();
    let password = CertificatePassword::new("correct horse");
    let pfx = write_pfx("correct horse", true);

    let cert = Certificate::from_pfx(&pfx, Some(&password)).unwrap();
    assert_eq!(cert.leaf_der(), f.leaf_der.as_slice());
    assert_eq!(cert.chain_len(), 1);
    let jws = decode(
        &cert
            .sign_assertion(
                CLIENT_ID,
                AUDIENCE,
                NOW,
                &AssertionOptions {
                    algorithm: SigningAlgorithm::Ps256,
                    key_id: None,
                    send_chain: true,
                },
            )
            .unwrap(),
    );
    verify(&jws, &signature::RSA_PSS_2048_8192_SHA256);
    assert_eq!(jws.header["x5c"].as_array().unwrap().len(), 2);

    let wrong = CertificatePassword::new("battery staple");
    let err = Certificate::from_pfx(&pfx, Some(&wrong)).unwrap_err();
    assert!(
        matches!(
            err,
            CredentialError::PfxWrongPassword {
                password_given: true,
                path: None
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("battery"));
    let err = Certificate::from_pfx(&pfx, None).unwrap_err();
    assert!(matches!(
        err,
        CredentialError::PfxWrongPassword {
            password_given: false,
            ..
        }
    ));
    assert!(err.to_string().contains("password-protected"), "{err}");

    // From a file: sniffed as PFX, and errors name the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client.pfx");
    std::fs::write(&path, &pfx).unwrap();
    let cert = Certificate::from_file(&path, Some(&password)).unwrap();
    assert_eq!(cert.leaf_der(), f.leaf_der.as_slice());
    let err = Certificate::from_file(&path, Some(&wrong)).unwrap_err();
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert!(err.to_string().starts_with("wrong password"), "{err}");
}

#[test]
fn password_less_pfx_loads_without_a_password() {
    let pfx = write_pfx("", true);
    let cert = Certificate::from_pfx(&pfx, None).unwrap();
    assert_eq!(cert.leaf_der(), fixture().leaf_der.as_slice());
}

#[test]
fn pfx_without_a_key_is_refused() {
    let pfx = write_pfx("pw", false);
    let err = Certificate::from_pfx(&pfx, Some(&CertificatePassword::new("pw"))).unwrap_err();
    assert!(
        matches!(err, CredentialError::PfxMissingKey { .. }),
        "{err:?}"
    );
}

#[test]
fn pfx_written_by_openssl_loads_if_openssl_is_present() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("in.pem");
    let pfx = dir.path().join("out.pfx");
    std::fs::write(&pem, combined_pem()).unwrap();
    let status = std::process::Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:pw", "-in"])
        .arg(&pem)
        .arg("-out")
        .arg(&pfx)
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        // The p12-keystore round trip above still covers PFX; this adds an independent writer.
        Err(_) => return log::info!("skipped: the openssl command is unavailable"),
        Ok(status) => assert!(status.success(), "openssl pkcs12 -export failed"),
    }
    let password = CertificatePassword::new("pw");
    let cert = Certificate::from_file(&pfx, Some(&password)).unwrap();
    assert_eq!(cert.leaf_der(), f.leaf_der.as_slice());
    assert_eq!(cert.chain_len(), 1);
    let err = Certificate::from_file(&pfx, Some(&CertificatePassword::new("nope"))).unwrap_err();
    assert!(
        matches!(err, CredentialError::PfxWrongPassword { .. }),
        "{err:?}"
    );

    // And back to PEM with -nodes: "Bag Attributes" text around the blocks, key as PKCS#8.
    let back = dir.path().join("back.pem");
    let status = std::process::Command::new("openssl")
        .args(["pkcs12", "-nodes", "-passin", "pass:pw", "-in"])
        .arg(&pfx)
        .arg("-out")
        .arg(&back)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let cert = Certificate::from_file(&back, None).unwrap();
    assert_eq!(cert.leaf_der(), f.leaf_der.as_slice());
}

#[test]
fn p256_keys_sign_es256_assertions_with_a_jwk_thumbprint_kid() {
    let key = rcgen::KeyPair::generate().unwrap(); // ECDSA P-256
    let cert = rcgen::CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let pem = format!("{}{}", key.serialize_pem(), cert.pem());
    let certificate = Certificate::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(certificate.key_type(), KeyType::EcP256);
    let kid = certificate.jwk_thumbprint();
    let assertion = certificate
        .sign_assertion(
            CLIENT_ID,
            AUDIENCE,
            NOW,
            &AssertionOptions {
                algorithm: SigningAlgorithm::Es256,
                key_id: Some(kid.clone()),
                send_chain: false,
            },
        )
        .unwrap();
    let parts: Vec<&str> = assertion.secret().split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], kid.as_str());
    // RFC 7638 §3: SHA-256 of {"crv","kty","x","y"}, from the certificate's own public key.
    let point = &key.public_key_raw()[1..];
    let jwk = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(&point[..32]),
        URL_SAFE_NO_PAD.encode(&point[32..])
    );
    assert_eq!(
        kid,
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, jwk.as_bytes()).as_ref())
    );
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, key.public_key_raw())
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .unwrap();
    // An EC key cannot make an RSA signature.
    let err = certificate
        .sign_assertion(
            CLIENT_ID,
            AUDIENCE,
            NOW,
            &AssertionOptions {
                algorithm: SigningAlgorithm::Ps256,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, CredentialError::AlgorithmMismatch { .. }),
        "{err}"
    );
}

#[test]
fn keys_other_than_rsa_and_p256_are_refused() {
    for algorithm in [&rcgen::PKCS_ECDSA_P384_SHA384, &rcgen::PKCS_ED25519] {
        let key = rcgen::KeyPair::generate_for(algorithm).unwrap();
        let cert = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pem = format!("{}{}", key.serialize_pem(), cert.pem());
        let err = Certificate::from_pem(pem.as_bytes()).unwrap_err();
        assert!(
            matches!(err, CredentialError::UnsupportedKeyType { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("need an RSA key"), "{err}");
    }
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let sec1 = format!("{}{}", pem_of("EC PRIVATE KEY", &[0x30, 0x00]), cert.pem());
    assert!(Certificate::from_pem(sec1.as_bytes()).is_err());
}

#[test]
fn the_signing_algorithm_follows_the_key_and_the_provider() {
    let list = |algs: &[&str]| algs.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let choose = SigningAlgorithm::choose;
    use SigningAlgorithm::{Es256, Ps256, Rs256};
    assert_eq!(choose(KeyType::Rsa, None, true), Some(Ps256));
    assert_eq!(choose(KeyType::Rsa, None, false), Some(Rs256));
    assert_eq!(
        choose(KeyType::Rsa, Some(&list(&["PS256", "RS256"])), false),
        Some(Rs256)
    );
    assert_eq!(
        choose(KeyType::Rsa, Some(&list(&["PS256"])), false),
        Some(Ps256)
    );
    assert_eq!(choose(KeyType::Rsa, Some(&list(&["ES256"])), false), None);
    assert_eq!(choose(KeyType::EcP256, None, false), Some(Es256));
    assert_eq!(
        choose(KeyType::EcP256, Some(&list(&["RS256", "ES256"])), false),
        Some(Es256)
    );
    assert_eq!(
        choose(KeyType::EcP256, Some(&list(&["RS256"])), false),
        None
    );
}

#[test]
fn encrypted_pem_keys_get_a_hint() {
    let f = fixture();
    let pem = format!(
        "{}{}",
        pem_of("ENCRYPTED PRIVATE KEY", &[0x30, 0x00]),
        f.leaf_pem
    );
    let err = Certificate::from_pem(pem.as_bytes()).unwrap_err();
    assert!(
        matches!(err, CredentialError::EncryptedPemKey { .. }),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("PFX") && shown.contains("openssl"),
        "{shown}"
    );

    let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: \
                  AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    let err = Certificate::from_pem(legacy.as_bytes()).unwrap_err();
    assert!(
        matches!(err, CredentialError::EncryptedPemKey { .. }),
        "{err:?}"
    );
}

#[test]
fn incomplete_pem_files_are_named_precisely() {
    let f = fixture();
    let err = Certificate::from_pem(f.leaf_pem.as_bytes()).unwrap_err();
    assert!(
        matches!(err, CredentialError::PemMissingKey { .. }),
        "{err:?}"
    );
    let err = Certificate::from_pem(f.key_pem.as_bytes()).unwrap_err();
    assert!(
        matches!(err, CredentialError::PemMissingCertificate { .. }),
        "{err:?}"
    );

    // A truncated key: the error must not quote the key's base64.
    let truncated = &f.key_pem[..f.key_pem.len() / 2];
    let err = Certificate::from_pem(format!("{}{truncated}", f.leaf_pem).as_bytes()).unwrap_err();
    assert!(
        matches!(err, CredentialError::MalformedPem { .. }),
        "{err:?}"
    );
    let key_line = f.key_pem.lines().nth(3).unwrap();
    assert!(!err.to_string().contains(key_line));
    assert!(!format!("{err:?}").contains(key_line));

    let garbled = pem_of("CERTIFICATE", b"not a certificate");
    let err = Certificate::from_pem(format!("{}{garbled}", f.key_pem).as_bytes()).unwrap_err();
    assert!(
        matches!(err, CredentialError::InvalidCertificate { .. }),
        "{err:?}"
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let err = Certificate::from_pem(b"hello, world").unwrap_err();
    assert!(
        matches!(
            err,
            CredentialError::Unrecognized {
                expected: "PEM",
                ..
            }
        ),
        "{err:?}"
    );
    let err = Certificate::from_pfx(&[0xFF; 64], None).unwrap_err();
    assert!(
        matches!(err, CredentialError::Unrecognized { .. }),
        "{err:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.bin");
    std::fs::write(&path, [0x00, 0x01, 0xFE, 0xFF, 0x42]).unwrap();
    let err = Certificate::from_file(&path, None).unwrap_err();
    assert!(
        matches!(err, CredentialError::Unrecognized { path: Some(_), .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("junk.bin"), "{err}");

    let missing = dir.path().join("absent.pem");
    let err = Certificate::from_file(&missing, None).unwrap_err();
    assert!(matches!(err, CredentialError::Read { .. }), "{err:?}");

    // Truncated and bit-flipped PFX and DER: any error will do, as long as nothing panics.
    let pfx = write_pfx("pw", true);
    let password = CertificatePassword::new("pw");
    let err = Certificate::from_pfx(&pfx[..pfx.len() - 5], Some(&password)).unwrap_err();
    assert!(
        matches!(err, CredentialError::PfxMalformed { .. }),
        "{err:?}"
    );
    for end in (0..pfx.len()).step_by(97) {
        assert!(Certificate::from_pfx(&pfx[..end], Some(&password)).is_err());
    }
    for index in (0..pfx.len()).step_by(211) {
        let mut flipped = pfx.clone();
        flipped[index] ^= 0x5A;
        let _ = Certificate::from_pfx(&flipped, Some(&password));
    }
    let f = fixture();
    for end in (0..f.leaf_der.len()).step_by(7) {
        let pem = format!("{}{}", f.key_pem, pem_of("CERTIFICATE", &f.leaf_der[..end]));
        assert!(Certificate::from_pem(pem.as_bytes()).is_err());
    }
    for end in (0..f.key_pkcs8.len()).step_by(53) {
        let pem = format!(
            "{}{}",
            pem_of("PRIVATE KEY", &f.key_pkcs8[..end]),
            f.leaf_pem
        );
        assert!(Certificate::from_pem(pem.as_bytes()).is_err());
    }
}

#[test]
fn debug_output_shows_no_key_or_secret() {
    let f = fixture();
    let cert = Certificate::from_pem(combined_pem().as_bytes()).unwrap();
    let key_b64 = STANDARD.encode(&f.key_pkcs8);
    let credentials = [
        ClientCredential::Certificate {
            certificate: cert.clone(),
            send_chain: true,
        },
        ClientCredential::Secret(ClientSecret::new("s3cr3t-value")),
        ClientCredential::Assertion(Assertion::new("eyJhbGciOi.assertion.sig")),
        ClientCredential::GitHubActions(
            GitHubOidc::from_env_values(
                Some("https://token.actions.example/idtoken?api-version=2.0".into()),
                Some("gh-request-token".into()),
            )
            .unwrap(),
        ),
    ];
    for credential in &credentials {
        let shown = format!("{credential:?} {}", credential.describe());
        for needle in ["s3cr3t", "assertion.sig", "gh-request-token", "PRIVATE"] {
            assert!(!shown.contains(needle), "{shown}");
        }
        // No 16-character run of the key's base64 (or of its modulus-bearing DER) appears.
        for chunk in key_b64.as_bytes().chunks(16).take(64) {
            assert!(!shown.contains(std::str::from_utf8(chunk).unwrap()));
        }
    }
    let shown = format!("{cert:?}");
    assert!(shown.contains(&cert.thumbprint_sha1_hex()), "{shown}");
}

#[test]
fn client_auth_form_fields() {
    let secret = ClientAuth::Secret(ClientSecret::new("pw"));
    assert_eq!(secret.form_fields(), [("client_secret", "pw", true)]);
    let assertion = ClientAuth::Assertion(Assertion::new("a.b.c"));
    assert_eq!(
        assertion.form_fields(),
        [
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                false
            ),
            ("client_assertion", "a.b.c", true),
        ]
    );
}

#[test]
fn client_auth_per_credential_kind() {
    let credential = ClientCredential::Secret(ClientSecret::new("pw"));
    assert_eq!(
        credential.client_auth(CLIENT_ID, AUDIENCE, NOW).unwrap(),
        ClientAuth::Secret(ClientSecret::new("pw"))
    );
    assert_eq!(credential.describe(), "client secret");

    let cert = Certificate::from_pem(combined_pem().as_bytes()).unwrap();
    let credential = ClientCredential::Certificate {
        certificate: cert.clone(),
        send_chain: false,
    };
    let ClientAuth::Assertion(assertion) =
        credential.client_auth(CLIENT_ID, AUDIENCE, NOW).unwrap()
    else {
        panic!("a certificate authenticates with an assertion");
    };
    let jws = decode(&assertion);
    verify(&jws, &signature::RSA_PSS_2048_8192_SHA256);
    check_claims(&jws.claims);
    assert!(credential.describe().contains(&cert.thumbprint_sha256()));
    // Past the certificate's expiry it still signs (Entra ID gives the verdict), with a warning.
    assert!(
        credential
            .client_auth(CLIENT_ID, AUDIENCE, LEAF_NOT_AFTER + 1)
            .is_ok()
    );

    let github = ClientCredential::GitHubActions(
        GitHubOidc::from_env_values(Some("https://x.example/t".into()), Some("t".into())).unwrap(),
    );
    assert!(matches!(
        github.client_auth(CLIENT_ID, AUDIENCE, NOW),
        Err(CredentialError::FetchRequired)
    ));
    assert_eq!(
        github.describe(),
        "GitHub Actions OIDC token from https://x.example/t"
    );
}

#[test]
fn token_files_are_reread_on_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    let auth =
        |credential: &ClientCredential| match credential.client_auth(CLIENT_ID, AUDIENCE, NOW) {
            Ok(ClientAuth::Assertion(a)) => Ok(a.into_secret()),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => Err(e),
        };
    for credential in [
        ClientCredential::FederatedTokenFile(path.clone()),
        ClientCredential::AssertionFile(path.clone()),
    ] {
        std::fs::write(&path, "first.jwt.value\n").unwrap();
        assert_eq!(auth(&credential).unwrap(), "first.jwt.value");
        std::fs::write(&path, "  second.jwt.value  ").unwrap();
        assert_eq!(auth(&credential).unwrap(), "second.jwt.value");
        assert!(credential.describe().ends_with(&path.display().to_string()));

        std::fs::write(&path, " \n").unwrap();
        let err = auth(&credential).unwrap_err();
        assert!(matches!(err, CredentialError::EmptyFile { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }
    let err = auth(&ClientCredential::FederatedTokenFile(path.clone())).unwrap_err();
    assert!(
        err.to_string().contains("AZURE_FEDERATED_TOKEN_FILE"),
        "{err}"
    );

    std::fs::write(&path, [0xFF, 0xFE, 0x00]).unwrap();
    let err = auth(&ClientCredential::AssertionFile(path.clone())).unwrap_err();
    assert!(matches!(err, CredentialError::NotText { .. }), "{err:?}");

    let err = auth(&ClientCredential::FederatedTokenFile(
        Path::new("/nonexistent/t").into(),
    ));
    assert!(matches!(err, Err(CredentialError::Read { .. })), "{err:?}");
}

mod github_actions {
    use super::*;

    fn oidc(url: &str) -> GitHubOidc {
        GitHubOidc::from_env_values(Some(url.into()), Some("request-token".into())).unwrap()
    }

    #[test]
    fn token_request_adds_the_audience_and_bearer_token() {
        let request = github::token_request(
            &oidc("https://pipelines.example/abc/idtoken?api-version=2.0"),
            github::DEFAULT_AUDIENCE,
        )
        .unwrap();
        assert_eq!(request.method, Method::Get);
        assert_eq!(
            request.url.as_str(),
            "https://pipelines.example/abc/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"
        );
        assert!(
            request.headers.is_empty(),
            "the bearer token is not a plain header"
        );
        assert_eq!(
            request.authorization,
            Some(crate::http::FormValue::Secret(zeroize::Zeroizing::new(
                "Bearer request-token".to_owned()
            )))
        );
        assert!(
            !format!("{request:?}").contains("request-token"),
            "redacted in Debug"
        );
        assert!(request.form.is_empty());
        assert!(!format!("{:?}", oidc("https://x.example/")).contains("request-token"));
    }

    #[test]
    fn token_request_replaces_an_existing_audience_and_defaults_it() {
        let request = github::token_request(
            &oidc("https://p.example/t?audience=old&api-version=2.0"),
            "api://custom",
        )
        .unwrap();
        let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("api-version".to_owned(), "2.0".to_owned()),
                ("audience".to_owned(), "api://custom".to_owned())
            ]
        );
        let request = github::token_request(&oidc("https://p.example/t"), "").unwrap();
        assert_eq!(
            request.url.query(),
            Some("audience=api%3A%2F%2FAzureADTokenExchange")
        );
    }

    #[test]
    fn missing_environment_is_explained() {
        for (url, token, named) in [
            (
                None,
                None,
                "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            ),
            (
                Some("https://x.example/".to_owned()),
                None,
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            ),
            (None, Some("t".to_owned()), "ACTIONS_ID_TOKEN_REQUEST_URL"),
            (
                Some(" ".to_owned()),
                Some("t".to_owned()),
                "ACTIONS_ID_TOKEN_REQUEST_URL",
            ),
        ] {
            let err = GitHubOidc::from_env_values(url, token).unwrap_err();
            let shown = err.to_string();
            assert!(
                shown.contains(named) && shown.contains("id-token: write"),
                "{shown}"
            );
        }
        let err = GitHubOidc::from_env_values(Some("not a url".into()), Some("t".into()));
        assert!(
            matches!(err, Err(CredentialError::GitHubOidcUrl(_))),
            "{err:?}"
        );
        for clear in [
            "http://pipelines.example/t",
            "http://[::ffff:127.0.0.1]:1/t",
        ] {
            let err = GitHubOidc::from_env_values(Some(clear.into()), Some("t".into()));
            assert!(
                matches!(err, Err(CredentialError::GitHubOidcInsecureUrl(_))),
                "{clear}: {err:?}"
            );
        }
        assert!(
            GitHubOidc::from_env_values(Some("http://127.0.0.1:1/t".into()), Some("t".into()))
                .is_ok()
        );
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn token_response_parsing() {
        let token = github::parse_token_response(&response(200, r#"{"count":1,"value":"h.p.s"}"#));
        assert_eq!(token.unwrap().secret(), "h.p.s");

        let err = github::parse_token_response(&response(
            403,
            r#"{"message":"Not authorized","value":"leaked.jwt.value"}"#,
        ))
        .unwrap_err();
        let shown = err.to_string();
        assert!(matches!(
            err,
            CredentialError::GitHubOidcRefused { status: 403, .. }
        ));
        assert!(
            shown.contains("Not authorized") && shown.contains("id-token: write"),
            "{shown}"
        );
        assert!(!shown.contains("leaked"), "{shown}");

        let err = github::parse_token_response(&response(500, "<html>oops</html>")).unwrap_err();
        assert!(matches!(
            err,
            CredentialError::GitHubOidcRefused {
                status: 500,
                message: None
            }
        ));

        for body in ["not json", r#"{"value":""}"#, r#"{"value":7}"#, "{}"] {
            let err = github::parse_token_response(&response(200, body)).unwrap_err();
            assert!(
                matches!(err, CredentialError::GitHubOidcResponse { status: 200, .. }),
                "{err:?}"
            );
        }
    }
}

#[test]
fn basic_credentials_are_form_encoded_before_base64() {
    // RFC 6749 §2.3.1 / Appendix B: application/x-www-form-urlencoded, then Basic.
    let auth = ClientAuth::SecretBasic(ClientSecret::new("p:ss w/rd+%é"));
    let header = auth.authorization_header("app:1").unwrap();
    let encoded = header.strip_prefix("Basic ").unwrap();
    assert_eq!(
        String::from_utf8(STANDARD.decode(encoded).unwrap()).unwrap(),
        "app%3A1:p%3Ass+w%2Frd%2B%25%C3%A9"
    );
    assert!(auth.form_fields().is_empty(), "no secret in the body");
    assert!(!format!("{auth:?}").contains("p:ss"));
    let post = ClientAuth::Secret(ClientSecret::new("s"));
    assert_eq!(post.authorization_header("app"), None);
}

#[test]
fn secret_method_switches_only_secrets() {
    let secret = ClientSecret::new("s");
    assert_eq!(
        ClientAuth::Secret(secret.clone()).with_secret_method(SecretAuthMethod::Basic),
        ClientAuth::SecretBasic(secret.clone())
    );
    assert_eq!(
        ClientAuth::SecretBasic(secret.clone()).with_secret_method(SecretAuthMethod::Post),
        ClientAuth::Secret(secret)
    );
    let assertion = ClientAuth::Assertion(Assertion::new("a.b.c"));
    assert_eq!(
        assertion
            .clone()
            .with_secret_method(SecretAuthMethod::Basic),
        assertion
    );
}

#[test]
fn secret_method_follows_the_request_then_discovery() {
    let list = |methods: &[&str]| methods.iter().map(|m| m.to_string()).collect::<Vec<_>>();
    let both = list(&[
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]);
    let basic_only = list(&["client_secret_basic", "private_key_jwt"]);
    let neither = list(&["private_key_jwt"]);
    let choose = SecretAuthMethod::choose;
    use SecretAuthMethod::{Basic, Post};
    // The user's choice wins.
    assert_eq!(choose(Some(Basic), Some(&both), true), Basic);
    assert_eq!(choose(Some(Post), Some(&basic_only), false), Post);
    // Entra: post, as MSAL sends it, unless the provider lists basic and not post.
    assert_eq!(choose(None, Some(&both), true), Post);
    assert_eq!(choose(None, Some(&basic_only), true), Basic);
    assert_eq!(choose(None, None, true), Post);
    // Other providers: basic, the registration default, unless they list post and not basic.
    assert_eq!(choose(None, Some(&both), false), Basic);
    assert_eq!(choose(None, Some(&basic_only), false), Basic);
    assert_eq!(choose(None, Some(&neither), false), Basic);
    assert_eq!(
        choose(None, Some(&list(&["client_secret_post"])), false),
        Post
    );
    assert_eq!(choose(None, None, false), Basic);
    assert_eq!(Basic.name(), "client_secret_basic");
    assert_eq!(Post.name(), "client_secret_post");
}
