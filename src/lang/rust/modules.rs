//! Rust across modules: which project file a path names (`mod`/`use crate::..` within a package's `src/` tree,
//! `super::`/`self::`, and other workspace packages by name), what each module's functions return, and which
//! trait impls its types have. A file's facts are then linked: a receiver chain rooted at a call of a project
//! function continues from what that function returns, and a verifier type defined elsewhere brings its impls.
//!
//! The module tree follows Cargo's conventional layout (`src/a/b.rs` and `src/a/b/mod.rs` are `crate::a::b`;
//! `src/main.rs` and `src/lib.rs` are the root). `#[path]` attributes and `src/bin/` crates are not followed.
use super::{Continuation, FnReturn, Glob, ImplMethod, Link, RustFacts};
use crate::finding::Origin;
use std::collections::{HashMap, HashSet};

/// How many function returns a receiver chain is followed through.
const MAX_HOPS: u8 = 8;

/// The project's Rust modules, and the summaries computed so far.
#[derive(Debug, Default)]
pub struct RustModules {
    /// Each `.rs` file in a package's module tree: (package index, module path).
    modules: HashMap<usize, (usize, Vec<String>)>,
    /// (package index, `::`-joined module path) to file.
    files: HashMap<(usize, String), usize>,
    /// Package names, `-` read as `_`, to package index.
    names: HashMap<String, usize>,
    /// Summaries, by file index.
    pub summaries: HashMap<usize, Summary>,
    /// Method calls of other modules on what each file's functions return, by that file.
    pub continued: HashMap<usize, Vec<Continuation>>,
}

/// An item of a module: the file that defines it and its path within that file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// File index.
    pub file: usize,
    /// `listener_builder`, `inner::make`, `Type::new`.
    pub item: String,
}

/// What other modules may need of one module, detached from its syntax tree.
#[derive(Debug, Default)]
pub struct Summary {
    /// What functions return, by item path, with where.
    fns: HashMap<String, (Vec<Link>, Origin)>,
    /// Trait impl methods, with where.
    impls: Vec<(ImplMethod, Origin)>,
    /// Re-exports of other modules' items (`pub use verifiers::AcceptAll;`).
    reexports: HashMap<String, String>,
    /// Glob re-exports (`pub use verifiers::*;`), by the path before `::*`.
    globs: Vec<String>,
}

impl Summary {
    /// The summary of file `file` (text `src`) from its facts.
    pub fn new(file: usize, src: &str, facts: &RustFacts) -> Self {
        let fns = facts
            .fns
            .iter()
            .map(|FnReturn { item, chain, bytes }| {
                let what = format!("{item}()");
                (item.clone(), (chain.clone(), Origin::in_text(src, file, bytes.clone(), what)))
            })
            .collect();
        let impls = facts
            .impls
            .iter()
            .map(|m| {
                let what = format!("{}::{}", m.self_ty, m.method);
                (m.clone(), Origin::in_text(src, file, m.bytes.clone(), what))
            })
            .collect();
        let globs = facts.globs.iter().filter(|g| g.reexported).map(|g| g.path.clone()).collect();
        Self { fns, impls, reexports: facts.reexports.clone(), globs }
    }

    /// Whether the module defines or re-exports by name an item called `name` that other modules may need: a
    /// function, a type with methods or trait impls, or an alias.
    fn defines(&self, name: &str) -> bool {
        self.reexports.contains_key(name)
            || self.impls.iter().any(|(m, _)| m.self_ty == name)
            || self.fns.keys().any(|item| item.split("::").next() == Some(name))
    }
}

/// What linking a file's facts found out.
#[derive(Debug, Default)]
pub struct Linked {
    /// Other project modules a function or type was looked up in: until they are summarised, the file's
    /// results may change.
    pub consulted: Vec<usize>,
    /// Every other project module the file's paths name.
    pub deps: Vec<usize>,
    /// The file imports a project module's items by glob (`use super::*`), or declares a `mod` whose file is not
    /// among the scanned ones: what it names cannot all be followed.
    pub unread: bool,
    /// The file's method calls on what functions of other modules return, for those modules' `then` conditions.
    pub continued: Vec<Continuation>,
}

