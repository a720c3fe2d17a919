//! Server certificate store that follows the files on disk.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

pub fn read_certs(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    rustls_pemfile::certs(&mut BufReader::new(File::open(path)?)).collect()
}

pub fn read_key(path: &Path) -> io::Result<PrivateKeyDer<'static>> {
    rustls_pemfile::private_key(&mut BufReader::new(File::open(path)?))?
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "missing private key"))
}

#[derive(Debug)]
pub struct CertStore {
    cert: PathBuf,
    key: PathBuf,
    loaded_at: RwLock<SystemTime>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertStore {
    pub fn open(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> anyhow::Result<Arc<Self>> {
        let (cert, key) = (cert.into(), key.into());
        let ck = Self::load(&cert, &key)?;
        Ok(Arc::new(Self {
            cert,
            key,
            loaded_at: RwLock::new(SystemTime::now()),
            current: RwLock::new(Arc::new(ck)),
        }))
    }

    fn load(cert: &Path, key: &Path) -> anyhow::Result<CertifiedKey> {
        let chain = read_certs(cert)?;
        let signer = rustls::crypto::ring::sign::any_supported_type(&read_key(key)?)?;
        Ok(CertifiedKey::new(chain, signer))
    }

    fn changed_since_load(&self) -> bool {
        let modified = std::fs::metadata(&self.cert).and_then(|m| m.modified());
        matches!(modified, Ok(t) if t > *self.loaded_at.read().unwrap())
    }

    /// Poll the certificate file and swap the key pair when it changes.
    pub fn spawn_refresh(self: &Arc<Self>, every: Duration) {
        let store = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if !store.changed_since_load() {
                    continue;
                }
                match Self::load(&store.cert, &store.key) {
                    Ok(ck) => {
                        *store.current.write().unwrap() = Arc::new(ck);
                        *store.loaded_at.write().unwrap() = SystemTime::now();
                        tracing::info!(path = %store.cert.display(), "reloaded server certificate");
                    }
                    Err(err) => tracing::warn!(%err, "certificate refresh failed"),
                }
            }
        });
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.current.read().unwrap()))
    }
}
