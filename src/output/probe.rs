//! Probe reports: a table of checks with evidence (text), the checks and findings (JSON), findings (SARIF).
use super::Format;
use crate::engine::ScanReport;
use crate::probe::{ProbeReport, Status};
use crate::rule::RuleSet;
use serde_json::json;

/// Renders a probe report.
pub fn render(format: Format, report: &ProbeReport, rules: &RuleSet) -> String {
    let findings = report.findings(rules);
    let confirmed = findings.iter().map(|f| f.rule.clone()).collect();
    let grade = crate::grade::grade(&[], &findings, &confirmed);
    match format {
        Format::Text => text(report) + &grade.render_text(),
        Format::Json => {
            let count = |s: Status| report.checks.iter().filter(|c| c.status == s).count();
            let doc = json!({
                "version": super::json::JSON_VERSION,
                "tool": {"name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION")},
                "url": report.url,
                "checks": report.checks,
                "findings": findings,
                "grade": grade,
                "summary": {
                    "pass": count(Status::Pass), "fail": count(Status::Fail),
                    "skip": count(Status::Skip), "error": count(Status::Error),
                },
            });
            serde_json::to_string_pretty(&doc).expect("JSON values serialise") + "\n"
        }
        Format::Github => super::github::annotations(&findings),
        Format::Sarif => {
            let scan = ScanReport { findings, grade: Some(grade), ..ScanReport::default() };
            super::sarif::render(&scan, rules, "mcp-tls-audit/probe/")
        }
    }
}

fn text(report: &ProbeReport) -> String {
    let mut s = format!("Probe of {}\n\n", report.url);
    let id_w = report.checks.iter().map(|c| c.id.len()).max().unwrap_or(5);
    let rule_w = report.checks.iter().filter_map(|c| c.rule.map(str::len)).max().unwrap_or(0).max(4);
    s.push_str(&format!("{:id_w$}  {:6}  {:rule_w$}  EVIDENCE\n", "CHECK", "STATUS", "RULE"));
    for c in &report.checks {
        let status = match c.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
            Status::Error => "error",
        };
        s.push_str(&format!("{:id_w$}  {status:6}  {:rule_w$}  {}\n", c.id, c.rule.unwrap_or("-"), c.evidence));
    }
    let n = |st: Status| report.checks.iter().filter(|c| c.status == st).count();
    s.push_str(&format!(
        "\n{} checks: {} pass, {} fail, {} skip, {} error.\n",
        report.checks.len(),
        n(Status::Pass),
        n(Status::Fail),
        n(Status::Skip),
        n(Status::Error)
    ));
    s
}
