//! Rules: loading from YAML (built in and user folders), validation, and query compilation.
pub mod matcher;
pub mod model;
pub mod rust;
mod trigger;

use crate::lang::Grammar;
use matcher::{CMatcher, QueryHits};
use model::{ArgPattern, LanguageName, Matcher, RuleFile, RustMatcher, Scope};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use tree_sitter::{Query, QueryCursor, StreamingIterator, Tree};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A rule file that cannot be used: the run stops with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct RuleError {
    /// The rule file (or folder).
    pub file: String,
    /// What is wrong and, where known, where.
    pub message: String,
}

/// A loaded, compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// Everything the file declares.
    pub meta: RuleFile,
    /// Where it came from (`rules/<id>.yaml` for built-in rules).
    pub origin: String,
    /// The JS/TS matcher (none for rules without `match`).
    pub(crate) root: Option<CMatcher>,
    pub(crate) absents: Vec<CMatcher>,
    /// The Rust section, split like the JS matcher: per-fact conditions and file/project `absent` conditions.
    pub(crate) rust: Option<(RustMatcher, Vec<RustMatcher>)>,
    /// The `config` section's regular expressions, compiled once.
    pub(crate) config: Option<ConfigPatterns>,
}

/// Every query leaf of every rule, compiled into one query per grammar.
#[derive(Debug, Default)]
struct GrammarQueries {
    query: Option<Query>,
    /// Pattern index of the combined query -> leaf id.
    leaf_of_pattern: Vec<usize>,
    match_capture: u32,
}

/// The rules of one run, with their queries compiled once.
#[derive(Debug)]
pub struct RuleSet {
    /// Rules sorted by id.
    pub rules: Vec<Rule>,
    leaf_count: usize,
    grammars: Vec<GrammarQueries>,
    /// Words at least one of which a Rust file must contain for any Rust rule to match in it; `None` when some
    /// rule's words are unknown, and every file is parsed.
    rust_triggers: Option<trigger::Triggers>,
    /// Words at least one of which a JS/TS file must contain for any JS/TS rule to match in it (see
    /// [`trigger`]); `None` when some rule's words are unknown, and every file is parsed.
    js_triggers: Option<trigger::Triggers>,
    /// The method names Rust rules judge method calls by.
    rust_methods: std::collections::HashSet<String>,
}

