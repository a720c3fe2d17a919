//! `mock-server`: a minimal Streamable HTTP MCP endpoint over rustls with one misconfiguration per profile, so
//! that every runtime-checkable rule has a server that breaks it (and `secure` one that breaks none).
use crate::probe::pki;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Each profile is the secure server with one mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Client certificates required and verified against the CA, a SPIFFE allowlist (403 otherwise), and the
    /// server certificate reloaded when its files change.
    Secure,
    /// No client certificate is asked for (client-cert-not-requested).
    OneWay,
    /// A client certificate is asked for but not required (client-cert-not-enforced).
    OptionalClientCert,
    /// Any client certificate is accepted, whoever issued it (client-cert-not-enforced).
    AnyClientCert,
    /// Client certificates are verified, but no identity is checked (peer-identity-unchecked).
    NoIdentityCheck,
    /// The server certificate is loaded once and never reloaded (no-cert-rotation).
    NoRotation,
}

/// The certificate the mock serves: its files, or one minted at start-up that a verifying client must refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServerProfile {
    /// `server.pem` and `server.key`, reloaded when they change (unless the profile is `no-rotation`).
    Files,
    /// The identity of `server.pem`, from the CA (`ca.pem` + `ca.key`), expired yesterday.
    Expired,
    /// A certificate from the CA for `wrong-name.invalid` only.
    WrongName,
    /// The identity of `server.pem` from a CA minted at start-up that nobody trusts.
    RogueCa,
}

/// How to run the mock.
#[derive(Debug, Clone)]
pub struct MockOptions {
    /// The mistake to make.
    pub profile: Profile,
    /// Holds `ca.pem` (trusted for clients), `server.pem` and `server.key`.
    pub certs: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// SPIFFE IDs (or other URI SANs) allowed to call; needed by profiles that check identity.
    pub allow_ids: Vec<String>,
    /// The certificate to serve.
    pub server_profile: ServerProfile,
    /// Speak only the legacy protocol: `server/discover` is refused as a 2025-11-25 SDK server refuses requests
    /// before `initialize`.
    pub legacy_only: bool,
}

impl Profile {
    fn checks_identity(self) -> bool {
        !matches!(self, Self::OneWay | Self::NoIdentityCheck)
    }
}

/// Serves until the future is dropped; `ready` gets the bound address first.
pub async fn serve(opts: MockOptions, ready: impl FnOnce(SocketAddr)) -> Result<(), String> {
    if opts.profile.checks_identity() && opts.allow_ids.is_empty() {
        return Err("this profile checks client identities: give at least one --allow-id".into());
    }
    let config = Arc::new(server_config(&opts)?);
    let listener = TcpListener::bind(opts.listen).await.map_err(|e| format!("{}: {e}", opts.listen))?;
    ready(listener.local_addr().map_err(|e| e.to_string())?);
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let opts = Arc::new(opts);
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let (acceptor, opts) = (acceptor.clone(), opts.clone());
        tokio::spawn(async move {
            // A client that stalls is dropped; it cannot hold the server.
            let _ = tokio::time::timeout(Duration::from_secs(10), async {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    handle(tls, &opts).await;
                }
            })
            .await;
        });
    }
}

fn server_config(opts: &MockOptions) -> Result<ServerConfig, String> {
    let provider = pki::provider();
    let file = |name: &str| opts.certs.join(name);
    let reload = opts.profile != Profile::NoRotation && opts.server_profile == ServerProfile::Files;
    let resolver = Arc::new(Reloading::new(&file("server.pem"), &file("server.key"), reload)?);
    if opts.server_profile != ServerProfile::Files {
        *resolver.current.lock().expect("not poisoned") = (None, minted_server_cert(opts)?);
    }
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let roots = || -> Result<Arc<rustls::RootCertStore>, String> {
        let mut store = rustls::RootCertStore::empty();
        for c in pki::load_certs(&file("ca.pem"))? {
            store.add(c).map_err(|e| format!("ca.pem: {e}"))?;
        }
        Ok(Arc::new(store))
    };
    let verified = || Ok::<_, String>(WebPkiClientVerifier::builder_with_provider(roots()?, provider.clone()));
    let mut config = match opts.profile {
        Profile::OneWay => builder.with_no_client_auth(),
        Profile::AnyClientCert => builder.with_client_cert_verifier(Arc::new(AcceptAny)),
        Profile::OptionalClientCert => {
            builder.with_client_cert_verifier(verified()?.allow_unauthenticated().build().map_err(|e| e.to_string())?)
        }
        Profile::Secure | Profile::NoIdentityCheck | Profile::NoRotation => {
            builder.with_client_cert_verifier(verified()?.build().map_err(|e| e.to_string())?)
        }
    }
    .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificate a `--server-profile` other than `files` serves.
fn minted_server_cert(opts: &MockOptions) -> Result<Arc<CertifiedKey>, String> {
    let now = crate::engine::CertOptions::default().now;
    let day = 86_400;
    let served = pki::load_certs(&opts.certs.join("server.pem"))?;
    let identity = pki::Identity::of(&served[0])?;
    let read = |name: &str| {
        let path = opts.certs.join(name);
        std::fs::read_to_string(&path).map_err(|e| format!("{} (needed by this --server-profile): {e}", path.display()))
    };
    match opts.server_profile {
        ServerProfile::Files => unreachable!("files are loaded, not minted"),
        ServerProfile::Expired => {
            pki::from_ca(&read("ca.pem")?, &read("ca.key")?, &identity, now - 30 * day, now - day)
        }
        ServerProfile::WrongName => {
            let other = pki::Identity {
                common_name: Some("wrong-name.invalid".into()),
                dns: vec!["wrong-name.invalid".into()],
                ..pki::Identity::default()
            };
            pki::from_ca(&read("ca.pem")?, &read("ca.key")?, &other, now - day, now + 30 * day)
        }
        ServerProfile::RogueCa => pki::rogue(&identity, now - day, now + 30 * day),
    }
}

/// The server certificate, re-read when `server.pem` or `server.key` changes (unless reloading is off).
#[derive(Debug)]
struct Reloading {
    cert: PathBuf,
    key: PathBuf,
    reload: bool,
    current: Mutex<(Option<SystemTime>, Arc<CertifiedKey>)>,
}

impl Reloading {
    fn new(cert: &Path, key: &Path, reload: bool) -> Result<Self, String> {
        let loaded = pki::load_certified_key(cert, key)?;
        let stamp = Self::stamp(cert, key);
        Ok(Self { cert: cert.into(), key: key.into(), reload, current: Mutex::new((stamp, loaded)) })
    }

    fn stamp(cert: &Path, key: &Path) -> Option<SystemTime> {
        let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        m(cert).max(m(key))
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let mut current = self.current.lock().expect("not poisoned");
        if self.reload {
            let stamp = Self::stamp(&self.cert, &self.key);
            if stamp != current.0
                && let Ok(key) = pki::load_certified_key(&self.cert, &self.key)
            {
                *current = (stamp, key);
            }
        }
        Some(current.1.clone())
    }
}

/// The any-client-cert mistake: a verifier that asks for a certificate, requires one, and accepts any.
#[derive(Debug)]
struct AcceptAny;

impl ClientCertVerifier for AcceptAny {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        pki::verify_tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        pki::verify_tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        pki::verify_schemes()
    }
}

