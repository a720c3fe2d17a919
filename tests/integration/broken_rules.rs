//! A broken rule file stops the run with exit 2 and names the file and the problem; a good user rule runs.
use crate::support::run;
use std::fs;

const VALID: &str = r###"id: ID
title: Custom check
severity: low
confidence: high
languages: [javascript, typescript]
scope: node
message: custom finding
help: do not
docs: "## What it does"
examples: {bad: ["eval(x)"], good: ["evaluate(x)"]}
match:
  all:
    - query: '((call_expression function: (identifier) @f) @match (#eq? @f "eval"))'
"###;

fn with_rule(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::write(&path, text).unwrap();
    (dir, path.display().to_string())
}

fn scan_with(dir: &tempfile::TempDir) -> crate::support::Run {
    run(["scan", "fixtures/projects/demo", "--rules", &dir.path().display().to_string(), "-q"])
}

fn assert_rejected(name: &str, text: &str, expect: &str) {
    let (dir, path) = with_rule(name, text);
    let out = scan_with(&dir);
    assert_eq!(out.code, 2, "{name}: {}", out.stdout);
    assert!(out.stderr.contains(&format!("error: {path}: ")) && out.stderr.contains(expect), "{name}: {}", out.stderr);
}

#[test]
fn a_valid_user_rule_runs() {
    let (dir, _) = with_rule("no-eval.yaml", &VALID.replace("ID", "no-eval"));
    let target = dir.path().join("code.js");
    fs::write(&target, "eval(input);\nevaluate(input);\n").unwrap();
    let out = run([
        "scan",
        &target.display().to_string(),
        "--rules",
        &dir.path().display().to_string(),
        "--select",
        "no-eval",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("\"rule\": \"no-eval\""));
}

#[test]
fn broken_rule_files_stop_the_run() {
    assert_rejected("bad-yaml.yaml", "id: [unclosed", "");
    assert_rejected("extra.yaml", &format!("{}colour: red\n", VALID.replace("ID", "extra")), "unknown field `colour`");
    assert_rejected(
        "bad-query.yaml",
        &VALID.replace("ID", "bad-query").replace("(identifier) @f", "(identifier @f"),
        "query does not compile",
    );
    assert_rejected(
        "no-capture.yaml",
        &VALID.replace("ID", "no-capture").replace(" @match ", " "),
        "needs a `@match` capture",
    );
    assert_rejected("tls-verify-disabled.yaml", &VALID.replace("ID", "tls-verify-disabled"), "duplicate rule id");
    assert_rejected("stem.yaml", &VALID.replace("ID", "other"), "must equal the file name stem");
    assert_rejected(
        "node-absent.yaml",
        &format!("{}    - absent: {{query: '(identifier) @match'}}\n", VALID.replace("ID", "node-absent")),
        "`absent` needs `scope: file` or `scope: project`",
    );
    assert_rejected(
        "no-rust.yaml",
        &VALID.replace("ID", "no-rust").replace("[javascript, typescript]", "[javascript, typescript, rust]"),
        "lists `rust` but the rule has no `rust` section",
    );
    assert_rejected(
        "bad-config-file.yaml",
        &(VALID
            .replace("ID", "bad-config-file")
            .replace("[javascript, typescript]", "[javascript, typescript, config]")
            + "config:\n  variable: X\n  values: [\"0\"]\n  examples:\n    bad: [{file: notes.txt, text: \"X=0\"}]\n    good: [{file: .env, text: \"X=1\"}]\n"),
        "`notes.txt` is not a config file name",
    );
    assert_rejected(
        "no-anchor.yaml",
        &VALID.replace("ID", "no-anchor").replace(
            "- query: '((call_expression function: (identifier) @f) @match (#eq? @f \"eval\"))'",
            "- property: x",
        ),
        "needs a `query`",
    );
}
