//! `probe` against the mock server's profiles (started as child processes on 127.0.0.1 and stopped by PID): each
//! profile makes the probe report exactly its rule, and `secure` passes every check.
use crate::support::run;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, SanType};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CLIENT_ID: &str = "spiffe://example.org/ns/mcp/sa/client";
const DAY: i64 = 86_400;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn at(offset_days: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(now() + offset_days * DAY).unwrap()
}

/// What the server certificate looks like.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ServerCert {
    Good,
    Expired,
    ExpiringSoon,
    WrongName,
    RogueCa,
}

/// A CA, a server certificate and a client certificate in a temporary folder, laid out as `mock-server --certs`
/// wants (`ca.pem`, `server.pem`, `server.key`), with `client.pem`, `client.key` and `ca.key` beside them.
pub(crate) struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    pub(crate) fn new(server: ServerCert) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca_params = |cn: &str| {
            let mut p = CertificateParams::default();
            p.distinguished_name.push(DnType::CommonName, cn);
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p.not_before = at(-30);
            p.not_after = at(3650);
            p
        };
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params("Test MCP CA").self_signed(&ca_key).unwrap();
        let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
        write("ca.pem", ca_cert.pem());
        write("ca.key", ca_key.serialize_pem());
        let issuer = Issuer::new(ca_params("Test MCP CA"), ca_key);
        let rogue_issuer = Issuer::new(ca_params("Rogue CA"), KeyPair::generate().unwrap());
        let leaf = |sans: Vec<SanType>, eku: ExtendedKeyUsagePurpose, from: i64, to: i64, rogue: bool| {
            let mut p = CertificateParams::default();
            p.distinguished_name.push(DnType::CommonName, "test");
            p.subject_alt_names = sans;
            p.extended_key_usages = vec![eku];
            p.not_before = at(from);
            p.not_after = at(to);
            let key = KeyPair::generate().unwrap();
            let cert = p.signed_by(&key, if rogue { &rogue_issuer } else { &issuer }).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let server_sans = match server {
            ServerCert::WrongName => vec![SanType::DnsName("mcp.elsewhere.example".try_into().unwrap())],
            _ => vec![
                SanType::DnsName("localhost".try_into().unwrap()),
                SanType::IpAddress("127.0.0.1".parse().unwrap()),
            ],
        };
        let (from, to) = match server {
            ServerCert::Expired => (-60, -1),
            ServerCert::ExpiringSoon => (-60, 5),
            _ => (-1, 90),
        };
        let (cert, key) =
            leaf(server_sans, ExtendedKeyUsagePurpose::ServerAuth, from, to, server == ServerCert::RogueCa);
        write("server.pem", cert);
        write("server.key", key);
        let client_sans = vec![SanType::URI(CLIENT_ID.try_into().unwrap())];
        let (cert, key) = leaf(client_sans, ExtendedKeyUsagePurpose::ClientAuth, -1, 90, false);
        write("client.pem", cert);
        write("client.key", key);
        Pki { dir }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A server child process (the mock, or a Node fixture) that printed its URL first; killed by PID when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn spawn(mut cmd: Command, what: &str) -> Self {
        let mut child =
            cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} printed no address within 20 s");
        };
        let url = line.trim().to_string();
        assert!(url.starts_with("https://127.0.0.1:"), "{what}: first line {url:?}");
        Server { child, url }
    }

    fn mock(profile: &str, certs: &Path) -> Self {
        Self::mock_with(profile, certs, &[])
    }

    fn mock_with(profile: &str, certs: &Path, extra: &[&str]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-tls-audit"));
        cmd.args(["mock-server", "--profile", profile, "--allow-id", CLIENT_ID, "--certs"]).arg(certs).args(extra);
        Self::spawn(cmd, &format!("mock-server --profile {profile}"))
    }

    /// `node fixtures/runtime/NAME/server.mjs`, reading its certificates from `certs`.
    fn node(name: &str, certs: &Path) -> Self {
        let script = crate::support::root().join("fixtures/runtime").join(name).join("server.mjs");
        let mut cmd = Command::new("node");
        cmd.arg(&script).env("CERT_DIR", certs).env("ALLOW_ID", CLIENT_ID);
        Self::spawn(cmd, &format!("node {} (node is needed; .ci/run installs it)", script.display()))
    }

    fn port(&self) -> &str {
        self.url.rsplit(':').next().unwrap().trim_end_matches("/mcp")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Probes `url` with the good client certificate and `extra` arguments; returns the JSON report and the exit code.
pub(crate) fn probe_with(url: &str, pki: &Pki, extra: &[&str]) -> (Value, i32) {
    let path = |n: &str| pki.path(n).display().to_string();
    let mut args = vec!["probe".to_string(), url.to_string(), "--format".into(), "json".into()];
    for (flag, file) in [("--ca", "ca.pem"), ("--cert", "client.pem"), ("--key", "client.key")] {
        args.extend([flag.to_string(), path(file)]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let out = run(args);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    (serde_json::from_str(&out.stdout).unwrap(), out.code)
}

/// Probes with every credential, `--ca-key` and `--rotate` included; checks the server's files are restored.
fn probe(url: &str, pki: &Pki) -> (Value, i32) {
    let (cert, key) = (pki.path("server.pem"), pki.path("server.key"));
    let before = (std::fs::read(&cert).unwrap(), std::fs::read(&key).unwrap());
    let rotate = format!("{},{}", cert.display(), key.display());
    let ca_key = pki.path("ca.key").display().to_string();
    let out = probe_with(url, pki, &["--ca-key", &ca_key, "--rotate", &rotate, "--rotate-wait", "2", "--timeout", "5"]);
    assert_eq!((std::fs::read(&cert).unwrap(), std::fs::read(&key).unwrap()), before, "files restored byte for byte");
    out
}

fn failed_rules(report: &Value) -> BTreeSet<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["rule"].as_str().unwrap().to_string())
        .collect()
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["status"].as_str().unwrap().to_string()))
        .collect()
}

