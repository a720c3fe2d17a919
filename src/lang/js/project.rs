//! Values across module boundaries: what each project module exports, summarised once and detached from its
//! syntax tree, so a file's resolver can follow `import`/`require` into the project's other files.
//!
//! A summary holds constants, object literals (merged through spreads, as in one file), and for functions what a
//! call returns. Objects remember where they were defined ([`Origin`]), which findings show as related locations.
use super::api::wrapper_sinks;
use super::modules::ModuleMap;
use super::scope::{FileIndex, property_key, string_content, text};
use super::value::{Entry, Foreign, Obj, Origin, Prop, Resolver, Value, single_return};
use crate::finding::{Location, Related};
use crate::lang::Grammar;
use crate::lang::rust::modules::{RustModules, Summary as RustSummary};
use crate::walk::{Level, Message, SourceFile};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tree_sitter::{Node, Tree};

/// How many levels of imports are summarised, and of functions nested in a summary.
const MAX_HOPS: u8 = 8;

/// The project's modules and the summaries computed so far: JS/TS here, Rust in `rust` (see
/// `lang::rust::modules`), summarised in the same passes.
#[derive(Debug, Default)]
pub struct Project {
    /// Which file a specifier names.
    pub map: ModuleMap,
    /// Root-relative path of each file of the scan, by index.
    pub rels: Vec<String>,
    /// Each file's path as reports show it.
    pub paths: Vec<String>,
    /// Summaries, by file index.
    pub exports: HashMap<usize, Exports>,
    /// Object literals (file index, start byte) that other modules use as options of TLS servers (index
    /// `Role::Server`) and clients.
    pub roles: [HashSet<(usize, usize)>; 2],
    /// `absent` conditions (rule index, condition index) met in each file, from the first pass.
    pub absent_hits: HashMap<usize, HashSet<(usize, usize)>>,
    /// The project modules each summarised module imports.
    deps: HashMap<usize, Vec<usize>>,
    /// For each file analysed again: the project modules it reaches through imports, transitively.
    pub reach: HashMap<usize, Vec<usize>>,
    /// The Rust module trees, and the summaries of Rust modules.
    pub rust: RustModules,
}

/// What one module exports, detached from its tree.
#[derive(Debug, Default)]
pub struct Exports {
    /// Named exports (for CommonJS, the properties of `module.exports` and every `exports.x`).
    pub named: BTreeMap<String, Value<'static>>,
    /// `export default`, or CommonJS's `module.exports` itself.
    pub default: Option<Value<'static>>,
    /// Modules re-exported whole (`export * from`).
    pub stars: Vec<usize>,
    /// A CommonJS module: `require()` gives `module.exports` itself, not a namespace of named exports.
    pub commonjs: bool,
    /// Some exports may be missing: the module could not be read, or it exports in a form the summary does not
    /// follow (`Object.assign(module.exports, ..)`, `module.exports = ..` inside an `if`). Objects built from it
    /// then hold an unknown part, so no rule takes a key for absent.
    pub partial: bool,
}

impl Exports {
    /// What is known of a module that could not be read or parsed.
    fn unreadable() -> Self {
        Self { partial: true, ..Self::default() }
    }
}

/// A file's view of the project: how its imports resolve, and which modules it looked into.
#[derive(Debug)]
pub struct Imports<'a> {
    /// The modules and their summaries.
    pub project: &'a Project,
    /// The importing file's index.
    pub file: usize,
    /// Modules a value was looked up in: until they are summarised, the file's results may change.
    pub consulted: RefCell<Vec<usize>>,
}

impl<'a> Imports<'a> {
    /// The view from file `file`.
    pub fn new(project: &'a Project, file: usize) -> Self {
        Self { project, file, consulted: RefCell::default() }
    }

    /// The value of `name` in module `spec` (`None`: the namespace, or CommonJS's `module.exports`;
    /// `"default"`: the default export). `None` when `spec` is not a module of the project.
    pub fn value(&self, spec: &str, name: Option<&str>) -> Option<Value<'static>> {
        let target = self.project.map.resolve(&self.project.rels[self.file], spec)?;
        self.consulted.borrow_mut().push(target);
        Some(self.project.export(target, name))
    }
}

