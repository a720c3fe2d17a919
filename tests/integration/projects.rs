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
    // `use super::*` in an inline test module names this file's own items: nothing unread.
    let tests = project(&[
        manifest,
        ("src/main.rs", "mod tls;\n"),
        ("src/tls.rs", &format!("{TLS}#[cfg(test)]\nmod tests {{\n    use super::*;\n}}\n")),
    ]);
    assert_eq!(confidences(&scan(tests.path()), "peer-identity-unchecked"), ["medium"]);
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

#[test]
fn commonjs_exports_the_summary_cannot_follow_never_make_a_key_absent() {
    const SERVER: &str =
        "const https = require('https');\nhttps.createServer(require('./tls'), handler).listen(8443);\n";
    const KEYS: &str =
        "const fs = require('fs');\nconst key = fs.readFileSync('k');\nconst cert = fs.readFileSync('c');\n";
    let forms = [
        // Chained: `module.exports` gets the object, and so does the `exports` binding.
        (format!("{KEYS}exports = module.exports = {{ key, cert }};\n"), true),
        (format!("{KEYS}exports = module.exports = {{ key, cert, requestCert: true }};\n"), false),
        // Set after the object: a property of it too.
        (format!("{KEYS}module.exports = {{ key, cert }};\nmodule.exports.requestCert = true;\n"), false),
        // Forms not followed: the object may hold anything.
        (format!("{KEYS}module.exports = {{ key, cert }};\nObject.assign(module.exports, extra());\n"), false),
        (
            format!("{KEYS}module.exports = {{ key, cert }};\nif (mtls) {{ module.exports.requestCert = true; }}\n"),
            false,
        ),
        // TypeScript's `export =`.
        (format!("{KEYS}export = {{ key, cert }};\n"), true),
    ];
    for (tls, expect) in forms {
        let ext = if tls.contains("export =") { "ts" } else { "js" };
        let dir = project(&[(&format!("tls.{ext}"), &tls), ("server.js", SERVER)]);
        let report = scan_with(dir.path(), &["--select", "client-cert-not-requested"]);
        let want: Found = if expect {
            [("server.js".to_string(), 2, "client-cert-not-requested".to_string())].into()
        } else {
            [].into()
        };
        assert_eq!(found(dir.path(), &report), want, "{tls}");
    }
}

#[test]
fn an_identity_check_behind_a_re_exporting_index_clears_the_server() {
    // The server imports the middleware for its side effect: no value is looked up there.
    let files = [
        (
            "src/middleware/peer.ts",
            "import type { TLSSocket } from 'node:tls';\nexport function mtlsAuth(req, res, next) {\n  const peer = (req.socket as TLSSocket).getPeerCertificate();\n  if (!allowed(peer.subjectaltname)) return res.status(403).end();\n  next();\n}\n",
        ),
        ("src/middleware/index.ts", "export * from './peer';\n"),
        (
            "src/server.ts",
            "import https from 'node:https';\nimport { readFileSync } from 'node:fs';\nimport './middleware';\n\
             \nhttps.createServer({ key: readFileSync('k'), cert: readFileSync('c'), ca: readFileSync('a'), requestCert: true }, app).listen(8443);\n",
        ),
    ];
    let dir = project(&files);
    let report = scan_with(dir.path(), &["--select", "peer-identity-unchecked"]);
    assert_eq!(found(dir.path(), &report), Found::new());
    let alone = project(&files[2..]);
    let report = scan_with(alone.path(), &["--select", "peer-identity-unchecked"]);
    assert_eq!(found(alone.path(), &report).len(), 1);
}

#[test]
fn a_wrapper_whose_options_lead_back_to_it_ends() {
    let dir = project(&[
        (
            "src/connect.js",
            "import tls from 'node:tls';\nexport function connect(opts) {\n  return tls.connect({ ...opts, retry: connect });\n}\n",
        ),
        (
            "src/client.js",
            "import { connect } from './connect.js';\nconnect({ host: 'mcp', rejectUnauthorized: false });\n",
        ),
    ]);
    let report = scan_with(dir.path(), &["--select", "tls-verify-disabled"]);
    assert_eq!(
        found(dir.path(), &report),
        [("src/client.js".to_string(), 2, "tls-verify-disabled".to_string())].into()
    );
}

#[test]
fn a_byte_order_mark_does_not_move_what_other_modules_see() {
    // The options serve a server in another module: they are a server's, not a client's that skips verification.
    let dir = project(&[
        (
            "src/options.js",
            "\u{feff}import { readFileSync } from 'node:fs';\nexport const options = { key: readFileSync('k'), cert: readFileSync('c'), rejectUnauthorized: false };\n",
        ),
        (
            "src/server.js",
            "import https from 'node:https';\nimport { options } from './options.js';\nhttps.createServer(options, app);\n",
        ),
    ]);
    assert_eq!(lines_of(dir.path(), "tls-verify-disabled"), []);
}

/// Findings of `rule` as (path, line), relative to `dir`.
fn lines_of(dir: &std::path::Path, rule: &str) -> Vec<(String, usize)> {
    let report = scan_with(dir, &["--select", rule]);
    found(dir, &report).into_iter().map(|(p, l, _)| (p, l)).collect()
}