/// Every rule with a `probe` section has a server above that makes the probe report it: a mock profile, a
/// server certificate fault, or a Node fixture.
#[test]
fn every_runtime_checkable_rule_has_a_server_that_breaks_it() {
    let covered = BTreeSet::from([
        "client-cert-not-requested",
        "client-cert-not-enforced",
        "peer-identity-unchecked",
        "no-cert-rotation",
        "cert-expired",
        "cert-expiring-soon",
        "server-name-mismatch",
        "ca-not-pinned",
        "insecure-tls-version",
    ]);
    let rules = mcp_tls_audit::rule::RuleSet::load(&[] as &[&str]).unwrap();
    let declared: BTreeSet<&str> =
        rules.rules.iter().filter(|r| r.meta.probe.is_some()).map(|r| r.meta.id.as_str()).collect();
    assert_eq!(declared, covered);
}

#[test]
fn each_mock_profile_breaks_exactly_its_rule() {
    let pki = Pki::new(ServerCert::Good);
    let cases = [
        ("secure", None),
        ("one-way", Some("client-cert-not-requested")),
        ("optional-client-cert", Some("client-cert-not-enforced")),
        ("any-client-cert", Some("client-cert-not-enforced")),
        ("no-identity-check", Some("peer-identity-unchecked")),
        ("no-rotation", Some("no-cert-rotation")),
    ];
    for (profile, rule) in cases {
        let mock = Server::mock(profile, pki.dir.path());
        let (report, code) = probe(&mock.url, &pki);
        let want: BTreeSet<String> = rule.into_iter().map(str::to_string).collect();
        assert_eq!(failed_rules(&report), want, "{profile}: {report:#}");
        assert_eq!(code, if rule.is_some() { 1 } else { 0 }, "{profile}");
        let not_passed: Vec<_> = statuses(&report).into_iter().filter(|(_, s)| s != "pass" && s != "fail").collect();
        assert!(not_passed.is_empty(), "{profile}: {not_passed:?}");
        // Findings carry the rule's severity and point at the URL.
        for f in report["findings"].as_array().unwrap() {
            assert_eq!(f["path"], mock.url.as_str());
        }
    }
}

#[test]
fn server_certificate_faults_are_reported_with_their_rules() {
    for (server, rule) in [
        (ServerCert::Expired, "cert-expired"),
        (ServerCert::ExpiringSoon, "cert-expiring-soon"),
        (ServerCert::WrongName, "server-name-mismatch"),
        (ServerCert::RogueCa, "ca-not-pinned"),
    ] {
        let pki = Pki::new(server);
        let mock = Server::mock("secure", pki.dir.path());
        let (report, code) = probe(&mock.url, &pki);
        assert_eq!(failed_rules(&report), BTreeSet::from([rule.to_string()]), "{server:?}: {report:#}");
        assert_eq!(code, 1);
    }
    // The same faults minted by the mock itself (`--server-profile`), for testing MCP clients against.
    let pki = Pki::new(ServerCert::Good);
    for (profile, rule) in
        [("expired", "cert-expired"), ("wrong-name", "server-name-mismatch"), ("rogue-ca", "ca-not-pinned")]
    {
        let mock = Server::mock_with("secure", pki.dir.path(), &["--server-profile", profile]);
        let (report, _) = probe_with(&mock.url, &pki, &[]);
        assert_eq!(failed_rules(&report), BTreeSet::from([rule.to_string()]), "--server-profile {profile}: {report:#}");
    }
}

