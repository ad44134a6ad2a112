//! Test certificates (RSA, made with rcgen), PFX files, and client assertions signed with them.

use std::sync::OnceLock;

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::idp::now_secs;

/// An RSA key and a self-signed certificate for it.
pub struct TestCert {
    /// PKCS#8 DER private key.
    pub key_der: Vec<u8>,
    /// PEM `PRIVATE KEY`.
    pub key_pem: String,
    /// Certificate DER.
    pub cert_der: Vec<u8>,
    /// PEM `CERTIFICATE`.
    pub cert_pem: String,
    /// DER RSAPublicKey.
    pub public_key_der: Vec<u8>,
}

/// Signature algorithm of a client assertion.
#[derive(Clone, Copy, Debug)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 SHA-256, named by `x5t` (SHA-1 thumbprint).
    Rs256,
    /// RSASSA-PSS SHA-256, named by `x5t#S256`.
    Ps256,
}

impl TestCert {
    /// A fresh RSA-2048 key and self-signed certificate.
    pub fn generate(common_name: &str) -> Self {
        use rcgen::{CertificateParams, DnType, KeyPair, PKCS_RSA_SHA256, RsaKeySize};
        let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).expect("RSA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let cert = params.self_signed(&key).expect("self-signed certificate");
        Self {
            key_der: key.serialize_der(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().to_vec(),
            cert_pem: cert.pem(),
            public_key_der: key.public_key_raw().to_vec(),
        }
    }

    /// One certificate shared by the tests of this process (RSA key generation is slow in
    /// debug builds).
    pub fn shared() -> &'static TestCert {
        static CERT: OnceLock<TestCert> = OnceLock::new();
        CERT.get_or_init(|| TestCert::generate("msal-test-client"))
    }

    /// A second, different certificate.
    pub fn shared_other() -> &'static TestCert {
        static CERT: OnceLock<TestCert> = OnceLock::new();
        CERT.get_or_init(|| TestCert::generate("msal-test-other"))
    }

    /// Key and certificate in one PEM file, as `--certificate` takes it.
    pub fn pem_bundle(&self) -> String {
        format!("{}{}", self.key_pem, self.cert_pem)
    }

    /// A PKCS#12 (PFX) file protected by `password`.
    pub fn pfx(&self, password: &str) -> Vec<u8> {
        use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
        let chain = PrivateKeyChain::new(
            self.x5t_sha1().into_bytes(),
            PrivateKey::from_der(&self.key_der).expect("PKCS#8 key"),
            [Certificate::from_der(&self.cert_der).expect("certificate DER")],
        );
        let mut store = KeyStore::new();
        store.add_entry("msal-test", KeyStoreEntry::PrivateKeyChain(chain));
        store.writer(password).write().expect("write PFX")
    }

    /// base64url SHA-1 of the certificate DER (no padding).
    pub fn x5t_sha1(&self) -> String {
        URL_SAFE_NO_PAD.encode(digest::digest(
            &digest::SHA1_FOR_LEGACY_USE_ONLY,
            &self.cert_der,
        ))
    }

    /// base64url SHA-256 of the certificate DER (no padding).
    pub fn x5t_s256(&self) -> String {
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &self.cert_der))
    }

    /// The certificate as an `x5c` entry (standard base64 DER).
    pub fn x5c_entry(&self) -> String {
        STANDARD.encode(&self.cert_der)
    }

    /// A signed JWT with the right thumbprint header for `alg` plus `extra_header` fields.
    pub fn sign_jwt(&self, alg: Alg, extra_header: &Value, claims: &Value) -> String {
        let mut header = match alg {
            Alg::Rs256 => json!({"alg": "RS256", "typ": "JWT", "x5t": self.x5t_sha1()}),
            Alg::Ps256 => json!({"alg": "PS256", "typ": "JWT", "x5t#S256": self.x5t_s256()}),
        };
        if let (Some(h), Some(extra)) = (header.as_object_mut(), extra_header.as_object()) {
            for (k, v) in extra {
                h.insert(k.clone(), v.clone());
            }
        }
        self.sign_with_header(alg, &header, claims)
    }

    /// Sign exactly this header and these claims.
    pub fn sign_with_header(&self, alg: Alg, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let key = RsaKeyPair::from_pkcs8(&self.key_der).expect("RSA PKCS#8");
        let mut sig = vec![0u8; key.public_modulus_len()];
        let padding: &dyn signature::RsaEncoding = match alg {
            Alg::Rs256 => &signature::RSA_PKCS1_SHA256,
            Alg::Ps256 => &signature::RSA_PSS_SHA256,
        };
        key.sign(padding, &SystemRandom::new(), input.as_bytes(), &mut sig)
            .expect("sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// A valid client assertion for `client_id` at `token_endpoint`.
    pub fn client_assertion(&self, alg: Alg, client_id: &str, token_endpoint: &str) -> String {
        self.sign_jwt(
            alg,
            &json!({}),
            &assertion_claims(client_id, token_endpoint),
        )
    }
}

/// Standard client assertion claims (10 minutes, fresh `jti`).
pub fn assertion_claims(client_id: &str, token_endpoint: &str) -> Value {
    let now = now_secs();
    json!({
        "aud": token_endpoint,
        "iss": client_id,
        "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": now,
        "iat": now,
        "exp": now + 600,
    })
}

/// The decoded header and claims of a JWT (signature not checked).
pub fn jwt_parts(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let mut decode = |what: &str| -> Value {
        let part = parts
            .next()
            .unwrap_or_else(|| panic!("JWT has no {what} part"));
        let bytes = URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .unwrap_or_else(|e| panic!("JWT {what} is not base64url: {e}"));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("JWT {what} is not JSON: {e}"))
    };
    let header = decode("header");
    let claims = decode("claims");
    (header, claims)
}

/// An unsigned JWT-shaped string with these claims (stands in for a federated token).
pub fn fake_jwt(claims: &Value) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT", "kid": "fake"}).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
    )
}
