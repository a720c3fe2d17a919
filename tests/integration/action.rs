//! The GitHub Action: `scripts/action.sh` run as the composite action runs it (temporary `GITHUB_OUTPUT` and
//! `GITHUB_STEP_SUMMARY`), and `action.yml` checked for its inputs, outputs and pinned actions.
use crate::support::root;
use std::path::Path;
use std::process::{Command, Output};

fn action(step: &str, env: &[(&str, &str)], tmp: &Path) -> Output {
    Command::new("bash")
        .arg(root().join("scripts/action.sh"))
        .arg(step)
        .current_dir(root())
        .env("MCP_TLS_AUDIT_BIN", env!("CARGO_BIN_EXE_mcp-tls-audit"))
        .env("RUNNER_TEMP", tmp)
        .env("GITHUB_OUTPUT", tmp.join("output"))
        .env("GITHUB_STEP_SUMMARY", tmp.join("summary.md"))
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn the_action_scans_uploads_summarises_and_applies_fail_on() {
    let tmp = tempfile::tempdir().unwrap();
    let sarif = tmp.path().join("out.sarif");
    let sarif_path = sarif.to_str().unwrap();
    let install = action("install", &[], tmp.path());
    assert!(install.status.success() && String::from_utf8_lossy(&install.stdout).contains("using "));

    let scan = action(
        "scan",
        &[("INPUT_PATHS", "fixtures/projects/demo"), ("INPUT_SARIF_FILE", sarif_path), ("INPUT_CATEGORY", "tls")],
        tmp.path(),
    );
    let stdout = String::from_utf8_lossy(&scan.stdout);
    assert!(scan.status.success(), "the scan step never fails: {stdout}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("::error file=")).count(), 4, "{stdout}");
    let outputs = std::fs::read_to_string(tmp.path().join("output")).unwrap();
    for line in [format!("sarif-file={sarif_path}"), "findings=6".into(), "grade=F".into(), "exit-code=1".into()] {
        assert!(outputs.lines().any(|l| l == line), "{line} missing from\n{outputs}");
    }
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(doc["runs"][0]["automationDetails"]["id"], "tls/");

    assert!(action("summary", &[], tmp.path()).status.success());
    let summary = std::fs::read_to_string(tmp.path().join("summary.md")).unwrap();
    assert!(summary.contains("**Grade: F (54/100)**"), "{summary}");

    for (code, want) in [("0", 0), ("1", 1), ("2", 2), ("", 2)] {
        let finish = action("finish", &[("INPUT_EXIT_CODE", code)], tmp.path());
        assert_eq!(finish.status.code(), Some(want), "exit-code {code:?}");
    }
    // fail-on is applied by the scan, so a high threshold leaves the demo's findings below it.
    let lenient = action(
        "scan",
        &[("INPUT_PATHS", "fixtures/projects/demo"), ("INPUT_SARIF_FILE", sarif_path), ("INPUT_FAIL_ON", "critical")],
        tmp.path(),
    );
    assert!(lenient.status.success());
    let outputs = std::fs::read_to_string(tmp.path().join("output")).unwrap();
    assert_eq!(outputs.lines().last(), Some("exit-code=0"));
}

#[test]
fn action_yml_declares_the_inputs_the_script_reads_and_pins_actions() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let doc: serde_json::Value = yaml_serde::from_str(&text).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    let mut inputs = keys(&doc["inputs"]);
    inputs.sort();
    assert_eq!(
        inputs,
        [
            "annotations",
            "category",
            "config",
            "fail-on",
            "min-severity",
            "paths",
            "sarif-file",
            "summary",
            "upload-sarif",
            "version"
        ]
    );
    let mut outputs = keys(&doc["outputs"]);
    outputs.sort();
    assert_eq!(outputs, ["exit-code", "findings", "grade", "sarif-file"]);
    assert_eq!(doc["runs"]["using"], "composite");
    let script = std::fs::read_to_string(root().join("scripts/action.sh")).unwrap();
    for step in doc["runs"]["steps"].as_array().unwrap() {
        if let Some(uses) = step["uses"].as_str() {
            let sha = uses.rsplit('@').next().unwrap();
            assert!(sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()), "{uses} is not pinned by SHA");
        }
        for var in step["env"].as_object().into_iter().flat_map(|e| e.keys()) {
            assert!(script.contains(var.as_str()), "action.sh never reads {var}");
        }
    }
}