/// Reads one request and answers it.
async fn handle(mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>, opts: &MockOptions) {
    let peer_uris = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .and_then(|c| pki::Identity::of(c).ok())
        .map(|id| id.uris);
    let Some((head, body)) = read_request(&mut tls).await else { return };
    let (status, content_type, payload) = respond(&head, &body, peer_uris.as_deref(), opts);
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    let _ = tls.write_all(response.as_bytes()).await;
    let _ = tls.write_all(payload.as_bytes()).await;
    let _ = tls.shutdown().await;
}

/// Request line, lowercased headers, body.
struct Head {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

async fn read_request<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<(Head, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf).ok()? {
            httparse::Status::Partial if buf.len() < 64 * 1024 => continue,
            httparse::Status::Partial => return None,
            httparse::Status::Complete(len) => {
                let head = Head {
                    method: req.method?.to_string(),
                    path: req.path?.to_string(),
                    headers: req
                        .headers
                        .iter()
                        .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).trim().to_string()))
                        .collect(),
                };
                let want =
                    head.header("content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0).min(1 << 20);
                let mut body = buf[len..].to_vec();
                while body.len() < want {
                    let n = stream.read(&mut chunk).await.ok()?;
                    if n == 0 {
                        break;
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
                body.truncate(want);
                return Some((head, body));
            }
        }
    }
}

/// (status line, content type, body) for a request.
fn respond(head: &Head, body: &[u8], peer_uris: Option<&[String]>, opts: &MockOptions) -> (String, String, String) {
    let json_type = "application/json".to_string();
    if head.path != "/mcp" {
        return ("404 Not Found".into(), json_type, "{}".into());
    }
    if head.method != "POST" {
        return ("405 Method Not Allowed".into(), json_type, "{}".into());
    }
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let error =
        |code: i64, message: &str| json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    // The allowlist: a presented certificate must carry an allowed ID. (No certificate at all only reaches here
    // when the profile does not require one, which is its mistake.)
    if opts.profile.checks_identity()
        && let Some(uris) = peer_uris
        && !uris.iter().any(|u| opts.allow_ids.contains(u))
    {
        return ("403 Forbidden".into(), json_type, error(-32001, "client identity not allowed").to_string());
    }
    let server_info = json!({"name": "mcp-tls-audit-mock", "version": env!("CARGO_PKG_VERSION")});
    let method = request.get("method").and_then(Value::as_str).unwrap_or_default();
    let answer = match method {
        "server/discover" if opts.legacy_only => {
            let refusal = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32000, "message": "Bad Request: Server not initialized"}});
            return ("400 Bad Request".into(), json_type, refusal.to_string());
        }
        "server/discover" if head.header("mcp-protocol-version") == Some("2026-07-28") => json!({
            "jsonrpc": "2.0", "id": id,
            "result": {
                "supportedVersions": ["2026-07-28", "2025-11-25"],
                "capabilities": {"tools": {}},
                "serverInfo": server_info,
                "resultType": "complete",
            },
        }),
        "server/discover" => {
            return (
                "400 Bad Request".into(),
                json_type,
                error(-32600, "MCP-Protocol-Version must be 2026-07-28").to_string(),
            );
        }
        "initialize" => {
            let result = json!({
                "jsonrpc": "2.0", "id": id,
                "result": {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}}, "serverInfo": server_info},
            });
            // Like the official SDKs, legacy answers come as an SSE stream when the client accepts one.
            if head.header("accept").is_some_and(|a| a.contains("text/event-stream")) {
                return ("200 OK".into(), "text/event-stream".into(), format!("event: message\ndata: {result}\n\n"));
            }
            result
        }
        _ => error(-32601, "method not found"),
    };
    ("200 OK".into(), json_type, answer.to_string())
}
