//! Trust anchors.

use std::path::Path;
use std::sync::Arc;

use rustls::server::danger::ClientCertVerifier;
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;

use crate::certs::read_certs;

pub fn load_roots(path: &Path) -> anyhow::Result<Arc<RootCertStore>> {
    let mut store = RootCertStore::empty();
    for ca in read_certs(path)? {
        store.add(ca)?;
    }
    Ok(Arc::new(store))
}

/// Verifies a client certificate if one is sent, but also lets clients
/// without a certificate through (ops dashboards, curl from a bastion).
pub fn optional_client_verifier(roots: Arc<RootCertStore>) -> anyhow::Result<Arc<dyn ClientCertVerifier>> {
    Ok(WebPkiClientVerifier::builder(roots)
        .allow_unauthenticated()
        .build()?)
}