impl RustModules {
    /// The module trees of the packages among `rels` (root-relative, `/`-separated paths); `manifest(i)` reads
    /// the `Cargo.toml` at `rels[i]`.
    pub fn new<'a>(rels: impl Iterator<Item = &'a str>, manifest: impl Fn(usize) -> Option<String>) -> Self {
        let rels: Vec<&str> = rels.collect();
        let mut map = Self::default();
        // Package folders, deepest first, so a file belongs to its innermost package.
        let mut packages: Vec<(usize, &str)> = rels
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let dir = r.strip_suffix("Cargo.toml")?;
                (dir.is_empty() || dir.ends_with('/')).then_some((i, dir))
            })
            .collect();
        packages.sort_by_key(|(_, dir)| std::cmp::Reverse(dir.len()));
        for (p, &(i, _)) in packages.iter().enumerate() {
            // Other crates name the library by its `[lib]` name, or else by the package's.
            let text = manifest(i).unwrap_or_default();
            let names = [crate::lang::cargo::package_name(&text), crate::lang::cargo::lib_name(&text)];
            for name in names.into_iter().flatten() {
                map.names.insert(name.replace('-', "_"), p);
            }
        }
        let sources: Vec<(usize, usize, &str)> = rels
            .iter()
            .enumerate()
            .filter(|(_, r)| r.ends_with(".rs"))
            .filter_map(|(file, rel)| {
                packages
                    .iter()
                    .enumerate()
                    .find_map(|(p, (_, dir))| Some((file, p, rel.strip_prefix(dir)?.strip_prefix("src/")?)))
            })
            .collect();
        let libraries: HashSet<usize> =
            sources.iter().filter(|(.., rest)| *rest == "lib.rs").map(|(_, p, _)| *p).collect();
        for (file, p, rest) in sources {
            // With both, `src/lib.rs` is the root of the module tree; `src/main.rs` is a crate of its own that
            // reaches the library by package name, like the crates under `src/bin/`.
            if rest == "main.rs" && libraries.contains(&p) {
                continue;
            }
            let Some(module) = module_path(rest) else { continue };
            map.files.insert((p, module.join("::")), file);
            map.modules.insert(file, (p, module));
        }
        map
    }

    /// Whether `file` is in a package's module tree.
    pub fn knows(&self, file: usize) -> bool {
        self.modules.contains_key(&file)
    }

    /// The item `path` (as written in `file`, `use` aliases resolved) names, when it is in a project module:
    /// `crate::tls::listener_builder`, `super::x`, `tls::f` after `mod tls;`, `other_package::f`, or an item of
    /// `file` itself. A file outside every module tree (a crate root of its own, or a file scanned alone) names
    /// its own items and other packages.
    pub fn resolve(&self, file: usize, path: &str) -> Option<Target> {
        let segs: Vec<&str> = path.split("::").collect();
        let Some((package, module)) = self.modules.get(&file) else {
            let own = |rest: &[&str]| Some(Target { file, item: rest.join("::") });
            return match (segs[0], self.names.get(segs[0])) {
                ("crate" | "self", _) => own(&segs[1..]),
                (_, Some(&p)) => self.item(p, Vec::new(), &segs[1..]),
                _ => own(&segs),
            };
        };
        let here: Vec<&str> = module.iter().map(String::as_str).collect();
        let (package, base, rest): (usize, Vec<&str>, &[&str]) = match segs[0] {
            "crate" => (*package, Vec::new(), &segs[1..]),
            "self" | "super" => {
                let mut base = here;
                let supers = segs.iter().take_while(|s| **s == "super").count();
                for _ in 0..supers {
                    base.pop()?;
                }
                (*package, base, &segs[supers.max(1)..])
            }
            first => {
                // A child module wins over a package of the same name.
                let child = [here.as_slice(), &[first]].concat().join("::");
                match self.names.get(first) {
                    Some(&p) if !self.files.contains_key(&(*package, child)) => (p, Vec::new(), &segs[1..]),
                    _ => (*package, here, &segs[..]),
                }
            }
        };
        self.item(package, base, rest)
    }

    /// The item `rest` names below module `base` of `package`: the longest prefix of `rest` that is a module file
    /// is the module, what follows is the item.
    fn item(&self, package: usize, base: Vec<&str>, rest: &[&str]) -> Option<Target> {
        (0..rest.len()).rev().find_map(|k| {
            let mut m = base.clone();
            m.extend_from_slice(&rest[..k]);
            let file = self.files.get(&(package, m.join("::")))?;
            Some(Target { file: *file, item: rest[k..].join("::") })
        })
    }

    /// Links `facts` of file `file` (text `src`) to the project's modules: receiver chains rooted at project
    /// functions start with what those return, before the call itself (rules may name the call, as when the crate
    /// is `openssl` and the function `SslConnector::builder`, and later calls still find it by its bytes), and
    /// verifier arguments of types defined in other modules
    /// bring those types' impls. Related locations go to each method call's `via`. Only method calls whose name
    /// `judged` accepts are linked (the ones some rule looks at).
    pub fn link(&self, file: usize, src: &str, facts: &mut RustFacts, judged: impl Fn(&str) -> bool) -> Linked {
        let own = Summary::new(file, src, facts);
        let mut linker = Linker { modules: self, file, own: &own, consulted: Vec::new() };
        let mut imported = Vec::new();
        let mut continued = Vec::new();
        for m in facts.method_calls.iter_mut().filter(|m| judged(&m.name)) {
            if let Some(Link::Call { path, .. }) = m.chain.first()
                && let Some(Returned { chain, origins, steps }) = linker.returned(file, &path.clone(), 0)
            {
                m.chain.splice(0..0, chain);
                m.via.extend(origins);
                continued.extend(steps.into_iter().map(|(file, bytes)| Continuation {
                    file,
                    bytes,
                    name: m.name.clone(),
                    args: m.args.clone(),
                }));
            }
            for ty in m.arg_types.iter().flatten() {
                let name = ty.rsplit("::").next().unwrap_or(ty);
                if own.impls.iter().any(|(i, _)| i.self_ty == name) {
                    continue;
                }
                for (method, origin) in linker.impls_of(ty) {
                    if super::predicates::is_verify_cert(&method.method) && !m.via.contains(origin) {
                        m.via.push(origin.clone());
                    }
                    imported.push((ty.clone(), method.clone()));
                }
            }
        }
        facts.imported_impls = imported;
        let mut consulted = linker.consulted;
        consulted.sort_unstable();
        consulted.dedup();
        Linked { consulted, deps: self.deps(file, facts), unread: self.unread(file, facts), continued }
    }

    /// Whether `file` imports a project module by glob or declares a `mod` with no file (see [`Linked::unread`]).
    fn unread(&self, file: usize, facts: &RustFacts) -> bool {
        if !self.knows(file) {
            return false;
        }
        let project_glob = |g: &Glob| self.resolve(file, &format!("{}::*", g.path)).is_some_and(|t| t.file != file);
        let missing_mod = |m: &String| self.resolve(file, &format!("self::{m}::*")).is_none_or(|t| t.file == file);
        facts.globs.iter().any(project_glob) || facts.mods.iter().any(missing_mod)
    }

    /// Every other project module the paths of `file` name.
    pub fn deps(&self, file: usize, facts: &RustFacts) -> Vec<usize> {
        if !self.knows(file) {
            return Vec::new();
        }
        let mut deps: Vec<usize> = facts
            .paths
            .iter()
            .filter_map(|p| self.resolve(file, &p.path))
            .map(|t| t.file)
            .filter(|&f| f != file)
            .collect();
        deps.sort_unstable();
        deps.dedup();
        deps
    }

    /// The other project modules a summary of `file` (with `facts`) leads to: those its functions' returns
    /// start in, and those its `pub use` items re-export from.
    pub fn needs(&self, file: usize, facts: &RustFacts) -> Vec<usize> {
        let roots = facts.fns.iter().filter_map(|f| match f.chain.first() {
            Some(Link::Call { path, .. }) => Some(path.as_str()),
            _ => None,
        });
        let roots = roots.chain(facts.reexports.values().map(String::as_str)).map(str::to_string);
        let roots = roots.chain(facts.globs.iter().filter(|g| g.reexported).map(|g| format!("{}::*", g.path)));
        let mut out: Vec<usize> =
            roots.filter_map(|p| self.resolve(file, &p)).map(|t| t.file).filter(|&f| f != file).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The module path of a file under `src/`, relative to it; `None` for the separate crates under `src/bin/`.
fn module_path(rest: &str) -> Option<Vec<String>> {
    let stem = rest.strip_suffix(".rs")?;
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    match parts.as_slice() {
        [root] if root == "main" || root == "lib" => parts.clear(),
        [.., last] if last == "mod" => {
            parts.pop();
        }
        _ => {}
    }
    Some(parts)
}

/// What a call of a project function returns.
struct Returned {
    /// The receiver chain of the returned expression.
    chain: Vec<Link>,
    /// Where each function it went through is defined.
    origins: Vec<Origin>,
    /// The steps of `chain` in other files: (file, byte range there).
    steps: Vec<(usize, std::ops::Range<usize>)>,
}

/// One file's lookups into the project's summaries.
struct Linker<'a> {
    modules: &'a RustModules,
    file: usize,
    own: &'a Summary,
    consulted: Vec<usize>,
}

