//! `.mcp-tls-audit.yaml`: discovery, each setting, and errors that name the file and the key.
use crate::support::run;
use serde_json::Value;

const CLIENT: &str = "import https from 'node:https';\nhttps.request({ host: 'a', rejectUnauthorized: false });\n";

fn project(config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src/gen")).unwrap();
    std::fs::write(dir.path().join("src/client.ts"), CLIENT).unwrap();
    std::fs::write(dir.path().join("src/gen/client.ts"), CLIENT).unwrap();
    std::fs::write(dir.path().join(".env"), "NODE_TLS_REJECT_UNAUTHORIZED=0\n").unwrap();
    if let Some(c) = config {
        std::fs::write(dir.path().join(".mcp-tls-audit.yaml"), c).unwrap();
    }
    dir
}

fn findings(dir: &std::path::Path, extra: &[&str]) -> (Vec<(String, String)>, i32) {
    let mut args =
        vec!["scan".to_string(), dir.join("src").display().to_string(), dir.join(".env").display().to_string()];
    args.extend(["--format".into(), "json".into()]);
    args.extend(extra.iter().map(|a| a.to_string()));
    let out = run(args);
    assert!(out.stderr.is_empty() || out.code == 2, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    let list = doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let path = f["path"].as_str().unwrap();
                    let short = path[dir.display().to_string().len() + 1..].to_string();
                    (format!("{short}:{}", f["rule"].as_str().unwrap()), f["severity"].as_str().unwrap().to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    (list, out.code)
}

#[test]
fn settings_apply_and_the_command_line_wins() {
    let none = project(None);
    let (all, code) = findings(none.path(), &[]);
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(code, 1);

    let dir = project(Some(
        "disable: [env-tls-verify-disabled]\nseverity: {tls-verify-disabled: low}\nignore: [\"src/gen/\"]\nfail-on: medium\n",
    ));
    let (got, code) = findings(dir.path(), &[]);
    assert_eq!(got, [("src/client.ts:tls-verify-disabled".to_string(), "low".to_string())]);
    assert_eq!(code, 0, "fail-on: medium from the config, and the only finding is now low");
    let (_, code) = findings(dir.path(), &["--fail-on", "low"]);
    assert_eq!(code, 1, "--fail-on on the command line wins");
    let (got, _) = findings(dir.path(), &["--no-config"]);
    assert_eq!(got.len(), 3);
    let other = project(None);
    let elsewhere = other.path().join("other.yaml");
    std::fs::write(&elsewhere, "disable: [tls-verify-disabled]\n").unwrap();
    let (got, _) = findings(dir.path(), &["--config", elsewhere.to_str().unwrap()]);
    assert_eq!(got, [(".env:env-tls-verify-disabled".to_string(), "high".to_string())]);
}

#[test]
fn broken_configs_stop_the_run_naming_the_file() {
    for (text, problem) in [
        ("disabled: [x]\n", "unknown field `disabled`"),
        ("disable: [no-such-rule]\n", "`no-such-rule` is not a rule id"),
        ("fail-on: loud\n", "unknown variant `loud`"),
        ("rules:\n  cert-expiring-soon: {days: 3}\n", "unknown field `days`"),
        ("severity: {tls-verify-disabled: loud}\n", "unknown variant `loud`"),
        ("- just\n- a list\n", "invalid type"),
    ] {
        let dir = project(Some(text));
        let out = run(["scan", dir.path().to_str().unwrap()]);
        assert_eq!(out.code, 2, "{text}");
        assert!(out.stderr.contains(".mcp-tls-audit.yaml") && out.stderr.contains(problem), "{text}: {}", out.stderr);
    }
}

#[test]
fn a_baseline_hides_known_findings_even_when_they_move() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("client.ts");
    std::fs::write(&src, CLIENT).unwrap();
    let base = dir.path().join("baseline.json");
    let scan = |extra: &[&str]| -> (Value, i32) {
        let mut args = vec!["scan", src.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        let out = run(args);
        (serde_json::from_str(&out.stdout).unwrap(), out.code)
    };
    let (_, code) = scan(&["--write-baseline", base.to_str().unwrap()]);
    assert_eq!(code, 1, "writing a baseline reports as usual");
    let with_base = ["--baseline", base.to_str().unwrap()];
    let (report, code) = scan(&with_base);
    assert_eq!((report["findings"].as_array().unwrap().len(), code), (0, 0));
    assert_eq!(report["summary"]["baseline"], serde_json::json!({"known": 1, "new": 0, "stale": 0}));
    assert_eq!(report["grade"]["deductions"].as_array().unwrap().len(), 1, "the grade still sees it");
    // Moved and re-indented: still known.
    std::fs::write(&src, format!("\n\n// moved\n{}", CLIENT.replace("https.request", "    https.request"))).unwrap();
    let (report, code) = scan(&with_base);
    assert_eq!((report["findings"].as_array().unwrap().len(), code), (0, 0), "{report:#}");
    // A new finding is reported; the old one removed makes its entry stale.
    std::fs::write(&src, "import https from 'node:https';\nhttps.get({ host: 'b', rejectUnauthorized: false });\n")
        .unwrap();
    let (report, code) = scan(&with_base);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["baseline"], serde_json::json!({"known": 0, "new": 1, "stale": 1}));
    std::fs::write(&base, "{\"version\": 9}").unwrap();
    let out = run(["scan", src.to_str().unwrap(), "--baseline", base.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("baseline.json: not a version 1 baseline file"), "{}", out.stderr);
}
