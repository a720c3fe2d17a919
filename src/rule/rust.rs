//! Evaluates Rust matchers on the facts of one file.
use super::model::{ArgPattern, BodyPredicate, CallSelector, RustMatcher, StringPredicate, VerifierPredicate};
use super::trigger::Word;
use crate::lang::js::predicates::holds_private_key;
use crate::lang::rust::{Arg, Link, RustFacts, predicates};
use std::ops::Range;

/// A fact a Rust matcher is evaluated on.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// A method call.
    Method(&'a crate::lang::rust::MethodCall),
    /// A path call.
    Call(&'a crate::lang::rust::Call),
    /// A path.
    Path(&'a crate::lang::rust::PathRef),
    /// A trait impl method.
    Impl(&'a crate::lang::rust::ImplMethod),
    /// A string literal.
    Str(&'a crate::lang::rust::StrLit),
}

impl Subject<'_> {
    /// Where a finding on this subject points.
    pub fn at(&self) -> Range<usize> {
        match self {
            Subject::Method(m) => m.at.clone(),
            Subject::Call(c) => c.expr.clone(),
            Subject::Path(p) => p.bytes.clone(),
            Subject::Impl(i) => i.bytes.clone(),
            Subject::Str(s) => s.bytes.clone(),
        }
    }

    /// Whether the subject is in test-only code.
    pub fn in_test(&self) -> bool {
        match self {
            Subject::Method(m) => m.test,
            Subject::Call(c) => c.test,
            Subject::Path(p) => p.test,
            Subject::Impl(i) => i.test,
            Subject::Str(s) => s.test,
        }
    }

    fn expr(&self) -> Option<&Range<usize>> {
        match self {
            Subject::Method(m) => Some(&m.expr),
            Subject::Call(c) => Some(&c.expr),
            _ => None,
        }
    }
}

/// Whether `path` ends with the `::`-separated segments of `suffix`.
pub fn path_ends_with(path: &str, suffix: &str) -> bool {
    let (p, s): (Vec<&str>, Vec<&str>) = (path.split("::").collect(), suffix.split("::").collect());
    p.len() >= s.len() && p[p.len() - s.len()..] == s[..]
}

fn path_contains(path: &str, part: &str) -> bool {
    let (p, s): (Vec<&str>, Vec<&str>) = (path.split("::").collect(), part.split("::").collect());
    p.windows(s.len()).any(|w| w == s.as_slice())
}

fn args_match(patterns: &Option<Vec<ArgPattern>>, args: &[Arg]) -> bool {
    let Some(patterns) = patterns else { return true };
    patterns.iter().enumerate().all(|(i, pat)| match (pat, args.get(i)) {
        (ArgPattern::Any(_), Some(_)) => true,
        (ArgPattern::Bool(b), Some(Arg::Bool(v))) => b == v,
        (ArgPattern::Path { path }, Some(Arg::Path(p))) => path.names().iter().any(|s| path_ends_with(p, s)),
        _ => false,
    })
}

fn names_match(sel: &CallSelector, name: &str, args: &[Arg]) -> bool {
    sel.name.names().iter().any(|n| n == name) && args_match(&sel.args, args)
}

impl RustMatcher {
    /// Whether the matcher can produce candidates by itself.
    pub fn has_anchor(&self) -> bool {
        match self {
            Self::MethodCall(_) | Self::Call(_) | Self::Path(_) | Self::Impl(_) | Self::String(_) => true,
            Self::All(v) => v.iter().any(Self::has_anchor),
            Self::Any(v) => !v.is_empty() && v.iter().all(Self::has_anchor),
            _ => false,
        }
    }

    /// Candidate facts for this matcher.
    pub fn candidates<'a>(&self, facts: &'a RustFacts) -> Vec<Subject<'a>> {
        match self {
            Self::MethodCall(_) => facts.method_calls.iter().map(Subject::Method).collect(),
            Self::Call(_) => facts.calls.iter().map(Subject::Call).collect(),
            Self::Path(_) => facts.paths.iter().map(Subject::Path).collect(),
            Self::Impl(_) => facts.impls.iter().map(Subject::Impl).collect(),
            Self::String(_) => facts.strings.iter().map(Subject::Str).collect(),
            Self::All(v) => v.iter().find(|m| m.has_anchor()).map(|m| m.candidates(facts)).unwrap_or_default(),
            Self::Any(v) => v.iter().flat_map(|m| m.candidates(facts)).collect(),
            _ => Vec::new(),
        }
    }

    /// Evaluates the matcher on one fact.
    pub fn eval(&self, s: Subject<'_>, facts: &RustFacts) -> bool {
        match (self, s) {
            (Self::MethodCall(sel), Subject::Method(m)) => names_match(sel, &m.name, &m.args),
            (Self::Call(sel), Subject::Call(c)) => {
                sel.name.names().iter().any(|n| path_ends_with(&c.path, n)) && args_match(&sel.args, &c.args)
            }
            (Self::Path(parts), Subject::Path(p)) => parts.names().iter().any(|n| path_contains(&p.path, n)),
            (Self::Impl(sel), Subject::Impl(i)) => {
                sel.trait_path.names().iter().any(|t| path_ends_with(&i.trait_path, t))
                    && sel.method.names().contains(&i.method)
                    && match sel.body {
                        None => true,
                        Some(BodyPredicate::AlwaysOk) => i.always_ok,
                        Some(BodyPredicate::ReturnsFalse) => i.returns_false,
                        Some(BodyPredicate::IgnoresServerName) => {
                            i.ignored_param_types.iter().any(|t| t == "ServerName")
                        }
                        Some(BodyPredicate::ChecksPeerIdentity) => i.checks_identity,
                        Some(BodyPredicate::RejectsPeers) => i.rejects,
                    }
            }
            (Self::String(StringPredicate::PrivateKey), Subject::Str(st)) => holds_private_key(&st.value),
            (Self::String(StringPredicate::SpiffeId), Subject::Str(st)) => st.value.contains("spiffe://"),
            (Self::InFile(m), _) => m.exists(facts),
            (Self::Chain(sel), Subject::Method(m)) => m.chain.iter().any(|link| match link {
                Link::Call { path, .. } => sel.calls.iter().any(|c| path_ends_with(path, c)),
                Link::Method { name, .. } => sel.methods.contains(name),
                Link::Path(_) | Link::Other => false,
            }),
            (Self::Then(sel), s) => s.expr().is_some_and(|expr| {
                facts.method_calls.iter().any(|later| {
                    names_match(sel, &later.name, &later.args)
                        && later.chain.iter().any(|l| match l {
                            Link::Call { bytes, .. } | Link::Method { bytes, .. } => bytes == expr,
                            _ => false,
                        })
                }) || facts.continued.iter().any(|c| c.bytes == *expr && names_match(sel, &c.name, &c.args))
            }),
            (Self::Verifier(VerifierPredicate::AcceptsAll), Subject::Method(m)) => m
                .arg_types
                .first()
                .and_then(Option::as_deref)
                .is_some_and(|ty| predicates::verifier_accepts_all(facts, ty)),
            (Self::All(v), s) => v.iter().all(|m| m.eval(s, facts)),
            (Self::Any(v), s) => v.iter().any(|m| m.eval(s, facts)),
            (Self::Not(m), s) => !m.eval(s, facts),
            _ => false,
        }
    }

    /// Words one of which a file must contain for this matcher to find anything in it (see `rule::trigger`):
    /// method names, the longest segment of paths (aliases keep every segment in their `use` line), trait names
    /// and string markers. `None` when no such set is known.
    pub fn words(&self) -> Option<Vec<Word>> {
        let longest = |paths: &[String]| -> Vec<Word> {
            let segment = |p: &String| Word::name(p.split("::").max_by_key(|s| s.len()).unwrap_or(p));
            paths.iter().map(segment).collect()
        };
        let names = |names: &[String]| names.iter().map(Word::name).collect::<Vec<_>>();
        match self {
            Self::MethodCall(sel) | Self::Then(sel) => Some(names(sel.name.names())),
            Self::Call(sel) => Some(longest(sel.name.names())),
            Self::Path(parts) => Some(longest(parts.names())),
            Self::Impl(sel) => Some(longest(sel.trait_path.names())),
            // A receiver chain may start in another module (see `lang::rust::modules`): its words need not be here.
            Self::Chain(_) => None,
            Self::String(StringPredicate::PrivateKey) => Some(vec![Word::literal("PRIVATE KEY-----")]),
            Self::String(StringPredicate::SpiffeId) => Some(vec![Word::literal("spiffe://")]),
            Self::InFile(m) => m.words(),
            Self::All(v) => super::trigger::best(v.iter().filter_map(Self::words)),
            Self::Any(v) => super::trigger::union(v.iter().map(Self::words)),
            Self::Verifier(_) | Self::Not(_) | Self::Absent(_) => None,
        }
    }

    /// The method names this matcher judges method calls by (`method-call`, `then`, and `chain` methods): only
    /// calls with these names need their receiver chains and verifier types followed into other modules.
    pub fn method_names(&self, out: &mut std::collections::HashSet<String>) {
        match self {
            Self::MethodCall(sel) | Self::Then(sel) => out.extend(sel.name.names().iter().cloned()),
            Self::Chain(sel) => out.extend(sel.methods.iter().cloned()),
            Self::InFile(m) | Self::Not(m) | Self::Absent(m) => m.method_names(out),
            Self::All(v) | Self::Any(v) => v.iter().for_each(|m| m.method_names(out)),
            Self::Call(_) | Self::Path(_) | Self::Impl(_) | Self::String(_) | Self::Verifier(_) => {}
        }
    }

    /// Whether anything in the file matches.
    pub fn exists(&self, facts: &RustFacts) -> bool {
        self.candidates(facts).into_iter().any(|s| self.eval(s, facts))
    }
}
