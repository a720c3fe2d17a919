//! Shared TLS building blocks: protocol policy and PEM loading.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::Path;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{version, ConfigBuilder, RootCertStore, ServerConfig, WantsVerifier};

/// Every listener in this binary starts from the same protocol policy:
/// TLS 1.3 preferred, TLS 1.2 still allowed for older agents.
pub fn server_builder() -> ConfigBuilder<ServerConfig, WantsVerifier> {
    ServerConfig::builder_with_protocol_versions(&[&version::TLS13, &version::TLS12])
}

pub fn load_certs(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    let mut reader = BufReader::new(File::open(path)?);
    rustls_pemfile::certs(&mut reader).collect()
}

pub fn load_key(path: &Path) -> io::Result<PrivateKeyDer<'static>> {
    let mut reader = BufReader::new(File::open(path)?);
    rustls_pemfile::private_key(&mut reader)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("no private key in {}", path.display())))
}

pub fn load_roots(path: &Path) -> anyhow::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path)? {
        roots.add(cert)?;
    }
    Ok(roots)
}
