//! Custom certificate verifiers.

use std::collections::HashSet;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, DistinguishedName, Error, RootCertStore, SignatureScheme};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::*;

fn spiffe_id(cert: &CertificateDer<'_>) -> Option<String> {
    let (_, x509) = X509Certificate::from_der(cert.as_ref()).ok()?;
    let san = x509.subject_alternative_name().ok()??;
    san.value.general_names.iter().find_map(|gn| match gn {
        GeneralName::URI(uri) if uri.starts_with("spiffe://") => Some((*uri).to_owned()),
        _ => None,
    })
}

/// Chain validation via WebPKI, then the caller's SPIFFE ID must be on the
/// allowlist (or under one of the allowed trust-domain prefixes).
#[derive(Debug)]
pub struct AllowlistVerifier {
    webpki: Arc<dyn ClientCertVerifier>,
    exact: HashSet<String>,
    prefixes: Vec<String>,
}

impl AllowlistVerifier {
    pub fn new(roots: Arc<RootCertStore>, allowed: &[String]) -> anyhow::Result<Self> {
        let (prefixes, exact): (Vec<_>, Vec<_>) = allowed.iter().cloned().partition(|a| a.ends_with('/'));
        Ok(Self {
            webpki: WebPkiClientVerifier::builder(roots).build()?,
            exact: exact.into_iter().collect(),
            prefixes,
        })
    }

    fn permits(&self, id: &str) -> bool {
        self.exact.contains(id) || self.prefixes.iter().any(|p| id.starts_with(p.as_str()))
    }
}

impl ClientCertVerifier for AllowlistVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.webpki.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let verified = self.webpki.verify_client_cert(end_entity, intermediates, now)?;
        match spiffe_id(end_entity) {
            Some(id) if self.permits(&id) => Ok(verified),
            Some(id) => Err(Error::General(format!("caller {id} not on allowlist"))),
            None => Err(Error::General("client certificate without SPIFFE ID".into())),
        }
    }

    fn verify_tls12_signature(&self, m: &[u8], c: &CertificateDer<'_>, d: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        self.webpki.verify_tls12_signature(m, c, d)
    }

    fn verify_tls13_signature(&self, m: &[u8], c: &CertificateDer<'_>, d: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        self.webpki.verify_tls13_signature(m, c, d)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// Wraps WebPKI server verification but only logs failures instead of
/// aborting the handshake, while the upstream fleet migrates to the new CA
/// (RELAY-88).
#[derive(Debug)]
pub struct LoggingServerVerifier {
    inner: Arc<WebPkiServerVerifier>,
}

impl LoggingServerVerifier {
    pub fn new(roots: Arc<RootCertStore>) -> anyhow::Result<Self> {
        Ok(Self { inner: WebPkiServerVerifier::builder(roots).build()? })
    }
}

impl ServerCertVerifier for LoggingServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Ok(ok) => Ok(ok),
            Err(err) => {
                tracing::warn!(%err, ?server_name, "upstream certificate failed verification (soft-fail)");
                Ok(ServerCertVerified::assertion())
            }
        }
    }

    fn verify_tls12_signature(&self, m: &[u8], c: &CertificateDer<'_>, d: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(m, c, d)
    }

    fn verify_tls13_signature(&self, m: &[u8], c: &CertificateDer<'_>, d: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(m, c, d)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
