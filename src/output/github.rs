//! GitHub Actions: workflow-command annotations (`--format github`) and the Markdown job summary (`--summary`).
use crate::engine::ScanReport;
use crate::finding::{Finding, Severity};
use std::collections::BTreeMap;
use std::fmt::Write;

/// GitHub shows at most this many annotations of each kind per step.
const PER_KIND: usize = 10;
/// The job summary's size limit is 1 MiB; stay well under it.
const SUMMARY_MAX: usize = 512 * 1024;
/// Findings listed one by one in the summary.
const SUMMARY_TOP: usize = 50;

/// Escapes a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

fn kind(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

fn most_severe_first(findings: &[Finding]) -> Vec<&Finding> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.sort_key().cmp(&b.sort_key())));
    sorted
}

/// One `::error`/`::warning`/`::notice` line per finding, most severe first, at most ten of each kind, then a
/// notice saying how many were left out.
pub fn annotations(findings: &[Finding]) -> String {
    let sorted = most_severe_first(findings);
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = String::new();
    let mut hidden = 0;
    for f in sorted {
        let k = kind(f.severity);
        let count = shown.entry(k).or_default();
        // The last notice slot is kept for the note about the findings left out.
        let limit = if k == "notice" { PER_KIND - 1 } else { PER_KIND };
        if *count >= limit {
            hidden += 1;
            continue;
        }
        *count += 1;
        let l = &f.location;
        let location = if l.path.starts_with("https://") {
            String::new()
        } else {
            format!(
                "file={},line={},col={},endLine={},endColumn={},",
                property(&l.path),
                l.start.line,
                l.start.column,
                l.end.line,
                l.end.column
            )
        };
        let title = property(&format!("{} ({})", f.rule, f.severity));
        let _ = writeln!(out, "::{k} {location}title={title}::{}", data(&format!("{}\n{}", f.message, f.help)));
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "::notice title=mcp-tls-audit::{hidden} more finding{} not shown as annotations (GitHub shows {PER_KIND} of each kind per step); see the job summary or the SARIF upload",
            if hidden == 1 { "" } else { "s" }
        );
    }
    out
}

/// The Markdown job summary: grade, findings by rule and severity, and the top findings with links.
pub fn summary(report: &ScanReport, title: &str) -> String {
    let mut s = format!("## {title}\n\n");
    if let Some(g) = &report.grade {
        let _ = writeln!(s, "**Grade: {} ({}/100)**\n", g.letter, g.score);
    }
    let _ = writeln!(
        s,
        "{} finding{} in {} file{} scanned{}.\n",
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" },
        report.files_scanned,
        if report.files_scanned == 1 { "" } else { "s" },
        match report.suppressed.len() {
            0 => String::new(),
            n => format!("; {n} suppressed by ignore comments"),
        }
    );
    if report.findings.is_empty() {
        return s;
    }
    let severities = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];
    let mut by_rule: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for f in &report.findings {
        let i = severities.iter().position(|s| *s == f.severity).expect("every severity is listed");
        by_rule.entry(f.rule.as_str()).or_default()[i] += 1;
    }
    s.push_str("| rule | critical | high | medium | low | info |\n|---|---|---|---|---|---|\n");
    for (rule, counts) in &by_rule {
        let cells: Vec<String> = counts.iter().map(|c| if *c == 0 { String::new() } else { c.to_string() }).collect();
        let _ = writeln!(s, "| `{rule}` | {} |", cells.join(" | "));
    }
    let sorted = most_severe_first(&report.findings);
    let _ = writeln!(s, "\n### Top findings\n");
    let base =
        match (std::env::var("GITHUB_SERVER_URL"), std::env::var("GITHUB_REPOSITORY"), std::env::var("GITHUB_SHA")) {
            (Ok(server), Ok(repo), Ok(sha)) if !repo.is_empty() => Some(format!("{server}/{repo}/blob/{sha}/")),
            _ => None,
        };
    for f in sorted.iter().take(SUMMARY_TOP) {
        let l = &f.location;
        let place = format!("{}:{}", l.path, l.start.line);
        let link = match &base {
            Some(b) if !l.path.starts_with('/') && !l.path.starts_with("https://") => {
                format!("[{place}]({b}{}#L{})", l.path, l.start.line)
            }
            _ => format!("`{place}`"),
        };
        let line = format!("- **{}** `{}` {link}: {}\n", f.severity, f.rule, f.message.replace('\n', " "));
        if s.len() + line.len() > SUMMARY_MAX {
            s.push_str("- (the rest is cut to keep the summary small)\n");
            break;
        }
        s.push_str(&line);
    }
    if sorted.len() > SUMMARY_TOP {
        let _ = writeln!(s, "\n{} more in the SARIF or JSON report.", sorted.len() - SUMMARY_TOP);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str, severity: Severity, line: usize, message: &str) -> Finding {
        let mut f = Finding::for_test(rule, severity, "src/a,b:c.ts", line);
        f.location.start.column = 3;
        f.location.end = f.location.start;
        Finding { message: message.into(), help: "fix: it".into(), ..f }
    }

    #[test]
    fn workflow_commands_are_escaped() {
        let out = annotations(&[f("tls-verify-disabled", Severity::High, 7, "100% off\r\nnext")]);
        assert_eq!(
            out,
            "::error file=src/a%2Cb%3Ac.ts,line=7,col=3,endLine=7,endColumn=3,title=tls-verify-disabled (high)::100%25 off%0D%0Anext%0Afix: it\n"
        );
    }

    #[test]
    fn ten_of_each_kind_most_severe_first_then_a_count() {
        let mut findings: Vec<Finding> = (1..=12).map(|i| f("low-one", Severity::Low, i, "m")).collect();
        findings.extend((1..=3).map(|i| f("high-one", Severity::High, i, "m")));
        let out = annotations(&findings);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[..3].iter().all(|l| l.starts_with("::error ")), "{out}");
        assert_eq!(lines.iter().filter(|l| l.starts_with("::warning ")).count(), 10);
        assert!(lines.last().unwrap().starts_with("::notice title=mcp-tls-audit::2 more findings not shown"), "{out}");
    }

    #[test]
    fn the_summary_stays_small() {
        let findings: Vec<Finding> = (1..=5000).map(|i| f("r", Severity::High, i, &"x".repeat(400))).collect();
        let report = ScanReport { findings, files_scanned: 1, ..ScanReport::default() };
        let s = summary(&report, "mcp-tls-audit");
        assert!(s.len() < SUMMARY_MAX + 1024, "{}", s.len());
        assert!(s.contains("| `r` |  | 5000 |"), "{}", &s[..400]);
        assert!(s.contains("4950 more in the SARIF or JSON report."));
    }
}
