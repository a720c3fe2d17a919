//! Agent-side MCP client: talks to the gateway over mTLS and refuses to talk
//! to anything that is not the gateway's workload identity.

use std::sync::Arc;

use mesh_tls::PinnedServerVerifier;
use rustls::ClientConfig;
use serde_json::json;

const GATEWAY_ID: &str = "spiffe://mesh.local/ns/platform/sa/gateway";
const TLS_DIR: &str = "/var/run/mesh/agent";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    let roots = Arc::new(mesh_tls::load_roots(format!("{TLS_DIR}/ca.crt"))?);
    let certs = mesh_tls::load_certs(format!("{TLS_DIR}/tls.crt"))?;
    let key = mesh_tls::load_key(format!("{TLS_DIR}/tls.key"))?;

    let tls = ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServerVerifier::new(roots, GATEWAY_ID)?))
        .with_client_auth_cert(certs, key)?;

    let client = reqwest::Client::builder().use_preconfigured_tls(tls).build()?;

    let resp: serde_json::Value = client
        .post("https://gateway.mesh.local:8443/mcp")
        .json(&json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": { "server": "search" } }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!("{}", serde_json::to_string_pretty(&resp)?);
    Ok(())
}
