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

/// The SARIF `security-severity` GitHub ranks alerts by (none for info).
fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("2.0"),
        Severity::Info => None,
    }
}

/// Percent-encodes what a URI path may not hold as is.
fn uri_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The working directory as the `%SRCROOT%` base URI (`file:///.../`).
fn srcroot() -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    let mut path = uri_path(&cwd.to_string_lossy());
    if !path.ends_with('/') {
        path.push('/');
    }
    Some(format!("file://{path}"))
}

/// A finding's location: relative to the working directory under `%SRCROOT%` (what GitHub code scanning wants
/// when the scan runs at the repository root), an absolute file URI outside it, or a probe's URL.
fn artifact(path: &str) -> Value {
    if path.starts_with("https://") {
        return json!({"uri": path});
    }
    let p = std::path::Path::new(path);
    let relative = if p.is_absolute() {
        std::env::current_dir().ok().and_then(|cwd| p.strip_prefix(cwd).ok().map(|r| r.to_string_lossy().to_string()))
    } else {
        Some(path.to_string())
    };
    match relative {
        Some(rel) => json!({"uri": uri_path(&rel), "uriBaseId": "%SRCROOT%"}),
        None => json!({"uri": format!("file://{}", uri_path(path))}),
    }
}

/// A SARIF `location` for a span of a file.
fn physical(loc: &crate::finding::Location) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": artifact(&loc.path),
            "region": {
                "startLine": loc.start.line,
                "startColumn": loc.start.column,
                "endLine": loc.end.line,
                "endColumn": loc.end.column,
            },
        },
    })
}

/// Renders one SARIF run with the full rule catalogue; `category` is the stable `automationDetails.id`.
pub fn render(report: &ScanReport, rules: &RuleSet, category: &str) -> String {
    let catalogue: Vec<Value> = rules
        .rules
        .iter()
        .map(|r| {
            let m = &r.meta;
            let mut tags = vec!["security".to_string()];
            tags.extend(m.cwe.iter().map(|c| format!("external/cwe/cwe-{c}")));
            let mut properties = json!({
                "tags": tags,
                "precision": m.confidence.as_str(),
                "severity": m.severity,
                "confidence": m.confidence,
            });
            if let Some(s) = security_severity(m.severity) {
                properties["security-severity"] = json!(s);
            }
            let mut rule = json!({
                "id": m.id,
                "name": m.id,
                "shortDescription": {"text": m.title},
                "fullDescription": {"text": m.message.trim()},
                "help": {"text": m.help.trim(), "markdown": r.explain()},
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": properties,
            });
            if let Some(uri) = m.references.first() {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = rules.rules.iter().position(|r| r.meta.id == f.rule);
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [physical(&f.location)],
                "partialFingerprints": {"mcp-tls-audit/v1": f.fingerprint},
                "properties": {"severity": f.severity, "confidence": f.confidence},
            });
            if let Some(i) = index {
                result["ruleIndex"] = json!(i);
            }
            if let Some(cert) = &f.certificate {
                result["properties"]["certificate"] = json!(cert);
            }
            if !f.related.is_empty() {
                let related: Vec<Value> = (1..)
                    .zip(&f.related)
                    .map(|(id, r)| {
                        let mut l = physical(&r.location);
                        l["id"] = json!(id);
                        l["message"] = json!({"text": r.message});
                        l
                    })
                    .collect();
                result["relatedLocations"] = json!(related);
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
            "automationDetails": {"id": category},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": srcroot()}},
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
