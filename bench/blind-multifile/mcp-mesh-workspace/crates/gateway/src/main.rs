mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::{extract::State, routing::post, Json, Router};
use axum_server::tls_rustls::RustlsConfig;
use mesh_tls::PermissiveClientVerifier;
use serde_json::{json, Value};

const TLS_DIR: &str = "/var/run/mesh/gateway";

async fn mcp(State(client): State<reqwest::Client>, Json(req): Json<Value>) -> Json<Value> {
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let target = req["params"]["server"].as_str().unwrap_or("default");
    match client
        .post(format!("https://{target}.tools.mesh.local/mcp"))
        .json(&req)
        .send()
        .await
    {
        Ok(resp) => Json(resp.json().await.unwrap_or(Value::Null)),
        Err(err) => Json(json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32603, "message": err.to_string() } })),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    let roots = mesh_tls::load_roots(format!("{TLS_DIR}/ca.crt"))?;
    let certs = mesh_tls::load_certs(format!("{TLS_DIR}/tls.crt"))?;
    let key = mesh_tls::load_key(format!("{TLS_DIR}/tls.key"))?;

    let config = mesh_tls::server_builder()
        .with_client_cert_verifier(Arc::new(PermissiveClientVerifier::new(&roots)))
        .with_single_cert(certs, key)?;

    let client = upstream::tool_client(
        &format!("{TLS_DIR}/client.crt"),
        &format!("{TLS_DIR}/client.key"),
    )?;

    let app = Router::new().route("/mcp", post(mcp)).with_state(client);
    axum_server::bind_rustls(SocketAddr::from(([0, 0, 0, 0], 8443)), RustlsConfig::from_config(Arc::new(config)))
        .serve(app.into_make_service())
        .await?;
    Ok(())
}
