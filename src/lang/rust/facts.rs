//! The syn visitor that turns a Rust file into facts.
use super::body::{exits, is_err_call, is_false, is_ok_call, mentions, mentions_identity};
use crate::finding::Origin;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Token};

/// How far receiver chains are followed through `let` bindings.
const MAX_CHAIN_DEPTH: u8 = 12;

/// A call argument, as far as rules care.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `true` / `false`, also through a `let`.
    Bool(bool),
    /// A path such as `SslVerifyMode::NONE` (inside `Some(..)` / `&..` too), aliases resolved.
    Path(String),
    /// Anything else.
    Other,
}

/// One step of a receiver chain, from its root outwards.
#[derive(Debug, Clone)]
pub enum Link {
    /// A call of a path: `ClientBuilder::new()`.
    Call {
        /// Canonical path.
        path: String,
        /// The call expression.
        bytes: Range<usize>,
    },
    /// A method call: `.timeout(..)`.
    Method {
        /// Method name.
        name: String,
        /// Its arguments.
        args: Vec<Arg>,
        /// The whole method-call expression.
        bytes: Range<usize>,
    },
    /// A path value: `webpki_roots::TLS_SERVER_ROOTS`.
    Path(String),
    /// Something the chain cannot see through.
    Other,
}

/// A method call with the chain of receivers it is called on.
#[derive(Debug, Clone)]
pub struct MethodCall {
    /// Method name.
    pub name: String,
    /// Arguments.
    pub args: Vec<Arg>,
    /// For each argument, the path of the type it constructs (`Arc::new(verify::NoVerifier)` gives
    /// `verify::NoVerifier`), `use` aliases resolved.
    pub arg_types: Vec<Option<String>>,
    /// Receiver chain, root first (this call not included).
    pub chain: Vec<Link>,
    /// The whole expression (identifies it in other chains).
    pub expr: Range<usize>,
    /// From the method name to the end: where findings point.
    pub at: Range<usize>,
    /// In test-only code.
    pub test: bool,
    /// The definitions in other modules its receiver chain or its verifier argument was taken from (filled in
    /// by `modules::link`).
    pub via: Vec<Origin>,
}

/// A method call in another module on what a function returns: `tls::base(id).client_ca_root(ca)` in `main.rs`
/// continues the builder `base` in `tls.rs` returns (`ServerTlsConfig::new().identity(id)`).
#[derive(Debug, Clone)]
pub struct Continuation {
    /// The file of the function.
    pub file: usize,
    /// The step of its returned chain the call continues (a call or method call there).
    pub bytes: Range<usize>,
    /// The method called.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Arg>,
}

/// A call of a path: `WebPkiClientVerifier::builder(roots)`.
#[derive(Debug, Clone)]
pub struct Call {
    /// Canonical path.
    pub path: String,
    /// Arguments.
    pub args: Vec<Arg>,
    /// The call expression.
    pub expr: Range<usize>,
    /// In test-only code.
    pub test: bool,
}

/// A path used as a value, callee or type.
#[derive(Debug, Clone)]
pub struct PathRef {
    /// Canonical path.
    pub path: String,
    /// Where it is.
    pub bytes: Range<usize>,
    /// In test-only code.
    pub test: bool,
}

/// A method of a trait impl: `impl ServerCertVerifier for NoVerifier { fn verify_server_cert(..) }`.
#[derive(Debug, Clone)]
pub struct ImplMethod {
    /// Canonical trait path.
    pub trait_path: String,
    /// The implementing type's name (last segment).
    pub self_ty: String,
    /// The implementing type's path as written, `use` aliases resolved.
    pub self_path: String,
    /// Method name.
    pub method: String,
    /// The method's name token.
    pub bytes: Range<usize>,
    /// Every way out of the body is `Ok(..)`, and nothing uses `?`.
    pub always_ok: bool,
    /// Every way out of the body is `false`.
    pub returns_false: bool,
    /// Type names (last segment) of parameters the body never uses.
    pub ignored_param_types: Vec<String>,
    /// The implementing type mentions SPIFFE IDs or subject alternative names anywhere (its impls, its fields, a
    /// constant holding a SPIFFE ID).
    pub checks_identity: bool,
    /// An exit of the body is an explicit `Err(..)`: the method rejects peers of its own accord.
    pub rejects: bool,
    /// In test-only code.
    pub test: bool,
}

