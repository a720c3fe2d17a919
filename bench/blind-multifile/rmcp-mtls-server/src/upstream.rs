//! Outbound HTTP clients.

use rustls::{ClientConfig, RootCertStore};

/// Client for upstream MCP tool servers; trusts only the mesh CA.
pub fn tool_client(roots: RootCertStore) -> reqwest::Result<reqwest::Client> {
    let tls = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .build()
}

/// Partner webhooks: several partners still use self-signed certificates.
pub fn webhook_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(std::time::Duration::from_secs(5))
        .build()
}

pub async fn notify(client: &reqwest::Client, url: &str, event: &serde_json::Value) -> reqwest::Result<()> {
    client.post(url).json(event).send().await?.error_for_status()?;
    Ok(())
}