impl Project {
    /// The modules of one scan root: reads its `tsconfig.json` and `package.json` files for aliases and
    /// workspace packages. Returns warnings for those it cannot use.
    pub fn new(files: &[SourceFile]) -> (Self, Vec<Message>) {
        let rels: Vec<String> = files.iter().map(|f| f.rel.clone()).collect();
        let (map, problems) =
            ModuleMap::new(rels.iter().map(String::as_str), |i| crate::walk::read_source(&files[i].path));
        let messages =
            problems.into_iter().map(|p| Message::new(Level::Warning, &files[p.file].path, p.message)).collect();
        let paths = files.iter().map(|f| crate::engine::display_path(&f.path)).collect();
        let rust = RustModules::new(rels.iter().map(String::as_str), |i| crate::walk::read_source(&files[i].path).ok());
        (Self { map, rels, paths, rust, ..Self::default() }, messages)
    }

    /// Summarises the modules `consulted` lists and, first, the modules they import, depth first in a fixed
    /// order (so summaries never depend on thread timing). An import cycle leaves the edge that closes it unknown.
    pub fn summarise_imports(&mut self, files: &[SourceFile], consulted: &[usize]) {
        let mut parser = tree_sitter::Parser::new();
        let mut visiting = std::collections::HashSet::new();
        let mut roots = consulted.to_vec();
        roots.sort_unstable();
        roots.dedup();
        for m in roots {
            self.visit(files, m, 0, &mut parser, &mut visiting);
        }
    }

    /// The modules `file` reaches from the ones it imports, through their imports in turn: a summarised module's
    /// are known, `other(m)` gives those of the others.
    pub fn reach_of(
        &self,
        file: usize,
        imported: impl Iterator<Item = usize>,
        mut other: impl FnMut(usize) -> Vec<usize>,
    ) -> Vec<usize> {
        let mut seen = HashSet::new();
        let mut stack: Vec<usize> = imported.collect();
        while let Some(m) = stack.pop() {
            if m != file && seen.insert(m) {
                match self.deps.get(&m) {
                    Some(deps) => stack.extend(deps),
                    None => stack.extend(other(m)),
                }
            }
        }
        let mut reach: Vec<usize> = seen.into_iter().collect();
        reach.sort_unstable();
        reach
    }

    /// Whether an `absent` condition is met in a module `file` reaches through imports (an identity check in
    /// middleware the server's code imports, say).
    pub fn absent_reached(&self, file: usize, hit: (usize, usize)) -> bool {
        self.reach
            .get(&file)
            .is_some_and(|r| r.iter().any(|m| self.absent_hits.get(m).is_some_and(|h| h.contains(&hit))))
    }

    fn visit(
        &mut self,
        files: &[SourceFile],
        m: usize,
        depth: u8,
        parser: &mut tree_sitter::Parser,
        visiting: &mut std::collections::HashSet<usize>,
    ) {
        if self.exports.contains_key(&m)
            || self.rust.summaries.contains_key(&m)
            || depth > MAX_HOPS
            || !visiting.insert(m)
        {
            return;
        }
        if files[m].grammar == Grammar::Rust {
            return self.visit_rust(files, m, depth, parser, visiting);
        }
        let summary = (|| {
            let language = files[m].grammar.language()?;
            let src = crate::walk::read_source(&files[m].path).ok()?;
            let tree = super::parse(parser, &language, &src).ok()?;
            let index = FileIndex::build(&tree, &src);
            let mut deps: Vec<usize> =
                index.specifiers.iter().filter_map(|spec| self.map.resolve(&self.rels[m], spec)).collect();
            deps.sort_unstable();
            deps.dedup();
            for &d in &deps {
                self.visit(files, d, depth + 1, parser, visiting);
            }
            self.deps.insert(m, deps);
            Some(self.summarise(m, &src, &tree, &index))
        })();
        self.exports.insert(m, summary.unwrap_or_else(Exports::unreadable));
    }

    /// Summarises Rust module `m`, and the modules its functions' returns and re-exports come from.
    fn visit_rust(
        &mut self,
        files: &[SourceFile],
        m: usize,
        depth: u8,
        parser: &mut tree_sitter::Parser,
        visiting: &mut std::collections::HashSet<usize>,
    ) {
        let summary = (|| {
            let src = crate::walk::read_source(&files[m].path).ok()?;
            let facts = crate::lang::rust::parse(&src, crate::engine::is_test_path(&files[m].rel)).ok()?.facts;
            for d in self.rust.needs(m, &facts) {
                self.visit(files, d, depth + 1, parser, visiting);
            }
            self.deps.insert(m, self.rust.deps(m, &facts));
            Some(RustSummary::new(m, &src, &facts))
        })();
        self.rust.summaries.insert(m, summary.unwrap_or_default());
    }

