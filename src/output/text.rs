//! Human-readable diagnostics (miette) with the source snippet, then a one-line summary.
use crate::engine::ScanReport;
use crate::finding::{Finding, Severity};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use std::fmt;
use std::sync::Arc;

struct Diag<'a> {
    finding: &'a Finding,
    /// The file's text; `None` for binary files (DER certificates), which are reported without a snippet.
    source: Option<NamedSource<Arc<str>>>,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let f = self.finding;
        Some(Box::new(format!("{} (severity: {}, confidence: {})", f.rule, f.severity, f.confidence)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Critical | Severity::High => miette::Severity::Error,
            Severity::Medium | Severity::Low => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let b = &self.finding.location.bytes;
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(
            Some(self.finding.rule.clone()),
            (b.start, first_line_len(self, b)),
        ))))
    }
}

/// The span length, cut at the end of its first line so multi-line constructs render compactly.
fn first_line_len(d: &Diag<'_>, b: &std::ops::Range<usize>) -> usize {
    let Some(src) = &d.source else { return 0 };
    let src = src.inner();
    let end = src[b.start..b.end].find('\n').map_or(b.end, |i| b.start + i);
    end - b.start
}

/// Renders every finding, then a summary line.
pub fn render(report: &ScanReport, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let mut out = String::new();
    for f in &report.findings {
        let source = report.sources.get(&f.location.path).map(|src| NamedSource::new(&f.location.path, src.clone()));
        let diag = Diag { finding: f, source };
        handler.render_report(&mut out, &diag).expect("writing to a String cannot fail");
        if diag.source.is_none() {
            out.push_str(&format!("  at {}\n", f.location.path));
        }
        // The cross-module steps the finding relies on.
        for r in &f.related {
            let l = &r.location;
            out.push_str(&format!("  via {}:{}:{}: {}\n", l.path, l.start.line, l.start.column, r.message));
        }
        out.push('\n');
    }
    out.push_str(&summary(report));
    if let Some(g) = &report.grade {
        out.push_str(&g.render_text());
    }
    out
}

fn summary(report: &ScanReport) -> String {
    let n = report.findings.len();
    let files = report.files_scanned;
    let mut suppressed = match report.suppressed.len() {
        0 => String::new(),
        k => format!(" {k} suppressed by ignore comments."),
    };
    if let Some(b) = &report.baseline {
        suppressed.push_str(&format!(" Baseline: {} known (hidden), {} stale entries.", b.known, b.stale));
    }
    if n == 0 {
        return format!("No findings in {files} file{}.{suppressed}\n", plural(files));
    }
    let parts: Vec<String> = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info]
        .iter()
        .filter_map(|s| {
            let c = report.findings.iter().filter(|f| f.severity == *s).count();
            (c > 0).then(|| format!("{c} {s}"))
        })
        .collect();
    format!("{n} finding{} ({}) in {files} file{} scanned.{suppressed}\n", plural(n), parts.join(", "), plural(files))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
