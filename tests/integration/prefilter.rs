//! The trigger-word prefilter and the parallel engine change how fast a scan is, never what it reports.
use crate::support::run;

/// Every fixture, vendored and minified files included, judged on a fixed date.
const SCAN: &[&str] = &["scan", "fixtures", "--include-vendored", "--no-config", "--now", "2026-06-01", "--format"];

fn scan(format: &str, extra: &[&str]) -> String {
    let out = run(SCAN.iter().chain(&[format]).chain(extra));
    assert_eq!(out.code, 1, "{}", out.stderr);
    out.stdout
}

#[test]
fn prefilter_loses_no_finding_message_or_suppression() {
    let parse = |s: String| serde_json::from_str::<serde_json::Value>(&s).unwrap();
    let (mut fast, mut full) = (parse(scan("json", &[])), parse(scan("json", &["--no-prefilter"])));
    let parsed = |doc: &mut serde_json::Value| doc["summary"].as_object_mut().unwrap().remove("files_parsed");
    let (fast_parsed, full_parsed) = (parsed(&mut fast).unwrap(), parsed(&mut full).unwrap());
    assert_eq!(fast, full);
    assert!(fast["findings"].as_array().unwrap().len() > 50);
    // The prefilter does skip files: the fixtures hold JS/TS and Rust files that mention no trigger word.
    assert!(
        fast_parsed.as_u64() < full_parsed.as_u64(),
        "{fast_parsed} parsed with the prefilter, {full_parsed} without"
    );
}

#[test]
fn one_thread_gives_byte_identical_output() {
    for format in ["json", "sarif", "text", "github"] {
        assert_eq!(scan(format, &[]), scan(format, &["--threads", "1"]), "--format {format}");
    }
}

#[test]
fn declaration_files_are_scanned_but_never_parsed() {
    // A `.d.ts` holds types only: `rejectUnauthorized: false` there is a literal type, not an option.
    let dir = tempfile::tempdir().unwrap();
    let decl = "export declare const insecure: { rejectUnauthorized: false };\n";
    let code =
        "import https from 'node:https';\nexport const agent = new https.Agent({ rejectUnauthorized: false });\n";
    for (name, text) in [("types.d.ts", decl), ("types.d.mts", decl), ("agent.ts", code)] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out =
        run(["scan".as_ref(), dir.path().as_os_str(), "--no-prefilter".as_ref(), "--format".as_ref(), "json".as_ref()]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files_scanned"], 3, "{doc}");
    assert_eq!(doc["summary"]["files_parsed"], 1, "{doc}");
    let paths: Vec<&str> = doc["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(!paths.is_empty() && paths.iter().all(|p| p.ends_with("agent.ts")), "{paths:?}");
}