#[test]
fn legacy_initialize_over_sse_is_understood_and_the_probe_names_the_form() {
    let pki = Pki::new(ServerCert::Good);
    let mock = Server::mock("secure", pki.dir.path());
    let (report, _) = probe(&mock.url, &pki);
    let control = &report["checks"][0];
    assert_eq!(control["id"], "mcp-reachable");
    assert!(control["evidence"].as_str().unwrap().contains("server/discover"), "{control}");
    // A 2025-11-25 server refuses server/discover; the probe falls back to initialize, answered as SSE.
    let legacy = Server::mock_with("optional-client-cert", pki.dir.path(), &["--legacy-only"]);
    let (report, code) = probe(&legacy.url, &pki);
    let evidence = report["checks"][0]["evidence"].as_str().unwrap();
    assert!(evidence.contains("initialize (legacy)") && evidence.contains("SSE"), "{evidence}");
    assert_eq!((failed_rules(&report), code), (BTreeSet::from(["client-cert-not-enforced".to_string()]), 1));
    // A URL the mock does not serve answers 404: no MCP answer, so nothing is judged and the run exits 2.
    let (report, code) = probe(&format!("{}-not-here", mock.url), &pki);
    assert_eq!(code, 2);
    assert_eq!(report["checks"][0]["status"], "error");
    assert!(statuses(&report)[1..].iter().all(|(_, s)| s == "skip"), "{report:#}");
}

#[test]
fn a_silent_or_garbage_server_gives_errors_within_the_time_limit() {
    let pki = Pki::new(ServerCert::Good);
    for garbage in [false, true] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}/mcp", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let mut held = Vec::new();
            listener.set_nonblocking(false).unwrap();
            for _ in 0..2 {
                let Ok((mut s, _)) = listener.accept() else { break };
                if garbage {
                    use std::io::Write;
                    let _ = s.write_all(b"220 smtp.example ESMTP ready\r\n");
                }
                held.push(s);
            }
            std::thread::sleep(Duration::from_secs(3));
        });
        let started = std::time::Instant::now();
        let (report, code) = probe_with(&url, &pki, &["--timeout", "1"]);
        assert_eq!(code, 2, "{report:#}");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(report["checks"][0]["status"], "error", "{report:#}");
        server.join().unwrap();
    }
}