impl RuleSet {
    /// Loads the built-in rules, then every `*.yaml`/`*.yml` in each user folder.
    pub fn load(user_dirs: &[impl AsRef<Path>]) -> Result<Self, RuleError> {
        let mut files: Vec<(String, String)> =
            BUILTIN_RULES.iter().map(|(p, s)| (p.to_string(), s.to_string())).collect();
        for dir in user_dirs {
            let dir = dir.as_ref();
            let err = |e: std::io::Error| RuleError { file: dir.display().to_string(), message: e.to_string() };
            let mut paths: Vec<_> = std::fs::read_dir(dir)
                .map_err(err)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| RuleError { file: p.display().to_string(), message: e.to_string() })?;
                files.push((p.display().to_string(), text));
            }
        }
        Self::from_sources(files)
    }

    /// Builds a rule set from (origin, YAML text) pairs.
    pub fn from_sources(files: Vec<(String, String)>) -> Result<Self, RuleError> {
        let mut leaves: Vec<(String, Vec<model::LanguageName>)> = Vec::new();
        let mut rules = Vec::new();
        // The trigger words of every JS/TS matcher, `absent` conditions included: a file that holds none is
        // neither a candidate nor evidence of absence.
        let mut js_words: Vec<Option<Vec<trigger::Word>>> = Vec::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (origin, text) in files {
            let fail = |message: String| RuleError { file: origin.clone(), message };
            // Matchers are single-key maps (`all: [...]`), not YAML tags.
            let meta: RuleFile =
                yaml_serde::with::singleton_map_recursive::deserialize(yaml_serde::Deserializer::from_str(&text))
                    .map_err(|e| fail(e.to_string()))?;
            validate(&origin, &meta).map_err(fail)?;
            if let Some(first) = seen.insert(meta.id.clone(), origin.clone()) {
                return Err(fail(format!("duplicate rule id `{}` (also defined in {first})", meta.id)));
            }
            check_sections(&meta).map_err(fail)?;
            let (root, absents) = match &meta.matcher {
                Some(m) => {
                    let (root, absents) = split_absents(m, meta.scope).map_err(fail)?;
                    js_words.extend(std::iter::once(&root).chain(&absents).map(trigger::words));
                    let mut compile = |m: &Matcher| compile(m, &meta.languages, &mut leaves);
                    let root = compile(&root).map_err(fail)?;
                    let absents = absents.iter().map(compile).collect::<Result<Vec<_>, _>>().map_err(fail)?;
                    if !root.has_anchor() || !absents.iter().all(CMatcher::has_anchor) {
                        return Err(fail(
                            "match: needs a `query` to find candidate nodes (at the top, in the first anchored `all` \
                             entry, or in every `any` branch)"
                                .into(),
                        ));
                    }
                    (Some(root), absents)
                }
                None => (None, Vec::new()),
            };
            let rust = compile_rust(&meta).map_err(fail)?;
            let config = compile_config(&meta).map_err(fail)?;
            rules.push(Rule { meta, origin, root, absents, rust, config });
        }
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        // One compile per grammar, in parallel: query compilation dominates start-up.
        let grammars = std::thread::scope(|s| {
            let jobs: Vec<_> = Grammar::TREE_SITTER
                .iter()
                .map(|&g| {
                    let (leaves, rules) = (&leaves, &rules);
                    s.spawn(move || compile_grammar(g, leaves, rules))
                })
                .collect();
            jobs.into_iter().map(|j| j.join().expect("query compilation does not panic")).collect::<Result<Vec<_>, _>>()
        })?;
        let rust_words = rules.iter().filter_map(Rule::rust).flat_map(|(root, absents)| {
            std::iter::once(root).chain(absents).map(model::RustMatcher::words).collect::<Vec<_>>()
        });
        let rust_triggers = trigger::automaton(rust_words);
        let js_triggers = trigger::automaton(js_words.into_iter());
        let mut rust_methods = std::collections::HashSet::new();
        for (root, absents) in rules.iter().filter_map(Rule::rust) {
            std::iter::once(root).chain(absents).for_each(|m| m.method_names(&mut rust_methods));
        }
        Ok(Self { rules, leaf_count: leaves.len(), grammars, rust_triggers, js_triggers, rust_methods })
    }

    /// Whether a Rust file can match any Rust rule at all: files without a trigger word are not parsed.
    pub fn rust_may_match(&self, src: &str) -> bool {
        self.rust_triggers.as_ref().is_none_or(|t| t.any_in(src))
    }

    /// Whether a Rust rule judges method calls named `name`.
    pub fn rust_judges_method(&self, name: &str) -> bool {
        self.rust_methods.contains(name)
    }

    /// Whether a JS/TS file can match any JS/TS rule at all: files without a trigger word are not parsed.
    pub fn js_may_match(&self, src: &str) -> bool {
        self.js_triggers.as_ref().is_none_or(|t| t.any_in(src))
    }

    /// Parses every file, trigger words or not (`--no-prefilter`): for checking that the prefilter loses nothing.
    pub fn disable_prefilter(&mut self) {
        self.rust_triggers = None;
        self.js_triggers = None;
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }

    /// Runs every query of the grammar over the tree once.
    pub fn query_hits<'t>(
        &self,
        grammar: Grammar,
        tree: &'t Tree,
        src: &str,
        cursor: &mut QueryCursor,
    ) -> QueryHits<'t> {
        let mut hits = QueryHits::new(self.leaf_count);
        let gq = &self.grammars[grammar.index()];
        let Some(query) = &gq.query else { return hits };
        let mut matches = cursor.matches(query, tree.root_node(), src.as_bytes());
        while let Some(m) = matches.next() {
            let leaf = gq.leaf_of_pattern[m.pattern_index];
            for c in m.captures.iter().filter(|c| c.index == gq.match_capture) {
                hits.add(leaf, c.node);
            }
        }
        hits
    }
}

