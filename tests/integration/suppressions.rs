//! `mcp-tls-audit: ignore[..]` comments: what they silence, and the warnings for those that silence nothing.
use crate::support::run;
use serde_json::Value;

fn scan(dir: &std::path::Path, extra: &[&str]) -> (Value, String) {
    let mut args = vec!["scan", dir.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(args);
    (serde_json::from_str(&out.stdout).unwrap(), out.stderr)
}

fn rule_lines(list: &Value) -> Vec<(String, u64)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["path"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            (format!("{file}:{}", f["rule"].as_str().unwrap()), f["start"]["line"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn ignore_comments_silence_their_line_and_unused_ones_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ts = "import https from 'node:https';\n\
              // mcp-tls-audit: ignore[tls-verify-disabled] staging proxy, tracked in SEC-12\n\
              https.request({ host: 'a', rejectUnauthorized: false });\n\
              https.request({ host: 'b', rejectUnauthorized: false }); // mcp-tls-audit: ignore[tls-verify-disabled]\n\
              https.request({ host: 'c', rejectUnauthorized: false });\n\
              // mcp-tls-audit: ignore[ca-not-pinned] nothing to silence here\n\
              // mcp-tls-audit: ignore[no-such-rule]\n\
              // mcp-tls-audit: ignore\n";
    std::fs::write(dir.path().join("client.ts"), ts).unwrap();
    let compose = "services:\n  gw:\n    environment:\n      # mcp-tls-audit: ignore[env-tls-verify-disabled] local lab\n      NODE_TLS_REJECT_UNAUTHORIZED: \"0\"\n      NODE_OPTIONS: \"--tls-min-v1.0\"\n";
    std::fs::write(dir.path().join("docker-compose.yml"), compose).unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM node:20\nENV NODE_TLS_REJECT_UNAUTHORIZED=0 # mcp-tls-audit: ignore[env-tls-verify-disabled]\n",
    )
    .unwrap();
    let (report, stderr) = scan(dir.path(), &[]);
    let c = |f: &str, l: u64| (f.to_string(), l);
    assert_eq!(
        rule_lines(&report["findings"]),
        [c("client.ts:tls-verify-disabled", 5), c("docker-compose.yml:node-options-insecure", 6)]
    );
    assert_eq!(
        rule_lines(&report["suppressed"]),
        [
            c("Dockerfile:env-tls-verify-disabled", 2),
            c("client.ts:tls-verify-disabled", 3),
            c("client.ts:tls-verify-disabled", 4),
            c("docker-compose.yml:env-tls-verify-disabled", 5),
        ]
    );
    let reasons: Vec<&Value> = report["suppressed"].as_array().unwrap().iter().map(|s| &s["reason"]).collect();
    assert_eq!(reasons[1], "staging proxy, tracked in SEC-12");
    assert!(reasons[2].is_null());
    assert_eq!(report["summary"]["suppressed"], 4);
    for problem in [
        "line 6: `mcp-tls-audit: ignore[ca-not-pinned]` suppresses nothing",
        "line 7: `mcp-tls-audit: ignore[no-such-rule]` names no known rule",
        "line 8: `mcp-tls-audit: ignore` must name the rules it silences",
    ] {
        assert!(stderr.contains(problem), "{problem}\n{stderr}");
    }
    // Suppressed findings do not cost points.
    assert_eq!(report["grade"]["deductions"].as_array().unwrap().len(), 2);
    // A rule that did not run cannot be judged unused.
    let (_, stderr) = scan(dir.path(), &["--select", "tls-verify-disabled"]);
    assert!(!stderr.contains("ignore[ca-not-pinned]"), "{stderr}");
    let text = run(["scan", dir.path().to_str().unwrap(), "--color", "never"]);
    assert!(text.stdout.contains(" 4 suppressed by ignore comments."), "{}", text.stdout);
}
