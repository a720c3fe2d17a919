//! One pass over a JS/TS tree: declarations with their scopes, and the call sites TLS rules look at.
use std::collections::HashMap;
use tree_sitter::{Node, Tree};

/// What an identifier is bound to.
#[derive(Debug, Clone)]
pub enum DeclKind<'t> {
    /// `const x = value` (value absent for `let x;`).
    Var(Option<Node<'t>>),
    /// `const { key: x } = source`.
    Destructured {
        /// The property read.
        key: String,
        /// The destructured expression.
        source: Node<'t>,
    },
    /// `const [a, x] = source`: element `index` of `source`.
    Indexed {
        /// Position in the array pattern.
        index: usize,
        /// The destructured expression.
        source: Node<'t>,
    },
    /// `function x() {}`.
    Function(Node<'t>),
    /// `import x from 'm'`, `import * as x from 'm'`, `import { n as x } from 'm'`.
    Import {
        /// The module specifier, `node:` dropped.
        module: String,
        /// The imported name (`"default"` for a default import); `None` for a namespace import.
        name: Option<String>,
    },
    /// A parameter, catch binding, loop variable or class: its value is not known here.
    Opaque,
}

/// One declaration of a name.
#[derive(Debug, Clone)]
pub struct Decl<'t> {
    /// What the name is bound to.
    pub kind: DeclKind<'t>,
    /// Byte range in which the name is visible.
    pub scope: (usize, usize),
    /// Where the declaration starts.
    pub at: usize,
}

/// The declarations of one name, sorted by scope (outer first), each with the nearest declaration whose scope
/// encloses its own: a lookup climbs that chain instead of testing every declaration, which matters in minified
/// code, where one-letter names are declared thousands of times.
#[derive(Debug, Default)]
struct Decls<'t> {
    list: Vec<Decl<'t>>,
    up: Vec<Option<usize>>,
}

impl<'t> Decls<'t> {
    /// The bytes a declaration is visible in (an empty scope still holds its own start).
    fn span(d: &Decl<'_>) -> (usize, usize) {
        (d.scope.0, d.scope.1.max(d.scope.0 + 1))
    }

    fn finish(&mut self) {
        self.list.sort_by_key(|d| (d.scope.0, std::cmp::Reverse(d.scope.1), d.at));
        let mut open: Vec<usize> = Vec::new();
        self.up = Vec::with_capacity(self.list.len());
        for (i, d) in self.list.iter().enumerate() {
            let (start, end) = Self::span(d);
            while let Some(&top) = open.last() {
                let (s, e) = Self::span(&self.list[top]);
                if s <= start && end <= e {
                    break;
                }
                open.pop();
            }
            self.up.push(open.last().copied());
            open.push(i);
        }
    }

    /// The innermost scope holding `pos`; among its declarations, the latest one before `pos`, else the first
    /// one after it.
    fn lookup(&self, pos: usize) -> Option<&Decl<'t>> {
        let holds = |d: &Decl<'_>| {
            let (s, e) = Self::span(d);
            s <= pos && pos < e
        };
        let mut i = self.list.partition_point(|d| d.scope.0 <= pos).checked_sub(1)?;
        while !holds(&self.list[i]) {
            i = self.up[i]?;
        }
        let scope = self.list[i].scope;
        let first = self.list[..=i].iter().rposition(|d| d.scope != scope).map_or(0, |j| j + 1);
        let count = self.list[first..].iter().take_while(|d| d.scope == scope).count();
        self.list[first..first + count].iter().min_by_key(|d| (d.at > pos, usize::MAX - d.at))
    }
}

/// Declarations and call sites of one file, from a single non-recursive walk.
#[derive(Debug, Default)]
pub struct FileIndex<'t> {
    decls: HashMap<&'t str, Decls<'t>>,
    /// Every `call_expression` and `new_expression`, in source order.
    pub calls: Vec<Node<'t>>,
    /// `name.key = value` assignments, by `name`.
    member_assignments: HashMap<&'t str, Vec<Node<'t>>>,
    /// The depth of the deepest node (the root is at 0).
    pub depth: usize,
    /// Module specifiers written as string literals: `import`, `export … from`, `require()` and `import()`.
    pub specifiers: Vec<String>,
    /// `require()` and `import()` calls whose module is computed, not a string literal.
    pub computed_imports: usize,
}

fn is_block_scope(kind: &str) -> bool {
    matches!(kind, "statement_block" | "for_statement" | "for_in_statement" | "class_body" | "switch_body")
        || is_function_scope(kind)
}