fn validate(origin: &str, meta: &RuleFile) -> Result<(), String> {
    let stem = Path::new(origin).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if meta.id != stem {
        return Err(format!("id `{}` must equal the file name stem `{stem}`", meta.id));
    }
    if meta.id.is_empty() || !meta.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(format!("id `{}` may only hold lowercase letters, digits and `-`", meta.id));
    }
    if meta.languages.is_empty() && meta.probe.is_none() {
        return Err("languages: lists no language (only a rule with a `probe` section may have none)".into());
    }
    for check in meta.probe.iter().flat_map(|p| &p.checks) {
        if !crate::probe::CHECKS.contains(&check.as_str()) {
            return Err(format!("probe.checks: `{check}` is not a probe check ({})", crate::probe::CHECKS.join(", ")));
        }
    }
    Ok(())
}

/// The matcher languages' `all` and `absent` combinators, for splitting `absent` conditions off the top.
trait TopLevel: Clone + Sized {
    /// The items of an `all`.
    fn all_items(&self) -> Option<&[Self]>;
    /// The inside of an `absent`, or the matcher itself.
    fn into_absent(self) -> Result<Self, Self>;
}

impl TopLevel for Matcher {
    fn all_items(&self) -> Option<&[Self]> {
        if let Matcher::All(v) = self { Some(v) } else { None }
    }
    fn into_absent(self) -> Result<Self, Self> {
        if let Matcher::Absent(inner) = self { Ok(*inner) } else { Err(self) }
    }
}

impl TopLevel for RustMatcher {
    fn all_items(&self) -> Option<&[Self]> {
        if let RustMatcher::All(v) = self { Some(v) } else { None }
    }
    fn into_absent(self) -> Result<Self, Self> {
        if let RustMatcher::Absent(inner) = self { Ok(*inner) } else { Err(self) }
    }
}

/// The non-`absent` items of the top-level `all` (or the matcher itself), and the insides of its `absent` items.
fn split_top<M: TopLevel>(m: &M) -> (Vec<M>, Vec<M>) {
    let items = m.all_items().map_or_else(|| vec![m.clone()], <[M]>::to_vec);
    let (mut rest, mut absents) = (Vec::new(), Vec::new());
    for item in items {
        match item.into_absent() {
            Ok(inner) => absents.push(inner),
            Err(other) => rest.push(other),
        }
    }
    (rest, absents)
}

/// Splits `absent` conditions off the top-level `all`: they are decided per file or per project, not per node.
fn split_absents(m: &Matcher, scope: Scope) -> Result<(Matcher, Vec<Matcher>), String> {
    let (rest, absents) = split_top(m);
    if rest.iter().any(contains_absent) || absents.iter().any(contains_absent) {
        return Err("match: `absent` may only appear directly in the rule's top-level `all`".into());
    }
    if !absents.is_empty() && scope == Scope::Node {
        return Err("match: `absent` needs `scope: file` or `scope: project`".into());
    }
    Ok((Matcher::All(rest), absents))
}

/// A language-specific section must be present exactly when `languages` lists its language, and must carry at
/// least one bad and one good example: `examples` gives (bad, good) counts when the section is present.
fn check_section(
    meta: &RuleFile,
    lang: LanguageName,
    name: &str,
    examples: Option<(usize, usize)>,
) -> Result<(), String> {
    match (examples, meta.languages.contains(&lang)) {
        (None, true) => Err(format!("languages: lists `{name}` but the rule has no `{name}` section")),
        (Some(_), false) => {
            Err(format!("{name}: the rule has a `{name}` section but `languages` does not list `{name}`"))
        }
        (Some((bad, good)), true) if bad == 0 || good == 0 => {
            Err(format!("{name}.examples: needs at least one `bad` and one `good` example"))
        }
        _ => Ok(()),
    }
}

