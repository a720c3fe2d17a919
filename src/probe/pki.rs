//! Certificates and keys for live connections: loading PEM files, and minting the look-alike client certificates
//! the probe presents (rogue CA, expired, foreign identity) with rcgen.
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, SanType};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use std::path::Path;
use std::sync::Arc;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

const DAY: i64 = 86_400;

/// The crypto provider of every live connection (ring).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The certificates of a PEM file, leaf first.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: holds no PEM certificate", path.display()));
    }
    Ok(certs)
}

/// The private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| format!("{}: no usable private key ({e})", path.display()))
}

/// A certificate chain and its key, ready to present.
pub fn certified_key(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<CertifiedKey>, String> {
    CertifiedKey::from_der(chain, key, &provider()).map(Arc::new).map_err(|e| format!("certificate and key: {e}"))
}

/// Handshake signature checks with the ring provider, for the custom verifiers of the probe and the mock.
pub fn verify_tls12(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &rustls::DigitallySignedStruct,
) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls12_signature(message, cert, dss, &provider().signature_verification_algorithms)
}

/// See [`verify_tls12`].
pub fn verify_tls13(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &rustls::DigitallySignedStruct,
) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls13_signature(message, cert, dss, &provider().signature_verification_algorithms)
}

/// The signature schemes [`verify_tls12`] and [`verify_tls13`] accept.
pub fn verify_schemes() -> Vec<rustls::SignatureScheme> {
    provider().signature_verification_algorithms.supported_schemes()
}

/// Loads `cert` and `key` files into a certified key.
pub fn load_certified_key(cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>, String> {
    certified_key(load_certs(cert)?, load_key(key)?)
}

/// The identity a certificate claims: its subject CN and subject alternative names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    /// The subject common name, if any.
    pub common_name: Option<String>,
    /// DNS names.
    pub dns: Vec<String>,
    /// URIs (SPIFFE IDs among them).
    pub uris: Vec<String>,
    /// IP addresses.
    pub ips: Vec<std::net::IpAddr>,
}

impl Identity {
    /// Reads the identity of a DER certificate.
    pub fn of(cert: &CertificateDer<'_>) -> Result<Self, String> {
        let (_, x) = X509Certificate::from_der(cert).map_err(|e| format!("certificate: {e}"))?;
        let common_name = x.subject().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_string);
        let mut id = Identity { common_name, ..Identity::default() };
        if let Ok(Some(san)) = x.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(d) => id.dns.push(d.to_string()),
                    GeneralName::URI(u) => id.uris.push(u.to_string()),
                    GeneralName::IPAddress(b) => match b.len() {
                        4 => id.ips.push(<[u8; 4]>::try_from(*b).expect("4 bytes").into()),
                        16 => id.ips.push(<[u8; 16]>::try_from(*b).expect("16 bytes").into()),
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        Ok(id)
    }

    /// The first SPIFFE ID.
    pub fn spiffe_id(&self) -> Option<&str> {
        self.uris.iter().map(String::as_str).find(|u| u.starts_with("spiffe://"))
    }

    /// An identity no allowlist can hold: a SPIFFE ID in the same trust domain (or `example.org`) under a
    /// path unique to this run, and no DNS or IP names.
    pub fn foreign(&self, nonce: u64) -> Self {
        let domain = self
            .spiffe_id()
            .and_then(|id| id["spiffe://".len()..].split('/').next())
            .filter(|d| !d.is_empty())
            .unwrap_or("example.org");
        Identity {
            common_name: Some("mcp-tls-audit-foreign".into()),
            uris: vec![format!("spiffe://{domain}/mcp-tls-audit/foreign-{nonce:x}")],
            ..Identity::default()
        }
    }
}

fn params(id: &Identity, not_before: i64, not_after: i64, ca: bool) -> Result<CertificateParams, String> {
    let mut p = CertificateParams::default();
    if let Some(cn) = &id.common_name {
        p.distinguished_name.push(DnType::CommonName, cn.as_str());
    }
    let err = |e: rcgen::Error| format!("minting: {e}");
    for d in &id.dns {
        p.subject_alt_names.push(SanType::DnsName(d.as_str().try_into().map_err(err)?));
    }
    for u in &id.uris {
        p.subject_alt_names.push(SanType::URI(u.as_str().try_into().map_err(err)?));
    }
    p.subject_alt_names.extend(id.ips.iter().map(|ip| SanType::IpAddress(*ip)));
    let time = |t: i64| ::time::OffsetDateTime::from_unix_timestamp(t).map_err(|e| format!("minting: {e}"));
    p.not_before = time(not_before)?;
    p.not_after = time(not_after)?;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    } else {
        p.is_ca = IsCa::ExplicitNoCa;
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth, ExtendedKeyUsagePurpose::ServerAuth];
    }
    Ok(p)
}

fn issue(
    id: &Identity,
    not_before: i64,
    not_after: i64,
    issuer: &Issuer<'_, KeyPair>,
) -> Result<Arc<CertifiedKey>, String> {
    let key = KeyPair::generate().map_err(|e| format!("minting: {e}"))?;
    let cert =
        params(id, not_before, not_after, false)?.signed_by(&key, issuer).map_err(|e| format!("minting: {e}"))?;
    let der = PrivateKeyDer::try_from(key.serialize_der()).map_err(|e| format!("minting: {e}"))?;
    certified_key(vec![cert.der().clone()], der)
}

/// A leaf with `id`, valid from `not_before` to `not_after`, issued by a CA minted for this call that nobody
/// trusts.
pub fn rogue(id: &Identity, not_before: i64, not_after: i64) -> Result<Arc<CertifiedKey>, String> {
    let ca_id = Identity { common_name: Some("mcp-tls-audit rogue CA".into()), ..Identity::default() };
    let ca_key = KeyPair::generate().map_err(|e| format!("minting: {e}"))?;
    let ca = params(&ca_id, not_before - DAY, not_after + DAY, true)?;
    let issuer = Issuer::new(ca, ca_key);
    issue(id, not_before, not_after, &issuer)
}

/// A leaf with `id` issued by the real CA, valid from `not_before` to `not_after`.
pub fn from_ca(
    ca_pem: &str,
    ca_key_pem: &str,
    id: &Identity,
    not_before: i64,
    not_after: i64,
) -> Result<Arc<CertifiedKey>, String> {
    let key = KeyPair::from_pem(ca_key_pem).map_err(|e| format!("--ca-key: {e}"))?;
    let issuer = Issuer::from_ca_cert_pem(ca_pem, key).map_err(|e| format!("--ca with --ca-key: {e}"))?;
    issue(id, not_before, not_after, &issuer)
}

/// A server certificate with `id` from the real CA and a fresh key, as PEM (certificate, PKCS#8 key).
pub fn mint_server_pem(
    ca_pem: &str,
    ca_key_pem: &str,
    id: &Identity,
    not_before: i64,
    not_after: i64,
) -> Result<(String, String), String> {
    let ca_key = KeyPair::from_pem(ca_key_pem).map_err(|e| format!("--ca-key: {e}"))?;
    let issuer = Issuer::from_ca_cert_pem(ca_pem, ca_key).map_err(|e| format!("--ca with --ca-key: {e}"))?;
    let key = KeyPair::generate().map_err(|e| format!("minting: {e}"))?;
    let mut p = params(id, not_before, not_after, false)?;
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = p.signed_by(&key, &issuer).map_err(|e| format!("minting: {e}"))?;
    Ok((cert.pem(), key.serialize_pem()))
}
