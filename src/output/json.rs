//! The JSON report. Its shape is versioned by `version`; see the README for the fields.
use crate::engine::ScanReport;
use crate::finding::Severity;
use crate::walk::Level;
use serde_json::{Value, json};

/// Version of the JSON report shape; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

/// Renders the JSON report.
pub fn render(report: &ScanReport) -> String {
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let messages: Vec<Value> = report
        .messages
        .iter()
        .filter(|m| m.level != Level::Verbose)
        .map(|m| json!({"level": m.level, "path": m.path, "message": m.message}))
        .collect();
    let doc = json!({
        "version": JSON_VERSION,
        "tool": {"name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION")},
        "findings": report.findings,
        "summary": {
            "files_scanned": report.files_scanned,
            "files_parsed": report.files_parsed,
            "findings": report.findings.len(),
            "suppressed": report.suppressed.len(),
            "by_severity": {
                "critical": count(Severity::Critical),
                "high": count(Severity::High),
                "medium": count(Severity::Medium),
                "low": count(Severity::Low),
                "info": count(Severity::Info),
            },
        },
        "suppressed": report.suppressed,
        "messages": messages,
    });
    let mut doc = doc;
    if let Some(b) = &report.baseline {
        doc["summary"]["baseline"] = serde_json::to_value(b).expect("stats serialise");
    }
    if let Some(g) = &report.grade {
        doc["grade"] = serde_json::to_value(g).expect("grades serialise");
    }
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values serialise");
    s.push('\n');
    s
}
