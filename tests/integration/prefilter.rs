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