    /// Related locations for findings that rely on values from these origins.
    pub fn related(&self, origins: Vec<Origin>) -> Vec<Related> {
        origins
            .into_iter()
            .map(|o| Related {
                message: format!("`{}`, defined in another module", o.what),
                location: Location {
                    path: self.paths[o.file].clone(),
                    rel_path: self.rels[o.file].clone(),
                    start: o.start,
                    end: o.end,
                    bytes: o.bytes,
                },
            })
            .collect()
    }

    /// Export `name` of `module`; `Unknown` when it is not summarised or not found.
    fn export(&self, module: usize, name: Option<&str>) -> Value<'static> {
        let Some(ex) = self.exports.get(&module) else { return Value::Unknown };
        match name {
            Some("default") => ex.default.clone().unwrap_or(Value::Unknown),
            Some(n) => self.named_export(module, n),
            // CommonJS: `require()` gives `module.exports` itself.
            None => match &ex.default {
                Some(Value::Object(o)) if ex.commonjs && ex.partial => {
                    let mut o = o.clone();
                    o.entries.push(Entry::Opaque);
                    Value::Object(o)
                }
                Some(v) if ex.commonjs => v.clone(),
                _ => {
                    let mut ns = Obj::default();
                    for (key, value) in &ex.named {
                        ns.entries.push(Entry::Prop(Prop { key: key.clone(), value: value.clone(), node: None }));
                    }
                    if !ex.stars.is_empty() || ex.partial {
                        ns.entries.push(Entry::Opaque);
                    }
                    Value::Object(ns)
                }
            },
        }
    }

    /// Named export `name` of `module`, or of the modules it re-exports whole (`export * from`), breadth first,
    /// each module once.
    fn named_export(&self, module: usize, name: &str) -> Value<'static> {
        let mut queue = std::collections::VecDeque::from([module]);
        let mut seen = HashSet::from([module]);
        while let Some(m) = queue.pop_front() {
            let Some(ex) = self.exports.get(&m) else { continue };
            if let Some(v) = ex.named.get(name) {
                return v.clone();
            }
            queue.extend(ex.stars.iter().filter(|s| seen.insert(**s)));
        }
        Value::Unknown
    }

    /// Summarises module `file` from its parsed tree and index. Its own imports resolve through the summaries
    /// present.
    pub fn summarise<'t>(&self, file: usize, src: &'t str, tree: &'t Tree, index: &FileIndex<'t>) -> Exports {
        let imports = Imports::new(self, file);
        let r = Resolver { index, src, imports: Some(&imports), wrapper: None };
        let origin = |node: Node<'_>, what: String| make_origin(src, file, node, what);
        let mut ex = Exports::default();
        let mut commonjs: Option<Value<'static>> = None;
        let mut has_commonjs_exports = false;
        // The statements read as CommonJS exports: a mention of `exports` elsewhere may export more.
        let mut read: Vec<std::ops::Range<usize>> = Vec::new();
        let root = tree.root_node();
        let mut c = root.walk();
        for stmt in root.named_children(&mut c) {
            match stmt.kind() {
                // TypeScript's `export = value` is CommonJS's `module.exports = value`.
                "export_statement" if has_child(stmt, "=") => {
                    if let Some(v) = stmt.named_child(0) {
                        commonjs = Some(detach(&r, r.value(v), &origin(v, "export =".into()), 0));
                    }
                }
                "export_statement" => self.export_statement(&r, stmt, file, &mut ex),
                "expression_statement" => {
                    let Some(first) = stmt.named_child(0) else { continue };
                    if is_es_module_marker(first, src) {
                        read.push(stmt.byte_range());
                        continue;
                    }
                    // `module.exports = v`, `exports.x = v`, and chains: `exports = module.exports = v`.
                    let mut targets = Vec::new();
                    let mut value = first;
                    while value.kind() == "assignment_expression"
                        && let (Some(left), Some(right)) =
                            (value.child_by_field_name("left"), value.child_by_field_name("right"))
                    {
                        targets.push((value, left));
                        value = right;
                    }
                    for (assign, left) in targets {
                        match commonjs_target(left, src) {
                            Some(None) => {
                                let what = "module.exports".to_string();
                                commonjs = Some(detach(&r, r.value(value), &origin(assign, what), 0));
                            }
                            Some(Some(key)) => {
                                has_commonjs_exports = true;
                                let v = detach(&r, r.value(value), &origin(assign, format!("exports.{key}")), 0);
                                // Set after `module.exports = {..}`: a property of that object too.
                                if let Some(Value::Object(o)) = &mut commonjs {
                                    o.entries.push(Entry::Prop(Prop {
                                        key: key.clone(),
                                        value: v.clone(),
                                        node: None,
                                    }));
                                }
                                ex.named.insert(key, v);
                            }
                            None => continue,
                        }
                        read.push(stmt.byte_range());
                    }
                }
                _ => {}
            }
        }
        ex.partial = exports_elsewhere(root, src, &read);
        if let Some(cjs) = commonjs {
            if let Value::Object(o) = &cjs {
                for e in &o.entries {
                    if let Entry::Prop(p) = e {
                        ex.named.entry(p.key.clone()).or_insert_with(|| p.value.clone());
                    }
                }
            }
            ex.default = Some(cjs);
            ex.commonjs = true;
        } else if !ex.named.is_empty() && ex.default.is_none() && has_commonjs_exports {
            ex.commonjs = true;
        }
        ex
    }

    fn export_statement(&self, r: &Resolver<'_, '_>, stmt: Node<'_>, file: usize, ex: &mut Exports) {
        let src = r.src;
        let origin = |node: Node<'_>, what: String| make_origin(src, file, node, what);
        let source = stmt.child_by_field_name("source").map(|s| string_content(s, src));
        let is_default = has_child(stmt, "default");
        if let Some(decl) = stmt.child_by_field_name("declaration") {
            match decl.kind() {
                "lexical_declaration" | "variable_declaration" => {
                    let mut c = decl.walk();
                    for d in decl.named_children(&mut c).filter(|n| n.kind() == "variable_declarator") {
                        let Some(id) = d.child_by_field_name("name").filter(|n| n.kind() == "identifier") else {
                            continue;
                        };
                        let name = text(id, src);
                        let value = detach(r, r.name_value(name, id.start_byte()), &origin(d, name.to_string()), 0);
                        ex.named.insert(name.to_string(), value);
                    }
                }
                "function_declaration" | "generator_function_declaration" => {
                    let name = decl.child_by_field_name("name").map(|n| text(n, src));
                    let what = name.map_or_else(|| "default export".to_string(), |n| format!("{n}()"));
                    let value = detach(r, Value::Function(decl), &origin(decl, what), 0);
                    match name {
                        Some(n) if !is_default => {
                            ex.named.insert(n.to_string(), value);
                        }
                        _ => ex.default = Some(value),
                    }
                }
                // Classes, enums, namespaces: exported, with values the summary does not follow.
                _ => match decl.child_by_field_name("name") {
                    Some(n) if !is_default => {
                        ex.named.insert(text(n, src).to_string(), Value::Unknown);
                    }
                    _ if is_default => ex.default = Some(Value::Unknown),
                    _ => {}
                },
            }
            return;
        }
        if is_default {
            if let Some(v) = stmt.child_by_field_name("value") {
                ex.default = Some(detach(r, r.value(v), &origin(v, "default export".into()), 0));
            }
            return;
        }
        let target = source.as_deref().and_then(|s| self.map.resolve(&self.rels[file], s));
        let mut c = stmt.walk();
        let clause = stmt.named_children(&mut c).find(|n| matches!(n.kind(), "export_clause" | "namespace_export"));
        match (clause, source.is_some()) {
            // `export * from './x'`
            (None, true) => ex.stars.extend(target),
            // `export * as ns from './x'`
            (Some(ns), true) if ns.kind() == "namespace_export" => {
                if let Some(name) = ns.named_child(0).and_then(|n| property_key(n, src)) {
                    ex.named.insert(name, target.map_or(Value::Unknown, |t| self.export(t, None)));
                }
            }
            (Some(clause), from_module) => {
                let mut c = clause.walk();
                for spec in clause.named_children(&mut c).filter(|n| n.kind() == "export_specifier") {
                    let Some(name) = spec.child_by_field_name("name").and_then(|n| property_key(n, src)) else {
                        continue;
                    };
                    let alias = spec.child_by_field_name("alias").and_then(|n| property_key(n, src));
                    let value = if from_module {
                        target.map_or(Value::Unknown, |t| self.export(t, Some(&name)))
                    } else {
                        detach(r, r.name_value(&name, spec.start_byte()), &origin(spec, name.clone()), 0)
                    };
                    ex.named.insert(alias.unwrap_or(name), value);
                }
            }
            (None, false) => {}
        }
    }
}

