//! `probe`: connects to a live MCP endpoint and checks on the wire what the static rules demand, reporting the same
//! rule ids.
pub mod client;
pub mod http;
pub mod legacy;
pub mod pki;

use crate::finding::{Confidence, Finding, Location, Position};
use crate::rule::RuleSet;
use client::{Attempt, McpRequest, Target, attempt};
use pki::Identity;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use x509_parser::prelude::{FromDer, X509Certificate};

const DAY: i64 = 86_400;

/// Every check, in report order.
pub const CHECKS: [&str; 10] = [
    "mcp-reachable",
    "no-client-cert-refused",
    "untrusted-ca-refused",
    "expired-cert-refused",
    "foreign-identity-refused",
    "server-cert-chain",
    "server-cert-expiry",
    "server-cert-name",
    "legacy-tls-refused",
    "cert-rotation",
];

/// What to probe and with which credentials.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// `https://host:port/path` of a Streamable HTTP MCP endpoint.
    pub url: String,
    /// The CA that should issue the server's certificate and the client's (PEM).
    pub ca: PathBuf,
    /// The good client certificate (PEM, leaf first).
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
    /// The CA's private key: mints expired and foreign-identity client certificates.
    pub ca_key: Option<PathBuf>,
    /// The server certificate must have at least this many days left.
    pub min_days: u32,
    /// Time limit of each connection.
    pub timeout: Duration,
    /// The probe's date, Unix seconds.
    pub now: i64,
    /// The server's certificate and key files, which `cert-rotation` replaces and then restores.
    pub rotate: Option<(PathBuf, PathBuf)>,
    /// How long `cert-rotation` waits for the new certificate to be served.
    pub rotate_wait: Duration,
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The server did what the rule demands.
    Pass,
    /// It did not: the rule id is reported.
    Fail,
    /// The check lacked an input or its precondition.
    Skip,
    /// The check could not be judged (timeout, garbage, a failed control).
    Error,
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The check id, e.g. `no-client-cert-refused`.
    pub id: &'static str,
    /// How it ended.
    pub status: Status,
    /// The rule a failure reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// What was seen.
    pub evidence: String,
}

/// Every check of one run, in a fixed order.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    /// The probed URL.
    pub url: String,
    /// The checks.
    pub checks: Vec<Check>,
}

impl ProbeReport {
    /// The failed checks as findings located at the URL, worded by their rules.
    pub fn findings(&self, rules: &RuleSet) -> Vec<Finding> {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .filter_map(|c| {
                let rule = rules.get(c.rule?)?;
                let start = Position { line: 1, column: 1 };
                Some(Finding {
                    rule: rule.meta.id.clone(),
                    severity: rule.meta.severity,
                    confidence: Confidence::High,
                    message: format!("{}: {}", c.id, c.evidence),
                    help: rule.meta.help.trim().to_string(),
                    location: Location {
                        path: self.url.clone(),
                        rel_path: self.url.clone(),
                        start,
                        end: start,
                        bytes: 0..0,
                    },
                    test_code: false,
                    certificate: None,
                    fingerprint: crate::finding::fingerprint(rule.meta.id.as_str(), &self.url, c.id),
                    related: Vec::new(),
                })
            })
            .collect()
    }
}

