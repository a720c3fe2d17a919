//! Trigger words of JS/TS matchers: literals one of which a file must contain for the matcher to match there.
//!
//! They are derived from the rule itself (property names, option keys, query predicates and their regular
//! expressions), so no rule declares them by hand and none can forget one. A matcher whose words cannot be
//! derived has none, and then every file is parsed. The engine skips the parse, the costly part, of every file
//! that holds no trigger word of any rule.
//!
//! Names (properties, option keys, Rust paths and methods) only count as whole identifiers: `serve` does not
//! trigger on `reserve`, nor `cert` on `certificate`. Literals from query predicates and string markers count
//! anywhere.
use super::model::{KeyCondition, KeyWord, Matcher};
use regex_syntax::hir::{Hir, HirKind};

/// At most this many words come out of one regular expression's alternatives; beyond it, none do.
const MAX_WORDS: usize = 64;

/// A literal a file must contain.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Word {
    pub text: String,
    /// Counts only where no identifier character touches it on either side.
    pub whole: bool,
}

impl Word {
    /// A name, which counts only as a whole identifier.
    pub fn name(text: impl Into<String>) -> Self {
        Self { text: text.into(), whole: true }
    }

    /// A literal that counts wherever it occurs.
    pub fn literal(text: impl Into<String>) -> Self {
        Self { text: text.into(), whole: false }
    }
}

/// The trigger words of a rule set, found in one pass over a file.
#[derive(Debug)]
pub struct Triggers {
    automaton: aho_corasick::AhoCorasick,
    /// Per pattern: whether it must be a whole identifier.
    whole: Vec<bool>,
}

impl Triggers {
    /// Whether the text holds any word: a literal anywhere, or a name with no identifier character beside it.
    pub fn any_in(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        // Conservative on non-ASCII neighbours: they may or may not be identifier characters.
        let ident = |i: Option<usize>| {
            i.and_then(|i| bytes.get(i)).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$')
        };
        // Most files hold no word at all, and the plain search skips ahead faster than the overlapping one.
        if !self.automaton.is_match(text) {
            return false;
        }
        self.automaton
            .find_overlapping_iter(text)
            .any(|m| !self.whole[m.pattern().as_usize()] || !(ident(m.start().checked_sub(1)) || ident(Some(m.end()))))
    }
}

/// The words one of which must occur in a file for `m` to match a node in it; `None` when no such set is known.
pub fn words(m: &Matcher) -> Option<Vec<Word>> {
    match m {
        Matcher::Query(q) => query_words(q),
        // Every entry must match: any entry's words will do; take the most selective.
        Matcher::All(v) => best(v.iter().filter_map(words)),
        Matcher::Any(v) => union(v.iter().map(words)),
        // The descendant or ancestor that matches is in the file too.
        Matcher::Has(m) | Matcher::Inside(m) => words(m),
        Matcher::Property(names) => Some(names.names().iter().map(Word::name).collect()),
        Matcher::TlsContext(c) => best(
            c.options
                .iter()
                .filter(|(_, cond)| requires_key(**cond))
                .map(|(key, _)| crate::lang::js::api::spellings(key).map(Word::name).collect()),
        ),
        Matcher::Not(_) | Matcher::Absent(_) | Matcher::Value(_) | Matcher::TlsRole(_) | Matcher::Predicate(_) => None,
    }
}

/// One automaton for the words of every matcher; `None` (every file is parsed) when some matcher's are unknown.
pub(super) fn automaton(sets: impl Iterator<Item = Option<Vec<Word>>>) -> Option<Triggers> {
    let mut all = sets.collect::<Option<Vec<_>>>()?.concat();
    all.sort();
    all.dedup();
    let automaton =
        aho_corasick::AhoCorasick::new(all.iter().map(|w| &w.text)).expect("trigger words build an automaton");
    Some(Triggers { automaton, whole: all.iter().map(|w| w.whole).collect() })
}

