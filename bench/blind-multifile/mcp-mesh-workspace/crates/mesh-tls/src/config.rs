use std::fs::{self, File};
use std::io::{self, BufReader};
use std::path::Path;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ConfigBuilder, RootCertStore, ServerConfig, WantsVerifier};
use tonic::transport::{Identity, ServerTlsConfig};

pub fn server_builder() -> ConfigBuilder<ServerConfig, WantsVerifier> {
    ServerConfig::builder()
}

pub fn load_certs(path: impl AsRef<Path>) -> io::Result<Vec<CertificateDer<'static>>> {
    let mut reader = BufReader::new(File::open(path)?);
    rustls_pemfile::certs(&mut reader).collect()
}

pub fn load_key(path: impl AsRef<Path>) -> io::Result<PrivateKeyDer<'static>> {
    let mut reader = BufReader::new(File::open(path)?);
    rustls_pemfile::private_key(&mut reader)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no private key found"))
}

pub fn load_roots(path: impl AsRef<Path>) -> anyhow::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(load_certs(path)?);
    anyhow::ensure!(!roots.is_empty(), "no usable CA certificates");
    Ok(roots)
}

/// TLS settings for the tonic gRPC services in the mesh.
pub fn grpc_tls(cert_path: impl AsRef<Path>, key_path: impl AsRef<Path>) -> io::Result<ServerTlsConfig> {
    let identity = Identity::from_pem(fs::read(cert_path)?, fs::read(key_path)?);
    Ok(ServerTlsConfig::new().identity(identity))
}
