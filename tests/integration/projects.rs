//! `fixtures/projects/<name>/`: multi-file projects whose TLS setup crosses module boundaries (options imported,
//! re-exported, returned by functions, passed through wrapper functions). Each is scanned as a project with every
//! rule; the findings must be exactly the lines marked `expect: <rule-id>` (see each project's EXPECTED.md).
use crate::support::{files_below, root, run};
use std::collections::BTreeSet;

/// The projects whose every expectation the scanner meets today.
const CROSS_FILE: &[&str] = &["express-gateway", "fastify-hub", "monorepo-shared-tls", "rust-workspace"];

type Found = BTreeSet<(String, usize, String)>;

fn marked(dir: &std::path::Path) -> Found {
    let marker = regex::Regex::new(r"expect: ([a-z0-9-]+)").unwrap();
    let mut out = BTreeSet::new();
    for file in files_below(dir) {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let rel = file.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            for m in marker.captures_iter(line) {
                out.insert((rel.clone(), i + 1, m[1].to_string()));
            }
        }
    }
    out
}

/// The findings EXPECTED.md lists under "Single-file scanning": indented `path:line rule` lines.
fn single_file_expectations(dir: &std::path::Path) -> Found {
    let text = std::fs::read_to_string(dir.join("EXPECTED.md")).unwrap();
    let section = text.split("## Single-file scanning").nth(1).expect("a single-file section");
    let line = regex::Regex::new(r"(?m)^    (\S+):(\d+) ([a-z0-9-]+)$").unwrap();
    line.captures_iter(section).map(|c| (c[1].to_string(), c[2].parse().unwrap(), c[3].to_string())).collect()
}

fn scan(dir: &std::path::Path) -> serde_json::Value {
    scan_with(dir, &[])
}