/// Whether an option condition holds only when the key is written in the options.
fn requires_key(cond: KeyCondition) -> bool {
    match cond {
        KeyCondition::Bool(_) | KeyCondition::Word(KeyWord::Present | KeyWord::FromFile) => true,
        KeyCondition::Word(KeyWord::Absent | KeyWord::NotTrue) => false,
    }
}

/// The most selective set: the one whose shortest word is longest, then the smallest.
pub(super) fn best(sets: impl Iterator<Item = Vec<Word>>) -> Option<Vec<Word>> {
    let shortest = |s: &Vec<Word>| s.iter().map(|w| w.text.len()).min().unwrap_or(0);
    sets.filter(|s| !s.is_empty()).max_by(|a, b| shortest(a).cmp(&shortest(b)).then(b.len().cmp(&a.len())))
}

/// One of several alternatives matches: every alternative needs words of its own.
pub(super) fn union(sets: impl Iterator<Item = Option<Vec<Word>>>) -> Option<Vec<Word>> {
    let mut all: Vec<Word> = sets.collect::<Option<Vec<_>>>()?.concat();
    all.sort();
    all.dedup();
    (!all.is_empty()).then_some(all)
}

/// A token of a tree-sitter query.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open(char),
    Close,
    Capture(String),
    Str(String),
    /// A node name, field name, predicate name or anonymous `_`.
    Word(String),
    /// `?`, `*` or `+` after a pattern.
    Quantifier,
}

