//! `fixtures/<rule-id>/`: every entry (file or folder) is scanned as its own project with only that rule, and
//! the finding lines must be exactly the lines marked `expect: <rule-id>`.
use crate::support::{files_below, root, run};
use std::collections::BTreeSet;

/// Expected finding lines: `expect: <rule>` markers, and for formats without comments (JSON) a sidecar
/// `<file>.expect` with one line number per line.
fn expected(rule: &str, entry: &std::path::Path) -> BTreeSet<(String, usize)> {
    let marker = format!("expect: {rule}");
    let mut out = BTreeSet::new();
    for file in files_below(entry) {
        if let Some(target) = file.to_str().and_then(|f| f.strip_suffix(".expect")) {
            let lines = std::fs::read_to_string(&file).unwrap();
            out.extend(lines.lines().map(|l| (target.to_string(), l.trim().parse::<usize>().expect("a line number"))));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        for (i, line) in text.lines().enumerate() {
            if line.contains(&marker) {
                out.insert((file.display().to_string(), i + 1));
            }
        }
    }
    out
}

#[test]
fn every_rule_hits_exactly_its_expect_lines() {
    let dir = root().join("fixtures");
    let rules = run(["rules", "--format", "json"]);
    let rules: Vec<serde_json::Value> = serde_json::from_str(&rules.stdout).unwrap();
    let mut failures = Vec::new();
    for rule in &rules {
        let id = rule["id"].as_str().unwrap();
        if rule["languages"] == serde_json::json!(["certificate"]) || rule["languages"] == serde_json::json!([]) {
            // Certificates are minted at test time (certificates.rs); probe-only rules run against live servers
            // (probe.rs).
            continue;
        }
        let rule_dir = dir.join(id);
        assert!(rule_dir.is_dir(), "rule {id} has no fixtures/{id}/ folder");
        let mut entries: Vec<_> = std::fs::read_dir(&rule_dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        let (mut positives, mut files) = (0, 0);
        for entry in entries {
            let want = expected(id, &entry);
            positives += want.len();
            files += 1;
            let out = run([
                "scan".as_ref(),
                entry.as_os_str(),
                "--select".as_ref(),
                id.as_ref(),
                "--format".as_ref(),
                "json".as_ref(),
            ]);
            assert_ne!(out.code, 2, "{}: {}", entry.display(), out.stderr);
            assert!(!out.stderr.contains("warning:"), "{}: {}", entry.display(), out.stderr);
            let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            let got: BTreeSet<(String, usize)> = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| (f["path"].as_str().unwrap().to_string(), f["start"]["line"].as_u64().unwrap() as usize))
                .collect();
            for (path, line) in want.difference(&got) {
                failures.push(format!("{path}:{line}: missing {id}"));
            }
            for (path, line) in got.difference(&want) {
                failures.push(format!("{path}:{line}: unexpected {id}"));
            }
        }
        assert!(files > 0 && positives >= 5, "{id}: needs at least five `expect:` cases, has {positives}");
    }
    assert!(failures.is_empty(), "{} fixture mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_rule_has_at_least_five_negative_cases() {
    for entry in std::fs::read_dir(root().join("fixtures")).unwrap() {
        let path = entry.unwrap().path();
        let id = path.file_name().unwrap().to_str().unwrap().to_string();
        if !path.is_dir() || id == "projects" || id == "runtime" {
            continue;
        }
        let marker = format!("ok: {id}");
        let count: usize = files_below(&path)
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .map(|t| t.lines().filter(|l| l.contains(&marker)).count())
            .sum();
        assert!(count >= 5, "{id}: needs at least five `ok:` negative cases, has {count}");
    }
}
