use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::{extract::State, routing::post, Json, Router};
use axum_server::tls_rustls::RustlsConfig;
use serde_json::{json, Value};
use tool_relay::{admin, certs, http, roots, server};

#[derive(Clone)]
struct Relay {
    upstream: reqwest::Client,
    telemetry: reqwest::Client,
}

async fn relay(State(relay): State<Relay>, Json(msg): Json<Value>) -> Json<Value> {
    let id = msg.get("id").cloned().unwrap_or(Value::Null);
    let _ = relay
        .telemetry
        .post("https://telemetry.relay.internal/events")
        .json(&json!({ "method": msg.get("method") }))
        .send()
        .await;
    match relay.upstream.post("https://tools.relay.internal/mcp").json(&msg).send().await {
        Ok(resp) => Json(resp.json().await.unwrap_or(Value::Null)),
        Err(err) => Json(json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32603, "message": err.to_string() } })),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();
    let _ = rustls::crypto::ring::default_provider().install_default();

    let roots = roots::load_roots(Path::new("/etc/tool-relay/ca.pem"))?;
    let store = certs::CertStore::open("/etc/tool-relay/tls.crt", "/etc/tool-relay/tls.key")?;
    store.spawn_refresh(Duration::from_secs(60));

    let allowed: Vec<String> = std::env::var("RELAY_ALLOWED")
        .unwrap_or_else(|_| "spiffe://relay.internal/agents/".into())
        .split(',')
        .map(String::from)
        .collect();

    let relay_tls = server::relay_config(store.clone(), roots.clone(), &allowed)?;
    let admin_tls = admin::admin_config(store.clone(), roots.clone())?;

    let state = Relay {
        upstream: http::upstream_client(
            roots,
            certs::read_certs(Path::new("/etc/tool-relay/client.crt"))?,
            certs::read_key(Path::new("/etc/tool-relay/client.key"))?,
        )?,
        telemetry: http::telemetry_client()?,
    };

    let admin_srv = axum_server::bind_rustls(
        SocketAddr::from(([0, 0, 0, 0], 9443)),
        RustlsConfig::from_config(Arc::new(admin_tls)),
    )
    .serve(admin::router().into_make_service());
    tokio::spawn(admin_srv);

    let app = Router::new().route("/mcp", post(relay)).with_state(state);
    axum_server::bind_rustls(SocketAddr::from(([0, 0, 0, 0], 8443)), RustlsConfig::from_config(Arc::new(relay_tls)))
        .serve(app.into_make_service())
        .await?;
    Ok(())
}
