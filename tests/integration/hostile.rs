//! `probe` against hostile servers on 127.0.0.1 (threads of this test, stopped when the probe is done): each gives
//! a bounded `error` with a reason, and no check outlives its time limit.
use crate::probe::{Pki, ServerCert, probe_with};
use mcp_tls_audit::probe::pki;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the server does once a client connects.
#[derive(Clone, Copy, Debug)]
enum Hostile {
    /// Reads the ClientHello, answers half a ServerHello, and hangs up.
    DropMidHandshake,
    /// Completes TLS, then sends its answer one byte a second.
    Drip,
    /// Completes TLS, then announces and streams a 1 GiB body.
    Huge,
    /// Completes TLS, then sends server-sent events that never end and hold no JSON-RPC answer.
    EndlessSse,
    /// Completes TLS, then redirects to another host.
    Redirect,
}

fn tls_config(pki: &Pki) -> Arc<rustls::ServerConfig> {
    let certs = pki::load_certs(&pki.path("server.pem")).unwrap();
    let key = pki::load_key(&pki.path("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(pki::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    Arc::new(config)
}

/// Serves every connection until the listener is dropped by `stop`; returns the URL.
fn serve(pki: &Pki, how: Hostile) -> (String, Arc<std::sync::atomic::AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/mcp", listener.local_addr().unwrap());
    let config = tls_config(pki);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
            match listener.accept() {
                Ok((tcp, _)) => {
                    let (config, stopped) = (config.clone(), stopped.clone());
                    std::thread::spawn(move || answer(tcp, config, how, &stopped));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    (url, stop)
}

fn answer(mut tcp: TcpStream, config: Arc<rustls::ServerConfig>, how: Hostile, stop: &std::sync::atomic::AtomicBool) {
    tcp.set_nonblocking(false).unwrap();
    if let Hostile::DropMidHandshake = how {
        let mut hello = [0u8; 512];
        let _ = tcp.read(&mut hello);
        // A ServerHello record header promising 80 bytes, then 5 of them.
        let _ = tcp.write_all(&[0x16, 0x03, 0x03, 0x00, 0x50, 0x02, 0x00, 0x00, 0x4c, 0x03]);
        return;
    }
    let conn = rustls::ServerConnection::new(config).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    // Read the request head (the handshake happens on the way).
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let alive = || !stop.load(std::sync::atomic::Ordering::Relaxed);
    match how {
        Hostile::DropMidHandshake => unreachable!(),
        Hostile::Drip => {
            for b in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}".iter() {
                if !alive() || tls.write_all(&[*b]).and_then(|_| tls.flush()).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        Hostile::Huge => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n";
            let _ = tls.write_all(head);
            let zeros = vec![b' '; 64 * 1024];
            for _ in 0..(1 << 14) {
                if !alive() || tls.write_all(&zeros).is_err() {
                    return;
                }
            }
        }
        Hostile::EndlessSse => {
            let _ = tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
            let event = b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/ping\"}\n\n";
            while alive() && tls.write_all(event).is_ok() {}
        }
        Hostile::Redirect => {
            let _ = tls.write_all(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: https://mcp.attacker.example/mcp\r\nContent-Length: 0\r\n\r\n");
            let _ = tls.flush();
        }
    }
}

/// Probes the hostile server with every credential; returns the control check and how long the probe took.
fn probe(how: Hostile) -> (serde_json::Value, Duration) {
    let pki = Pki::new(ServerCert::Good);
    let (url, stop) = serve(&pki, how);
    let ca_key = pki.path("ca.key").display().to_string();
    let started = Instant::now();
    let (report, code) = probe_with(&url, &pki, &["--ca-key", &ca_key, "--timeout", "2"]);
    let took = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(code, 2, "{how:?}: {report:#}");
    let control = report["checks"][0].clone();
    assert_eq!(control["id"], "mcp-reachable", "{report:#}");
    assert_eq!(control["status"], "error", "{how:?}: {report:#}");
    // Every other check is skipped: nothing can be judged against a server that does not answer MCP.
    for c in report["checks"].as_array().unwrap().iter().skip(1) {
        assert_eq!(c["status"], "skip", "{how:?}: {c:#}");
    }
    (control, took)
}

fn evidence(control: &serde_json::Value) -> String {
    control["evidence"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_server_that_drops_mid_handshake() {
    let (control, took) = probe(Hostile::DropMidHandshake);
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(evidence(&control).contains("handshake"), "{control:#}");
}

#[test]
fn a_server_that_drip_feeds_its_answer() {
    let (control, took) = probe(Hostile::Drip);
    // Two attempts (server/discover, then initialize), each bounded by --timeout 2 however slowly bytes come.
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(evidence(&control).contains("no answer within 2s"), "{control:#}");
}

#[test]
fn a_server_that_sends_a_gigabyte() {
    let (control, took) = probe(Hostile::Huge);
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(evidence(&control).contains("over 1 MiB"), "{control:#}");
}

#[test]
fn a_server_whose_event_stream_never_ends() {
    let (control, took) = probe(Hostile::EndlessSse);
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(evidence(&control).contains("over 1 MiB"), "{control:#}");
}

#[test]
fn a_server_that_redirects_to_another_host() {
    let (control, took) = probe(Hostile::Redirect);
    assert!(took < Duration::from_secs(3), "{took:?}");
    let evidence = evidence(&control);
    assert!(evidence.contains("307") && evidence.contains("https://mcp.attacker.example/mcp"), "{control:#}");
    assert!(evidence.contains(", not followed"), "{control:#}");
}