/// What a function returns, when every way out of it returns one expression: `fn listener_builder() ->
/// ConfigBuilder<..> { ServerConfig::builder() }`.
#[derive(Debug, Clone)]
pub struct FnReturn {
    /// The function's path within its file: `listener_builder`, `inner::make`, `Tls::builder` (inherent impls).
    pub item: String,
    /// The receiver chain of the returned expression, `Ok(..)` and `Some(..)` stripped, as if it were called on.
    pub chain: Vec<Link>,
    /// The returned expression.
    pub bytes: Range<usize>,
}

/// A string literal (also `concat!` of literals).
#[derive(Debug, Clone)]
pub struct StrLit {
    /// Its value.
    pub value: String,
    /// Where it is.
    pub bytes: Range<usize>,
    /// In test-only code.
    pub test: bool,
}

/// Everything Rust rules match on in one file.
#[derive(Debug, Default)]
pub struct RustFacts {
    /// Method calls.
    pub method_calls: Vec<MethodCall>,
    /// Calls of paths.
    pub calls: Vec<Call>,
    /// Paths used as values, callees or types.
    pub paths: Vec<PathRef>,
    /// Trait impl methods.
    pub impls: Vec<ImplMethod>,
    /// String literals.
    pub strings: Vec<StrLit>,
    /// Functions whose return value is known.
    pub fns: Vec<FnReturn>,
    /// Trait impls of types defined in other modules that this file constructs, by the type's path as written
    /// here (filled in by `modules::link`).
    pub imported_impls: Vec<(String, ImplMethod)>,
    /// Method calls of other modules on what this file's functions return (filled in by the engine from the
    /// callers' [`super::modules::Linked::continued`]).
    pub continued: Vec<Continuation>,
    /// Glob imports.
    pub globs: Vec<Glob>,
    /// Modules declared without a body (`mod tls;`), by their path within the file.
    pub mods: Vec<String>,
    /// Re-exports: the aliases of `pub use` items, name to path (`pub use verifiers::Noop;` maps `Noop`).
    pub reexports: HashMap<String, String>,
}

/// A glob import: `use crate::auth::*;`.
#[derive(Debug, Clone)]
pub struct Glob {
    /// The path before `::*`, seen from the file's module, aliases resolved.
    pub path: String,
    /// A `pub use` of the file's module (`pub use verifiers::*;`): a re-export of what it names.
    pub reexported: bool,
}

/// Facts of a parsed file; `offset` is subtracted from span byte positions.
pub fn collect_file(file: &syn::File, src: &str, offset: usize, test_path: bool) -> RustFacts {
    let mut v = Collector::new(src, offset, test_path);
    v.uses_of(&file.items, 0);
    v.visit_file(file);
    v.finish()
}

/// Facts of a block parsed in place of a file.
pub fn collect_block(block: &syn::Block, src: &str, offset: usize, test_path: bool) -> RustFacts {
    let mut v = Collector::new(src, offset, test_path);
    let items: Vec<syn::Item> =
        block.stmts.iter().filter_map(|s| if let syn::Stmt::Item(i) = s { Some(i.clone()) } else { None }).collect();
    v.uses_of(&items, 0);
    v.visit_block(block);
    v.finish()
}

