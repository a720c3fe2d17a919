//! Prometheus scrape endpoint on its own TLS port.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::{routing::get, Router};
use axum_server::tls_rustls::RustlsConfig;

use crate::tls;

pub static MCP_REQUESTS: AtomicU64 = AtomicU64::new(0);

async fn render() -> String {
    format!(
        "# TYPE mcp_requests_total counter\nmcp_requests_total {}\n",
        MCP_REQUESTS.load(Ordering::Relaxed)
    )
}

pub async fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let certs = tls::load_certs(Path::new("/etc/rmcp/metrics/tls.crt"))?;
    let key = tls::load_key(Path::new("/etc/rmcp/metrics/tls.key"))?;

    let config = tls::server_builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)?;

    let app = Router::new().route("/metrics", get(render));
    axum_server::bind_rustls(addr, RustlsConfig::from_config(Arc::new(config)))
        .serve(app.into_make_service())
        .await?;
    Ok(())
}