fn scanned_rules(dir: &Path) -> BTreeSet<String> {
    let out = run(["scan".as_ref(), dir.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

/// `openssl s_client` as an independent client: whether the server sent a CertificateRequest, and whether a TLS
/// 1.0 handshake (with the good client certificate) completes.
fn openssl_view(server: &Server, pki: &Pki) -> (bool, bool) {
    let s_client = |extra: &[&str]| {
        let out = Command::new("openssl")
            .args(["s_client", "-connect", &format!("127.0.0.1:{}", server.port()), "-CAfile"])
            .arg(pki.path("ca.pem"))
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .expect("openssl is needed; .ci/run installs it");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    let plain = s_client(&[]);
    let requested = plain.contains("Acceptable client certificate CA names");
    assert!(requested || plain.contains("No client certificate CA names sent"), "{plain}");
    let (cert, key) = (pki.path("client.pem").display().to_string(), pki.path("client.key").display().to_string());
    let legacy = s_client(&["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0", "-cert", &cert, "-key", &key]);
    // OpenSSL 3 prints `New, TLSv1.0, Cipher is ...`; 1.1 printed `New, TLSv1, ...`.
    let tls10 = legacy.contains("New, TLSv1.0,") || legacy.contains("New, TLSv1,");
    (requested, tls10)
}

/// The seed article's servers and friends, in plain `node:https`: `scan` and `probe` must report the same rule
/// ids for each, and openssl must see the same CertificateRequest and TLS 1.0 behaviour as the probe.
#[test]
fn node_servers_get_the_same_rules_from_scan_and_probe() {
    let cases: [(&str, &[&str]); 6] = [
        ("correct", &[]),
        ("correct-tls12", &[]),
        ("wrong-not-enforced", &["client-cert-not-enforced"]),
        ("one-way", &["client-cert-not-requested"]),
        ("no-rotation", &["no-cert-rotation"]),
        ("tls10", &["insecure-tls-version"]),
    ];
    for (name, want) in cases {
        let want: BTreeSet<String> = want.iter().map(|r| r.to_string()).collect();
        let fixture = crate::support::root().join("fixtures/runtime").join(name);
        assert_eq!(scanned_rules(&fixture), want, "{name}: scan");
        let pki = Pki::new(ServerCert::Good);
        let server = Server::node(name, pki.dir.path());
        let (report, _) = probe(&server.url, &pki);
        assert_eq!(failed_rules(&report), want, "{name}: probe\n{report:#}");
        let (requested, tls10) = openssl_view(&server, &pki);
        let evidence = report["checks"][1]["evidence"].as_str().unwrap();
        assert_eq!(evidence.contains("the server asked for a certificate"), requested, "{name}: {evidence}");
        let check = |id: &str| report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone();
        if name == "correct-tls12" {
            // Node ends a TLS 1.2 handshake with an untrusted client certificate by closing, with no alert.
            let rogue = check("untrusted-ca-refused");
            assert!(rogue["evidence"].as_str().unwrap().contains("handshake failed: tls handshake eof"), "{rogue}");
        }
        let legacy = check("legacy-tls-refused");
        assert_eq!(legacy["status"] == "fail", tls10, "{name}: {legacy}");
    }
}

#[test]
fn probe_reports_in_text_and_valid_sarif() {
    let pki = Pki::new(ServerCert::Good);
    let server = Server::mock("one-way", pki.dir.path());
    let path = |n: &str| pki.path(n).display().to_string();
    let args = |format: &str| {
        let mut a = vec!["probe".to_string(), server.url.clone(), "--format".into(), format.into()];
        for (flag, file) in [("--ca", "ca.pem"), ("--cert", "client.pem"), ("--key", "client.key")] {
            a.extend([flag.to_string(), path(file)]);
        }
        a
    };
    let sarif = run(args("sarif"));
    assert_eq!(sarif.code, 1);
    let doc: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let errors = crate::support::sarif_errors(&doc);
    assert!(errors.is_empty(), "SARIF schema errors:\n{}", errors.join("\n"));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["ruleId"], "client-cert-not-requested");
        assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], server.url.as_str());
    }
    let text = run(args("text"));
    assert!(text.stdout.starts_with(&format!("Probe of {}\n", server.url)), "{}", text.stdout);
    assert!(text.stdout.contains("no-client-cert-refused    FAIL    client-cert-not-requested"), "{}", text.stdout);
    // Without --ca-key the checks that mint from the real CA are skipped, with the reason.
    assert!(text.stdout.contains("expired-cert-refused      skip") && text.stdout.contains("needs --ca-key"));
}

/// `scan --probe-report` folds a saved probe report into the grade: the static finding the probe confirmed
/// weighs 1.5 times, and is not counted twice.
#[test]
fn scan_grades_with_a_probe_report() {
    let pki = Pki::new(ServerCert::Good);
    let server = Server::mock("one-way", pki.dir.path());
    let (report, _) = probe_with(&server.url, &pki, &[]);
    let saved = pki.path("probe.json");
    std::fs::write(&saved, report.to_string()).unwrap();
    let fixture = crate::support::root().join("fixtures/runtime/one-way");
    let scan = |extra: &[&std::ffi::OsStr]| -> Value {
        let mut args: Vec<&std::ffi::OsStr> =
            vec!["scan".as_ref(), fixture.as_os_str(), "--format".as_ref(), "json".as_ref()];
        args.extend_from_slice(extra);
        serde_json::from_str(&run(args).stdout).unwrap()
    };
    let alone = scan(&[]);
    let combined = scan(&["--probe-report".as_ref(), saved.as_os_str()]);
    assert_eq!(alone["grade"]["score"], 97, "{alone:#}");
    assert_eq!(combined["grade"]["score"], 96, "{combined:#}");
    let deductions = combined["grade"]["deductions"].as_array().unwrap();
    assert_eq!(deductions.len(), 1, "{combined:#}");
    assert_eq!(deductions[0]["runtime"], true);
    let broken = run(["scan".as_ref(), fixture.as_os_str(), "--probe-report".as_ref(), pki.path("ca.pem").as_os_str()]);
    assert_eq!(broken.code, 2);
    assert!(broken.stderr.contains("not a `probe --format json` report"), "{}", broken.stderr);
}