struct Collector<'ast> {
    src_len: usize,
    offset: usize,
    uses: HashMap<String, String>,
    /// `let` bindings by block: name -> (where the `let` starts, its initialiser), in source order.
    scopes: Vec<HashMap<String, Vec<(usize, &'ast Expr)>>>,
    test_depth: usize,
    facts: RustFacts,
    /// Token streams of every impl block and struct, by type name: what a type's verifier may consult.
    type_tokens: Vec<(String, TokenStream)>,
    /// Constants whose string value holds a SPIFFE ID.
    spiffe_consts: HashSet<String>,
    /// The inline modules (`mod inner { .. }`) being visited, outermost first.
    module: Vec<String>,
    /// The type of the inherent impl being visited.
    impl_ty: Option<String>,
}

/// Types are written in UpperCamelCase, modules and functions in snake_case.
fn is_type_name(segment: &str) -> bool {
    segment.starts_with(|c: char| c.is_ascii_uppercase())
}

/// `Ok(x)` and `Some(x)` give `x`.
fn strip_ok(e: &Expr) -> &Expr {
    match e {
        Expr::Call(c)
            if c.args.len() == 1 && (is_ok_call(e) || matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Some"))) =>
        {
            &c.args[0]
        }
        _ => e,
    }
}

fn is_test_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path().segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>();
        match path.last().map(String::as_str) {
            Some("test") => true,
            Some("cfg") => a.meta.to_token_stream().to_string().contains("test"),
            _ => false,
        }
    })
}

impl<'ast> Collector<'ast> {
    fn new(src: &str, offset: usize, test_path: bool) -> Self {
        Self {
            src_len: src.len(),
            offset,
            uses: HashMap::new(),
            scopes: vec![HashMap::new()],
            test_depth: usize::from(test_path),
            facts: RustFacts::default(),
            type_tokens: Vec::new(),
            spiffe_consts: HashSet::new(),
            module: Vec::new(),
            impl_ty: None,
        }
    }

    /// Marks impl methods whose type mentions SPIFFE IDs or SANs anywhere as checking identity, and returns the
    /// facts.
    fn finish(mut self) -> RustFacts {
        let identity_types: HashSet<&str> = self
            .type_tokens
            .iter()
            .filter(|(_, tokens)| mentions_identity(tokens.clone(), &self.spiffe_consts))
            .map(|(ty, _)| ty.as_str())
            .collect();
        for m in &mut self.facts.impls {
            m.checks_identity |= identity_types.contains(m.self_ty.as_str());
        }
        // `use crate::net::tls; use tls::*;` globs `crate::net::tls`.
        for Glob { path, .. } in &mut self.facts.globs {
            let (first, rest) = path.split_once("::").map_or((path.as_str(), None), |(f, r)| (f, Some(r)));
            if let Some(full) = self.uses.get(first) {
                *path = rest.map_or_else(|| full.clone(), |r| format!("{full}::{r}"));
            }
        }
        self.facts
    }

    fn bytes(&self, span: Span) -> Range<usize> {
        let r = span.byte_range();
        let fix = |b: usize| b.saturating_sub(self.offset).min(self.src_len.saturating_sub(self.offset));
        fix(r.start)..fix(r.end)
    }

    fn test(&self) -> bool {
        self.test_depth > 0
    }

