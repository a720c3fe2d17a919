//! Inline suppressions: `// mcp-tls-audit: ignore[rule-id,...] reason` (or after `#`, `/*`, `<!--`) at the end of
//! a finding's line, or on a line of its own just before it.
use regex::Regex;
use std::sync::LazyLock;

/// The marker every directive starts with; files without it are not searched further.
pub const MARKER: &str = "mcp-tls-audit:";

static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?://|#|/\*|<!--)\s*mcp-tls-audit:\s*ignore(?:\[([^\]]*)\])?(.*)").expect("the pattern is valid")
});

/// One ignore comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Its 1-based line; it covers findings that start on this line, and on the next one when the comment is on
    /// a line of its own.
    pub line: usize,
    /// Nothing but the comment is on its line.
    pub own_line: bool,
    /// The rule ids it names.
    pub rules: Vec<String>,
    /// Why, when given.
    pub reason: Option<String>,
}

/// The directives of a text, and what is wrong with malformed ones (with their line).
pub fn directives(src: &str) -> (Vec<Directive>, Vec<String>) {
    let (mut found, mut problems) = (Vec::new(), Vec::new());
    if !src.contains(MARKER) {
        return (found, problems);
    }
    for (i, text) in src.lines().enumerate() {
        let Some(c) = DIRECTIVE.captures(text) else { continue };
        let line = i + 1;
        let rules: Vec<String> = c
            .get(1)
            .map(|m| m.as_str().split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect())
            .unwrap_or_default();
        if rules.is_empty() {
            problems.push(format!(
                "line {line}: `mcp-tls-audit: ignore` must name the rules it silences, e.g. `ignore[tls-verify-disabled]`"
            ));
            continue;
        }
        let reason = c.get(2).map(|m| m.as_str().trim().trim_end_matches("*/").trim_end_matches("-->").trim());
        let reason = reason.filter(|r| !r.is_empty()).map(str::to_string);
        let own_line = text[..c.get(0).expect("the whole match").start()].trim().is_empty();
        found.push(Directive { line, own_line, rules, reason });
    }
    (found, problems)
}

impl Directive {
    /// Whether it silences `rule` for a finding starting on `line`.
    pub fn covers(&self, rule: &str, line: usize) -> bool {
        (line == self.line || (self.own_line && line == self.line + 1)) && self.rules.iter().any(|r| r == rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_in_every_syntax() {
        let src = "a // mcp-tls-audit: ignore[tls-verify-disabled] lab only\n\
                   # mcp-tls-audit: ignore[env-tls-verify-disabled, node-options-insecure]\n\
                   /* mcp-tls-audit: ignore[ca-not-pinned] pinned upstream */\n";
        let (d, problems) = directives(src);
        assert!(problems.is_empty());
        let first = Directive {
            line: 1,
            own_line: false,
            rules: vec!["tls-verify-disabled".into()],
            reason: Some("lab only".into()),
        };
        assert_eq!(d[0], first);
        assert_eq!(d[1].rules, ["env-tls-verify-disabled", "node-options-insecure"]);
        assert_eq!(d[1].reason, None);
        assert_eq!(d[2].reason.as_deref(), Some("pinned upstream"));
        // A trailing comment covers its own line; a comment on a line of its own covers the next one too.
        assert!(d[0].covers("tls-verify-disabled", 1) && !d[0].covers("tls-verify-disabled", 2));
        assert!(!d[0].covers("ca-not-pinned", 1));
        assert!(d[1].own_line && d[1].covers("node-options-insecure", 3) && !d[1].covers("node-options-insecure", 4));
    }

    #[test]
    fn a_rule_id_is_mandatory_and_prose_is_not_a_directive() {
        let (d, problems) = directives("// mcp-tls-audit: ignore\n// mcp-tls-audit: ignore[] why\n");
        assert!(d.is_empty());
        assert_eq!(problems.len(), 2);
        assert!(problems[0].starts_with("line 1:"));
        let (d, problems) = directives("const doc = 'see mcp-tls-audit: ignore[x] in the README';\n");
        assert!(d.is_empty() && problems.is_empty());
    }
}