fn make_origin(src: &str, file: usize, node: Node<'_>, what: String) -> Origin {
    Origin::in_text(src, file, node.byte_range(), what)
}

/// Whether `node` has an anonymous child of kind `kind` (a keyword or punctuation).
fn has_child(node: Node<'_>, kind: &str) -> bool {
    let mut c = node.walk();
    node.children(&mut c).any(|n| n.kind() == kind)
}

/// `Object.defineProperty(exports, "__esModule", ..)`, which compiled TypeScript starts with: no export.
fn is_es_module_marker(expr: Node<'_>, src: &str) -> bool {
    expr.kind() == "call_expression"
        && expr.child_by_field_name("function").is_some_and(|f| text(f, src) == "Object.defineProperty")
        && expr.child_by_field_name("arguments").is_some_and(|a| {
            let mut c = a.walk();
            let args: Vec<Node<'_>> = a.named_children(&mut c).take(2).collect();
            matches!(args.as_slice(), [e, k] if text(*e, src) == "exports" && string_content(*k, src) == "__esModule")
        })
}

/// Whether `src` names `exports` or `module.exports` in code outside the byte ranges `read`.
fn exports_elsewhere(root: Node<'_>, src: &str, read: &[std::ops::Range<usize>]) -> bool {
    src.match_indices("exports").any(|(at, word)| {
        !read.iter().any(|r| r.contains(&at))
            && root.descendant_for_byte_range(at, at + word.len()).is_some_and(|n| match n.kind() {
                "identifier" => text(n, src) == "exports",
                "property_identifier" => {
                    n.parent().and_then(|p| p.child_by_field_name("object")).is_some_and(|o| text(o, src) == "module")
                }
                _ => false,
            })
    })
}