    /// Records `use` aliases: `use reqwest::ClientBuilder as CB;` maps `CB` to `reqwest::ClientBuilder`. `depth`
    /// counts the inline modules `items` are in.
    fn uses_of(&mut self, items: &[syn::Item], depth: usize) {
        for item in items {
            match item {
                syn::Item::Use(u) => {
                    let public = !matches!(u.vis, syn::Visibility::Inherited);
                    self.use_tree(&u.tree, String::new(), public, depth);
                }
                syn::Item::Mod(m) => {
                    if let Some((_, items)) = &m.content {
                        self.uses_of(items, depth + 1);
                    }
                }
                _ => {}
            }
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, prefix: String, public: bool, depth: usize) {
        let join = |p: &str, s: &str| if p.is_empty() { s.to_string() } else { format!("{p}::{s}") };
        match tree {
            syn::UseTree::Path(p) => self.use_tree(&p.tree, join(&prefix, &p.ident.to_string()), public, depth),
            syn::UseTree::Name(n) if n.ident == "self" => {
                if let Some(last) = prefix.rsplit("::").next() {
                    self.alias(last.to_string(), prefix.clone(), true, public);
                }
            }
            // `use net::Tls;` after `mod net { pub use rustls::ServerConfig as Tls; }` must not hide the rename: a
            // plain import never replaces an alias already known for the same name.
            syn::UseTree::Name(n) => {
                self.alias(n.ident.to_string(), join(&prefix, &n.ident.to_string()), false, public)
            }
            syn::UseTree::Rename(r) => {
                let target = if r.ident == "self" { prefix.clone() } else { join(&prefix, &r.ident.to_string()) };
                self.alias(r.rename.to_string(), target, true, public);
            }
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(t, prefix.clone(), public, depth)),
            syn::UseTree::Glob(_) => {
                // Seen from the file's module: `use super::*` in `mod tests { .. }` names this file's own items.
                let supers = prefix.split("::").take_while(|s| *s == "super").count();
                let segments: Vec<&str> = prefix.split("::").collect();
                let within = depth > 0 && (segments[0] == "self" || (supers > 0 && supers <= depth));
                let path = if !within {
                    segments[supers.min(depth)..].join("::")
                } else if supers > 0 && supers < segments.len() {
                    format!("self::{}", segments[supers..].join("::"))
                } else {
                    return;
                };
                self.facts.globs.push(Glob { path, reexported: public && depth == 0 });
            }
        }
    }