/// Splits `https://host[:port][/path]`.
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url.strip_prefix("https://").ok_or_else(|| format!("`{url}`: only https:// URLs can be probed"))?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    if authority.contains('@') {
        return Err(format!("`{url}`: credentials in the URL are not sent"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| format!("`{url}`: unclosed `[`"))?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = port.map_or(Ok(443), |p| p.parse::<u16>().map_err(|_| format!("`{url}`: bad port `{p}`")))?;
    if host.is_empty() {
        return Err(format!("`{url}`: no host"));
    }
    Ok((host.to_string(), port, path.to_string()))
}

/// Runs every check. `Err` is a usage problem (URL, unreadable credentials); server behaviour is never an `Err`.
pub async fn probe(opts: &ProbeOptions) -> Result<ProbeReport, String> {
    let (host, port, path) = parse_url(&opts.url)?;
    let target = Target { host, port, path, timeout: opts.timeout };
    let ca_certs = pki::load_certs(&opts.ca)?;
    let good = pki::load_certified_key(&opts.cert, &opts.key)?;
    let identity = Identity::of(&good.cert[0])?;
    let ca_key = match &opts.ca_key {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None => None,
    };
    let ca_pem = std::fs::read_to_string(&opts.ca).map_err(|e| format!("{}: {e}", opts.ca.display()))?;
    let mut checks = Vec::new();

    // The control: without an answered MCP request with the good certificate nothing else means anything.
    let mut control = attempt(&target, Some(good.clone()), McpRequest::Discover).await;
    let mut form = McpRequest::Discover;
    if control.mcp_result().is_none() {
        let legacy = attempt(&target, Some(good.clone()), McpRequest::Initialize).await;
        if legacy.mcp_result().is_some() || control.refused().is_some() {
            (control, form) = (legacy, McpRequest::Initialize);
        }
    }
    let reachable = control.mcp_result().is_some();
    checks.push(Check {
        id: "mcp-reachable",
        status: if reachable { Status::Pass } else { Status::Error },
        rule: None,
        evidence: if reachable {
            format!("{} answered with the good client certificate: {}", form.name(), control.describe())
        } else {
            format!("no MCP answer with the good client certificate: {}", control.describe())
        },
    });
    if !reachable {
        checks
            .extend(CHECKS[1..].iter().map(|id| skip(id, "mcp-reachable did not pass, so nothing else can be judged")));
        return Ok(ProbeReport { url: opts.url.clone(), checks });
    }

    let none = attempt(&target, None, form).await;
    let asked = if none.cert_requested { "asked for a certificate" } else { "never asked for a certificate" };
    checks.push(tls_refusal(
        "no-client-cert-refused",
        &none,
        &format!("without a client certificate (the server {asked})"),
    ));

    let rogue = pki::rogue(&identity, opts.now - DAY, opts.now + DAY)?;
    let rogue_try = attempt(&target, Some(rogue), form).await;
    checks.push(tls_refusal("untrusted-ca-refused", &rogue_try, "with the same identity from a rogue CA"));

    match &ca_key {
        None => {
            for id in ["expired-cert-refused", "foreign-identity-refused"] {
                checks.push(skip(id, "needs --ca-key to mint client certificates from the real CA"));
            }
        }
        Some(key) => {
            let expired = pki::from_ca(&ca_pem, key, &identity, opts.now - 30 * DAY, opts.now - DAY)?;
            let expired_try = attempt(&target, Some(expired), form).await;
            checks.push(tls_refusal(
                "expired-cert-refused",
                &expired_try,
                "with the same identity from the real CA, expired yesterday",
            ));
            let foreign = identity.foreign(opts.now as u64 ^ u64::from(std::process::id()));
            let foreign_id = foreign.uris[0].clone();
            let cert = pki::from_ca(&ca_pem, key, &foreign, opts.now - DAY, opts.now + DAY)?;
            let foreign_try = attempt(&target, Some(cert), form).await;
            checks.push(identity_refusal(&foreign_try, &foreign_id));
        }
    }

    checks.extend(server_cert_checks(&control.chain, &ca_certs, &target.host, opts));
    checks.push(legacy_tls(&target).await);
    checks.push(match (&opts.rotate, &ca_key) {
        (Some(files), Some(key)) => rotation(&target, &good, &control.chain, files, &ca_pem, key, opts, form).await,
        (None, _) => skip("cert-rotation", "needs --rotate CERT_FILE,KEY_FILE (the server's files) and --ca-key"),
        (Some(_), None) => skip("cert-rotation", "needs --ca-key to mint the replacement server certificate"),
    });
    Ok(ProbeReport { url: opts.url.clone(), checks })
}

fn skip(id: &'static str, why: &str) -> Check {
    Check { id, status: Status::Skip, rule: None, evidence: why.to_string() }
}

/// The serial number as an integer (big-endian magnitude, leading zeros dropped), for comparison.
fn serial_of(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let (_, x) = X509Certificate::from_der(cert).ok()?;
    let raw = x.raw_serial();
    Some(raw[raw.iter().position(|b| *b != 0).unwrap_or(raw.len())..].to_vec())
}

/// Restores files to their original bytes when dropped, whatever happened in between.
struct Restore(Vec<(PathBuf, Vec<u8>)>);

impl Drop for Restore {
    fn drop(&mut self) {
        for (path, bytes) in &self.0 {
            let _ = replace_atomically(path, bytes);
        }
    }
}

/// Writes a sibling temporary file and renames it over `path`, so a reader sees the old or the new file.
fn replace_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.mcp-tls-audit-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Mints a new server certificate (same identity, real CA), swaps it into the server's files, and waits for a
/// new connection to be served the new serial; the original files are restored byte for byte afterwards.
#[allow(clippy::too_many_arguments)]
async fn rotation(
    target: &Target,
    good: &Arc<rustls::sign::CertifiedKey>,
    served: &[CertificateDer<'static>],
    (cert_path, key_path): &(PathBuf, PathBuf),
    ca_pem: &str,
    ca_key: &str,
    opts: &ProbeOptions,
    form: McpRequest,
) -> Check {
    let id = "cert-rotation";
    let err = |evidence: String| Check { id, status: Status::Error, rule: None, evidence };
    let (Some(leaf), Some(old_serial)) = (served.first(), served.first().and_then(serial_of)) else {
        return err("the server presented no readable certificate".into());
    };
    let originals = match (std::fs::read(cert_path), std::fs::read(key_path)) {
        (Ok(c), Ok(k)) => vec![(cert_path.clone(), c), (key_path.clone(), k)],
        (Err(e), _) => return err(format!("{}: {e}", cert_path.display())),
        (_, Err(e)) => return err(format!("{}: {e}", key_path.display())),
    };
    if pki::load_certs(cert_path).ok().and_then(|c| c.first().and_then(serial_of)) != Some(old_serial.clone()) {
        return err(format!("{} is not the certificate the server presents", cert_path.display()));
    }
    let identity = match Identity::of(leaf) {
        Ok(i) => i,
        Err(e) => return err(e),
    };
    let (cert_pem, key_pem) = match pki::mint_server_pem(ca_pem, ca_key, &identity, opts.now - DAY, opts.now + 30 * DAY)
    {
        Ok(pair) => pair,
        Err(e) => return err(e),
    };
    let _restore = Restore(originals);
    if let Err(e) =
        replace_atomically(key_path, key_pem.as_bytes()).and(replace_atomically(cert_path, cert_pem.as_bytes()))
    {
        return err(format!("replacing the server's files: {e}"));
    }
    let new_serial = pki::load_certs(cert_path).ok().and_then(|c| c.first().and_then(serial_of));
    let started = tokio::time::Instant::now();
    let mut last = String::new();
    while started.elapsed() < opts.rotate_wait {
        let a = attempt(target, Some(good.clone()), form).await;
        let serial = a.chain.first().and_then(serial_of);
        if serial.is_some() && serial == new_serial {
            let evidence = format!(
                "a new connection was served the new certificate after {:.1} s",
                started.elapsed().as_secs_f64()
            );
            return Check { id, status: Status::Pass, rule: None, evidence };
        }
        last = a.describe();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let evidence = format!(
        "the server still presented the old certificate {:?} after the files were replaced ({last})",
        opts.rotate_wait
    );
    Check { id, status: Status::Fail, rule: Some("no-cert-rotation"), evidence }
}

/// The rule a served client breaks: a server that never asks for a certificate cannot refuse a bad one.
fn client_auth_rule(a: &Attempt) -> &'static str {
    if a.cert_requested { "client-cert-not-enforced" } else { "client-cert-not-requested" }
}

/// A client certificate that must be refused in TLS: any HTTP answer, 401 and 403 included, fails.
fn tls_refusal(id: &'static str, a: &Attempt, what: &str) -> Check {
    let rule = client_auth_rule(a);
    let evidence = format!("{what}: {}", a.describe());
    let status = match (a.refused(), a.status(), a.timed_out) {
        (_, _, true) => Status::Error,
        (Some(_), _, _) => Status::Pass,
        (None, Some(_), _) => Status::Fail,
        (None, None, _) => Status::Error,
    };
    Check { id, status, rule: (status == Status::Fail).then_some(rule), evidence }
}

/// A valid certificate for an identity no allowlist holds: a TLS refusal, 401 or 403 passes; a 2xx fails.
fn identity_refusal(a: &Attempt, id: &str) -> Check {
    let evidence = format!("with `{id}` from the real CA: {}", a.describe());
    let status = match (a.refused(), a.status(), a.timed_out) {
        (_, _, true) => Status::Error,
        (Some(_), _, _) | (None, Some(401 | 403), _) => Status::Pass,
        (None, Some(200..=299), _) => Status::Fail,
        _ => Status::Error,
    };
    let rule = if a.cert_requested { "peer-identity-unchecked" } else { client_auth_rule(a) };
    Check { id: "foreign-identity-refused", status, rule: (status == Status::Fail).then_some(rule), evidence }
}

/// Judges the served chain: trust (against `--ca`), time left, and name, each on its own.
fn server_cert_checks(
    chain: &[CertificateDer<'static>],
    ca: &[CertificateDer<'static>],
    host: &str,
    opts: &ProbeOptions,
) -> Vec<Check> {
    let Some(leaf) = chain.first() else {
        let evidence = "the server presented no certificate".to_string();
        return ["server-cert-chain", "server-cert-expiry", "server-cert-name"]
            .into_iter()
            .map(|id| Check { id, status: Status::Error, rule: None, evidence: evidence.clone() })
            .collect();
    };
    let parsed = X509Certificate::from_der(leaf).map(|(_, c)| c);
    let Ok(cert) = parsed else {
        let evidence = "the server's certificate does not parse".to_string();
        return ["server-cert-chain", "server-cert-expiry", "server-cert-name"]
            .into_iter()
            .map(|id| Check { id, status: Status::Error, rule: None, evidence: evidence.clone() })
            .collect();
    };
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let subject = cert.subject().to_string();

    // Trust: verified at a moment inside the certificate's validity, so expiry is judged only by its own check;
    // a name mismatch is judged only by its own check too.
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(ca.iter().cloned());
    let chain_check =
        match rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), pki::provider()).build() {
            Ok(verifier) if added > 0 => {
                let name = ServerName::try_from(host.to_string())
                    .unwrap_or_else(|_| ServerName::try_from("invalid").expect("valid"));
                let mid = UnixTime::since_unix_epoch(Duration::from_secs(((not_before + not_after) / 2).max(0) as u64));
                use rustls::client::danger::ServerCertVerifier;
                match verifier.verify_server_cert(leaf, &chain[1..], &name, &[], mid) {
                    Ok(_) => (Status::Pass, format!("`{subject}` chains to --ca")),
                    Err(rustls::Error::InvalidCertificate(
                        rustls::CertificateError::NotValidForName
                        | rustls::CertificateError::NotValidForNameContext { .. },
                    )) => (Status::Pass, format!("`{subject}` chains to --ca")),
                    Err(e) => (Status::Fail, format!("`{subject}` does not chain to --ca: {e}")),
                }
            }
            _ => (Status::Error, "--ca holds no usable CA certificate".to_string()),
        };
    let days_left = (not_after - opts.now).div_euclid(DAY);
    let expiry = if not_after < opts.now {
        (Status::Fail, Some("cert-expired"), format!("`{subject}` expired {} days ago", -days_left))
    } else if days_left < i64::from(opts.min_days) {
        (
            Status::Fail,
            Some("cert-expiring-soon"),
            format!("`{subject}` has {days_left} days left (--min-days {})", opts.min_days),
        )
    } else {
        (Status::Pass, None, format!("`{subject}` has {days_left} days left"))
    };
    let (names, name_ok) = san_covers(&Identity::of(leaf).unwrap_or_default(), host);
    let name = if name_ok {
        (Status::Pass, format!("subjectAltName covers `{host}`"))
    } else {
        (Status::Fail, format!("subjectAltName [{}] does not cover `{host}`", names.join(", ")))
    };
    vec![
        Check {
            id: "server-cert-chain",
            status: chain_check.0,
            rule: (chain_check.0 == Status::Fail).then_some("ca-not-pinned"),
            evidence: chain_check.1,
        },
        Check { id: "server-cert-expiry", status: expiry.0, rule: expiry.1, evidence: expiry.2 },
        Check {
            id: "server-cert-name",
            status: name.0,
            rule: (name.0 == Status::Fail).then_some("server-name-mismatch"),
            evidence: name.1,
        },
    ]
}

/// Whether a DNS (one-label wildcards too) or IP subjectAltName of `id` covers `host`; also returns the names.
fn san_covers(id: &Identity, host: &str) -> (Vec<String>, bool) {
    let ip: Option<std::net::IpAddr> = host.parse().ok();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let dns = id.dns.iter().map(|d| d.trim_end_matches('.').to_ascii_lowercase());
    let dns_ok = |d: &str| {
        let wildcard = d
            .strip_prefix("*.")
            .is_some_and(|rest| host.split_once('.').is_some_and(|(label, tail)| !label.is_empty() && tail == rest));
        ip.is_none() && (d == host || wildcard)
    };
    let ok = dns.clone().any(|d| dns_ok(&d)) || id.ips.iter().any(|a| Some(*a) == ip);
    let names = dns.map(|d| format!("DNS:{d}")).chain(id.ips.iter().map(|a| format!("IP:{a}"))).collect();
    (names, ok)
}

/// Sends TLS 1.0 and 1.1 ClientHellos; a ServerHello with either version fails.
async fn legacy_tls(target: &Target) -> Check {
    let mut seen = Vec::new();
    for version in [0x0301u16, 0x0302] {
        let name = legacy::version_name(version);
        let exchange = async {
            let mut tcp = tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await?;
            let random: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
            tcp.write_all(&legacy::client_hello(version, &target.host, random)).await?;
            let mut buf = [0u8; 64];
            let mut got = 0;
            // Enough for a record header and the start of a ServerHello or an alert.
            while got < 11 {
                match tcp.read(&mut buf[got..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got += n,
                }
            }
            Ok::<_, std::io::Error>(buf[..got].to_vec())
        };
        let answer = match tokio::time::timeout(target.timeout, exchange).await {
            Ok(Ok(bytes)) => legacy::read_answer(&bytes),
            Ok(Err(e)) => {
                return Check {
                    id: "legacy-tls-refused",
                    status: Status::Error,
                    rule: None,
                    evidence: format!("{name}: {e}"),
                };
            }
            Err(_) => {
                let evidence = format!("{name}: no answer within {:?}", target.timeout);
                return Check { id: "legacy-tls-refused", status: Status::Error, rule: None, evidence };
            }
        };
        match answer {
            legacy::Answer::Accepted(v) if v <= 0x0302 => {
                let evidence = format!("a {name} ClientHello got a ServerHello for {}", legacy::version_name(v));
                return Check {
                    id: "legacy-tls-refused",
                    status: Status::Fail,
                    rule: Some("insecure-tls-version"),
                    evidence,
                };
            }
            legacy::Answer::Other(what) => {
                let evidence = format!("{name}: the server answered with {what}");
                return Check { id: "legacy-tls-refused", status: Status::Error, rule: None, evidence };
            }
            legacy::Answer::Accepted(v) => seen.push(format!("{name}: ServerHello for {}", legacy::version_name(v))),
            legacy::Answer::Alert(_, desc) => seen.push(format!("{name}: {}", legacy::alert_name(desc))),
            legacy::Answer::Closed => seen.push(format!("{name}: closed")),
        }
    }
    Check {
        id: "legacy-tls-refused",
        status: Status::Pass,
        rule: None,
        evidence: format!("refused ({})", seen.join("; ")),
    }
}