/// A query matches when one of its top-level patterns does: each pattern needs words of its own.
fn query_words(q: &str) -> Option<Vec<Word>> {
    let tokens = tokenize(q)?;
    let mut patterns = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Open(_) => {
                let end = closing(&tokens, i)?;
                patterns.push(&tokens[i..=end]);
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    union(patterns.into_iter().map(pattern_words))
}

/// Words from the predicates directly inside a pattern's outer group, which must all hold for it to match.
fn pattern_words(pattern: &[Token]) -> Option<Vec<Word>> {
    if pattern.contains(&Token::Quantifier) {
        // A quantified capture may be missing, and then its predicates do not constrain anything.
        return None;
    }
    let mut sets = Vec::new();
    let mut i = 1;
    while i < pattern.len() - 1 {
        let end = match pattern[i] {
            Token::Open(_) => closing(pattern, i)?,
            _ => i,
        };
        if let Some(words) = predicate_words(&pattern[i..=end], pattern) {
            sets.push(words);
        }
        i = end + 1;
    }
    best(sets.into_iter())
}

/// `(#eq? @c "x")`, `(#any-of? @c "x" "y")` and `(#match? @c "re")` on a capture the pattern always binds.
fn predicate_words(group: &[Token], pattern: &[Token]) -> Option<Vec<Word>> {
    let [Token::Open('('), Token::Word(name), Token::Capture(capture), args @ .., Token::Close] = group else {
        return None;
    };
    let strings: Vec<&str> =
        args.iter().map(|a| if let Token::Str(s) = a { Some(s.as_str()) } else { None }).collect::<Option<_>>()?;
    if strings.is_empty() || !binds(&pattern[1..pattern.len() - 1], capture) {
        return None;
    }
    let word = |s: &str| Word { text: s.to_string(), whole: names_only(pattern, capture) };
    match (name.as_str(), strings.as_slice()) {
        ("#eq?", [s]) => Some(vec![word(s)]),
        ("#any-of?", _) => Some(strings.iter().map(|s| word(s)).collect()),
        ("#match?", [re]) => regex_words(re),
        _ => None,
    }
}

/// Whether `capture` is only ever bound to an identifier node (`(property_identifier) @p`), whose text is a
/// whole name in the source.
fn names_only(pattern: &[Token], capture: &str) -> bool {
    const NAMES: &[&str] = &[
        "identifier",
        "property_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "type_identifier",
    ];
    let mut bound = false;
    for (i, t) in pattern.iter().enumerate() {
        if !matches!(t, Token::Capture(c) if c == capture) {
            continue;
        }
        // The node a capture follows, past other captures on it (`(x) @a @b`).
        let node = pattern[..i].iter().rposition(|t| !matches!(t, Token::Capture(_)));
        match node.map(|n| &pattern[n.saturating_sub(2)..=n]) {
            // A predicate's argument, not a binding.
            Some([.., Token::Word(w)]) if w.starts_with('#') => {}
            Some([Token::Open('('), Token::Word(kind), Token::Close]) if NAMES.contains(&kind.as_str()) => bound = true,
            _ => return false,
        }
    }
    bound
}

/// Whether every match of this token sequence binds `capture`: somewhere outside alternations, or in every
/// branch of an alternation. Predicates name captures but bind none.
fn binds(seq: &[Token], capture: &str) -> bool {
    let mut i = 0;
    while i < seq.len() {
        match &seq[i] {
            Token::Capture(c) if c == capture => return true,
            Token::Open(kind) => {
                let Some(end) = closing(seq, i) else { return false };
                let inner = &seq[i + 1..end];
                let predicate = matches!(inner.first(), Some(Token::Word(w)) if w.starts_with('#'));
                let bound = if predicate {
                    false
                } else if *kind == '[' {
                    branches(inner).iter().all(|b| binds(b, capture))
                } else {
                    binds(inner, capture)
                };
                if bound {
                    return true;
                }
                i = end + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The branches of an alternation: each group or word, with the captures that follow it.
fn branches(inner: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < inner.len() {
        let end = match inner[i] {
            Token::Open(_) => closing(inner, i).unwrap_or(inner.len() - 1),
            _ => i,
        };
        let mut stop = end + 1;
        while matches!(inner.get(stop), Some(Token::Capture(_))) {
            stop += 1;
        }
        out.push(&inner[i..stop]);
        i = stop;
    }
    out
}

/// The index of the token closing the group opened at `open`.
fn closing(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::Open(_) => depth += 1,
            Token::Close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn tokenize(q: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '(' | '[' => out.push(Token::Open(c)),
            ')' | ']' => out.push(Token::Close),
            '?' | '*' | '+' => out.push(Token::Quantifier),
            ';' => {
                // A comment, to the end of the line.
                while chars.next_if(|c| *c != '\n').is_some() {}
            }
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            'n' => s.push('\n'),
                            't' => s.push('\t'),
                            other => s.push(other),
                        },
                        other => s.push(other),
                    }
                }
                out.push(Token::Str(s));
            }
            c if c.is_whitespace() => {}
            _ => {
                let mut word = String::from(c);
                while let Some(n) = chars.next_if(|n| !n.is_whitespace() && !"()[]\";".contains(*n)) {
                    word.push(n);
                }
                // `#eq?` is a name; a `?` after a group or node name is a quantifier.
                let quantified = !word.starts_with('#') && word.len() > 1 && word.ends_with(['?', '*', '+']);
                if quantified {
                    word.pop();
                }
                out.push(match word.strip_prefix('@') {
                    Some(name) => Token::Capture(name.to_string()),
                    None => Token::Word(word),
                });
                if quantified {
                    out.push(Token::Quantifier);
                }
            }
        }
    }
    Some(out)
}

/// Literals one of which every match of the regular expression contains.
fn regex_words(re: &str) -> Option<Vec<Word>> {
    let hir = regex_syntax::Parser::new().parse(re).ok()?;
    required(&hir)
}

fn required(hir: &Hir) -> Option<Vec<Word>> {
    match hir.kind() {
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(v) => union(v.iter().map(required)).filter(|w| w.len() <= MAX_WORDS),
        HirKind::Concat(v) => {
            // Runs of children that match exact strings join into longer words (`(http|ws)://`).
            let mut sets = Vec::new();
            let mut run: Option<Vec<Word>> = None;
            for child in v {
                match (exact(child), run.take()) {
                    (Some(e), Some(r)) => run = product(&r, &e),
                    (Some(e), None) => run = Some(e),
                    (None, r) => {
                        sets.extend(r);
                        sets.extend(required(child));
                    }
                }
            }
            sets.extend(run);
            best(sets.into_iter())
        }
        _ => exact(hir),
    }
}

