//! TLS config for the agent-facing relay listener.

use std::sync::Arc;

use rustls::{RootCertStore, ServerConfig};

use crate::certs::CertStore;
use crate::verifier::AllowlistVerifier;

pub fn relay_config(store: Arc<CertStore>, roots: Arc<RootCertStore>, allowed: &[String]) -> anyhow::Result<ServerConfig> {
    let verifier = AllowlistVerifier::new(roots, allowed)?;
    let mut config = ServerConfig::builder()
        .with_client_cert_verifier(Arc::new(verifier))
        .with_cert_resolver(store);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