/// `module.exports` (`Some(None)`), `module.exports.x` or `exports.x` (`Some(Some("x"))`), or neither.
fn commonjs_target(left: Node<'_>, src: &str) -> Option<Option<String>> {
    if left.kind() != "member_expression" {
        return None;
    }
    let object = left.child_by_field_name("object")?;
    let key = left.child_by_field_name("property").map(|p| text(p, src).to_string());
    match (object.kind(), text(object, src)) {
        ("identifier", "module") if key.as_deref() == Some("exports") => Some(None),
        ("identifier", "exports") => Some(key),
        ("member_expression", "module.exports") => Some(key),
        _ => None,
    }
}

/// A value of this file as another module sees it: no syntax nodes, objects remember where they came from, and
/// functions become what a call to them returns.
pub fn detach(r: &Resolver<'_, '_>, v: Value<'_>, origin: &Origin, depth: u8) -> Value<'static> {
    match v {
        Value::Bool(b) => Value::Bool(b),
        Value::Num(n) => Value::Num(n),
        Value::Str(s) => Value::Str(s),
        Value::Null => Value::Null,
        Value::Undefined => Value::Undefined,
        Value::Unknown => Value::Unknown,
        Value::Call { callee } => Value::Call { callee },
        Value::Foreign(f) => Value::Foreign(f),
        Value::Param(i) => Value::Param(i),
        Value::Array(items) => Value::Array(items.into_iter().map(|i| detach(r, i, origin, depth)).collect()),
        Value::Object(o) => {
            let entries = o
                .entries
                .into_iter()
                .map(|e| match e {
                    Entry::Prop(p) => {
                        Entry::Prop(Prop { key: p.key, value: detach(r, p.value, origin, depth), node: None })
                    }
                    Entry::Opaque => Entry::Opaque,
                    Entry::Param(i) => Entry::Param(i),
                })
                .collect();
            let mut origins = o.origins;
            if !origins.contains(origin) {
                origins.push(origin.clone());
            }
            let mut homes = o.homes;
            homes.extend(o.literals.iter().map(|n| (origin.file, n.start_byte())));
            Value::Object(Obj { entries, literals: Vec::new(), homes, origins })
        }
        Value::Function(f) if depth < MAX_HOPS => {
            // Values it returns come from the function itself, wherever it is exported.
            let name = f.child_by_field_name("name").map_or(origin.what.clone(), |n| format!("{}()", text(n, r.src)));
            let origin = &make_origin(r.src, origin.file, f, name);
            let returns = single_return(f).map_or(Value::Unknown, |ret| detach(r, r.value(ret), origin, depth + 1));
            let sinks = wrapper_sinks(r, f)
                .iter()
                .map(|s| {
                    let at = s.call.map_or_else(
                        || origin.clone(),
                        |c| make_origin(r.src, origin.file, c, format!("the TLS endpoint {} creates", origin.what)),
                    );
                    s.detach(r, &at, depth + 1)
                })
                .collect();
            Value::Foreign(Arc::new(Foreign { returns, sinks }))
        }
        Value::Function(_) => Value::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Grammar;

    /// A project from (path, text) pairs, with every module summarised.
    fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<SourceFile>, Project) {
        let dir = tempfile::tempdir().unwrap();
        let mut sources = Vec::new();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            let grammar = Grammar::for_path(&path).unwrap();
            sources.push(SourceFile { path, rel: rel.to_string(), grammar });
        }
        let (mut p, messages) = Project::new(&sources);
        assert!(messages.is_empty(), "{messages:?}");
        p.summarise_imports(&sources, &(0..sources.len()).collect::<Vec<_>>());
        (dir, sources, p)
    }

    fn keys(v: &Value<'_>) -> Vec<String> {
        let Value::Object(o) = v else { panic!("not an object: {v:?}") };
        o.entries.iter().map(|e| if let Entry::Prop(p) = e { p.key.clone() } else { "..".into() }).collect()
    }

    #[test]
    fn esm_exports_re_exports_and_defaults() {
        let (_d, _f, p) = project(&[
            (
                "src/tls/options.ts",
                "export const a = { cert: 1 } satisfies X;\nexport default { ca: 2, requestCert: true };\n",
            ),
            (
                "src/tls/index.ts",
                "export * from './options.js';\nexport { default as defaults, a as b } from './options';\n",
            ),
            ("src/main.ts", "import { a, defaults } from './tls/index.js';\n"),
        ]);
        let imports = Imports::new(&p, 2);
        assert_eq!(keys(&imports.value("./tls/index.js", Some("a")).unwrap()), ["cert"]);
        assert_eq!(keys(&imports.value("./tls/index.js", Some("b")).unwrap()), ["cert"]);
        assert_eq!(keys(&imports.value("./tls/index.js", Some("defaults")).unwrap()), ["ca", "requestCert"]);
        assert_eq!(keys(&imports.value("./tls/options", Some("default")).unwrap()), ["ca", "requestCert"]);
        assert!(matches!(imports.value("./tls/index.js", Some("missing")), Some(Value::Unknown)));
        assert!(imports.value("node:https", Some("Agent")).is_none());
        assert_eq!(*imports.consulted.borrow(), [1, 1, 1, 0, 1]);
    }

    #[test]
    fn commonjs_exports_and_function_returns() {
        let (_d, _f, p) = project(&[
            (
                "config/tls.js",
                "function base() { return { key: 1 }; }\nfunction opts() { return { ...base(), requestCert: true }; }\nmodule.exports = { base, opts };\n",
            ),
            ("config/ca.js", "exports.ca = 'pem';\nexports.other = 2;\n"),
            ("hub.js", ""),
        ]);
        let imports = Imports::new(&p, 2);
        let Some(Value::Object(ns)) = imports.value("./config/tls", None) else { panic!() };
        let Some(Value::Foreign(f)) = ns.entries.iter().find_map(|e| match e {
            Entry::Prop(p) if p.key == "opts" => Some(p.value.clone()),
            _ => None,
        }) else {
            panic!()
        };
        assert_eq!(keys(&f.returns), ["key", "requestCert"]);
        assert_eq!(keys(&imports.value("./config/ca", None).unwrap()), ["ca", "other"]);
    }

    #[test]
    fn import_cycles_end_in_unknown_not_in_a_loop() {
        let (_d, _f, p) = project(&[
            ("a.ts", "import { b } from './b';\nexport const a = { b };\n"),
            ("b.ts", "import { a } from './a';\nexport const b = { a };\n"),
        ]);
        let a = Imports::new(&p, 1).value("./a", Some("a")).unwrap();
        assert_eq!(keys(&a), ["b"]);
    }
}