/// The strings the expression matches, when they are few and known.
fn exact(hir: &Hir) -> Option<Vec<Word>> {
    match hir.kind() {
        HirKind::Literal(l) => Some(vec![Word::literal(String::from_utf8(l.0.to_vec()).ok()?)]),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Alternation(v) => union(v.iter().map(exact)).filter(|w| w.len() <= MAX_WORDS),
        HirKind::Concat(v) => v.iter().try_fold(vec![Word::literal("")], |acc, h| product(&acc, &exact(h)?)),
        _ => None,
    }
}

fn product(a: &[Word], b: &[Word]) -> Option<Vec<Word>> {
    if a.len() * b.len() > MAX_WORDS {
        return None;
    }
    Some(a.iter().flat_map(|x| b.iter().map(move |y| Word::literal(format!("{}{}", x.text, y.text)))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(words: Option<Vec<Word>>) -> Option<Vec<String>> {
        words.map(|w| w.into_iter().map(|w| w.text).collect())
    }

    fn query(q: &str) -> Option<Vec<String>> {
        texts(words(&Matcher::Query(q.to_string())))
    }

    fn regex_words(re: &str) -> Option<Vec<String>> {
        texts(super::regex_words(re))
    }

    #[test]
    fn query_predicates_give_their_literals() {
        let q = r#"((call_expression function: (member_expression property: (property_identifier) @p)) @match
                     (#any-of? @p "setSecureContext" "addContext"))"#;
        assert_eq!(query(q).unwrap(), ["addContext", "setSecureContext"]);
        assert_eq!(query(r#"((string) @match (#eq? @match "x-y"))"#).unwrap(), ["x-y"]);
    }

    #[test]
    fn predicates_on_identifiers_give_whole_names() {
        let whole = |q: &str| words(&Matcher::Query(q.into())).unwrap().iter().all(|w| w.whole);
        assert!(whole(r#"((member_expression property: (property_identifier) @p) @m (#eq? @p "authorized"))"#));
        assert!(whole(r#"((shorthand_property_identifier_pattern) @m (#any-of? @m "authorized" "x"))"#));
        // A string's text holds quotes; a capture bound to other kinds somewhere may be part of a longer word.
        assert!(!whole(r#"((string) @m (#eq? @m "'0'"))"#));
        assert!(!whole(r#"((call_expression function: [(identifier) (member_expression)] @f) @m (#eq? @f "go"))"#));
        assert!(!whole(r#"((pair key: (property_identifier) @k value: (string) @k) @m (#eq? @k "go"))"#));
        assert!(!whole(r#"((string) @m @k (#eq? @k "go"))"#));
        assert!(!whole(r#"(pair key: _ @k (#eq? @k "go")) @m"#));
    }

    #[test]
    fn patterns_without_a_usable_predicate_give_none() {
        assert_eq!(query("[(call_expression) (new_expression)] @match"), None);
        // One pattern of two has no predicate: either may match, so nothing is required.
        assert_eq!(query(r#"((identifier) @match (#eq? @match "a")) ((string) @match)"#), None);
        assert_eq!(query(r#"((identifier) @m (#not-eq? @m "a"))"#), None);
        assert_eq!(query(r#"((identifier) @m (#eq? @m @n))"#), None);
    }

    #[test]
    fn predicates_on_captures_that_may_be_missing_give_none() {
        // Quantified: the capture may match nothing, and the predicate then holds.
        assert_eq!(query(r#"((call_expression (identifier)? @f) @match (#eq? @f "connect"))"#), None);
        // Bound in one branch of an alternation only.
        assert_eq!(query(r#"([(identifier) @f (string)] @match (#eq? @f "connect"))"#), None);
        // Bound in every branch.
        let q = r#"((call_expression function: [(identifier) @f (member_expression property: (property_identifier) @f)]) @match
                    (#eq? @f "connect"))"#;
        assert_eq!(query(q).unwrap(), ["connect"]);
    }

    #[test]
    fn regular_expressions_give_required_literals() {
        assert_eq!(regex_words("^.(http|ws)://").unwrap(), ["http://", "ws://"]);
        assert_eq!(regex_words("PRIVATE KEY-----").unwrap(), ["PRIVATE KEY-----"]);
        assert_eq!(regex_words(r"^.--tls-(min-v1\.[01]|max-v1\.[01]).$").unwrap(), ["max-v1.", "min-v1."]);
        assert_eq!(
            regex_words("(StreamableHTTP|SSE)ClientTransport$").unwrap(),
            ["SSEClientTransport", "StreamableHTTPClientTransport"]
        );
        assert_eq!(regex_words("(?i)secret"), None);
        assert_eq!(regex_words("a*"), None);
        assert_eq!(regex_words("x|.*"), None);
    }

    #[test]
    fn combinators_pick_sound_sets() {
        let prop = |n: &str| Matcher::Property(super::super::model::OneOrMany::One(n.into()));
        let all = Matcher::All(vec![Matcher::Query("(pair) @match".into()), prop("rejectUnauthorized")]);
        assert_eq!(words(&all).unwrap(), [Word::name("rejectUnauthorized")]);
        assert_eq!(words(&Matcher::Any(vec![prop("a"), prop("b")])).unwrap(), [Word::name("a"), Word::name("b")]);
        assert_eq!(words(&Matcher::Any(vec![prop("a"), Matcher::Query("(pair) @match".into())])), None);
        assert_eq!(words(&Matcher::Not(Box::new(prop("a")))), None);
    }

    #[test]
    fn every_builtin_rule_has_trigger_words() {
        // A rule without words would make every JS/TS file parse again: keep the prefilter on for built-ins.
        let rules = crate::rule::RuleSet::load(&[] as &[&str]).unwrap();
        for rule in &rules.rules {
            let Some(m) = &rule.meta.matcher else { continue };
            let (root, absents) = super::super::split_absents(m, rule.meta.scope).unwrap();
            for m in std::iter::once(&root).chain(&absents) {
                let w = words(m);
                eprintln!("{}: {w:?}", rule.meta.id);
                assert!(w.is_some_and(|w| w.iter().all(|w| w.text.len() >= 3)), "{}: no trigger words", rule.meta.id);
            }
        }
        for rule in &rules.rules {
            let Some((root, absents)) = &rule.rust else { continue };
            for m in std::iter::once(root).chain(absents) {
                let w = m.words();
                eprintln!("{} (rust): {w:?}", rule.meta.id);
                assert!(
                    w.is_some_and(|w| w.iter().all(|w| w.text.len() >= 3)),
                    "{}: no Rust trigger words",
                    rule.meta.id
                );
            }
        }
        assert!(rules.js_triggers.is_some() && rules.rust_triggers.is_some());
    }

    #[test]
    fn names_count_only_as_whole_identifiers() {
        let t = automaton([Some(vec![Word::name("serve"), Word::literal("KEY-----")])].into_iter()).unwrap();
        for hit in ["warp::serve(routes)", "serve", "r#serve", "{serve}", "x.serve\n", "éserve", "KEY-----"] {
            assert!(t.any_in(hit), "{hit:?}");
        }
        for miss in ["v.reserve(8)", "server", "_serve", "serve_", "$serve", "serve2", "KEY----"] {
            assert!(!t.any_in(miss), "{miss:?}");
        }
        // One occurrence inside a longer name does not hide a whole one after it.
        assert!(t.any_in("reserve(); serve()"));
    }
}