/// Compiles a regular expression from a rule, naming the field when it is broken.
fn regex(pattern: &str, field: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern).map_err(|e| format!("{field}: {e}"))
}

/// The compiled regular expressions of a rule's `config` section.
#[derive(Debug)]
pub struct ConfigPatterns {
    /// Values of the variable that are findings.
    pub matches: Option<regex::Regex>,
    /// Command-line words that are findings.
    pub flags: Option<regex::Regex>,
    /// For `urls`: URL words with one of its schemes in command lines (`npx mcp-remote http://..`).
    pub url_words: Option<regex::Regex>,
}

fn compile_config(meta: &RuleFile) -> Result<Option<ConfigPatterns>, String> {
    let Some(c) = &meta.config else { return Ok(None) };
    match (&c.variable, &c.urls) {
        (Some(_), None) if c.values.is_empty() && c.matches.is_none() => {
            return Err("config: `variable` needs `values` or `matches`".into());
        }
        (Some(_), None) | (None, Some(_)) => {}
        _ => return Err("config: needs exactly one of `variable` and `urls`".into()),
    }
    Ok(Some(ConfigPatterns {
        matches: c.matches.as_deref().map(|p| regex(p, "config.matches")).transpose()?,
        flags: c.flags.as_deref().map(|p| regex(p, "config.flags")).transpose()?,
        url_words: c
            .urls
            .as_ref()
            .map(|u| {
                let schemes = u.schemes.iter().map(|s| regex::escape(s)).collect::<Vec<_>>().join("|");
                regex(&format!(r#"(?:{schemes})://[^\s"',\]]+"#), "config.urls.schemes")
            })
            .transpose()?,
    }))
}

/// Checks the `rust`, `cargo` and `config` sections against `languages`, and config example file names.
fn check_sections(meta: &RuleFile) -> Result<(), String> {
    let counts = |bad: usize, good: usize| Some((bad, good));
    let js = meta.languages.iter().any(|l| matches!(l, LanguageName::Javascript | LanguageName::Typescript));
    match (js, &meta.matcher, &meta.examples) {
        (true, None, _) => return Err("languages: lists javascript/typescript but the rule has no `match`".into()),
        (false, Some(_), _) => {
            return Err("match: the rule has a `match` but `languages` lists no javascript/typescript".into());
        }
        (true, Some(_), Some(e)) if !e.bad.is_empty() && !e.good.is_empty() => {}
        (true, Some(_), _) => return Err("examples: needs at least one `bad` and one `good` snippet".into()),
        (false, None, Some(_)) => return Err("examples: belongs to `match`, which the rule does not have".into()),
        (false, None, None) => {}
    }
    check_section(
        meta,
        LanguageName::Certificate,
        "certificate",
        meta.certificate.as_ref().and_then(|c| counts(c.examples.bad.len(), c.examples.good.len())),
    )?;
    check_section(
        meta,
        LanguageName::Rust,
        "rust",
        meta.rust.as_ref().and_then(|r| counts(r.examples.bad.len(), r.examples.good.len())),
    )?;
    check_section(
        meta,
        LanguageName::Cargo,
        "cargo",
        meta.cargo.as_ref().and_then(|c| counts(c.examples.bad.len(), c.examples.good.len())),
    )?;
    check_section(
        meta,
        LanguageName::Config,
        "config",
        meta.config.as_ref().and_then(|c| counts(c.examples.bad.len(), c.examples.good.len())),
    )?;
    let files = meta.config.iter().flat_map(|c| c.examples.bad.iter().chain(&c.examples.good));
    for f in files {
        if !matches!(Grammar::for_path(Path::new(&f.file)), Some(Grammar::Config(_))) {
            return Err(format!("config.examples: `{}` is not a config file name this scanner reads", f.file));
        }
    }
    Ok(())
}

/// Splits the Rust section's top-level `absent` conditions off (sections are checked by `check_sections`).
fn compile_rust(meta: &RuleFile) -> Result<Option<(RustMatcher, Vec<RustMatcher>)>, String> {
    let Some(section) = &meta.rust else { return Ok(None) };
    let (rest, absents) = split_top(&section.matcher);
    fn check(m: &RustMatcher) -> Result<(), String> {
        match m {
            RustMatcher::Absent(_) => {
                Err("rust.match: `absent` may only appear directly in the top-level `all`".into())
            }
            RustMatcher::All(v) | RustMatcher::Any(v) => v.iter().try_for_each(check),
            RustMatcher::Not(b) | RustMatcher::InFile(b) => check(b),
            RustMatcher::MethodCall(sel) | RustMatcher::Call(sel) | RustMatcher::Then(sel) => {
                match sel.args.iter().flatten().find(|a| matches!(a, ArgPattern::Any(w) if w != "_")) {
                    Some(ArgPattern::Any(w)) => {
                        Err(format!("rust.match: argument pattern `{w}`: use `_` for any argument"))
                    }
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
    rest.iter().chain(&absents).try_for_each(check)?;
    if !absents.is_empty() && meta.scope == Scope::Node {
        return Err("rust.match: `absent` needs `scope: file` or `scope: project`".into());
    }
    let root = RustMatcher::All(rest);
    if !root.has_anchor() || !absents.iter().all(RustMatcher::has_anchor) {
        return Err(
            "rust.match: needs a selector that finds candidates (`method-call`, `call`, `path`, `impl` or `string`)"
                .into(),
        );
    }
    Ok(Some((root, absents)))
}

fn contains_absent(m: &Matcher) -> bool {
    match m {
        Matcher::Absent(_) => true,
        Matcher::All(v) | Matcher::Any(v) => v.iter().any(contains_absent),
        Matcher::Not(b) | Matcher::Has(b) | Matcher::Inside(b) => contains_absent(b),
        _ => false,
    }
}

fn compile(
    m: &Matcher,
    langs: &[model::LanguageName],
    leaves: &mut Vec<(String, Vec<model::LanguageName>)>,
) -> Result<CMatcher, String> {
    let mut sub = |items: &[Matcher]| items.iter().map(|i| compile(i, langs, leaves)).collect::<Result<Vec<_>, _>>();
    Ok(match m {
        Matcher::Query(src) => {
            let id = match leaves.iter().position(|(s, _)| s == src) {
                Some(i) => i,
                None => {
                    leaves.push((src.clone(), Vec::new()));
                    leaves.len() - 1
                }
            };
            for l in langs {
                if !leaves[id].1.contains(l) {
                    leaves[id].1.push(*l);
                }
            }
            CMatcher::Query(id)
        }
        Matcher::All(v) => CMatcher::All(sub(v)?),
        Matcher::Any(v) => CMatcher::Any(sub(v)?),
        Matcher::Not(b) => CMatcher::Not(Box::new(compile(b, langs, leaves)?)),
        Matcher::Has(b) => CMatcher::Has(Box::new(compile(b, langs, leaves)?)),
        Matcher::Inside(b) => CMatcher::Inside(Box::new(compile(b, langs, leaves)?)),
        Matcher::Absent(_) => unreachable!("absent conditions are split off before compiling"),
        Matcher::Property(names) => CMatcher::Property(names.names().to_vec()),
        Matcher::Value(cond) => {
            let set = [cond.is.is_some(), cond.one_of.is_some(), cond.predicate.is_some(), cond.matches.is_some()];
            if set.iter().filter(|s| **s).count() != 1 {
                return Err("match: `value` needs exactly one of `is`, `in`, `predicate`, `matches`".into());
            }
            match &cond.matches {
                Some(re) => CMatcher::ValueMatches(regex(re, "match: value.matches")?),
                None => CMatcher::Value(cond.clone()),
            }
        }
        Matcher::TlsContext(c) => CMatcher::TlsContext(c.clone()),
        Matcher::TlsRole(r) => CMatcher::TlsRole(*r),
        Matcher::Predicate(p) => CMatcher::Predicate(*p),
    })
}

fn compile_grammar(
    g: Grammar,
    leaves: &[(String, Vec<model::LanguageName>)],
    rules: &[Rule],
) -> Result<GrammarQueries, RuleError> {
    let language = g.language().expect("tree-sitter grammars have a language");
    let owner = |id: usize| rules.iter().find(|r| r.uses_leaf(id)).map_or("<rules>", |r| r.origin.as_str()).to_string();
    let used: Vec<usize> = (0..leaves.len()).filter(|&id| leaves[id].1.iter().any(|l| g.serves(*l))).collect();
    if used.is_empty() {
        return Ok(GrammarQueries::default());
    }
    if let Some(&id) = used.iter().find(|&&id| !leaves[id].0.contains("@match")) {
        return Err(RuleError {
            file: owner(id),
            message: "match: every query needs a `@match` capture on the node it matches".into(),
        });
    }
    let combined: String = used.iter().map(|&id| format!("{}\n", leaves[id].0)).collect();
    // Compiling a query is costly for large grammars: compile all leaves as one query, and only when that fails
    // compile them one by one to name the broken rule.
    let query = Query::new(&language, &combined).map_err(|_| {
        used.iter()
            .find_map(|&id| {
                Query::new(&language, &leaves[id].0).err().map(|e| RuleError {
                    file: owner(id),
                    message: format!(
                        "match: query does not compile for {g:?} (row {}, column {}): {:?} error: {}",
                        e.row + 1,
                        e.column + 1,
                        e.kind,
                        e.message
                    ),
                })
            })
            .unwrap_or_else(|| RuleError {
                file: "<rules>".into(),
                message: "the combined query does not compile".into(),
            })
    })?;
    // Pattern start offsets tell which leaf each pattern of the combined query came from.
    let mut starts = Vec::with_capacity(used.len());
    let mut offset = 0;
    for &id in &used {
        starts.push((offset, id));
        offset += leaves[id].0.len() + 1;
    }
    let leaf_of_pattern = (0..query.pattern_count())
        .map(|p| {
            let at = query.start_byte_for_pattern(p);
            starts.iter().rev().find(|(o, _)| *o <= at).map(|(_, id)| *id).expect("pattern lies in a leaf")
        })
        .collect();
    let match_capture = query.capture_index_for_name("match").expect("every leaf has @match");
    Ok(GrammarQueries { query: Some(query), leaf_of_pattern, match_capture })
}

impl Rule {
    /// The rule's documentation as `explain` prints it (also SARIF's `help.markdown`).
    pub fn explain(&self) -> String {
        let m = &self.meta;
        let mut s = format!(
            "# {}: {}\n\nSeverity: {} · Confidence: {} · Scope: {}\n",
            m.id,
            m.title,
            m.severity,
            m.confidence,
            format!("{:?}", m.scope).to_lowercase()
        );
        if !m.cwe.is_empty() {
            let cwes: Vec<String> = m.cwe.iter().map(|c| format!("CWE-{c}")).collect();
            s.push_str(&format!("Weakness: {}\n", cwes.join(", ")));
        }
        s.push('\n');
        s.push_str(m.docs.trim_end());
        s.push('\n');
        if !m.references.is_empty() {
            s.push_str("\n## References\n");
            for r in &m.references {
                s.push_str(&format!("- {r}\n"));
            }
        }
        s
    }

    fn uses_leaf(&self, id: usize) -> bool {
        let mut set = HashSet::new();
        self.root.iter().for_each(|r| r.leaves(&mut set));
        self.absents.iter().for_each(|a| a.leaves(&mut set));
        set.contains(&id)
    }

    /// Whether the rule runs on files of this grammar.
    pub fn serves(&self, g: Grammar) -> bool {
        self.meta.languages.iter().any(|l| g.serves(*l))
    }

    /// The Rust matcher and its `absent` conditions, when the rule covers Rust.
    pub fn rust(&self) -> Option<(&RustMatcher, &[RustMatcher])> {
        self.rust.as_ref().map(|(m, a)| (m, a.as_slice()))
    }
}
