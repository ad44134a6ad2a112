//! Trusting one server certificate by its thumbprint ([`ServerPin`]), for a platform endpoint
//! whose certificate no public root vouches for: Service Fabric names its managed-identity
//! endpoint's certificate in `IDENTITY_SERVER_THUMBPRINT` (the SHA-1 of the certificate, as
//! Windows shows it) and the endpoint serves a cluster certificate.
//!
//! The thumbprint is the whole trust decision, as in MSAL Python and azure-identity: the chain
//! and the host name are not checked (the cluster certificate names neither), but the TLS
//! handshake's signatures still are, so only the holder of that certificate's key can answer.

use std::sync::Arc;

use aws_lc_rs::{constant_time, digest};
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use super::HttpError;

/// The SHA-1 thumbprint of the one certificate a server may present.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerPin {
    sha1: [u8; 20],
}

impl std::fmt::Debug for ServerPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerPin({})", self.hex())
    }
}

impl ServerPin {
    /// Reads a thumbprint as platforms write it: 40 hexadecimal digits, in any case, with
    /// spaces, tabs, line breaks or colons between them ignored (as MSAL Python reads
    /// `IDENTITY_SERVER_THUMBPRINT`). `None` for anything else.
    pub fn from_thumbprint(text: &str) -> Option<Self> {
        let digits: Vec<u8> = text
            .bytes()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b':'))
            .collect();
        if digits.len() != 40 {
            return None;
        }
        let mut sha1 = [0u8; 20];
        for (byte, pair) in sha1.iter_mut().zip(digits.chunks(2)) {
            let text = std::str::from_utf8(pair).ok()?;
            if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            *byte = u8::from_str_radix(text, 16).ok()?;
        }
        Some(Self { sha1 })
    }

    /// The thumbprint in lowercase hexadecimal.
    pub fn hex(&self) -> String {
        self.sha1.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `certificate` (DER) is the pinned one.
    pub fn matches(&self, certificate: &[u8]) -> bool {
        let actual = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, certificate);
        constant_time::verify_slices_are_equal(actual.as_ref(), &self.sha1).is_ok()
    }

    /// A TLS client configuration that accepts only this certificate.
    pub(crate) fn client_config(&self) -> Result<rustls::ClientConfig, HttpError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = PinnedVerifier {
            pin: self.clone(),
            algorithms: provider.signature_verification_algorithms,
        };
        let config = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| HttpError::Setup(format!("cannot set up TLS: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(config)
    }
}

#[derive(Debug)]
struct PinnedVerifier {
    pin: ServerPin,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.pin.matches(end_entity) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the server's certificate is not the one whose thumbprint the platform names ({})",
                self.pin.hex()
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_are_read_as_platforms_write_them() {
        let hex = "0123456789abcdef0123456789ABCDEF01234567";
        let pin = ServerPin::from_thumbprint(hex).unwrap();
        assert_eq!(pin.hex(), hex.to_ascii_lowercase());
        let spaced = "01 23 45 67 89:ab:cd:ef\t0123456789ABCDEF0123\r\n4567";
        assert_eq!(ServerPin::from_thumbprint(spaced), Some(pin));
        for bad in [
            "",
            "0123",
            &format!("{hex}00"),
            &hex.replace('0', "g"),
            "é".repeat(20).as_str(),
        ] {
            assert_eq!(ServerPin::from_thumbprint(bad), None, "{bad}");
        }
        let cert = b"not really a certificate";
        let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert);
        let hex: String = sha1.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        let pin = ServerPin::from_thumbprint(&hex).unwrap();
        assert!(pin.matches(cert));
        assert!(!pin.matches(b"another"));
    }
}