fn is_function_scope(kind: &str) -> bool {
    matches!(
        kind,
        "program"
            | "function_declaration"
            | "function_expression"
            | "function"
            | "generator_function_declaration"
            | "generator_function"
            | "arrow_function"
            | "method_definition"
    )
}

/// Normalises a module specifier: `node:https` is `https`.
pub fn normalise_module(spec: &str) -> String {
    spec.strip_prefix("node:").unwrap_or(spec).to_string()
}

impl<'t> FileIndex<'t> {
    /// Walks the tree once.
    pub fn build(tree: &'t Tree, src: &'t str) -> Self {
        let mut index = FileIndex::default();
        let mut scopes: Vec<(Node<'t>, bool)> = Vec::new();
        let mut cursor = tree.walk();
        let mut depth = 0;
        'outer: loop {
            let node = cursor.node();
            index.enter(node, &scopes, src);
            let kind = node.kind();
            if is_block_scope(kind) {
                scopes.push((node, is_function_scope(kind)));
            }
            if cursor.goto_first_child() {
                depth += 1;
                index.depth = index.depth.max(depth);
                continue;
            }
            loop {
                let left = cursor.node();
                if scopes.last().is_some_and(|(s, _)| *s == left) {
                    scopes.pop();
                }
                if cursor.goto_next_sibling() {
                    continue 'outer;
                }
                if !cursor.goto_parent() {
                    break 'outer;
                }
                depth -= 1;
            }
        }
        index.decls.values_mut().for_each(Decls::finish);
        index
    }

    fn add(&mut self, name: &'t str, kind: DeclKind<'t>, scope: Node<'t>, at: usize) {
        self.decls.entry(name).or_default().list.push(Decl { kind, scope: (scope.start_byte(), scope.end_byte()), at });
    }

