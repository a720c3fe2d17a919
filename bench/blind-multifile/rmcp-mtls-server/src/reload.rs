//! Hot-reloadable server certificate.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::signal::unix::{signal, SignalKind};

use crate::tls;

#[derive(Debug)]
pub struct ReloadingResolver {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ReloadingResolver {
    pub fn from_files(cert_path: impl Into<PathBuf>, key_path: impl Into<PathBuf>) -> anyhow::Result<Arc<Self>> {
        let cert_path = cert_path.into();
        let key_path = key_path.into();
        let current = RwLock::new(Arc::new(Self::load(&cert_path, &key_path)?));
        Ok(Arc::new(Self { cert_path, key_path, current }))
    }

    fn load(cert_path: &PathBuf, key_path: &PathBuf) -> anyhow::Result<CertifiedKey> {
        let certs = tls::load_certs(cert_path)?;
        let key = tls::load_key(key_path)?;
        let signing_key = rustls::crypto::ring::sign::any_supported_type(&key)?;
        Ok(CertifiedKey::new(certs, signing_key))
    }

    pub fn reload(&self) -> anyhow::Result<()> {
        let fresh = Self::load(&self.cert_path, &self.key_path)?;
        *self.current.write().unwrap() = Arc::new(fresh);
        Ok(())
    }

    /// Re-read the key pair whenever the process receives SIGHUP
    /// (sent by the cert-renewal sidecar).
    pub fn spawn_reload_on_sighup(self: Arc<Self>) -> anyhow::Result<()> {
        let mut hup = signal(SignalKind::hangup())?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                match self.reload() {
                    Ok(()) => tracing::info!("server certificate reloaded"),
                    Err(err) => tracing::error!(%err, "certificate reload failed; keeping old one"),
                }
            }
        });
        Ok(())
    }
}

impl ResolvesServerCert for ReloadingResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap().clone())
    }
}
