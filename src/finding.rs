//! The finding model shared by every front end and every output format.
use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a finding is when it is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, not a weakness by itself.
    Info,
    /// A weakness with little direct impact.
    Low,
    /// A weakness an attacker can use with some effort.
    Medium,
    /// Authentication or confidentiality is broken.
    High,
    /// Broken and trivially exploitable.
    Critical,
}

/// How sure the rule is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Often wrong; needs a human look.
    Low,
    /// Usually right.
    Medium,
    /// Almost always right.
    High,
}

impl Severity {
    /// The lowercase name used in rules, CLI flags and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl Severity {
    /// One step less severe (info stays info).
    pub fn lowered(self) -> Self {
        match self {
            Self::Critical => Self::High,
            Self::High => Self::Medium,
            Self::Medium => Self::Low,
            Self::Low | Self::Info => Self::Info,
        }
    }
}

impl Confidence {
    /// One step less sure (low stays low).
    pub fn lowered(self) -> Self {
        match self {
            Self::High => Self::Medium,
            Self::Medium | Self::Low => Self::Low,
        }
    }

    /// The lowercase name used in rules and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based line and column (columns count Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in Unicode code points.
    pub column: usize,
}

impl Position {
    /// The position of byte `byte` of `src` (a byte inside a character counts as that character).
    pub fn in_text(src: &str, byte: usize) -> Self {
        let mut byte = byte.min(src.len());
        while !src.is_char_boundary(byte) {
            byte -= 1;
        }
        let before = &src[..byte];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.bytes().filter(|b| *b == b'\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// Where something that comes from another module of the project is defined: the export, function or trait impl
/// that provides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The module's index in the scan's file list.
    pub file: usize,
    /// The byte range of the defining node.
    pub bytes: std::ops::Range<usize>,
    /// Where the defining node starts.
    pub start: Position,
    /// Where it ends.
    pub end: Position,
    /// What is defined there: `tlsOptions`, `default export`, `makeTlsOptions()`.
    pub what: String,
}

impl Origin {
    /// The origin of bytes `bytes` of file `file`, whose text is `src`.
    pub fn in_text(src: &str, file: usize, bytes: std::ops::Range<usize>, what: String) -> Self {
        let (start, end) = (Position::in_text(src, bytes.start), Position::in_text(src, bytes.end));
        Origin { file, bytes, start, end, what }
    }
}

/// Another place a finding depends on: where a value that crossed a module boundary is defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// What is there, e.g. "`tlsOptions`, defined in another module".
    pub message: String,
    /// Where.
    #[serde(flatten)]
    pub location: Location,
}

/// Where a finding points: a file and a span in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The path as walked (relative to the working directory when the user gave a relative root).
    pub path: String,
    /// The path relative to the scanned root, with `/` separators.
    #[serde(skip)]
    pub rel_path: String,
    /// First character of the span.
    pub start: Position,
    /// One past the last character of the span.
    pub end: Position,
    /// Byte range in the file, for snippets.
    #[serde(skip)]
    pub bytes: std::ops::Range<usize>,
}

/// One reported problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule id, e.g. `tls-verify-disabled`.
    pub rule: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// Confidence of the rule.
    pub confidence: Confidence,
    /// One-line description of what is wrong here.
    pub message: String,
    /// One line on how to fix it.
    pub help: String,
    /// Where it is.
    #[serde(flatten)]
    pub location: Location,
    /// In test-only code: a test path, `#[cfg(test)]` or `#[test]`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub test_code: bool,
    /// The certificate the finding is about (certificate rules only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<crate::lang::cert::CertSummary>,
    /// Stable identity across line moves: rule, path and the normalised text of the finding's first line.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// Places in other files the finding relies on (values followed across modules).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

/// A fingerprint from the rule, the path and a piece of text (whitespace runs collapse, so re-indenting or
/// moving the line keeps it): 32 hex digits of SHA-256.
pub fn fingerprint(rule: &str, path: &str, text: &str) -> String {
    let normalised = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [rule, path, &normalised] {
        ctx.update(part.as_bytes());
        ctx.update(&[0]);
    }
    ctx.finish().as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

impl Finding {
    /// A finding for unit tests: `rule` at `path:line`, high confidence, no message.
    #[cfg(test)]
    pub fn for_test(rule: &str, severity: Severity, path: &str, line: usize) -> Self {
        let p = Position { line, column: 1 };
        Finding {
            rule: rule.into(),
            severity,
            confidence: Confidence::High,
            message: String::new(),
            help: String::new(),
            location: Location { path: path.into(), rel_path: path.into(), start: p, end: p, bytes: 0..0 },
            test_code: false,
            certificate: None,
            fingerprint: String::new(),
            related: Vec::new(),
        }
    }

    /// The order reports use: path, position, rule.
    pub fn sort_key(&self) -> (&str, Position, &str) {
        (&self.location.path, self.location.start, &self.rule)
    }
}