#[test]
fn a_binary_next_to_its_library_links_its_own_functions() {
    let dir = project(&[
        ("Cargo.toml", "[package]\nname = \"gw\"\n"),
        ("src/lib.rs", "pub mod tls;\n"),
        ("src/tls.rs", "pub fn roots() -> rustls::RootCertStore { rustls::RootCertStore::empty() }\n"),
        (
            "src/main.rs",
            "use rustls::ServerConfig;\n\nfn base() -> rustls::ConfigBuilder<ServerConfig, rustls::WantsVerifier> {\n    ServerConfig::builder()\n}\n\nfn main() {\n    let _ = base().with_no_client_auth();\n}\n",
        ),
    ]);
    assert_eq!(lines_of(dir.path(), "client-cert-not-requested"), [("src/main.rs".to_string(), 8)]);
}

#[test]
fn a_verifier_in_an_inline_module_of_another_file_is_judged_where_it_is_installed() {
    let dir = project(&[
        ("Cargo.toml", "[package]\nname = \"gw\"\n"),
        ("src/main.rs", "mod client;\nmod tls;\n"),
        (
            "src/tls.rs",
            "pub mod danger {\n    use rustls::client::danger::{ServerCertVerified, ServerCertVerifier};\n    pub struct NoVerify;\n    impl ServerCertVerifier for NoVerify {\n        fn verify_server_cert(&self, _e: &CertificateDer<'_>, _i: &[CertificateDer<'_>], _n: &ServerName<'_>, _o: &[u8], _t: UnixTime) -> Result<ServerCertVerified, rustls::Error> {\n            Ok(ServerCertVerified::assertion())\n        }\n    }\n}\n",
        ),
        (
            "src/client.rs",
            "use std::sync::Arc;\n\npub fn config() -> rustls::ClientConfig {\n    rustls::ClientConfig::builder()\n        .dangerous()\n        .with_custom_certificate_verifier(Arc::new(crate::tls::danger::NoVerify))\n        .with_no_client_auth()\n}\n",
        ),
    ]);
    assert!(lines_of(dir.path(), "tls-verify-disabled").contains(&("src/client.rs".to_string(), 6)));
}

#[test]
fn a_builder_another_module_finishes_is_judged_with_what_it_adds() {
    let tls = "use tonic::transport::{Identity, ServerTlsConfig};\n\npub fn base(id: Identity) -> ServerTlsConfig {\n    ServerTlsConfig::new().identity(id)\n}\n";
    let main = |finish: &str| {
        format!("mod tls;\n\nfn main() {{\n    let config = tls::base(identity()){finish};\n    serve(config);\n}}\n")
    };
    let manifest = ("Cargo.toml", "[package]\nname = \"hub\"\n");
    let mtls = project(&[manifest, ("src/tls.rs", tls), ("src/main.rs", &main(".client_ca_root(ca())"))]);
    assert_eq!(lines_of(mtls.path(), "client-cert-not-requested"), []);
    let open = project(&[manifest, ("src/tls.rs", tls), ("src/main.rs", &main(".timeout(t())"))]);
    assert_eq!(lines_of(open.path(), "client-cert-not-requested"), [("src/tls.rs".to_string(), 4)]);
    // Judged on its own, the file cannot know.
    let report = scan_with(mtls.path(), &["--select", "client-cert-not-requested", "--single-file"]);
    assert_eq!(found(mtls.path(), &report).len(), 1);
}

#[test]
fn a_verifier_a_library_re_exports_by_glob_under_its_lib_name_is_judged_where_it_is_installed() {
    let dir = project(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
        ("crates/mesh-tls/Cargo.toml", "[package]\nname = \"mesh-tls\"\n\n[lib]\nname = \"mtls\"\n"),
        ("crates/mesh-tls/src/lib.rs", "mod verifiers;\npub use verifiers::*;\n"),
        (
            "crates/mesh-tls/src/verifiers.rs",
            "use rustls::client::danger::{ServerCertVerified, ServerCertVerifier};\n\npub struct NoVerify;\n\nimpl ServerCertVerifier for NoVerify {\n    fn verify_server_cert(&self, _e: &CertificateDer<'_>, _i: &[CertificateDer<'_>], _n: &ServerName<'_>, _o: &[u8], _t: UnixTime) -> Result<ServerCertVerified, rustls::Error> {\n        Ok(ServerCertVerified::assertion())\n    }\n}\n",
        ),
        ("crates/gw/Cargo.toml", "[package]\nname = \"gw\"\n"),
        (
            "crates/gw/src/main.rs",
            "use std::sync::Arc;\n\nfn main() {\n    let config = rustls::ClientConfig::builder()\n        .dangerous()\n        .with_custom_certificate_verifier(Arc::new(mtls::NoVerify))\n        .with_no_client_auth();\n    run(config);\n}\n",
        ),
    ]);
    assert!(lines_of(dir.path(), "tls-verify-disabled").contains(&("crates/gw/src/main.rs".to_string(), 6)));
}