    /// Records that `name` stands for `target` (replacing an earlier alias when `replace`); for a `pub use`, as a
    /// re-export too.
    fn alias(&mut self, name: String, target: String, replace: bool, public: bool) {
        let added = match self.uses.entry(name.clone()) {
            std::collections::hash_map::Entry::Occupied(mut e) if replace => {
                let changed = *e.get() != target;
                e.insert(target.clone());
                changed
            }
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(target.clone());
                true
            }
        };
        if public && added {
            self.facts.reexports.insert(name, target);
        }
    }

    /// `CB::new` becomes `reqwest::ClientBuilder::new`; generic arguments are dropped. Aliases are followed through
    /// re-exports (`mod net { pub use rustls::ServerConfig as Tls; }` makes `net::Tls::builder` rustls').
    fn canonical(&self, path: &syn::Path) -> String {
        let mut segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let mut absolute = path.leading_colon.is_some();
        for _ in 0..4 {
            let from = if absolute { 1 } else { 0 };
            let Some((i, full)) =
                (from..segments.len()).rev().find_map(|i| self.uses.get(&segments[i]).map(|f| (i, f)))
            else {
                break;
            };
            let next: Vec<String> =
                full.split("::").map(str::to_string).chain(segments[i + 1..].iter().cloned()).collect();
            if next == segments {
                break;
            }
            segments = next;
            absolute = false;
        }
        segments.join("::")
    }

    /// The initialiser of the latest `let name` that starts before byte `before`.
    fn lookup(&self, name: &str, before: usize) -> Option<(usize, &'ast Expr)> {
        self.scopes.iter().rev().find_map(|s| s.get(name)?.iter().rev().find(|(at, _)| *at < before).copied())
    }

    fn single_ident(expr: &Expr) -> Option<String> {
        match expr {
            Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                Some(p.path.segments[0].ident.to_string())
            }
            _ => None,
        }
    }

    fn unwrap(mut expr: &Expr) -> &Expr {
        loop {
            expr = match expr {
                Expr::Try(t) => &t.expr,
                Expr::Paren(p) => &p.expr,
                Expr::Group(g) => &g.expr,
                Expr::Reference(r) => &r.expr,
                Expr::Await(a) => &a.base,
                _ => return expr,
            };
        }
    }

    fn arg(&self, expr: &'ast Expr, depth: u8, before: usize) -> Arg {
        let expr = Self::unwrap(expr);
        match expr {
            Expr::Lit(l) => match &l.lit {
                syn::Lit::Bool(b) => Arg::Bool(b.value),
                _ => Arg::Other,
            },
            Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Some")) && c.args.len() == 1 => {
                self.arg(&c.args[0], depth, before)
            }
            Expr::Path(p) => match Self::single_ident(expr).and_then(|n| self.lookup(&n, before)) {
                Some((at, init)) if depth < MAX_CHAIN_DEPTH => self.arg(init, depth + 1, at),
                _ => Arg::Path(self.canonical(&p.path)),
            },
            _ => Arg::Other,
        }
    }

    /// The path of the type an argument constructs: `Arc::new(X)`, `X::new()`, `X(..)`, `X {}`, `X`, through
    /// `let`.
    fn constructed_type(&self, expr: &'ast Expr, depth: u8, before: usize) -> Option<String> {
        let expr = Self::unwrap(expr);
        match expr {
            Expr::Call(c) => {
                let Expr::Path(f) = &*c.func else { return None };
                let segs: Vec<String> = f.path.segments.iter().map(|s| s.ident.to_string()).collect();
                match segs.as_slice() {
                    [.., w, new] if matches!(w.as_str(), "Arc" | "Box" | "Rc") && new == "new" => {
                        c.args.first().and_then(|a| self.constructed_type(a, depth + 1, before))
                    }
                    // `X::new()`: the type is the path without its constructor; `module::f()` constructs nothing
                    // known.
                    [.., ty, _] if is_type_name(ty) => {
                        self.canonical(&f.path).rsplit_once("::").map(|(ty, _)| ty.to_string())
                    }
                    // A tuple struct: `X(..)`.
                    [ty] if is_type_name(ty) => Some(self.canonical(&f.path)),
                    _ => None,
                }
            }
            Expr::Struct(s) => Some(self.canonical(&s.path)),
            Expr::Path(p) => match Self::single_ident(expr).and_then(|n| self.lookup(&n, before)) {
                Some((at, init)) if depth < MAX_CHAIN_DEPTH => self.constructed_type(init, depth + 1, at),
                _ => Some(self.canonical(&p.path)),
            },
            Expr::MethodCall(m) if m.method == "clone" || m.method == "into" => {
                self.constructed_type(&m.receiver, depth + 1, before)
            }
            _ => None,
        }
    }

    fn chain(&self, expr: &'ast Expr, depth: u8, before: usize) -> Vec<Link> {
        if depth > MAX_CHAIN_DEPTH {
            return vec![Link::Other];
        }
        let expr = Self::unwrap(expr);
        match expr {
            Expr::MethodCall(m) => {
                let mut links = self.chain(&m.receiver, depth + 1, before);
                links.push(Link::Method {
                    name: m.method.to_string(),
                    args: m.args.iter().map(|a| self.arg(a, 0, before)).collect(),
                    bytes: self.bytes(m.span()),
                });
                links
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => vec![Link::Call { path: self.canonical(&p.path), bytes: self.bytes(c.span()) }],
                _ => vec![Link::Other],
            },
            Expr::Path(p) => match Self::single_ident(expr).and_then(|n| self.lookup(&n, before)) {
                Some((at, init)) => self.chain(init, depth + 1, at),
                None => vec![Link::Path(self.canonical(&p.path))],
            },
            _ => vec![Link::Other],
        }
    }

    /// Visits a function in a scope of its own and, when `item` names it, records what it returns (its body's
    /// `let` bindings are still in scope then).
    fn function(
        &mut self,
        attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
        item: Option<String>,
    ) {
        let test = is_test_attr(attrs);
        self.test_depth += usize::from(test);
        attrs.iter().for_each(|a| self.visit_attribute(a));
        let outer = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        self.visit_signature(sig);
        self.scopes.push(HashMap::new());
        body.stmts.iter().for_each(|s| self.visit_stmt(s));
        let values: Vec<&Expr> = exits(body).into_iter().flatten().map(strip_ok).collect();
        if let (Some(item), [value]) = (item, values.as_slice()) {
            let chain = self.chain(value, 0, usize::MAX);
            if !matches!(chain.as_slice(), [Link::Other]) {
                self.facts.fns.push(FnReturn { item, chain, bytes: self.bytes(value.span()) });
            }
        }
        self.scopes = outer;
        self.test_depth -= usize::from(test);
    }

    fn record_string(&mut self, value: String, span: Span) {
        let bytes = self.bytes(span);
        let test = self.test();
        self.facts.strings.push(StrLit { value, bytes, test });
    }
}

