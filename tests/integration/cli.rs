//! The CLI end to end on the demo project: snapshots of every format, SARIF schema validity, exit codes.
use crate::support::{run, sarif_errors};

const DEMO: &str = "fixtures/projects/demo";

#[test]
fn demo_text_report() {
    let out = run(["scan", DEMO, "--color", "never"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("demo_text", out.stdout);
}

#[test]
fn demo_github_annotations_and_job_summary() {
    let summary = tempfile::NamedTempFile::new().unwrap();
    let out = run(["scan", DEMO, "--format", "github", "--summary", summary.path().to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("demo_github", out.stdout);
    insta::assert_snapshot!("demo_summary", std::fs::read_to_string(summary.path()).unwrap());
}

#[test]
fn exit_codes_and_thresholds_are_the_same_in_every_format() {
    for format in ["text", "json", "sarif", "github"] {
        assert_eq!(run(["scan", DEMO, "--format", format]).code, 1, "{format}");
        assert_eq!(run(["scan", DEMO, "--format", format, "--fail-on", "critical"]).code, 0, "{format}");
        assert_eq!(run(["scan", DEMO, "--format", format, "--select", "nope"]).code, 2, "{format}");
    }
    let count = |args: &[&str]| -> usize {
        let mut all = vec!["scan", DEMO, "--format", "json"];
        all.extend_from_slice(args);
        let doc: serde_json::Value = serde_json::from_str(&run(all).stdout).unwrap();
        doc["findings"].as_array().unwrap().len()
    };
    assert_eq!(count(&[]), 6);
    assert_eq!(count(&["--min-severity", "high"]), 4);
    assert_eq!(count(&["--min-confidence", "high"]), 4);
    assert_eq!(count(&["--min-severity", "critical"]), 0);
}

#[test]
fn demo_json_report() {
    let out = run(["scan", DEMO, "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("demo_json", out.stdout);
}

#[test]
fn demo_sarif_report_is_valid_sarif() {
    let out = run(["scan", DEMO, "--format", "sarif"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("demo_sarif", crate::support::redact_cwd(&out.stdout));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let errors = sarif_errors(&doc);
    assert!(errors.is_empty(), "SARIF schema errors:\n{}", errors.join("\n"));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        // Relative to the working directory (the repository root when run in CI), under %SRCROOT%.
        assert!(uri.starts_with("fixtures/projects/demo/"), "uri {uri} is not relative to the working directory");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(r["partialFingerprints"]["mcp-tls-audit/v1"].as_str().unwrap().len(), 32);
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        let rule = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(doc["runs"][0]["tool"]["driver"]["rules"][index]["id"], rule);
    }
    // GitHub's upload rules too, with the validator shipped beside the repository.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &out.stdout).unwrap();
    let validator = crate::support::root().join("../shared/tools/validate-sarif");
    let check = std::process::Command::new(&validator).arg("--github").arg(file.path()).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}

#[test]
fn demo_skips_ignored_and_vendored_code_by_default() {
    let out = run(["scan", DEMO, "--format", "json"]);
    assert!(!out.stdout.contains("node_modules") && !out.stdout.contains("dist/"));
    let all = run(["scan", DEMO, "--format", "json", "--include-vendored"]);
    assert!(all.stdout.contains("node_modules/some-lib/index.js"), "--include-vendored scans dependencies");
    assert!(!all.stdout.contains("dist/server.js"), ".gitignore still applies");
}

#[test]
fn fail_on_sets_the_exit_code() {
    assert_eq!(run(["scan", DEMO, "--fail-on", "high", "-q"]).code, 1);
    assert_eq!(run(["scan", DEMO, "--fail-on", "critical", "-q"]).code, 0);
    let clean = run(["scan", "fixtures/projects/demo/src/pinned.ts"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    assert!(clean.stdout.starts_with("No findings in 1 file."), "{}", clean.stdout);
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.sarif");
    let out =
        run(["scan".as_ref(), DEMO.as_ref(), "--format".as_ref(), "sarif".as_ref(), "-o".as_ref(), path.as_os_str()]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["version"], "2.1.0");
}

#[test]
fn usage_errors_exit_2() {
    let missing = run(["scan", "no/such/dir"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no/such/dir: no such file or directory"), "{}", missing.stderr);
    assert_eq!(run(["scan", DEMO, "--format", "xml"]).code, 2);
    assert_eq!(run(["scan", DEMO, "--select", "no-such-rule"]).code, 2);
    let unknown = run(["explain", "no-such-rule"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("unknown rule `no-such-rule`"));
}

#[test]
fn rules_and_explain() {
    let list = run(["rules", "--format", "json"]);
    let rules: Vec<serde_json::Value> = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(rules.len(), 23);
    let text = run(["rules"]);
    assert!(text.stdout.lines().count() == 24 && text.stdout.contains("client-cert-not-enforced"));
    let explain = run(["explain", "client-cert-not-enforced"]);
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.starts_with("# client-cert-not-enforced: "));
    assert!(explain.stdout.contains("## Why is this bad?") && explain.stdout.contains("## References"));
}

/// Every `mcp-tls-audit` command in the README's code blocks runs without a usage error, and the README's rule
/// table lists exactly the built-in rules with their severities.
#[test]
fn readme_commands_and_rule_table_are_true() {
    let readme = std::fs::read_to_string(crate::support::root().join("README.md")).unwrap();
    let mut checked = 0;
    let mut in_block = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let Some(args) = line.strip_prefix("cargo run --release -- ").filter(|_| in_block) else { continue };
        let args: Vec<&str> = args.split_whitespace().take_while(|a| !a.starts_with('#') && *a != "|").collect();
        let out = run(args.iter().copied());
        assert_ne!(out.code, 2, "README command `{line}` failed: {}", out.stderr);
        checked += 1;
    }
    assert!(checked >= 3, "README shows at least three commands, found {checked}");
    let rules: Vec<serde_json::Value> = serde_json::from_str(&run(["rules", "--format", "json"]).stdout).unwrap();
    for r in &rules {
        let row = format!("| `{}` | {} |", r["id"].as_str().unwrap(), r["severity"].as_str().unwrap());
        assert!(readme.contains(&row), "README rule table lacks the row starting `{row}`");
    }
    let severities = ["info", "low", "medium", "high", "critical"];
    let rows = readme
        .lines()
        .filter(|l| l.starts_with("| `") && l.split('|').nth(2).is_some_and(|c| severities.contains(&c.trim())))
        .count();
    assert_eq!(rows, rules.len(), "README rule table has {rows} rows for {} rules", rules.len());
    let grading = run(["explain", "grading"]).stdout.replacen("# Grading", "## Grading", 1);
    assert!(readme.contains(&grading), "README's Grading section differs from `explain grading`");
}

/// Scans a demo project in every format: snapshots `<prefix>_text/json/sarif`, a valid SARIF with `results`
/// results, exit code 1 and nothing on stderr.
fn snapshot_every_format(args: &[&str], prefix: &str, results: usize) {
    for format in ["text", "json", "sarif", "github"] {
        let mut all = vec!["scan"];
        all.extend_from_slice(args);
        all.extend(["--format", format, "--color", "never"]);
        let out = run(all);
        assert_eq!((out.code, out.stderr.as_str()), (1, ""), "{format}");
        insta::assert_snapshot!(format!("{prefix}_{format}"), crate::support::redact_cwd(&out.stdout));
        if format == "sarif" {
            let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            let errors = sarif_errors(&doc);
            assert!(errors.is_empty(), "SARIF schema errors:\n{}", errors.join("\n"));
            assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), results);
        }
    }
}

#[test]
fn rust_demo_reports_in_every_format() {
    snapshot_every_format(&["fixtures/projects/rust-demo"], "rust_demo", 6);
}

#[test]
fn deploy_demo_reports_in_every_format() {
    snapshot_every_format(&["fixtures/projects/deploy", "--now", "2026-06-01"], "deploy", 10);
}

#[test]
fn test_code_findings_are_kept_with_lower_confidence() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    let code = "fn c() { reqwest::Client::builder().danger_accept_invalid_certs(true); }\n";
    std::fs::write(dir.path().join("tests").join("it.rs"), code).unwrap();
    std::fs::write(dir.path().join("lib.rs"), format!("{code}#[cfg(test)]\nmod tests {{\n    {code}}}\n")).unwrap();
    let root = dir.path().display().to_string();
    let confidences = |policy: &str| -> Vec<(String, u64, String)> {
        let out = run(["scan", &root, "--format", "json", "--test-code", policy]);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let path = f["path"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
                (path, f["start"]["line"].as_u64().unwrap(), f["confidence"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let c = |p: &str, l: u64, conf: &str| (p.to_string(), l, conf.to_string());
    assert_eq!(confidences("lower"), [c("lib.rs", 1, "high"), c("lib.rs", 4, "medium"), c("it.rs", 1, "medium")]);
    assert_eq!(confidences("keep"), [c("lib.rs", 1, "high"), c("lib.rs", 4, "high"), c("it.rs", 1, "high")]);
}

/// On a terminal the scan draws a progress line on stderr and clears it; elsewhere (every other test) it stays
/// silent. `script` (util-linux) provides the terminal; the run must end, not wait on a locked stderr.
#[test]
fn progress_is_drawn_only_on_a_terminal() {
    let bin = env!("CARGO_BIN_EXE_mcp-tls-audit");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &format!("{bin} scan {DEMO} --format json -o /dev/null"), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) is installed");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the scan did not end on a terminal");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert!(out.contains("scanned ") && out.ends_with("\r\x1b[2K"), "{out:?}");
    let quiet = run(["scan", DEMO, "--format", "json"]);
    assert!(!quiet.stderr.contains("scanned"), "{}", quiet.stderr);
}
