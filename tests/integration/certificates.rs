//! Certificate and key files minted at test time (see `mint.rs`): locations, identities, severities, dates, and
//! bad input.
use crate::mint::{self, NOW};
use crate::support::run;
use mcp_tls_audit::rule::model::CertSpec;
use serde_json::Value;
use std::path::Path;

const CERT_RULES: &str = "cert-expired,cert-expiring-soon,cert-not-yet-valid,cert-weak-key,cert-weak-signature,\
cert-leaf-is-ca,cert-missing-san,spiffe-id-malformed,client-cert-missing-client-auth,private-key-committed";

fn spec(yaml: &str) -> CertSpec {
    yaml_serde::from_str(yaml).unwrap()
}

fn scan_json(path: &Path, extra: &[&str]) -> (Value, String, i32) {
    let mut args = vec!["scan", path.to_str().unwrap(), "--now", NOW, "--format", "json", "--select", CERT_RULES];
    args.extend_from_slice(extra);
    let out = run(args);
    (serde_json::from_str(&out.stdout).unwrap(), out.stderr, out.code)
}

fn rules_and_lines(doc: &Value) -> Vec<(String, String, u64)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = Path::new(f["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().to_string();
            (name, f["rule"].as_str().unwrap().to_string(), f["start"]["line"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn a_sound_chain_stays_clean_in_every_form() {
    let dir = tempfile::tempdir().unwrap();
    let chain = mint::good_chain();
    std::fs::write(dir.path().join("chain.pem"), &chain).unwrap();
    let indented: String = chain.lines().map(|l| format!("    {l}\n")).collect();
    std::fs::write(dir.path().join("secret.yaml"), format!("data:\n  ca.crt: |\n{indented}")).unwrap();
    std::fs::write(dir.path().join("bundle.json"), serde_json::json!({ "ca": chain }).to_string()).unwrap();
    let (doc, stderr, code) = scan_json(dir.path(), &[]);
    assert_eq!(doc["findings"], serde_json::json!([]), "{stderr}");
    assert_eq!((stderr.as_str(), code), ("", 0));
}

#[test]
fn each_bad_certificate_is_reported_at_its_begin_line_with_subject_and_serial() {
    let dir = tempfile::tempdir().unwrap();
    let bad = [
        "{not-after-days: -10}",
        "{not-after-days: 3}",
        "{key: rsa-1024}",
        "{signature: sha1}",
        "{ca: true, eku: [server-auth]}",
        "{san: []}",
        "{san: ['uri:spiffe://example.org/ns//mcp']}",
        "{file: client.pem, eku: [server-auth]}",
    ];
    // One bundle (blank line between blocks) plus a good chain: each bad block is found at its own line.
    let mut bundle = String::new();
    let mut begin_lines = Vec::new();
    for yaml in bad {
        let (_, bytes) = mint::mint(&spec(yaml));
        begin_lines.push(bundle.lines().count() as u64 + 1);
        bundle.push_str(std::str::from_utf8(&bytes).unwrap());
        bundle.push('\n');
    }
    std::fs::write(dir.path().join("bundle.pem"), &bundle).unwrap();
    let (doc, stderr, _) = scan_json(dir.path(), &[]);
    assert_eq!(stderr, "");
    let got = rules_and_lines(&doc);
    let want: Vec<(&str, u64)> = vec![
        ("cert-expired", begin_lines[0]),
        ("cert-expiring-soon", begin_lines[1]),
        ("cert-weak-key", begin_lines[2]),
        ("cert-weak-signature", begin_lines[3]),
        ("cert-leaf-is-ca", begin_lines[4]),
        ("cert-missing-san", begin_lines[5]),
        ("spiffe-id-malformed", begin_lines[6]),
    ];
    for (rule, line) in &want {
        assert!(got.iter().any(|(_, r, l)| r == rule && l == line), "{rule} at {line}: {got:?}");
    }
    assert_eq!(got.len(), want.len(), "{got:?}");
    for f in doc["findings"].as_array().unwrap() {
        let cert = &f["certificate"];
        assert!(cert["subject"].as_str().unwrap().starts_with("CN="), "{f}");
        assert!(f["message"].as_str().unwrap().contains(cert["serial"].as_str().unwrap()), "{f}");
        assert!(cert["not_after"].as_str().unwrap().ends_with('Z'), "{f}");
    }
    // The client certificate is known by its file name.
    mint::write(dir.path(), &spec(bad[7]));
    let (doc, _, _) = scan_json(&dir.path().join("client.pem"), &[]);
    assert_eq!(rules_and_lines(&doc), vec![("client.pem".into(), "client-cert-missing-client-auth".into(), 1)]);
}

#[test]
fn min_days_and_now_move_the_expiry_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = mint::write(dir.path(), &spec("{not-after-days: 40}"));
    let rules = |extra: &[&str]| -> Vec<String> {
        rules_and_lines(&scan_json(&path, extra).0).into_iter().map(|(_, r, _)| r).collect()
    };
    assert!(rules(&[]).is_empty());
    assert_eq!(rules(&["--min-days", "45"]), ["cert-expiring-soon"]);
    let out = run(["scan", path.to_str().unwrap(), "--now", "2027-01-01", "--select", "cert-expired"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let bad = run(["scan", path.to_str().unwrap(), "--now", "tomorrow"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("`tomorrow` is neither an RFC 3339 time"), "{}", bad.stderr);
}

#[test]
fn der_fingerprints_do_not_change_with_the_days_to_expiry() {
    // A DER file has no source line: the fingerprint once fell back to the message, which counts the days.
    let dir = tempfile::tempdir().unwrap();
    let path = mint::write(dir.path(), &spec("{file: expired.der, not-after-days: -5}"));
    let fingerprint = |now: &str| {
        let out = run(["scan", path.to_str().unwrap(), "--now", now, "--format", "json", "--select", "cert-expired"]);
        let doc: Value = serde_json::from_str(&out.stdout).unwrap();
        let f = &doc["findings"][0];
        (f["message"].as_str().unwrap().to_string(), f["fingerprint"].as_str().unwrap().to_string())
    };
    let (day1, day2) = (fingerprint(NOW), fingerprint("2026-06-02"));
    assert_ne!(day1.0, day2.0, "the message counts the days");
    assert_eq!(day1.1, day2.1, "the fingerprint does not");
}

#[test]
fn private_keys_weigh_less_when_encrypted_or_in_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    mint::write(dir.path(), &spec("{file: deploy/server.key, private-key: pkcs8}"));
    mint::write(dir.path(), &spec("{file: deploy/client.key, private-key: encrypted-pkcs8}"));
    mint::write(dir.path(), &spec("{file: deploy/rsa.key, key: rsa-2048, private-key: pkcs1}"));
    mint::write(dir.path(), &spec("{file: test/fixtures/server.key, private-key: pkcs8}"));
    mint::write(dir.path(), &spec("{file: deploy/key.der, private-key: pkcs8-der}"));
    let (doc, stderr, code) = scan_json(dir.path(), &["--select", "private-key-committed"]);
    assert_eq!((stderr.as_str(), code), ("", 1));
    let mut got: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let rel = path[dir.path().to_str().unwrap().len() + 1..].to_string();
            (rel, f["severity"].as_str().unwrap().into(), f["confidence"].as_str().unwrap().into())
        })
        .collect();
    got.sort();
    let want = [
        ("deploy/client.key", "medium", "high"),
        ("deploy/key.der", "high", "high"),
        ("deploy/rsa.key", "high", "high"),
        ("deploy/server.key", "high", "high"),
        ("test/fixtures/server.key", "medium", "medium"),
    ];
    let want: Vec<(String, String, String)> =
        want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(got, want);
}

#[test]
fn malformed_certificates_warn_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("garbage.crt"), b"\x30\x82\x01\x00not a certificate").unwrap();
    std::fs::write(dir.path().join("empty.pem"), b"").unwrap();
    std::fs::write(dir.path().join("cut.pem"), "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n").unwrap();
    // A certificate cut in half, re-encoded as a well-formed PEM block.
    let der = mint::mint(&spec("{file: x.der}")).1;
    let half = data_encoding::BASE64.encode(&der[..der.len() / 2]);
    let corrupt = format!("-----BEGIN CERTIFICATE-----\n{half}\n-----END CERTIFICATE-----\n");
    std::fs::write(dir.path().join("corrupt.pem"), corrupt).unwrap();
    mint::write(dir.path(), &spec("{file: expired.der, not-after-days: -1}"));
    let (doc, stderr, code) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(rules_and_lines(&doc), vec![("expired.der".into(), "cert-expired".into(), 1)]);
    for (file, problem) in [
        ("garbage.crt", "is neither PEM nor a DER certificate or private key"),
        ("empty.pem", "is empty"),
        ("cut.pem", "CERTIFICATE block at line 1: no `-----END CERTIFICATE-----` line"),
        ("corrupt.pem", "CERTIFICATE block at line 1 is not a valid certificate"),
    ] {
        assert!(stderr.lines().any(|l| l.contains(file) && l.contains(problem)), "{file}: {problem}\n{stderr}");
    }
    // A DER certificate has no text to quote: the text report names the file instead of a snippet.
    let text = run(["scan", dir.path().join("expired.der").to_str().unwrap(), "--now", NOW, "--color", "never"]);
    assert!(text.stdout.contains("cert-expired") && text.stdout.contains("expired.der"), "{}", text.stdout);
}

/// Writes the demo deployment's certificate files (`fixtures/projects/deploy/`), dated relative to
/// 2026-06-01: `cargo test --test integration regenerate_deploy_certificates -- --ignored`. Keys and serials are
/// new each time, so the deploy snapshots change with them.
#[test]
#[ignore = "regenerates committed fixtures"]
fn regenerate_deploy_certificates() {
    let dir = crate::support::root().join("fixtures/projects/deploy");
    for yaml in [
        "{file: certs/ca.pem, ca: true, self-signed: true, san: [], not-after-days: 3650}",
        "{file: certs/server.pem, eku: [server-auth], san: ['dns:mcp.internal.example'], not-after-days: 12}",
        "{file: certs/client.pem, eku: [server-auth], san: ['dns:mcp-client.internal.example']}",
        "{file: certs/server.key, private-key: pkcs8}",
        "{file: certs/legacy-gateway.crt, key: rsa-1024, signature: sha1, eku: [server-auth], \
         san: ['dns:legacy-gateway.internal.example']}",
    ] {
        mint::write(&dir, &spec(yaml));
    }
    let (_, expired) = mint::mint(&spec("{eku: [server-auth], not-after-days: -20}"));
    let indented: String = std::str::from_utf8(&expired).unwrap().lines().map(|l| format!("    {l}\n")).collect();
    let secret = format!(
        "# The TLS secret the MCP gateway mounts (see mcp-server.yaml).\napiVersion: v1\nkind: Secret\nmetadata:\n  \
         name: mcp-gateway-tls\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: |\n{indented}"
    );
    std::fs::write(dir.join("k8s/tls-secret.yaml"), secret).unwrap();
}
