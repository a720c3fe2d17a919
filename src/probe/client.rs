//! One TLS connection and one MCP request per attempt, each bounded in time, recording what the handshake showed:
//! the version, whether the server asked for a client certificate, and the chain it served.
use super::http::{self, ReadError, Response};
use super::pki;
use rustls::client::Resumption;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WantsClientCert};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, ConfigBuilder, DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;

/// Where to connect.
#[derive(Debug, Clone)]
pub struct Target {
    /// Host name or IP literal (no brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Request path.
    pub path: String,
    /// Per-attempt time limit (connect, handshake and answer together).
    pub timeout: Duration,
}

/// The MCP request an attempt sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McpRequest {
    /// 2026-07-28 `server/discover` with `_meta` and the `MCP-Protocol-Version` header.
    Discover,
    /// Legacy `initialize` (the answer may be JSON or SSE).
    Initialize,
}

impl McpRequest {
    /// The request's name in evidence.
    pub fn name(self) -> &'static str {
        match self {
            Self::Discover => "server/discover (2026-07-28)",
            Self::Initialize => "initialize (legacy)",
        }
    }

    fn headers(self) -> Vec<(&'static str, &'static str)> {
        let accept = ("Accept", "application/json, text/event-stream");
        match self {
            Self::Discover => vec![accept, ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "server/discover")],
            Self::Initialize => vec![accept],
        }
    }

    fn body(self) -> Vec<u8> {
        let client = serde_json::json!({"name": "mcp-tls-audit", "version": env!("CARGO_PKG_VERSION")});
        let v = match self {
            Self::Discover => serde_json::json!({
                "jsonrpc": "2.0", "id": 1, "method": "server/discover",
                "params": {"_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {},
                    "io.modelcontextprotocol/clientInfo": client,
                }},
            }),
            Self::Initialize => serde_json::json!({
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": client},
            }),
        };
        serde_json::to_vec(&v).expect("JSON serialises")
    }
}

/// What one attempt saw.
#[derive(Debug)]
pub struct Attempt {
    /// The handshake: negotiated version, or why it failed.
    pub handshake: Result<String, String>,
    /// The server sent a CertificateRequest.
    pub cert_requested: bool,
    /// The chain the server presented (captured even when the attempt fails later).
    pub chain: Vec<CertificateDer<'static>>,
    /// The answer to the request, when the handshake completed.
    pub answer: Option<Result<Response, ReadError>>,
    /// The time limit ran out: nothing can be concluded.
    pub timed_out: bool,
    /// The time limit.
    pub limit: std::time::Duration,
}