    fn enter(&mut self, node: Node<'t>, scopes: &[(Node<'t>, bool)], src: &'t str) {
        let Some(&(block, _)) = scopes.last() else {
            return;
        };
        let function = scopes.iter().rev().find(|(_, f)| *f).map_or(block, |(n, _)| *n);
        match node.kind() {
            "call_expression" | "new_expression" => {
                self.calls.push(node);
                let callee = node.child_by_field_name("function");
                if callee
                    .is_some_and(|c| c.kind() == "import" || (c.kind() == "identifier" && text(c, src) == "require"))
                {
                    match node.child_by_field_name("arguments").and_then(|a| a.named_child(0)) {
                        Some(arg) if arg.kind() == "string" => {
                            self.specifiers.push(normalise_module(&string_content(arg, src)))
                        }
                        _ => self.computed_imports += 1,
                    }
                }
            }
            "export_statement" => {
                if let Some(source) = node.child_by_field_name("source") {
                    self.specifiers.push(normalise_module(&string_content(source, src)));
                }
            }
            "assignment_expression" => {
                let base = node
                    .child_by_field_name("left")
                    .filter(|l| matches!(l.kind(), "member_expression" | "subscript_expression"))
                    .and_then(|l| l.child_by_field_name("object"))
                    .filter(|o| o.kind() == "identifier");
                if let Some(base) = base {
                    self.member_assignments.entry(text(base, src)).or_default().push(node);
                }
            }
            "variable_declaration" | "lexical_declaration" => {
                let scope = if node.kind() == "variable_declaration" { function } else { block };
                let mut c = node.walk();
                for decl in node.named_children(&mut c).filter(|n| n.kind() == "variable_declarator") {
                    if let Some(name) = decl.child_by_field_name("name") {
                        self.bind_pattern(name, decl.child_by_field_name("value"), scope, src);
                    }
                }
            }
            "function_declaration" | "generator_function_declaration" | "class_declaration" => {
                if let Some(name) = node.child_by_field_name("name") {
                    let kind =
                        if node.kind() == "class_declaration" { DeclKind::Opaque } else { DeclKind::Function(node) };
                    self.add(text(name, src), kind, block, node.start_byte());
                }
            }
            "import_statement" => {
                if let Some(source) = node.child_by_field_name("source") {
                    self.specifiers.push(normalise_module(&string_content(source, src)));
                }
                self.bind_import(node, block, src)
            }
            "formal_parameters" => self.bind_opaque(node, block, src),
            "arrow_function" => {
                if let Some(p) = node.child_by_field_name("parameter") {
                    self.add(text(p, src), DeclKind::Opaque, node, p.start_byte());
                }
            }
            "catch_clause" => {
                if let Some(p) = node.child_by_field_name("parameter") {
                    self.bind_opaque(p, node, src);
                }
            }
            "for_in_statement" => {
                if let Some(p) = node.child_by_field_name("left") {
                    self.bind_opaque(p, node, src);
                }
            }
            _ => {}
        }
    }

    fn bind_pattern(&mut self, pattern: Node<'t>, value: Option<Node<'t>>, scope: Node<'t>, src: &'t str) {
        match pattern.kind() {
            "identifier" => self.add(text(pattern, src), DeclKind::Var(value), scope, pattern.start_byte()),
            "object_pattern" => {
                let mut c = pattern.walk();
                for child in pattern.named_children(&mut c) {
                    let (key, target) = match child.kind() {
                        "shorthand_property_identifier_pattern" => (text(child, src).to_string(), child),
                        "pair_pattern" => {
                            let (Some(k), Some(v)) =
                                (child.child_by_field_name("key"), child.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            (property_key(k, src).unwrap_or_default(), v)
                        }
                        "object_assignment_pattern" => {
                            let Some(l) = child.child_by_field_name("left") else { continue };
                            (text(l, src).to_string(), l)
                        }
                        _ => {
                            self.bind_opaque(child, scope, src);
                            continue;
                        }
                    };
                    match (value, target.kind()) {
                        (Some(source), "identifier" | "shorthand_property_identifier_pattern") => self.add(
                            text(target, src),
                            DeclKind::Destructured { key, source },
                            scope,
                            target.start_byte(),
                        ),
                        _ => self.bind_opaque(target, scope, src),
                    }
                }
            }
            "array_pattern" => {
                // Holes (`[, b]`) are bare commas: the index is the count of commas before the element.
                let mut index = 0;
                let mut c = pattern.walk();
                for child in pattern.children(&mut c) {
                    match (child.kind(), value) {
                        (",", _) => index += 1,
                        ("identifier", Some(source)) => {
                            self.add(text(child, src), DeclKind::Indexed { index, source }, scope, child.start_byte())
                        }
                        ("[" | "]" | "comment", _) => {}
                        _ => self.bind_opaque(child, scope, src),
                    }
                }
            }
            _ => self.bind_opaque(pattern, scope, src),
        }
    }

    /// Binds every identifier in a pattern as opaque (parameters, array patterns, catch bindings).
    fn bind_opaque(&mut self, pattern: Node<'t>, scope: Node<'t>, src: &'t str) {
        if matches!(pattern.kind(), "identifier" | "shorthand_property_identifier_pattern") {
            self.add(text(pattern, src), DeclKind::Opaque, scope, pattern.start_byte());
            return;
        }
        let mut stack = vec![pattern];
        while let Some(n) = stack.pop() {
            let mut c = n.walk();
            for child in n.named_children(&mut c) {
                match child.kind() {
                    "identifier" | "shorthand_property_identifier_pattern" => {
                        // A default value (`a = b`) is not a binding of `b`.
                        let is_default =
                            n.kind().ends_with("assignment_pattern") && n.child_by_field_name("right") == Some(child);
                        if !is_default {
                            self.add(text(child, src), DeclKind::Opaque, scope, child.start_byte());
                        }
                    }
                    k if k.contains("type") => {}
                    _ => stack.push(child),
                }
            }
        }
    }

    fn bind_import(&mut self, node: Node<'t>, scope: Node<'t>, src: &'t str) {
        let Some(source) = node.child_by_field_name("source") else { return };
        let module = normalise_module(&string_content(source, src));
        let mut c = node.walk();
        for clause in node.named_children(&mut c) {
            let mut c2 = clause.walk();
            match clause.kind() {
                "import_clause" => {
                    for part in clause.named_children(&mut c2) {
                        match part.kind() {
                            "identifier" => self.add(
                                text(part, src),
                                DeclKind::Import { module: module.clone(), name: Some("default".into()) },
                                scope,
                                part.start_byte(),
                            ),
                            "namespace_import" => {
                                let mut c3 = part.walk();
                                if let Some(id) = part.named_children(&mut c3).find(|n| n.kind() == "identifier") {
                                    self.add(
                                        text(id, src),
                                        DeclKind::Import { module: module.clone(), name: None },
                                        scope,
                                        id.start_byte(),
                                    );
                                }
                            }
                            "named_imports" => {
                                let mut c3 = part.walk();
                                for spec in part.named_children(&mut c3) {
                                    let Some(name) = spec.child_by_field_name("name") else { continue };
                                    let local = spec.child_by_field_name("alias").unwrap_or(name);
                                    self.add(
                                        text(local, src),
                                        DeclKind::Import { module: module.clone(), name: property_key(name, src) },
                                        scope,
                                        local.start_byte(),
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "import_require_clause" => {
                    if let Some(id) = clause.named_child(0) {
                        let m = clause.child_by_field_name("source").map(|s| string_content(s, src));
                        self.add(
                            text(id, src),
                            DeclKind::Import { module: normalise_module(&m.unwrap_or(module.clone())), name: None },
                            scope,
                            id.start_byte(),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// The `name.key = value` assignments of the file (any scope: callers check which declaration they hit).
    pub fn member_assignments(&self, name: &str) -> &[Node<'t>] {
        self.member_assignments.get(name).map_or(&[], Vec::as_slice)
    }

    /// The declaration of `name` visible at byte `pos`: the innermost scope wins, then the latest declaration.
    pub fn lookup(&self, name: &str, pos: usize) -> Option<&Decl<'t>> {
        self.decls.get(name)?.lookup(pos)
    }
}

/// The source text of a node.
pub fn text<'t>(node: Node<'_>, src: &'t str) -> &'t str {
    &src[node.byte_range()]
}

/// The name of a property key node: identifier, string, number or computed string.
pub fn property_key(key: Node<'_>, src: &str) -> Option<String> {
    match key.kind() {
        "property_identifier" | "identifier" | "private_property_identifier" | "number" => {
            Some(text(key, src).to_string())
        }
        "string" => Some(string_content(key, src)),
        "computed_property_name" => {
            let inner = key.named_child(0)?;
            matches!(inner.kind(), "string" | "template_string").then(|| string_content(inner, src))
        }
        _ => None,
    }
}

/// The value of a string or substitution-free template literal, escapes decoded. Substitutions are kept verbatim.
pub fn string_content(node: Node<'_>, src: &str) -> String {
    let mut out = String::new();
    let mut c = node.walk();
    for part in node.named_children(&mut c) {
        match part.kind() {
            "escape_sequence" => decode_escape(text(part, src), &mut out),
            _ => out.push_str(text(part, src)),
        }
    }
    out
}

fn decode_escape(esc: &str, out: &mut String) {
    let body = &esc[1..];
    let simple = match body {
        "n" => Some('\n'),
        "r" => Some('\r'),
        "t" => Some('\t'),
        "b" => Some('\u{8}'),
        "f" => Some('\u{c}'),
        "v" => Some('\u{b}'),
        "0" => Some('\0'),
        _ => None,
    };
    if let Some(c) = simple {
        out.push(c);
        return;
    }
    let hex = body
        .strip_prefix('x')
        .or_else(|| body.strip_prefix("u{").and_then(|h| h.strip_suffix('}')))
        .or_else(|| body.strip_prefix('u'));
    match hex.and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32) {
        Some(c) => out.push(c),
        None if body.starts_with(['\n', '\r']) => {}
        None => out.push_str(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookup before declarations were indexed: every declaration of the name, innermost scope first.
    fn naive<'a, 't>(index: &'a FileIndex<'t>, name: &str, pos: usize) -> Option<&'a Decl<'t>> {
        let decls = &index.decls.get(name)?.list;
        decls
            .iter()
            .filter(|d| d.scope.0 <= pos && pos < d.scope.1.max(d.scope.0 + 1))
            .min_by_key(|d| (d.scope.1 - d.scope.0, d.at > pos, usize::MAX - d.at))
    }

    #[test]
    fn indexed_lookup_agrees_with_a_scan_of_every_declaration() {
        // Shadowing in nested and sibling scopes, re-declaration, use before declaration, minified-style reuse.
        let src = "const e = 1; var t;\n\
                   function f(e) { let t = e; { const e = 2; t(e); } return e; }\n\
                   function g() { return e + t; var t = 3; }\n\
                   const h = (e, t) => e(t), k = function (e) { return function (e) { return e; }; };\n\
                   for (let e = 0; e < 3; e++) { t(e); }\n\
                   class C { m(e) { return e; } }\n\
                   let e2 = e; { function e() {} e(); }\n";
        let mut p = tree_sitter::Parser::new();
        p.set_language(&crate::lang::Grammar::Javascript.language().unwrap()).unwrap();
        let tree = p.parse(src, None).unwrap();
        let index = FileIndex::build(&tree, src);
        let mut checked = 0;
        for name in ["e", "t", "f", "g", "h", "k", "C", "e2", "nothing"] {
            for pos in 0..=src.len() {
                let (fast, slow) = (index.lookup(name, pos), naive(&index, name, pos));
                assert_eq!(fast.map(|d| (d.scope, d.at)), slow.map(|d| (d.scope, d.at)), "`{name}` at byte {pos}");
                checked += usize::from(fast.is_some());
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}
