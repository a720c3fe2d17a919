//! Evaluates compiled matchers on JS/TS syntax nodes.
use super::model::{
    KeyCondition, KeyWord, NodePredicate, Role, Scalar, TlsContextCondition, ValueCondition, ValuePredicate,
};
use crate::lang::js::value::{Lookup, Value};
use crate::lang::js::{JsFile, api, predicates};
use std::collections::HashSet;
use tree_sitter::Node;

/// A matcher with its queries replaced by leaf ids into the rule set's compiled queries.
#[derive(Debug, Clone)]
pub enum CMatcher {
    /// Query leaf id.
    Query(usize),
    /// All must match.
    All(Vec<CMatcher>),
    /// One must match.
    Any(Vec<CMatcher>),
    /// Must not match.
    Not(Box<CMatcher>),
    /// A descendant matches.
    Has(Box<CMatcher>),
    /// An ancestor matches.
    Inside(Box<CMatcher>),
    /// Property names.
    Property(Vec<String>),
    /// Value condition.
    Value(ValueCondition),
    /// The value is a known string this regular expression matches.
    ValueMatches(regex::Regex),
    /// TLS server/client conditions.
    TlsContext(TlsContextCondition),
    /// Property belongs to options of this role.
    TlsRole(Role),
    /// Named node predicate.
    Predicate(NodePredicate),
}

/// The nodes each query leaf captured as `@match` in one file.
pub struct QueryHits<'t> {
    by_leaf: Vec<Vec<Node<'t>>>,
    ids: Vec<HashSet<usize>>,
}

impl<'t> QueryHits<'t> {
    pub(crate) fn new(leaves: usize) -> Self {
        Self { by_leaf: vec![Vec::new(); leaves], ids: vec![HashSet::new(); leaves] }
    }

    pub(crate) fn add(&mut self, leaf: usize, node: Node<'t>) {
        if self.ids[leaf].insert(node.id()) {
            self.by_leaf[leaf].push(node);
        }
    }
}

/// What a matcher is evaluated against.
pub struct Cx<'a, 't> {
    /// The file.
    pub file: &'a JsFile<'t>,
    /// The query results of the file.
    pub hits: &'a QueryHits<'t>,
}

impl CMatcher {
    /// Whether the matcher can produce candidate nodes by itself.
    pub fn has_anchor(&self) -> bool {
        match self {
            Self::Query(_) => true,
            Self::All(v) => v.iter().any(Self::has_anchor),
            Self::Any(v) => !v.is_empty() && v.iter().all(Self::has_anchor),
            _ => false,
        }
    }

    pub(crate) fn leaves(&self, out: &mut HashSet<usize>) {
        match self {
            Self::Query(l) => {
                out.insert(*l);
            }
            Self::All(v) | Self::Any(v) => v.iter().for_each(|m| m.leaves(out)),
            Self::Not(b) | Self::Has(b) | Self::Inside(b) => b.leaves(out),
            _ => {}
        }
    }