impl Attempt {
    /// Refused in TLS: the handshake failed, or the connection ended before any HTTP answer (TLS 1.3 servers
    /// reject a client certificate after the client's handshake is done).
    pub fn refused(&self) -> Option<String> {
        if self.timed_out {
            return None;
        }
        match (&self.handshake, &self.answer) {
            (Err(e), _) => Some(format!("handshake failed: {e}")),
            (Ok(v), Some(Err(ReadError::Closed(e)))) => Some(format!("{v} handshake completed, then: {e}")),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match &self.answer {
            Some(Ok(r)) => Some(r.status),
            _ => None,
        }
    }

    /// The JSON-RPC result of an answered MCP request.
    pub fn mcp_result(&self) -> Option<serde_json::Value> {
        let Some(Ok(r)) = &self.answer else { return None };
        let v = http::jsonrpc(&String::from_utf8_lossy(&r.body))?;
        v.get("result").cloned()
    }

    /// One line on what happened, for evidence.
    pub fn describe(&self) -> String {
        if self.timed_out {
            return match &self.handshake {
                Ok(v) => format!("{v} handshake completed, then no answer within {:?}", self.limit),
                Err(e) => e.clone(),
            };
        }
        if let Some(r) = self.refused() {
            return r;
        }
        let version = self.handshake.as_deref().unwrap_or("?");
        match &self.answer {
            Some(Ok(r)) => {
                let kind = if r.is_sse() { "SSE" } else { "body" };
                let what = match r.header("location") {
                    Some(to) if (300..400).contains(&r.status) => format!(": a redirect to {to}, not followed"),
                    _ if r.truncated => format!(" ({kind} over {} MiB; stopped reading)", http::MAX_BODY >> 20),
                    _ => format!(" ({kind} of {} bytes)", r.body.len()),
                };
                format!("{version} handshake completed, then HTTP {}{what}", r.status)
            }
            Some(Err(ReadError::Garbage(e))) => {
                format!("{version} handshake completed, then an unreadable answer: {e}")
            }
            Some(Err(ReadError::Closed(e))) => format!("{version} handshake completed, then: {e}"),
            None => format!("{version} handshake completed"),
        }
    }
}

/// Records the served chain and accepts it: the chain is judged afterwards, on its own. Handshake signatures
/// are still verified, so the chain is the one the server holds the key for.
#[derive(Debug)]
struct Capture {
    chain: Mutex<Vec<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        *self.chain.lock().expect("not poisoned") = chain;
        Ok(ServerCertVerified::assertion())
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

/// Presents `key` (or nothing) when asked, and records that the server asked.
#[derive(Debug)]
struct Presenter {
    key: Option<Arc<CertifiedKey>>,
    asked: Mutex<bool>,
}

impl ResolvesClientCert for Presenter {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        *self.asked.lock().expect("not poisoned") = true;
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        true
    }
}

fn builder(
    provider: &Arc<rustls::crypto::CryptoProvider>,
    capture: Arc<Capture>,
) -> ConfigBuilder<ClientConfig, WantsClientCert> {
    ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .dangerous()
        .with_custom_certificate_verifier(capture)
}

/// Connects, handshakes presenting `key` (or no certificate), sends `request` and reads the answer.
pub async fn attempt(target: &Target, key: Option<Arc<CertifiedKey>>, request: McpRequest) -> Attempt {
    let provider = pki::provider();
    let capture = Arc::new(Capture { chain: Mutex::new(Vec::new()) });
    let presenter = Arc::new(Presenter { key, asked: Mutex::new(false) });
    let mut config = builder(&provider, capture.clone()).with_client_cert_resolver(presenter.clone());
    // Every attempt is a full handshake: a resumed session carries no certificate.
    config.resumption = Resumption::disabled();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut out = Attempt {
        handshake: Err(String::new()),
        cert_requested: false,
        chain: Vec::new(),
        answer: None,
        timed_out: false,
        limit: target.timeout,
    };
    let deadline = tokio::time::Instant::now() + target.timeout;
    let handshake = async {
        let tcp = TcpStream::connect((target.host.as_str(), target.port)).await.map_err(|e| format!("connect: {e}"))?;
        let name = ServerName::try_from(target.host.clone()).map_err(|e| format!("server name: {e}"))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        connector.connect(name, tcp).await.map_err(|e| e.to_string())
    };
    match tokio::time::timeout_at(deadline, handshake).await {
        Ok(Ok(mut tls)) => {
            let version = tls
                .get_ref()
                .1
                .protocol_version()
                .map_or_else(|| "TLS".to_string(), |v| super::legacy::version_name(u16::from(v)));
            out.handshake = Ok(version);
            let host = if target.host.contains(':') { format!("[{}]", target.host) } else { target.host.clone() };
            let (headers, body) = (request.headers(), request.body());
            let exchange = http::post(&mut tls, &host, &target.path, &headers, &body);
            match tokio::time::timeout_at(deadline, exchange).await {
                Ok(answer) => out.answer = Some(answer),
                Err(_) => out.timed_out = true,
            }
        }
        Ok(Err(e)) => out.handshake = Err(e),
        Err(_) => {
            out.handshake = Err(format!("no handshake within {:?}", target.timeout));
            out.timed_out = true;
        }
    }
    out.cert_requested = *presenter.asked.lock().expect("not poisoned");
    out.chain = std::mem::take(&mut *capture.chain.lock().expect("not poisoned"));
    out
}
