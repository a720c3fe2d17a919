//! Baselines: `--write-baseline FILE` records today's findings; `--baseline FILE` reports only new ones.
//! Findings are matched by fingerprint (rule, path and normalised first line), so one that only moved is known.
use crate::finding::Finding;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// Version of the baseline file's shape.
pub const VERSION: u64 = 1;

/// What applying a baseline did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Findings the baseline already held (hidden).
    pub known: usize,
    /// Findings it did not hold (reported).
    pub new: usize,
    /// Baseline entries no finding matched any more.
    pub stale: usize,
}

/// The baseline file for `findings`.
pub fn render(findings: &[Finding]) -> String {
    let mut entries: Vec<Value> = findings
        .iter()
        .map(|f| json!({"rule": f.rule, "path": f.location.path, "fingerprint": f.fingerprint}))
        .collect();
    entries.sort_by_key(|e| e.to_string());
    let doc = json!({"version": VERSION, "tool": env!("CARGO_PKG_NAME"), "findings": entries});
    serde_json::to_string_pretty(&doc).expect("JSON values serialise") + "\n"
}

/// Reads a baseline: how many times each fingerprint is known.
pub fn load(path: &Path) -> Result<BTreeMap<String, usize>, String> {
    let fail = |what: String| format!("{}: {what}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| fail(format!("not a baseline file ({e})")))?;
    if doc["version"].as_u64() != Some(VERSION) {
        return Err(fail(format!("not a version {VERSION} baseline file (write one with --write-baseline)")));
    }
    let mut known = BTreeMap::new();
    for entry in doc["findings"].as_array().ok_or_else(|| fail("no `findings` list".into()))? {
        let fp = entry["fingerprint"].as_str().ok_or_else(|| fail("an entry without `fingerprint`".into()))?;
        *known.entry(fp.to_string()).or_default() += 1;
    }
    Ok(known)
}

/// Keeps the findings the baseline does not know (each entry matches one finding) and counts the rest.
pub fn apply(findings: &mut Vec<Finding>, mut known: BTreeMap<String, usize>) -> Stats {
    let before = findings.len();
    findings.retain(|f| match known.get_mut(&f.fingerprint) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    Stats { known: before - findings.len(), new: findings.len(), stale: known.values().sum() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn f(fp: &str) -> Finding {
        Finding { fingerprint: fp.into(), ..Finding::for_test("r", Severity::High, "a.ts", 1) }
    }

    #[test]
    fn each_entry_hides_one_finding_and_leftovers_are_stale() {
        let known = BTreeMap::from([("a".to_string(), 1), ("b".to_string(), 2), ("gone".to_string(), 1)]);
        let mut findings = vec![f("a"), f("a"), f("b"), f("c")];
        let stats = apply(&mut findings, known);
        assert_eq!(stats, Stats { known: 2, new: 2, stale: 2 });
        let left: Vec<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
        assert_eq!(left, ["a", "c"]);
    }
}
