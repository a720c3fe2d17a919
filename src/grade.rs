//! The grade: a score 0-100 and a letter A-F from itemised, capped deductions (`mcp-tls-audit explain grading`).
use crate::finding::{Confidence, Finding, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The formula, as `explain grading` prints it and the README repeats it.
pub const DOC: &str = "\
# Grading

Every run (`scan`, `probe`, and `scan --probe-report FILE`, which combines both) gets a score from 0 to 100 and a
letter. The score starts at 100 and loses one deduction per finding:

    points = base(severity) x weight(confidence) x context x runtime

| severity | base |   | confidence | weight |
|---|---|---|---|---|
| critical | 25 |   | high | 1.0 |
| high | 10 |   | medium | 0.7 |
| medium | 4 |   | low | 0.4 |
| low | 1 |   |  |  |
| info | 0 |   |  |  |

- context is 0.25 for a finding in test-only code (test, example and fixture paths, `#[cfg(test)]`), else 1;
- runtime is 1.5 for a finding the probe confirmed on a live endpoint (a probe failure, or a static finding of a
  rule the probe also reported), else 1;
- each rule loses at most 30 points in all, so one repeated pattern cannot zero the score alone;
- score = 100 - the sum of the capped rule totals, rounded to the nearest integer, never below 0.

The letter is A for 90 and up, B for 80, C for 70, D for 60, F below. Then two caps apply: an A needs no high or
critical finding outside test-only code (else B at best), and a critical finding outside test-only code caps the
letter at D. Reports list every deduction, the rule totals, and the caps that applied.
";

/// Points lost by one rule at most.
pub const RULE_CAP: f64 = 30.0;

/// One finding's deduction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deduction {
    /// The rule.
    pub rule: String,
    /// Where (path or URL, and line).
    pub location: String,
    /// Its severity.
    pub severity: Severity,
    /// Its confidence.
    pub confidence: Confidence,
    /// In test-only code.
    pub test_code: bool,
    /// Confirmed at runtime by the probe.
    pub runtime: bool,
    /// Points before the rule cap.
    pub points: f64,
}

/// A rule's deductions, summed and capped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTotal {
    /// The rule.
    pub rule: String,
    /// The sum of its deductions.
    pub points: f64,
    /// What counts after the cap.
    pub capped: f64,
}

/// A grade with everything that produced it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    /// 0-100.
    pub score: u8,
    /// A-F.
    pub letter: char,
    /// Every deduction, in report order.
    pub deductions: Vec<Deduction>,
    /// Per rule, by rule id.
    pub rules: Vec<RuleTotal>,
    /// The letter caps that applied, in words.
    pub caps: Vec<String>,
}

fn base(s: Severity) -> f64 {
    match s {
        Severity::Critical => 25.0,
        Severity::High => 10.0,
        Severity::Medium => 4.0,
        Severity::Low => 1.0,
        Severity::Info => 0.0,
    }
}

fn weight(c: Confidence) -> f64 {
    match c {
        Confidence::High => 1.0,
        Confidence::Medium => 0.7,
        Confidence::Low => 0.4,
    }
}

/// Grades findings. `confirmed` holds the rules the probe reported; a finding of such a rule weighs more, and
/// `runtime` findings (the probe's own) always do.
pub fn grade(findings: &[Finding], runtime: &[Finding], confirmed: &BTreeSet<String>) -> Grade {
    let mut deductions = Vec::new();
    let static_rules: BTreeSet<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    // A probe failure of a rule also found statically confirms those findings instead of counting again.
    let runtime_only = runtime.iter().filter(|f| !static_rules.contains(f.rule.as_str()));
    for (f, is_runtime) in findings.iter().map(|f| (f, false)).chain(runtime_only.map(|f| (f, true))) {
        let runtime = is_runtime || confirmed.contains(&f.rule);
        let points = base(f.severity)
            * weight(f.confidence)
            * if f.test_code { 0.25 } else { 1.0 }
            * if runtime { 1.5 } else { 1.0 };
        deductions.push(Deduction {
            rule: f.rule.clone(),
            location: format!("{}:{}", f.location.path, f.location.start.line),
            severity: f.severity,
            confidence: f.confidence,
            test_code: f.test_code,
            runtime,
            points,
        });
    }
    let mut sums: BTreeMap<&str, f64> = BTreeMap::new();
    for d in &deductions {
        *sums.entry(d.rule.as_str()).or_default() += d.points;
    }
    let rules: Vec<RuleTotal> = sums
        .into_iter()
        .map(|(rule, points)| RuleTotal { rule: rule.to_string(), points, capped: points.min(RULE_CAP) })
        .collect();
    let lost: f64 = rules.iter().map(|r| r.capped).sum();
    let score = (100.0 - lost).round().clamp(0.0, 100.0) as u8;
    let mut letter = match score {
        90.. => 'A',
        80..=89 => 'B',
        70..=79 => 'C',
        60..=69 => 'D',
        _ => 'F',
    };
    let mut caps = Vec::new();
    let production = |s: Severity| deductions.iter().any(|d| !d.test_code && d.severity >= s);
    if letter == 'A' && production(Severity::High) {
        letter = 'B';
        caps.push("a high or critical finding outside test-only code: B at best".to_string());
    }
    if letter < 'D' && production(Severity::Critical) {
        letter = 'D';
        caps.push("a critical finding outside test-only code: D at best".to_string());
    }
    Grade { score, letter, deductions, rules, caps }
}

