//! JavaScript and TypeScript: tree-sitter parsing, value resolution, and the facts JS rules ask about.
pub mod api;
pub mod modules;
pub mod predicates;
pub mod project;
pub mod scope;
pub mod value;

use crate::rule::model::Role;
use api::TlsContext;
use project::Imports;
use scope::{FileIndex, property_key, text};
use std::cell::OnceCell;
use std::collections::HashSet;
use tree_sitter::{Node, Tree};
use value::{Lookup, Resolver, Value};

/// Parser steps per source byte after which a parse is abandoned. Real code needs at most 2 (the 476 files the
/// benchmark corpus and the fixtures parse: median 0.6, minified bundles up to 1.9); tree-sitter's error recovery
/// on some malformed TSX needs hundreds of thousands, with memory to match (a fuzzed 4.7 KB file took 449 s and
/// 5.3 GB before this limit).
const PARSE_STEPS_PER_BYTE: usize = 100;
/// The step budget of small files.
const MIN_PARSE_STEPS: usize = 200_000;

/// Parses `src`, giving up past the step budget. tree-sitter calls back every 100 parser operations, so counting
/// the calls is a deterministic budget, unlike a clock: the output never depends on the machine's speed.
pub fn parse(parser: &mut tree_sitter::Parser, language: &tree_sitter::Language, src: &str) -> Result<Tree, String> {
    parser.set_language(language).expect("bundled grammars are compatible");
    let budget = (src.len() * PARSE_STEPS_PER_BYTE).max(MIN_PARSE_STEPS) / 100;
    let mut checks = 0usize;
    let mut over = |_: &tree_sitter::ParseState| {
        checks += 1;
        checks > budget
    };
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut over);
    let read = &mut |at: usize, _| src.as_bytes().get(at..).unwrap_or_default();
    let parsed = parser.parse_with_options(read, None, Some(options));
    parsed.ok_or_else(|| {
        // A cancelled parse would resume on the next call.
        parser.reset();
        if checks > budget {
            format!("the parser's error recovery ran away (over {PARSE_STEPS_PER_BYTE} steps per byte)")
        } else {
            "the parser gave up".to_string()
        }
    })
}

/// A parsed JS/TS file and what has been worked out about it, computed on first use.
pub struct JsFile<'t> {
    /// The source text.
    pub src: &'t str,
    /// The syntax tree.
    pub tree: &'t Tree,
    /// Declarations and call sites.
    pub index: FileIndex<'t>,
    /// Where imports of other project modules lead.
    imports: Option<&'t Imports<'t>>,
    contexts: OnceCell<Vec<TlsContext<'t>>>,
    roles: OnceCell<[HashSet<usize>; 2]>,
}

impl<'t> JsFile<'t> {
    /// Indexes a parsed file.
    pub fn new(src: &'t str, tree: &'t Tree, imports: Option<&'t Imports<'t>>) -> Self {
        let index = FileIndex::build(tree, src);
        Self { src, tree, index, imports, contexts: OnceCell::new(), roles: OnceCell::new() }
    }

    /// The depth of the syntax tree's deepest node.
    pub fn depth(&self) -> usize {
        self.index.depth
    }

    /// A resolver over this file.
    pub fn resolver(&self) -> Resolver<'_, 't> {
        Resolver { index: &self.index, src: self.src, imports: self.imports, wrapper: None }
    }

    /// Every TLS server and client created in the file.
    pub fn contexts(&self) -> &[TlsContext<'t>] {
        self.contexts.get_or_init(|| api::contexts(&self.resolver(), &self.index.calls))
    }

    /// Where the options of the TLS contexts at or around `node` came from in other modules.
    pub fn origins_at(&self, node: Node<'t>) -> Vec<value::Origin> {
        let around =
            |c: &&TlsContext<'t>| c.anchor.start_byte() <= node.start_byte() && node.end_byte() <= c.anchor.end_byte();
        let mut out: Vec<value::Origin> = Vec::new();
        for o in self.contexts().iter().filter(around).filter_map(TlsContext::object).flat_map(|o| &o.origins) {
            if !out.contains(o) {
                out.push(o.clone());
            }
        }
        out
    }