    /// The nodes worth evaluating this matcher on.
    pub fn candidates<'t>(&self, cx: &Cx<'_, 't>) -> Vec<Node<'t>> {
        match self {
            Self::Query(l) => cx.hits.by_leaf[*l].clone(),
            Self::All(v) => v.iter().find(|m| m.has_anchor()).map(|m| m.candidates(cx)).unwrap_or_default(),
            Self::Any(v) => {
                let mut seen = HashSet::new();
                v.iter().flat_map(|m| m.candidates(cx)).filter(|n| seen.insert(n.id())).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Evaluates the matcher at `node`: `Some(location)` when it matches, where the location is `node` unless a
    /// condition points elsewhere (`tls-context` with `at`, `private-key-literal`).
    pub fn eval<'t>(&self, node: Node<'t>, cx: &Cx<'_, 't>) -> Option<Node<'t>> {
        let file = cx.file;
        match self {
            Self::Query(l) => cx.hits.ids[*l].contains(&node.id()).then_some(node),
            Self::All(v) => {
                let mut at = node;
                for m in v {
                    let loc = m.eval(node, cx)?;
                    if loc != node {
                        at = loc;
                    }
                }
                Some(at)
            }
            Self::Any(v) => v.iter().find_map(|m| m.eval(node, cx)),
            Self::Not(m) => m.eval(node, cx).is_none().then_some(node),
            Self::Has(m) => {
                let mut cursor = node.walk();
                let mut found = false;
                if cursor.goto_first_child() {
                    'walk: loop {
                        if m.eval(cursor.node(), cx).is_some() {
                            found = true;
                            break;
                        }
                        if cursor.goto_first_child() {
                            continue;
                        }
                        while !cursor.goto_next_sibling() {
                            if !cursor.goto_parent() || cursor.node() == node {
                                break 'walk;
                            }
                        }
                    }
                }
                found.then_some(node)
            }
            Self::Inside(m) => {
                let mut p = node.parent();
                while let Some(a) = p {
                    if m.eval(a, cx).is_some() {
                        return Some(node);
                    }
                    p = a.parent();
                }
                None
            }
            Self::Property(names) => {
                let name = file.property_name(node)?;
                (names.contains(&name) && file.property_in_effect(node, &name)).then_some(node)
            }
            Self::Value(cond) => value_matches(cond, &file.property_value(node), file).then_some(node),
            Self::ValueMatches(re) => {
                matches!(file.property_value(node), Value::Str(s) if re.is_match(&s)).then_some(node)
            }
            Self::TlsContext(c) => tls_context(c, node, file),
            Self::TlsRole(role) => file.property_role_is(node, *role).then_some(node),
            Self::Predicate(NodePredicate::PrivateKeyLiteral) => predicates::private_key_literal(file, node),
            Self::Predicate(NodePredicate::RemoteUrl) => matches!(
                file.property_value(node),
                Value::Str(url) if url.contains("://") && !crate::lang::config::is_loopback_url(&url)
            )
            .then_some(node),
            Self::Predicate(NodePredicate::ArrayElement) => {
                node.parent().is_some_and(|p| p.kind() == "array").then_some(node)
            }
        }
    }
}

fn scalar_eq(s: &Scalar, v: &Value<'_>) -> bool {
    match (s, v) {
        (Scalar::Bool(a), Value::Bool(b)) => a == b,
        (Scalar::Number(a), Value::Num(b)) => a == b,
        (Scalar::String(a), Value::Str(b)) => a == b,
        _ => false,
    }
}

fn value_matches(cond: &ValueCondition, v: &Value<'_>, file: &JsFile<'_>) -> bool {
    if let Some(s) = &cond.is {
        return scalar_eq(s, v);
    }
    if let Some(list) = &cond.one_of {
        return list.iter().any(|s| scalar_eq(s, v));
    }
    match (cond.predicate, v) {
        (Some(ValuePredicate::AcceptsAll), Value::Function(f)) => predicates::accepts_all(file, *f),
        _ => false,
    }
}

fn tls_context<'t>(c: &TlsContextCondition, node: Node<'t>, file: &JsFile<'t>) -> Option<Node<'t>> {
    let ctx = file.context_at(node).filter(|ctx| ctx.role == c.role)?;
    for (key, cond) in &c.options {
        let found = ctx.lookup(key);
        let ok = match (cond, found) {
            (KeyCondition::Bool(b), Lookup::Found(p)) => matches!(p.value, Value::Bool(v) if v == *b),
            (KeyCondition::Word(KeyWord::Present), Lookup::Found(_)) => true,
            (KeyCondition::Word(KeyWord::Absent), Lookup::Absent) => true,
            (KeyCondition::Word(KeyWord::NotTrue), Lookup::Absent) => true,
            (KeyCondition::Word(KeyWord::NotTrue), Lookup::Found(p)) => {
                !matches!(p.value, Value::Bool(true) | Value::Unknown | Value::Call { .. })
            }
            (KeyCondition::Word(KeyWord::FromFile), Lookup::Found(p)) => api::read_from_file(&p.value),
            _ => false,
        };
        if !ok {
            return None;
        }
    }
    match &c.at {
        None => Some(node),
        Some(key) => match ctx.lookup(key) {
            // A property of another module's object: the finding stays at the call that uses it.
            Lookup::Found(p) => Some(p.node.unwrap_or(node)),
            _ => None,
        },
    }
}
