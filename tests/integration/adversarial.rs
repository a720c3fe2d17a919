//! Hostile input, generated here rather than committed: huge and minified files, deep nesting, odd encodings,
//! special files, huge directories, billion-laughs YAML and malformed certificates. Each case gives a message
//! naming the file where one applies, and the rest of the scan completes with all its findings.
use crate::bad_input::{project, scan_keeps_finding};
use crate::mint::{NOW, default_spec, mint};
use crate::support::run;
use mcp_tls_audit::rule::model::CertSpec;
use std::fs;
use std::path::Path;

/// A TLS client that turns verification off: every hostile file that should still be scanned carries one.
const AGENT: &str = "new https.Agent({ rejectUnauthorized: false })";

/// (file name, rule, line) of every finding in a JSON report.
fn hits(stdout: &str) -> Vec<(String, String, u64)> {
    let report: serde_json::Value = serde_json::from_str(stdout).expect("JSON output");
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["path"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            (name, f["rule"].as_str().unwrap().to_string(), f["start"]["line"].as_u64().unwrap())
        })
        .collect()
}

/// Scans `dir` as JSON with extra args; returns the findings and stderr. The run must not fail.
fn scan(dir: &Path, extra: &[&str]) -> (Vec<(String, String, u64)>, String) {
    let mut args = vec!["scan".to_string(), dir.display().to_string(), "--no-config".into(), "--format".into()];
    args.push("json".into());
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = run(args);
    assert!(out.code == 0 || out.code == 1, "exit {}: {}", out.code, out.stderr);
    (hits(&out.stdout), out.stderr)
}

fn has(hits: &[(String, String, u64)], file: &str, rule: &str) -> bool {
    hits.iter().any(|(f, r, _)| f == file && r == rule)
}

#[test]
fn ten_megabyte_minified_bundle_is_noted_and_scanned_on_request() {
    let dir = project();
    let mut bundle = "var a=function(b){return b+1};".repeat(10 * 1024 * 1024 / 31);
    bundle.push_str(AGENT);
    bundle.push(';');
    fs::write(dir.path().join("bundle.js"), &bundle).unwrap();
    let err = scan_keeps_finding(dir.path(), &[]);
    assert!(err.contains("bundle.js: 10147547 bytes is over the size limit of 4194304 bytes"), "{err}");
    let (hits, _) = scan(dir.path(), &["--include-vendored", "--max-file-size", "20000000"]);
    assert!(hits.contains(&("bundle.js".into(), "tls-verify-disabled".into(), 1)), "{hits:?}");
}

#[test]
fn one_megabyte_single_line_is_noted_and_scanned_on_request() {
    let dir = project();
    let line = format!("const xs = [{}]; {AGENT};", "1,".repeat(512 * 1024));
    fs::write(dir.path().join("line.ts"), &line).unwrap();
    let err = scan_keeps_finding(dir.path(), &[]);
    assert!(err.contains("line.ts: looks minified (average line of 1048"), "{err}");
    let (hits, _) = scan(dir.path(), &["--include-vendored"]);
    assert!(has(&hits, "line.ts", "tls-verify-disabled"), "{hits:?}");
}

/// `open` and `close` nested 100,000 deep around `inner`, after a finding on line 1.
fn nested(open: &str, inner: &str, close: &str) -> String {
    let (open, close) = (format!("{open}\n"), format!("{close}\n"));
    format!("{AGENT};\nconst deep = {}{inner}{};\n", open.repeat(100_000), close.repeat(100_000))
}