    /// The TLS context created at `node`, if any.
    pub fn context_at(&self, node: Node<'t>) -> Option<&TlsContext<'t>> {
        self.contexts().iter().find(|c| c.anchor == node)
    }

    /// Ids of the object literals that make up the options of TLS servers (`Role::Server`) or clients.
    fn role_literals(&self, role: Role) -> &HashSet<usize> {
        let sets = self.roles.get_or_init(|| {
            let mut sets = [HashSet::new(), HashSet::new()];
            for ctx in self.contexts() {
                if let Some(o) = ctx.object() {
                    sets[ctx.role as usize].extend(o.literals.iter().map(|n| n.id()));
                }
            }
            sets
        });
        &sets[role as usize]
    }

    /// The name of a property-like node: `key: v`, shorthand `key`, a method, or `x.key = v`.
    pub fn property_name(&self, node: Node<'t>) -> Option<String> {
        match node.kind() {
            "pair" => property_key(node.child_by_field_name("key")?, self.src),
            "shorthand_property_identifier" => Some(text(node, self.src).to_string()),
            "method_definition" => property_key(node.child_by_field_name("name")?, self.src),
            "assignment_expression" | "augmented_assignment_expression" => {
                self.resolver().member_key(node.child_by_field_name("left")?)
            }
            _ => None,
        }
    }

    /// Whether a property in an object literal is still in effect: no later key or known spread sets it again.
    pub fn property_in_effect(&self, node: Node<'t>, name: &str) -> bool {
        if !matches!(node.kind(), "pair" | "shorthand_property_identifier" | "method_definition") {
            return true;
        }
        let Some(object) = node.parent().filter(|p| p.kind() == "object") else { return true };
        let overridden = |o: &value::Obj<'t>| matches!(o.lookup(name), Lookup::Found(p) if p.node != Some(node));
        if let Value::Object(o) = self.resolver().value(object)
            && overridden(&o)
        {
            return false;
        }
        // A shared base object (`const base = {...}`) whose every TLS use sets the key again is not in effect.
        let mut uses = self.contexts().iter().filter_map(|c| c.object()).filter(|o| o.literals.contains(&object));
        let first = uses.next();
        !(first.is_some_and(&overridden) && uses.all(overridden))
    }

    /// The value a property-like node sets; for any other expression, its own value.
    pub fn property_value(&self, node: Node<'t>) -> Value<'t> {
        let r = self.resolver();
        match node.kind() {
            "pair" => node.child_by_field_name("value").map_or(Value::Unknown, |v| r.value(v)),
            "shorthand_property_identifier" => r.name_value(text(node, self.src), node.start_byte()),
            "method_definition" => Value::Function(node),
            "assignment_expression" => node.child_by_field_name("right").map_or(Value::Unknown, |v| r.value(v)),
            // `x ??= v` and `x ||= v` may store `v`; arithmetic compound assignments compute something else.
            "augmented_assignment_expression" => {
                let op = node.child_by_field_name("operator").map(|o| &self.src[o.byte_range()]);
                match (op, node.child_by_field_name("right")) {
                    (Some("??=" | "||=" | "&&="), Some(v)) => r.value(v),
                    _ => Value::Unknown,
                }
            }
            _ => r.value(node),
        }
    }

    /// Whether the property at `node` configures a TLS options object of `role`.
    pub fn property_role_is(&self, node: Node<'t>, role: Role) -> bool {
        let literals = self.role_literals(role);
        match node.kind() {
            "pair" | "shorthand_property_identifier" | "method_definition" => {
                let Some(object) = node.parent().filter(|p| p.kind() == "object") else { return false };
                if literals.contains(&object.id()) || self.used_elsewhere_as(object, role) {
                    return true;
                }
                // `requestCert` in options passed to a client call (`tls.connect`) does not make them a server's.
                role == Role::Server
                    && !self.role_literals(Role::Client).contains(&object.id())
                    && self.looks_like_server_options(object)
            }
            "assignment_expression" => {
                let target = node.child_by_field_name("left").and_then(|l| l.child_by_field_name("object"));
                match target.map(|t| self.resolver().value(t)) {
                    Some(Value::Object(o)) => o.literals.iter().any(|l| literals.contains(&l.id())),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Whether another project module uses this object literal as the options of a TLS endpoint of `role`.
    fn used_elsewhere_as(&self, object: Node<'t>, role: Role) -> bool {
        self.imports.is_some_and(|i| i.project.roles[role as usize].contains(&(i.file, object.start_byte())))
    }

    /// The object literals of other modules that this file's TLS endpoints use, by role.
    pub fn foreign_uses(&self) -> Vec<(Role, (usize, usize))> {
        let mut out = Vec::new();
        for ctx in self.contexts() {
            if let Some(o) = ctx.object() {
                out.extend(o.homes.iter().map(|h| (ctx.role, *h)));
            }
        }
        out
    }

    /// An object literal that only a server would carry: `requestCert` or `isServer: true`.
    fn looks_like_server_options(&self, object: Node<'t>) -> bool {
        let Value::Object(o) = self.resolver().value(object) else { return false };
        matches!(o.lookup("requestCert"), Lookup::Found(_))
            || matches!(o.lookup("isServer"), Lookup::Found(p) if matches!(p.value, Value::Bool(true)))
    }
}