impl<'ast> Visit<'ast> for Collector<'ast> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_none() {
            let path = self.module.iter().chain(std::iter::once(&m.ident.to_string())).cloned().collect::<Vec<_>>();
            self.facts.mods.push(path.join("::"));
        }
        let test = is_test_attr(&m.attrs);
        self.test_depth += usize::from(test);
        self.module.push(m.ident.to_string());
        visit::visit_item_mod(self, m);
        self.module.pop();
        self.test_depth -= usize::from(test);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let item = self.module.iter().chain(std::iter::once(&f.sig.ident.to_string())).cloned().collect::<Vec<_>>();
        self.function(&f.attrs, &f.sig, &f.block, Some(item.join("::")));
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let item = self
            .impl_ty
            .as_ref()
            .map(|ty| self.module.iter().chain([ty, &f.sig.ident.to_string()]).cloned().collect::<Vec<_>>().join("::"));
        self.function(&f.attrs, &f.sig, &f.block, item);
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        self.type_tokens.push((s.ident.to_string(), s.to_token_stream()));
        visit::visit_item_struct(self, s);
    }

    fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
        if c.expr.to_token_stream().to_string().contains("spiffe://") {
            self.spiffe_consts.insert(c.ident.to_string());
        }
        visit::visit_item_const(self, c);
    }

    fn visit_item_static(&mut self, c: &'ast syn::ItemStatic) {
        if c.expr.to_token_stream().to_string().contains("spiffe://") {
            self.spiffe_consts.insert(c.ident.to_string());
        }
        visit::visit_item_static(self, c);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if let syn::Type::Path(p) = &*i.self_ty
            && let Some(last) = p.path.segments.last()
        {
            self.type_tokens.push((last.ident.to_string(), i.to_token_stream()));
        }
        if let Some((_, trait_path, _)) = &i.trait_ {
            let trait_path = self.canonical(trait_path);
            let (self_ty, self_path) = match &*i.self_ty {
                syn::Type::Path(p) => {
                    let name = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                    let path = self.canonical(&p.path);
                    // A type of an inline module, named as written there: its path from the file's module.
                    let path = if path == name && !self.module.is_empty() {
                        [self.module.join("::"), name.clone()].join("::")
                    } else {
                        path
                    };
                    (name, path)
                }
                other => (other.to_token_stream().to_string(), String::new()),
            };
            for item in &i.items {
                let syn::ImplItem::Fn(f) = item else { continue };
                let outs = exits(&f.block);
                let ignored_param_types = f
                    .sig
                    .inputs
                    .iter()
                    .filter_map(|input| {
                        let syn::FnArg::Typed(pt) = input else { return None };
                        let ty = match &*pt.ty {
                            syn::Type::Reference(r) => &*r.elem,
                            t => t,
                        };
                        let ty_name = match ty {
                            syn::Type::Path(p) => p.path.segments.last()?.ident.to_string(),
                            _ => return None,
                        };
                        let unused = match &*pt.pat {
                            syn::Pat::Wild(_) => true,
                            syn::Pat::Ident(id) => {
                                let name = id.ident.to_string();
                                name.starts_with('_') || !mentions(f.block.to_token_stream(), &name)
                            }
                            _ => false,
                        };
                        unused.then_some(ty_name)
                    })
                    .collect();
                self.facts.impls.push(ImplMethod {
                    trait_path: trait_path.clone(),
                    self_ty: self_ty.clone(),
                    self_path: self_path.clone(),
                    method: f.sig.ident.to_string(),
                    bytes: self.bytes(f.sig.ident.span()),
                    always_ok: !outs.is_empty() && outs.iter().all(|o| o.is_some_and(is_ok_call)),
                    returns_false: !outs.is_empty() && outs.iter().all(|o| o.is_some_and(is_false)),
                    ignored_param_types,
                    checks_identity: false,
                    rejects: outs.iter().any(|o| o.is_some_and(is_err_call)),
                    test: self.test() || is_test_attr(&i.attrs),
                });
            }
        }
        let test = is_test_attr(&i.attrs);
        self.test_depth += usize::from(test);
        let ty = match (&i.trait_, &*i.self_ty) {
            (None, syn::Type::Path(p)) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let outer = std::mem::replace(&mut self.impl_ty, ty);
        visit::visit_item_impl(self, i);
        self.impl_ty = outer;
        self.test_depth -= usize::from(test);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.scopes.push(HashMap::new());
        visit::visit_block(self, b);
        self.scopes.pop();
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        visit::visit_local(self, l);
        let name = match &l.pat {
            syn::Pat::Ident(i) => Some(i.ident.to_string()),
            syn::Pat::Type(t) => match &*t.pat {
                syn::Pat::Ident(i) => Some(i.ident.to_string()),
                _ => None,
            },
            _ => None,
        };
        if let (Some(name), Some(init)) = (name, &l.init) {
            let at = self.bytes(l.span()).start;
            if let Some(scope) = self.scopes.last_mut() {
                scope.entry(name).or_default().push((at, &init.expr));
            }
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let expr = self.bytes(m.span());
        let at = self.bytes(m.method.span()).start..expr.end;
        let fact = MethodCall {
            name: m.method.to_string(),
            args: m.args.iter().map(|a| self.arg(a, 0, usize::MAX)).collect(),
            arg_types: m.args.iter().map(|a| self.constructed_type(a, 0, usize::MAX)).collect(),
            chain: self.chain(&m.receiver, 0, usize::MAX),
            expr,
            at,
            test: self.test(),
            via: Vec::new(),
        };
        self.facts.method_calls.push(fact);
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            let fact = Call {
                path: self.canonical(&p.path),
                args: c.args.iter().map(|a| self.arg(a, 0, usize::MAX)).collect(),
                expr: self.bytes(c.span()),
                test: self.test(),
            };
            self.facts.calls.push(fact);
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        let fact = PathRef { path: self.canonical(&p.path), bytes: self.bytes(p.span()), test: self.test() };
        self.facts.paths.push(fact);
        visit::visit_expr_path(self, p);
    }

    fn visit_type_path(&mut self, t: &'ast syn::TypePath) {
        let fact = PathRef { path: self.canonical(&t.path), bytes: self.bytes(t.span()), test: self.test() };
        self.facts.paths.push(fact);
        visit::visit_type_path(self, t);
    }

    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        self.record_string(l.value(), l.span());
    }

    fn visit_lit_byte_str(&mut self, l: &'ast syn::LitByteStr) {
        self.record_string(String::from_utf8_lossy(&l.value()).into_owned(), l.span());
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // Macro bodies that are comma-separated expressions (`vec![..]`, `format!(..)`, `assert!(..)`) are
        // visited like code; `concat!` of literals also counts as one string.
        let Ok(args) = m.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) else { return };
        if m.path.is_ident("concat") {
            let parts: Option<Vec<String>> = args
                .iter()
                .map(|a| match a {
                    Expr::Lit(l) => match &l.lit {
                        syn::Lit::Str(s) => Some(s.value()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            if let Some(parts) = parts {
                self.record_string(parts.concat(), m.span());
            }
        }
        // The parsed expressions borrow from a temporary: collect their facts with a nested collector.
        let mut nested = Collector {
            src_len: self.src_len,
            offset: self.offset,
            uses: self.uses.clone(),
            scopes: vec![HashMap::new()],
            test_depth: self.test_depth,
            facts: RustFacts::default(),
            type_tokens: Vec::new(),
            spiffe_consts: HashSet::new(),
            module: self.module.clone(),
            impl_ty: None,
        };
        for a in &args {
            nested.visit_expr(a);
        }
        let f = nested.facts;
        self.facts.method_calls.extend(f.method_calls);
        self.facts.calls.extend(f.calls);
        self.facts.paths.extend(f.paths);
        self.facts.impls.extend(f.impls);
        self.facts.strings.extend(f.strings);
        self.facts.fns.extend(f.fns);
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::Link;

    #[test]
    fn use_aliases_and_leading_colons_are_resolved() {
        let f = parse("use reqwest::ClientBuilder as CB;\nfn f() { CB::new(); ::reqwest::Client::builder(); }", false)
            .unwrap()
            .facts;
        let paths: Vec<&str> = f.calls.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["reqwest::ClientBuilder::new", "reqwest::Client::builder"]);
    }

    #[test]
    fn receiver_chains_follow_let_bindings_and_skip_comments() {
        let src = "fn f() {\n let b = reqwest::Client::builder();\n let b = b.timeout(t);\n b\n // why\n .danger_accept_invalid_certs(true);\n}";
        let f = parse(src, false).unwrap().facts;
        let m = f.method_calls.iter().find(|m| m.name == "danger_accept_invalid_certs").unwrap();
        assert!(matches!(&m.chain[0], Link::Call { path, .. } if path == "reqwest::Client::builder"));
        assert!(matches!(&m.chain[1], Link::Method { name, .. } if name == "timeout"));
        assert_eq!(m.args, [super::Arg::Bool(true)]);
        assert_eq!(&src[m.at.clone()][..27], "danger_accept_invalid_certs");
    }

    #[test]
    fn macro_bodies_and_snippets_are_seen() {
        let f = parse("fn f() { let v = vec![Client::builder().danger_accept_invalid_certs(true)]; }", false)
            .unwrap()
            .facts;
        assert!(f.method_calls.iter().any(|m| m.name == "danger_accept_invalid_certs"));
        let snippet = parse("let c = Client::builder().danger_accept_invalid_certs(true);", false).unwrap();
        assert!(snippet.fallback.is_some());
        let m = &snippet.facts.method_calls[0];
        assert_eq!(m.at.start, "let c = Client::builder().".len());
    }

    #[test]
    fn verifier_bodies_are_judged_on_every_exit() {
        let src = "impl ServerCertVerifier for A { fn verify_server_cert(&self, _n: &ServerName<'_>) -> R { if x { return Ok(v()); } Ok(v()) } }\n\
                   impl ServerCertVerifier for B { fn verify_server_cert(&self, n: &ServerName<'_>) -> R { check(n)?; Ok(v()) } }\n\
                   impl ServerCertVerifier for C { fn verify_server_cert(&self, n: &ServerName<'_>) -> R { if bad(n) { return Err(e()); } Ok(v()) } }";
        let f = parse(src, false).unwrap().facts;
        let ok: Vec<bool> = f.impls.iter().map(|i| i.always_ok).collect();
        assert_eq!(ok, [true, false, false]);
        assert_eq!(f.impls[0].ignored_param_types, ["ServerName"]);
        assert!(f.impls[1].ignored_param_types.is_empty());
    }

    #[test]
    fn test_code_is_marked() {
        let f = parse("#[cfg(test)]\nmod tests { fn f() { a.b(); } }\nfn g() { c.d(); }", false).unwrap().facts;
        let marks: Vec<(&str, bool)> = f.method_calls.iter().map(|m| (m.name.as_str(), m.test)).collect();
        assert_eq!(marks, [("b", true), ("d", false)]);
    }
}