#[test]
fn nesting_a_hundred_thousand_deep_is_scanned_without_crashing() {
    let dir = project();
    let cases = [
        ("arrays.js", nested("[", "1", "]")),
        ("objects.js", nested("{a:", "1", "}")),
        ("parens.ts", nested("(", "1", ")")),
        ("calls.js", nested("f(", "1", ")")),
        ("jsx.jsx", nested("<a>", "x", "</a>")),
        ("tsx.tsx", nested("<a>", "{1}", "</a>")),
        ("ternary.js", nested("a ? b : ", "c", "")),
    ];
    for (name, text) in &cases {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let (hits, err) = scan(dir.path(), &["-v"]);
    for (name, _) in &cases {
        // Each deep file is parsed (it holds a trigger word) and keeps its own finding on line 1.
        assert!(hits.contains(&(name.to_string(), "tls-verify-disabled".into(), 1)), "{name}: {hits:?}\n{err}");
        assert!(
            err.contains(&format!("{name}: nests over 1000 levels deep; scanned down to that depth only")),
            "{err}"
        );
    }
    assert!(has(&hits, "client.ts", "tls-verify-disabled"));
}

#[test]
fn deeply_nested_rust_is_refused_with_a_message() {
    let dir = project();
    let bad = "fn f() { reqwest::Client::builder().danger_accept_invalid_certs(true); }\n";
    for (name, open, close) in [("parens.rs", "(\n", ")\n"), ("blocks.rs", "{\n", "}\n"), ("arrays.rs", "[\n", "]\n")] {
        let deep = format!("{bad}fn g() {{ let x = {}1{}; }}\n", open.repeat(100_000), close.repeat(100_000));
        fs::write(dir.path().join(name), deep).unwrap();
    }
    fs::write(dir.path().join("ok.rs"), bad).unwrap();
    let err = scan_keeps_finding(dir.path(), &[]);
    for name in ["parens.rs", "blocks.rs", "arrays.rs"] {
        assert!(err.contains(&format!("{name}: brackets nest 100001 levels deep (limit 256)")), "{err}");
    }
    let (hits, _) = scan(dir.path(), &[]);
    assert!(has(&hits, "ok.rs", "tls-verify-disabled"), "{hits:?}");
}

#[test]
fn odd_encodings_and_line_endings_keep_their_findings() {
    let dir = project();
    let cases: [(&str, Vec<u8>); 5] = [
        ("nul.js", format!("// a\u{0}\n{AGENT};\n").into_bytes()),
        ("bom.ts", format!("\u{feff}{AGENT};\n").into_bytes()),
        ("crlf.ts", format!("// one\r\n{AGENT};\r\n").into_bytes()),
        ("cr.ts", format!("// one\r{AGENT};\r").into_bytes()),
        ("invalid.ts", [b"// \xff\xfe\n".as_slice(), format!("{AGENT};\n").as_bytes()].concat()),
    ];
    for (name, bytes) in &cases {
        fs::write(dir.path().join(name), bytes).unwrap();
    }
    let (hits, err) = scan(dir.path(), &[]);
    // A NUL byte marks a binary file: named and skipped.
    assert!(err.contains("nul.js: binary content (NUL byte at offset 4); skipped"), "{err}");
    assert!(err.contains("invalid.ts: invalid UTF-8 at byte 3"), "{err}");
    for (name, line) in [("bom.ts", 1), ("crlf.ts", 2), ("cr.ts", 1), ("invalid.ts", 2)] {
        assert!(hits.contains(&(name.into(), "tls-verify-disabled".into(), line)), "{name}: {hits:?}");
    }
}

#[cfg(unix)]
#[test]
fn special_files_are_named_and_never_read() {
    use std::os::unix::fs::symlink;
    let dir = project();
    let d = dir.path();
    for name in ["empty.ts", "empty.rs", "empty.pem", "empty.json", ".env", "Dockerfile"] {
        fs::write(d.join(name), "").unwrap();
    }
    let status = std::process::Command::new("mkfifo").arg(d.join("pipe.ts")).status().unwrap();
    assert!(status.success());
    // Device nodes, reached through links: reading /dev/zero would never end.
    symlink("/dev/zero", d.join("zero.js")).unwrap();
    symlink("/dev/null", d.join("null.pem")).unwrap();
    symlink("missing.ts", d.join("dangling.ts")).unwrap();
    let err = scan_keeps_finding(d, &["--follow"]);
    for name in ["pipe.ts: not a regular file (FIFO); skipped", "zero.js: not a regular file (character device)"] {
        assert!(err.contains(name), "{name}: {err}");
    }
    assert!(err.contains("null.pem: not a regular file (character device)"), "{err}");
    assert!(err.contains("dangling.ts: cannot read: No such file or directory"), "{err}");
    assert!(err.contains("empty.pem: is empty; skipped"), "{err}");
    let err = scan_keeps_finding(d, &[]);
    assert!(err.contains("pipe.ts: not a regular file (FIFO); skipped"), "{err}");
    assert!(err.contains("dangling.ts: broken symbolic link"), "{err}");
}

#[cfg(unix)]
#[test]
fn unreadable_directories_are_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::write(locked.join("inner.ts"), format!("{AGENT};\n")).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let readable = fs::read_dir(&locked).is_ok();
    let (hits, err) = scan(dir.path(), &[]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert!(has(&hits, "client.ts", "tls-verify-disabled"));
    if readable {
        // Root reads it anyway (CAP_DAC_OVERRIDE): then its file is scanned like any other.
        assert!(has(&hits, "inner.ts", "tls-verify-disabled"), "{hits:?}");
    } else {
        assert!(err.contains("locked: cannot read: Permission denied"), "{err}");
    }
}

#[test]
fn ten_thousand_files_in_one_directory() {
    let dir = project();
    let many = dir.path().join("many");
    fs::create_dir(&many).unwrap();
    for i in 0..10_000 {
        fs::write(many.join(format!("f{i:05}.js")), format!("export const v{i} = {i};\n")).unwrap();
    }
    fs::write(many.join("f05000.js"), format!("{AGENT};\n")).unwrap();
    let out = run(["scan", &dir.path().display().to_string(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["files_scanned"], 10_001);
    // Only the two files that mention a trigger word are parsed.
    assert_eq!(report["summary"]["files_parsed"], 2);
    let hits = hits(&out.stdout);
    assert!(has(&hits, "f05000.js", "tls-verify-disabled") && has(&hits, "client.ts", "tls-verify-disabled"));
}

#[cfg(unix)]
#[test]
fn deep_directory_chains_are_walked_to_the_path_limit() {
    let dir = project();
    // 300 levels: a 900-byte path, walked to the bottom.
    let deep = (0..300).fold(dir.path().join("chain"), |p, _| p.join("dd"));
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("bottom.ts"), format!("{AGENT};\n")).unwrap();
    // 20 levels of 250-byte names below `far`: past PATH_MAX (4096), which only relative steps can build.
    let far = dir.path().join("far");
    fs::create_dir(&far).unwrap();
    let name = "d".repeat(250);
    let script = format!("for i in $(seq 20); do mkdir {name} && cd {name} || exit 1; done; echo '{AGENT};' > lost.ts");
    let status = std::process::Command::new("bash").arg("-c").arg(script).current_dir(&far).status().unwrap();
    assert!(status.success());
    let (hits, err) = scan(dir.path(), &[]);
    assert!(has(&hits, "bottom.ts", "tls-verify-disabled"), "{hits:?}");
    assert!(has(&hits, "client.ts", "tls-verify-disabled"));
    assert!(err.contains("File name too long"), "the path limit is named: {err}");
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_scanned() {
    use std::os::unix::ffi::OsStrExt;
    let dir = project();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.ts");
    fs::write(dir.path().join(name), format!("{AGENT};\n")).unwrap();
    let (hits, _) = scan(dir.path(), &[]);
    assert!(has(&hits, "caf\u{fffd}.ts", "tls-verify-disabled"), "{hits:?}");
    let out = run(["scan", &dir.path().display().to_string(), "--format", "sarif"]);
    assert_eq!(out.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(crate::support::sarif_errors(&doc), Vec::<String>::new());
}

/// Nine levels of nine aliases each: 387,420,489 strings once expanded.
fn billion_laughs(key: &str) -> String {
    let mut s = String::from("a0: &a0 \"lol\"\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    s.push_str(&format!("{key}: *a9\n"));
    s
}

#[test]
fn billion_laughs_yaml_is_refused_quickly() {
    let dir = project();
    // As a user rule: the run stops with a message naming the rule file.
    let rules = tempfile::tempdir().unwrap();
    fs::write(rules.path().join("laughs.yaml"), billion_laughs("id")).unwrap();
    let out = run(["scan", &dir.path().display().to_string(), "--rules", &rules.path().display().to_string()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("laughs.yaml: "), "{}", out.stderr);
    // As the configuration: the same.
    let config = dir.path().join(".mcp-tls-audit.yaml");
    fs::write(&config, billion_laughs("disable")).unwrap();
    let out = run(["scan", &dir.path().display().to_string()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(".mcp-tls-audit.yaml: "), "{}", out.stderr);
    fs::remove_file(&config).unwrap();
    // As a scanned manifest: read like any YAML file, and the scan goes on.
    fs::write(dir.path().join("laughs.yaml"), billion_laughs("env")).unwrap();
    fs::write(dir.path().join("deep.yaml"), format!("{}1{}\n", "[".repeat(100_000), "]".repeat(100_000))).unwrap();
    scan_keeps_finding(dir.path(), &[]);
}

#[test]
fn huge_and_deeply_nested_rule_files() {
    let dir = project();
    let rules = tempfile::tempdir().unwrap();
    // A valid rule with 8 MB of documentation loads and runs.
    let rule = fs::read_to_string(crate::support::root().join("rules/tls-verify-disabled.yaml")).unwrap();
    let docs = format!("docs: |\n{}", "  padding line for a very long document\n".repeat(200_000));
    let rule = rule.replace("id: tls-verify-disabled", "id: huge").replacen("docs: |\n", &format!("{docs}\n  "), 1);
    fs::write(rules.path().join("huge.yaml"), &rule).unwrap();
    let (hits, err) = scan(dir.path(), &["--rules", &rules.path().display().to_string()]);
    assert!(has(&hits, "client.ts", "huge") && has(&hits, "client.ts", "tls-verify-disabled"), "{hits:?}\n{err}");
    // A rule nested 100,000 deep is refused, naming the file.
    fs::write(rules.path().join("deep.yaml"), format!("id: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000)))
        .unwrap();
    let out = run(["scan", &dir.path().display().to_string(), "--rules", &rules.path().display().to_string()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("deep.yaml: "), "{}", out.stderr);
}

#[test]
fn malformed_certificates_are_named_and_good_blocks_kept() {
    let dir = project();
    let d = dir.path();
    let expired = CertSpec { not_after_days: Some(-1), ..default_spec() };
    let (_, pem) = mint(&expired);
    let pem = String::from_utf8(pem).unwrap();
    let der_spec = CertSpec { file: Some("x.der".into()), ..expired.clone() };
    let (_, der) = mint(&der_spec);
    fs::write(d.join("truncated.der"), &der[..der.len() / 2]).unwrap();
    // A SEQUENCE claiming 4 GiB of content.
    fs::write(d.join("absurd.der"), [0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00]).unwrap();
    fs::write(d.join("absurd-inner.crt"), [&[0x30u8, 0x82, 0x00, 0x08, 0x30, 0x88][..], &[0xff; 8]].concat()).unwrap();
    // Garbage between two good (expired) blocks: both blocks are judged.
    let garbage = format!("{pem}\u{1}\u{2} not base64 at all ))) \n-----END NOTHING-----\n{pem}");
    fs::write(d.join("garbage.pem"), garbage).unwrap();
    let (hits, err) = scan(d, &["--now", NOW]);
    for name in ["truncated.der: ", "absurd.der: ", "absurd-inner.crt: "] {
        assert!(err.contains(name), "{name}: {err}");
    }
    let lines: Vec<u64> =
        hits.iter().filter(|(f, r, _)| f == "garbage.pem" && r == "cert-expired").map(|h| h.2).collect();
    let second = pem.lines().count() as u64 + 3;
    assert_eq!(lines, [1, second], "{hits:?}\n{err}");
    assert!(has(&hits, "client.ts", "tls-verify-disabled"));
}
