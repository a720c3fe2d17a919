//! Report renderers: text, JSON, SARIF and GitHub annotations. Renderers only; no analysis happens here.
pub mod github;
pub mod json;
pub mod probe;
pub mod sarif;
pub mod text;

use crate::engine::ScanReport;
use crate::rule::RuleSet;

/// The output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable diagnostics with source snippets.
    Text,
    /// The versioned JSON report (see README).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=..::`), ten of each kind at most.
    Github,
}

/// Renders a report; `category` names the SARIF analysis (`automationDetails.id` is `CATEGORY/`).
pub fn render(format: Format, report: &ScanReport, rules: &RuleSet, color: bool, category: &str) -> String {
    match format {
        Format::Text => text::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, rules, &format!("{}/", category.trim_end_matches('/'))),
        Format::Github => github::annotations(&report.findings),
    }
}
