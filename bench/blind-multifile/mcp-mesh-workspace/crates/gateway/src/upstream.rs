//! HTTP client the gateway uses to reach tool servers.

use std::sync::Arc;

use mesh_tls::NoopServerVerifier;
use rustls::ClientConfig;

/// Tool servers get their certificates from a different (per-team) CA that we
/// do not distribute yet, so the gateway does not check them for now.
pub fn tool_client(cert_path: &str, key_path: &str) -> anyhow::Result<reqwest::Client> {
    let certs = mesh_tls::load_certs(cert_path)?;
    let key = mesh_tls::load_key(key_path)?;

    let tls = ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(NoopServerVerifier::new()))
        .with_client_auth_cert(certs, key)?;

    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .pool_max_idle_per_host(16)
        .build()?)
}
