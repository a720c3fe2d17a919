//! Bad input: each case gives a message naming the file, and the rest of the scan keeps all its findings.
use crate::support::run;
use std::fs;
use std::path::Path;

pub const BAD_CLIENT: &str = "import https from 'node:https';\nnew https.Agent({ rejectUnauthorized: false });\n";

/// A project with one real finding in `client.ts`, plus whatever the case adds.
pub fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("client.ts"), BAD_CLIENT).unwrap();
    dir
}

/// Scans `dir` with extra args; asserts the finding in client.ts survived; returns stderr.
pub fn scan_keeps_finding(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["scan".to_string(), dir.display().to_string(), "--format".into(), "json".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = run(args);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let hits: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with("client.ts"))
        .collect();
    assert_eq!(hits.len(), 1, "{}", out.stdout);
    assert_eq!(hits[0]["rule"], "tls-verify-disabled");
    out.stderr
}

#[test]
fn binary_file_is_named_and_skipped() {
    let dir = project();
    fs::write(dir.path().join("blob.js"), b"\x7fELF\x00\x00rejectUnauthorized: false").unwrap();
    let err = scan_keeps_finding(dir.path(), &[]);
    assert!(err.contains("blob.js: binary content (NUL byte at offset 4); skipped"), "{err}");
}

#[test]
fn invalid_utf8_is_named_and_still_scanned() {
    let dir = project();
    let mut text = b"// caf\xe9\n".to_vec();
    text.extend_from_slice(b"new https.Agent({ rejectUnauthorized: false });\n");
    fs::write(dir.path().join("latin1.js"), text).unwrap();
    let out = run(["scan".to_string(), dir.path().display().to_string(), "--format".into(), "json".into()]);
    assert!(
        out.stderr.contains("latin1.js: invalid UTF-8 at byte 6; scanned with replacement characters"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("latin1.js"), "the rest of the file is still scanned: {}", out.stdout);
}

#[test]
fn oversized_file_is_skipped_with_a_note() {
    let dir = project();
    fs::write(dir.path().join("big.ts"), "// padding\n".repeat(200)).unwrap();
    let err = scan_keeps_finding(dir.path(), &["--max-file-size", "1000"]);
    assert!(err.contains("big.ts: 2200 bytes is over the size limit of 1000 bytes"), "{err}");
}

#[test]
fn minified_file_is_skipped_with_a_note() {
    let dir = project();
    let line = "var a={rejectUnauthorized:!1};".repeat(1000);
    fs::write(dir.path().join("app.js"), &line).unwrap();
    fs::write(dir.path().join("vendor.min.js"), "new Agent({rejectUnauthorized:false})").unwrap();
    let err = scan_keeps_finding(dir.path(), &[]);
    assert!(err.contains("app.js: looks minified"), "{err}");
    assert!(err.contains("vendor.min.js: minified file skipped"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn unreadable_file_is_named() {
    // /proc/self/mem is a regular file that even root cannot read from offset 0.
    let dir = project();
    std::os::unix::fs::symlink("/proc/self/mem", dir.path().join("mem.ts")).unwrap();
    let err = scan_keeps_finding(dir.path(), &["--follow"]);
    assert!(err.contains("mem.ts: cannot read:"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_named() {
    let dir = project();
    std::os::unix::fs::symlink("b.ts", dir.path().join("a.ts")).unwrap();
    std::os::unix::fs::symlink("a.ts", dir.path().join("b.ts")).unwrap();
    let err = scan_keeps_finding(dir.path(), &[]);
    assert!(err.contains("a.ts: symbolic link loop; skipped") && err.contains("b.ts: symbolic link loop"), "{err}");
    std::os::unix::fs::symlink(".", dir.path().join("again")).unwrap();
    let err = scan_keeps_finding(dir.path(), &["--follow"]);
    assert!(err.contains("again: symbolic link loop; skipped"), "{err}");
}

#[test]
fn syntax_errors_are_recovered_and_reported_verbosely() {
    let dir = project();
    fs::write(dir.path().join("broken.ts"), "const x = {{{ ;\nnew https.Agent({ rejectUnauthorized: false });\n")
        .unwrap();
    let out =
        run(["scan".to_string(), dir.path().display().to_string(), "-v".into(), "--format".into(), "json".into()]);
    assert!(out.stderr.contains("broken.ts: syntax error near line 1"), "{}", out.stderr);
    assert!(out.stdout.contains("broken.ts"), "findings past the error are kept: {}", out.stdout);
}

#[test]
fn bom_and_crlf_keep_positions() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("client.ts"), "\u{feff}// x\r\nnew https.Agent({ rejectUnauthorized: false });\r\n")
        .unwrap();
    let out = run(["scan".to_string(), dir.path().display().to_string(), "--format".into(), "json".into()]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["findings"][0]["start"], serde_json::json!({"line": 2, "column": 19}));
}