fn scan_with(dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["scan", dir.to_str().unwrap(), "--no-config", "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(args);
    assert_ne!(out.code, 2, "{}: {}", dir.display(), out.stderr);
    assert!(!out.stderr.contains("warning:"), "{}: {}", dir.display(), out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn found(dir: &std::path::Path, report: &serde_json::Value) -> Found {
    let prefix = format!("{}/", dir.display());
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let rel = path.strip_prefix(&prefix).unwrap_or(path).to_string();
            (rel, f["start"]["line"].as_u64().unwrap() as usize, f["rule"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn cross_file_projects_report_exactly_their_marked_lines() {
    for name in CROSS_FILE {
        let dir = root().join("fixtures/projects").join(name);
        let want = marked(&dir);
        assert!(!want.is_empty(), "{name}: no expect markers");
        assert_eq!(found(&dir, &scan(&dir)), want, "{name}");
    }
}

/// The related locations (`path:line`) of the first finding of `rule`.
fn related(report: &serde_json::Value, rule: &str) -> Vec<String> {
    let findings = report["findings"].as_array().unwrap();
    let f = findings.iter().find(|f| f["rule"] == rule).unwrap_or_else(|| panic!("no {rule} finding"));
    f["related"].as_array().map_or(Vec::new(), |r| {
        r.iter().map(|l| format!("{}:{}", l["path"].as_str().unwrap(), l["start"]["line"])).collect()
    })
}

#[test]
fn judged_file_by_file_the_projects_report_what_their_expectations_say() {
    for name in CROSS_FILE {
        let dir = root().join("fixtures/projects").join(name);
        let want = single_file_expectations(&dir);
        assert!(!want.is_empty(), "{name}: no single-file expectations");
        assert_eq!(found(&dir, &scan_with(&dir, &["--single-file"])), want, "{name}");
    }
}

#[test]
fn findings_that_cross_a_module_boundary_say_where() {
    let dir = root().join("fixtures/projects/express-gateway");
    let report = scan(&dir);
    let at = |rel: &str, line: usize| format!("{}/{rel}:{line}", dir.display());
    // Through the wrapper: its sink, and the default options it spreads.
    let wrapper = related(&report, "client-cert-not-enforced");
    assert!(wrapper.contains(&at("src/tls/server.ts", 9)), "{wrapper:?}");
    assert!(wrapper.contains(&at("src/tls/options.ts", 15)), "{wrapper:?}");
    // Through `export *`: the constant's declaration.
    assert_eq!(related(&report, "client-cert-not-requested"), [at("src/tls/options.ts", 8)]);
    // Text output shows the same steps.
    let out = run(["scan".as_ref(), dir.as_os_str(), "--no-config".as_ref()]);
    assert!(out.stdout.contains(&format!("via {}:8:", dir.join("src/tls/options.ts").display())), "{}", out.stdout);
}

#[test]
fn rust_findings_name_the_function_and_the_verifier_they_come_from() {
    let dir = root().join("fixtures/projects/rust-workspace");
    let report = scan(&dir);
    let at = |rel: &str, line: usize| format!("{}/crates/mcp-gateway/src/{rel}:{line}", dir.display());
    // The builder `tls::listener_builder()` returns.
    assert_eq!(related(&report, "client-cert-not-requested"), [at("tls.rs", 17)]);
    // The chain's root, and the accept-all `verify_server_cert` of the type defined in verify.rs.
    assert_eq!(related(&report, "tls-verify-disabled"), [at("tls.rs", 22), at("verify.rs", 11)]);
}

/// Writes `files` (path, text) under a new temporary folder.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let at = dir.path().join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, text).unwrap();
    }
    dir
}

/// The confidence of each finding of `rule`.
fn confidences(report: &serde_json::Value, rule: &str) -> Vec<String> {
    let findings = report["findings"].as_array().unwrap();
    findings.iter().filter(|f| f["rule"] == rule).map(|f| f["confidence"].as_str().unwrap().to_string()).collect()
}

#[test]
fn an_unreadable_import_lowers_confidence_where_a_rule_needs_something_absent() {
    const SERVER: &str = "import https from 'node:https';\nimport { readFileSync } from 'node:fs';\n\
        export const server = https.createServer({ key: readFileSync('k'), cert: readFileSync('c'), ca: readFileSync('a'), requestCert: true, rejectUnauthorized: false });\n";
    let plain = project(&[("src/server.ts", SERVER)]);
    let computed =
        project(&[("src/server.ts", &format!("{SERVER}const auth = await import(process.env.AUTH_MODULE);\n"))]);
    let missing = project(&[("src/server.ts", &format!("import './generated/auth.js';\n{SERVER}"))]);
    let styled = project(&[("src/server.ts", &format!("import './theme.css';\n{SERVER}"))]);
    // peer-identity-unchecked needs an identity check to be absent: the unread module may hold it.
    assert_eq!(confidences(&scan(plain.path()), "peer-identity-unchecked"), ["medium"]);
    assert_eq!(confidences(&scan(computed.path()), "peer-identity-unchecked"), ["low"]);
    assert_eq!(confidences(&scan(missing.path()), "peer-identity-unchecked"), ["low"]);
    assert_eq!(confidences(&scan(styled.path()), "peer-identity-unchecked"), ["medium"]);
    // client-cert-not-enforced sees `rejectUnauthorized: false` itself: nothing unread can change that.
    assert_eq!(confidences(&scan(computed.path()), "client-cert-not-enforced"), ["high"]);
}

#[test]
fn a_rust_glob_import_or_a_missing_module_lowers_confidence_where_a_rule_needs_something_absent() {
    const TLS: &str = "pub fn config(v: Arc<dyn ClientCertVerifier>, c: Vec<CertificateDer<'static>>, k: PrivateKeyDer<'static>) -> ServerConfig {\n    \
        rustls::ServerConfig::builder().with_client_cert_verifier(v).with_single_cert(c, k).unwrap()\n}\n";
    let manifest = ("Cargo.toml", "[package]\nname = \"gw\"\n");
    let plain = project(&[manifest, ("src/main.rs", "mod tls;\n"), ("src/tls.rs", TLS)]);
    let glob = project(&[
        manifest,
        ("src/main.rs", "mod tls;\nmod auth;\n"),
        ("src/auth.rs", "pub fn allowed() -> bool { true }\n"),
        ("src/tls.rs", &format!("use crate::auth::*;\n{TLS}")),
    ]);
    let missing =
        project(&[manifest, ("src/main.rs", "mod tls;\n"), ("src/tls.rs", &format!("mod generated;\n{TLS}"))]);
    assert_eq!(confidences(&scan(plain.path()), "peer-identity-unchecked"), ["medium"]);
    assert_eq!(confidences(&scan(glob.path()), "peer-identity-unchecked"), ["low"]);
    assert_eq!(confidences(&scan(missing.path()), "peer-identity-unchecked"), ["low"]);
}

#[test]
fn a_file_whose_tls_options_all_come_from_another_module_is_read_though_it_holds_no_trigger_word() {
    let dir = project(&[
        (
            "src/tls/options.js",
            "import { readFileSync } from 'node:fs';\nexport function edgeOptions() {\n  return { key: readFileSync('/tls/tls.key'), cert: readFileSync('/tls/tls.crt') };\n}\n",
        ),
        ("src/tls/index.js", "export * from './options.js';\n"),
        (
            "src/server.js",
            "import https from 'node:https';\nimport { edgeOptions } from './tls/index.js';\n\nhttps.createServer(edgeOptions(), handler).listen(8443);\n",
        ),
    ]);
    let want: Found = [("src/server.js".to_string(), 4, "client-cert-not-requested".to_string())].into();
    let report = scan_with(dir.path(), &["--select", "client-cert-not-requested"]);
    assert_eq!(found(dir.path(), &report), want);
    let everything = scan_with(dir.path(), &["--select", "client-cert-not-requested", "--no-prefilter"]);
    assert_eq!(found(dir.path(), &everything), want);
}