impl Grade {
    /// The grade and its itemised deductions as text.
    pub fn render_text(&self) -> String {
        let mut s = format!("Grade: {} ({}/100)\n", self.letter, self.score);
        for r in &self.rules {
            let cap = if r.capped < r.points { format!(" (capped from {:.1})", r.points) } else { String::new() };
            s.push_str(&format!("  -{:.1}  {}{cap}\n", r.capped, r.rule));
            for d in self.deductions.iter().filter(|d| d.rule == r.rule) {
                let mut why = vec![d.severity.to_string(), format!("{} confidence", d.confidence)];
                if d.test_code {
                    why.push("test code x0.25".into());
                }
                if d.runtime {
                    why.push("confirmed at runtime x1.5".into());
                }
                s.push_str(&format!("      -{:.2}  {} ({})\n", d.points, d.location, why.join(", ")));
            }
        }
        for c in &self.caps {
            s.push_str(&format!("  cap: {c}\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str, severity: Severity, confidence: Confidence, test_code: bool) -> Finding {
        Finding { confidence, test_code, ..Finding::for_test(rule, severity, "a.ts", 1) }
    }

    fn score(findings: &[Finding]) -> (u8, char) {
        let g = grade(findings, &[], &BTreeSet::new());
        (g.score, g.letter)
    }

    #[test]
    fn no_findings_is_a_perfect_a() {
        assert_eq!(score(&[]), (100, 'A'));
    }

    #[test]
    fn deductions_scale_with_severity_and_confidence() {
        use Confidence as C;
        use Severity as S;
        assert_eq!(score(&[f("r", S::High, C::High, false)]), (90, 'B'), "a production high caps the A");
        assert_eq!(score(&[f("r", S::High, C::Medium, false)]), (93, 'B'));
        assert_eq!(score(&[f("r", S::Medium, C::High, false)]), (96, 'A'));
        assert_eq!(score(&[f("r", S::Medium, C::Low, false)]), (98, 'A'));
        assert_eq!(score(&[f("r", S::Low, C::High, false), f("s", S::Info, C::High, false)]), (99, 'A'));
    }

    #[test]
    fn test_code_weighs_a_quarter_and_does_not_cap_the_a() {
        assert_eq!(score(&[f("r", Severity::High, Confidence::High, true)]), (98, 'A'));
        assert_eq!(score(&[f("r", Severity::Critical, Confidence::High, true)]), (94, 'A'));
    }

    #[test]
    fn one_rule_loses_thirty_points_at_most() {
        let many: Vec<Finding> = (0..20).map(|_| f("r", Severity::High, Confidence::High, false)).collect();
        let g = grade(&many, &[], &BTreeSet::new());
        assert_eq!((g.score, g.letter), (70, 'C'));
        assert_eq!(g.rules, vec![RuleTotal { rule: "r".into(), points: 200.0, capped: 30.0 }]);
        let mut spread = many.clone();
        spread.extend((0..20).map(|_| f("s", Severity::High, Confidence::High, false)));
        spread.extend((0..20).map(|_| f("t", Severity::High, Confidence::High, false)));
        spread.extend((0..20).map(|_| f("u", Severity::High, Confidence::High, false)));
        assert_eq!(score(&spread), (0, 'F'));
    }

    #[test]
    fn a_production_critical_caps_the_letter_at_d() {
        let g = grade(&[f("r", Severity::Critical, Confidence::High, false)], &[], &BTreeSet::new());
        assert_eq!((g.score, g.letter), (75, 'D'));
        assert_eq!(g.caps.len(), 1, "{:?}", g.caps);
    }

    #[test]
    fn runtime_confirmation_weighs_half_as_much_again_and_is_not_counted_twice() {
        let static_only = f("client-cert-not-enforced", Severity::High, Confidence::High, false);
        let probe = f("client-cert-not-enforced", Severity::High, Confidence::High, false);
        let confirmed = BTreeSet::from(["client-cert-not-enforced".to_string()]);
        let g = grade(std::slice::from_ref(&static_only), std::slice::from_ref(&probe), &confirmed);
        assert_eq!(g.deductions.len(), 1);
        assert!(g.deductions[0].runtime);
        assert_eq!(g.score, 85);
        // A rule only the probe saw counts on its own, confirmed.
        let g = grade(&[], &[f("server-name-mismatch", Severity::High, Confidence::High, false)], &BTreeSet::new());
        assert_eq!((g.score, g.letter), (85, 'B'));
    }

    #[test]
    fn the_text_lists_every_deduction() {
        let g = grade(
            &[f("r", Severity::High, Confidence::Medium, true), f("r", Severity::High, Confidence::High, false)],
            &[],
            &BTreeSet::new(),
        );
        let text = g.render_text();
        assert!(text.starts_with("Grade: B (88/100)\n"), "{text}");
        assert!(text.contains("  -11.8  r\n"), "{text}");
        assert!(text.contains("      -1.75  a.ts:1 (high, medium confidence, test code x0.25)\n"), "{text}");
        assert!(!text.contains("cap:"), "B by score needs no cap: {text}");
    }
}