impl<'a> Linker<'a> {
    fn summary(&mut self, file: usize) -> Option<&'a Summary> {
        if file == self.file {
            return Some(self.own);
        }
        self.consulted.push(file);
        self.modules.summaries.get(&file)
    }

    /// Where the item `path` (as written in `from`) is defined, through re-exports (`pub use a::X;`, and
    /// `pub use a::*;` when module `a` defines it).
    fn locate(&mut self, from: usize, path: &str) -> Option<Target> {
        let mut target = self.modules.resolve(from, path)?;
        for _ in 0..MAX_HOPS {
            let (first, rest) =
                target.item.split_once("::").map_or((target.item.as_str(), None), |(f, r)| (f, Some(r)));
            let Some(summary) = self.summary(target.file) else { break };
            let next = match summary.reexports.get(first) {
                Some(alias) => {
                    self.modules.resolve(target.file, &rest.map_or_else(|| alias.clone(), |r| format!("{alias}::{r}")))
                }
                None if !summary.defines(first) => summary.globs.iter().find_map(|g| {
                    let t = self.modules.resolve(target.file, &format!("{g}::{}", target.item))?;
                    let defined = self.modules.summaries.get(&t.file).is_some_and(|s| s.defines(first));
                    (t.file != target.file && defined).then_some(t)
                }),
                None => None,
            };
            match next {
                Some(next) if next != target => target = next,
                _ => break,
            }
        }
        Some(target)
    }

    /// The receiver chain a call of `path` (as written in `from`) returns, with where each step is defined.
    /// Links from other files lose their byte ranges (they name no expression of this file) to `steps`.
    fn returned(&mut self, from: usize, path: &str, hops: u8) -> Option<Returned> {
        let target = self.locate(from, path)?;
        let (chain, origin) = self.summary(target.file)?.fns.get(&target.item)?;
        let mut chain = chain.clone();
        let (mut origins, mut steps) = (Vec::new(), Vec::new());
        if hops < MAX_HOPS
            && let Some(Link::Call { path, .. }) = chain.first()
            && let Some(inner) = self.returned(target.file, &path.clone(), hops + 1)
        {
            chain.splice(0..0, inner.chain);
            (origins, steps) = (inner.origins, inner.steps);
        }
        if target.file != self.file {
            for link in &mut chain {
                if let Link::Call { bytes, .. } | Link::Method { bytes, .. } = link
                    && bytes.start != usize::MAX
                {
                    steps.push((target.file, std::mem::replace(bytes, usize::MAX..usize::MAX)));
                }
            }
            // A cycle of returns comes back to the same definitions: each is named once.
            if !origins.contains(origin) {
                origins.insert(0, origin.clone());
            }
        }
        Some(Returned { chain, origins, steps })
    }

    /// The trait impls of the type at `ty` (as written in this file) when another module defines it.
    fn impls_of(&mut self, ty: &str) -> Vec<&'a (ImplMethod, Origin)> {
        let Some(target) = self.locate(self.file, ty).filter(|t| t.file != self.file) else {
            return Vec::new();
        };
        let Some(summary) = self.summary(target.file) else { return Vec::new() };
        summary
            .impls
            .iter()
            .filter(|(m, _)| self.modules.resolve(target.file, &m.self_path).as_ref() == Some(&target))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(rels: &[&str]) -> RustModules {
        RustModules::new(rels.iter().copied(), |i| match rels[i] {
            "crates/gw/Cargo.toml" => Some("[package]\nname = \"mcp-gw\"\n".into()),
            _ => None,
        })
    }

    #[test]
    fn paths_resolve_through_the_module_tree() {
        let rels = [
            "Cargo.toml",
            "crates/gw/Cargo.toml",
            "crates/gw/src/main.rs",
            "crates/gw/src/tls.rs",
            "crates/gw/src/net/mod.rs",
            "crates/gw/src/net/peer.rs",
            "crates/gw/src/bin/tool.rs",
            "crates/gw/tests/it.rs",
        ];
        let m = map(&rels);
        let t = |file, item: &str| Some(Target { file, item: item.into() });
        assert_eq!(m.resolve(2, "tls::listener_builder"), t(3, "listener_builder"));
        assert_eq!(m.resolve(2, "crate::net::peer::Verifier"), t(5, "Verifier"));
        assert_eq!(m.resolve(5, "super::super::tls::x"), t(3, "x"));
        assert_eq!(m.resolve(5, "self::Verifier"), t(5, "Verifier"));
        assert_eq!(m.resolve(4, "peer::Verifier::new"), t(5, "Verifier::new"));
        assert_eq!(m.resolve(3, "helper"), t(3, "helper"));
        // Other packages by name; files outside the module tree see only those.
        assert_eq!(m.resolve(7, "mcp_gw::tls::f"), t(3, "f"));
        assert_eq!(m.resolve(6, "crate::helper"), t(6, "helper"));
        assert_eq!(m.resolve(7, "tls::f"), t(7, "tls::f"));
        // A path through no project module stays with the file (and names nothing there).
        assert_eq!(m.resolve(2, "rustls::ServerConfig::builder"), t(2, "rustls::ServerConfig::builder"));
        assert_eq!(m.resolve(5, "super::super::super::x"), None);
    }

    #[test]
    fn chains_continue_from_what_project_functions_return() {
        let rels = ["Cargo.toml", "src/main.rs", "src/tls.rs", "src/verify.rs"];
        let mut m = RustModules::new(rels.iter().copied(), |_| None);
        let tls = "pub fn base() -> B { rustls::ServerConfig::builder() }\npub fn listener() -> B { base() }";
        let verify = "pub struct AcceptAll;\nimpl ServerCertVerifier for AcceptAll { fn verify_server_cert(&self) -> R { Ok(v()) } }";
        for (file, src) in [(2, tls), (3, verify)] {
            let facts = super::super::parse(src, false).unwrap().facts;
            m.summaries.insert(file, Summary::new(file, src, &facts));
        }
        let main = "mod tls; mod verify;\nuse crate::verify::AcceptAll as A;\nfn f() { tls::listener().with_no_client_auth(); c.with_custom_certificate_verifier(Arc::new(A)); }";
        let mut facts = super::super::parse(main, false).unwrap().facts;
        let linked = m.link(1, main, &mut facts, |_| true);
        assert_eq!(linked.consulted, [2, 3]);
        assert_eq!(linked.deps, [2, 3]);
        let call = facts.method_calls.iter().find(|c| c.name == "with_no_client_auth").unwrap();
        let calls: Vec<(&str, bool)> = call
            .chain
            .iter()
            .filter_map(|l| match l {
                Link::Call { path, bytes } => Some((path.as_str(), bytes.start == usize::MAX)),
                _ => None,
            })
            .collect();
        assert_eq!(calls, [("rustls::ServerConfig::builder", true), ("base", true), ("tls::listener", false)]);
        let whats: Vec<&str> = call.via.iter().map(|o| o.what.as_str()).collect();
        assert_eq!(whats, ["listener()", "base()"]);
        assert_eq!((call.via[1].start.line, call.via[1].start.column), (1, 22));
        let install = facts.method_calls.iter().find(|c| c.name == "with_custom_certificate_verifier").unwrap();
        assert_eq!(install.arg_types, [Some("crate::verify::AcceptAll".to_string())]);
        assert!(super::super::predicates::verifier_accepts_all(&facts, "crate::verify::AcceptAll"));
        assert_eq!(install.via[0].what, "AcceptAll::verify_server_cert");
    }

    #[test]
    fn re_exports_are_followed_and_lib_rs_is_the_root() {
        let rels = ["Cargo.toml", "src/main.rs", "src/lib.rs", "src/verifiers.rs", "src/client.rs"];
        let mut m = RustModules::new(rels.iter().copied(), |_| Some("[package]\nname = \"mesh-tls\"\n".into()));
        let lib = "pub mod verifiers;\npub use verifiers::Noop;";
        let verifiers =
            "pub struct Noop;\nimpl ServerCertVerifier for Noop { fn verify_server_cert(&self) -> R { Ok(v()) } }";
        for (file, src) in [(2, lib), (3, verifiers)] {
            let facts = super::super::parse(src, false).unwrap().facts;
            m.summaries.insert(file, Summary::new(file, src, &facts));
        }
        assert_eq!(m.resolve(4, "crate::verifiers::Noop"), Some(Target { file: 3, item: "Noop".into() }));
        // `mesh_tls::Noop` is lib.rs's re-export of verifiers.rs's type; `module::function()` constructs no type.
        let client = "use mesh_tls::Noop;\nfn f() { c.with_custom_certificate_verifier(Arc::new(Noop::new())); c.with_custom_certificate_verifier(verifiers::make()); }";
        let mut facts = super::super::parse(client, false).unwrap().facts;
        m.link(4, client, &mut facts, |_| true);
        let types: Vec<Option<&str>> = facts.method_calls.iter().map(|c| c.arg_types[0].as_deref()).collect();
        assert_eq!(types, [Some("mesh_tls::Noop"), None]);
        assert!(super::super::predicates::verifier_accepts_all(&facts, "mesh_tls::Noop"));
    }

    #[test]
    fn cycles_of_returns_end() {
        let rels = ["Cargo.toml", "src/lib.rs", "src/a.rs"];
        let mut m = RustModules::new(rels.iter().copied(), |_| None);
        let a = "pub fn f() -> B { crate::a::g() }\npub fn g() -> B { f() }";
        let facts = super::super::parse(a, false).unwrap().facts;
        m.summaries.insert(2, Summary::new(2, a, &facts));
        let lib = "fn h() { a::f().with_no_client_auth(); }";
        let mut facts = super::super::parse(lib, false).unwrap().facts;
        m.link(1, lib, &mut facts, |_| true);
        let call = facts.method_calls.iter().find(|c| c.name == "with_no_client_auth").unwrap();
        let mut whats: Vec<&str> = call.via.iter().map(|o| o.what.as_str()).collect();
        whats.sort_unstable();
        assert_eq!(whats, ["f()", "g()"]);
    }
}
