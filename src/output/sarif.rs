//! SARIF 2.1.0 for code-scanning tools.
use crate::engine::ScanReport;
use crate::finding::Severity;
use crate::rule::RuleSet;
use crate::walk::Level;
use serde_json::{Value, json};

/// The SARIF level of a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// A file relative to the scanned root, or (probe findings) the absolute URL of the endpoint.
fn artifact(uri: &str) -> Value {
    if uri.starts_with("https://") { json!({"uri": uri}) } else { json!({"uri": uri, "uriBaseId": "%SRCROOT%"}) }
}

/// Renders one SARIF run with the full rule catalogue.
pub fn render(report: &ScanReport, rules: &RuleSet) -> String {
    let catalogue: Vec<Value> = rules
        .rules
        .iter()
        .map(|r| {
            let m = &r.meta;
            let mut tags = vec!["security".to_string()];
            tags.extend(m.cwe.iter().map(|c| format!("external/cwe/cwe-{c}")));
            json!({
                "id": m.id,
                "name": m.id,
                "shortDescription": {"text": m.title},
                "fullDescription": {"text": m.message.trim()},
                "help": {"text": m.help.trim(), "markdown": m.docs},
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": {"tags": tags, "severity": m.severity, "confidence": m.confidence},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = rules.rules.iter().position(|r| r.meta.id == f.rule);
            let loc = &f.location;
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact(&loc.rel_path),
                        "region": {
                            "startLine": loc.start.line,
                            "startColumn": loc.start.column,
                            "endLine": loc.end.line,
                            "endColumn": loc.end.column,
                        },
                    },
                }],
                "properties": {"severity": f.severity, "confidence": f.confidence},
            });
            if let Some(i) = index {
                result["ruleIndex"] = json!(i);
            }
            if let Some(cert) = &f.certificate {
                result["properties"]["certificate"] = json!(cert);
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = report
        .messages
        .iter()
        .filter(|m| m.level == Level::Warning)
        .map(|m| json!({"level": "warning", "message": {"text": format!("{}: {}", m.path, m.message)}}))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": env!("CARGO_PKG_NAME"),
                "version": env!("CARGO_PKG_VERSION"),
                "rules": catalogue,
            }},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": true, "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    });
    let mut doc = doc;
    if let Some(g) = &report.grade {
        doc["runs"][0]["properties"] = json!({"grade": {"score": g.score, "letter": g.letter.to_string()}});
    }
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values serialise");
    s.push('\n');
    s
}
