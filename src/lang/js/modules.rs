//! Which project file a JS/TS module specifier names, the way Node and TypeScript resolve it: relative paths with
//! their extension and `index` rules, `tsconfig.json` `baseUrl`/`paths` aliases in their simple forms, and
//! workspace packages by their `package.json` name. Packages from a registry (anything under `node_modules`) are
//! never followed: the project's TLS setup is in the project's own code.
use std::collections::HashMap;

/// Extensions tried after a specifier without one, in TypeScript's order.
const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

/// Node's built-in modules (`require('module').builtinModules` of Node 20, internal ones left out): Node loads
/// these by their bare name whatever `baseUrl` or a project folder of that name says.
const BUILTINS: &[&str] = &[
    "assert",
    "assert/strict",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "dns/promises",
    "domain",
    "events",
    "fs",
    "fs/promises",
    "http",
    "http2",
    "https",
    "inspector",
    "inspector/promises",
    "module",
    "net",
    "os",
    "path",
    "path/posix",
    "path/win32",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "readline/promises",
    "repl",
    "stream",
    "stream/consumers",
    "stream/promises",
    "stream/web",
    "string_decoder",
    "sys",
    "timers",
    "timers/promises",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "util/types",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// The project's JS/TS files and the aliases that name them.
#[derive(Debug, Default)]
pub struct ModuleMap {
    /// Root-relative, `/`-separated path of each file to its index in the scan's file list.
    files: HashMap<String, usize>,
    /// `tsconfig.json` files, deepest folder first.
    configs: Vec<TsConfig>,
    /// Workspace packages by name.
    packages: HashMap<String, Package>,
}

#[derive(Debug)]
struct TsConfig {
    /// The folder holding it (`""` at the root).
    dir: String,
    /// `compilerOptions.baseUrl`, root-relative.
    base_url: Option<String>,
    /// `compilerOptions.paths`: pattern (at most one `*`) to root-relative targets.
    paths: Vec<(String, Vec<String>)>,
}

#[derive(Debug)]
struct Package {
    dir: String,
    /// Root-relative entry points to try in order: `exports["."]`, `module`, `main`, then `src/index`, `index`.
    entries: Vec<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TsConfigFile {
    #[serde(default)]
    compiler_options: CompilerOptions,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CompilerOptions {
    base_url: Option<String>,
    #[serde(default)]
    paths: Paths,
}

/// `compilerOptions.paths` (see [`best_pattern`] for which one applies).
#[derive(Default)]
struct Paths(Vec<(String, Vec<String>)>);

impl<'de> serde::Deserialize<'de> for Paths {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::deserialize(d)?;
        let targets = |v: serde_json::Value| match v {
            serde_json::Value::Array(a) => a.into_iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        };
        Ok(Self(map.into_iter().map(|(k, v)| (k, targets(v))).collect()))
    }
}

/// A file `ModuleMap::new` could not use, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file's index.
    pub file: usize,
    /// What is wrong, and what is lost.
    pub message: String,
}

impl ModuleMap {
    /// Indexes `sources` (root-relative paths, in the scan's order) and reads the `tsconfig.json` and
    /// `package.json` files among them through `read` (given the file's index).
    pub fn new<'a>(
        sources: impl Iterator<Item = &'a str>,
        read: impl Fn(usize) -> std::io::Result<String>,
    ) -> (Self, Vec<Problem>) {
        let mut map = ModuleMap::default();
        let mut problems = Vec::new();
        let mut manifests = Vec::new();
        for (i, rel) in sources.enumerate() {
            if rel.split('/').any(|part| part == "node_modules") {
                continue;
            }
            let name = rel.rsplit('/').next().unwrap_or(rel);
            if name == "tsconfig.json" || name == "package.json" {
                manifests.push((i, rel.to_string()));
            } else if EXTENSIONS.iter().any(|e| name.strip_suffix(e).is_some_and(|s| s.ends_with('.'))) {
                map.files.insert(rel.to_string(), i);
            }
        }
        for (i, rel) in manifests {
            let dir = parent(&rel).to_string();
            // Unreadable files are reported by the analysis, which reads every file too.
            let Ok(text) = read(i) else { continue };
            let parsed = jsonc_parser::parse_to_serde_value::<serde_json::Value>(&text, &Default::default());
            let value = match parsed {
                Ok(v) => v,
                Err(e) => {
                    let lost =
                        if rel.ends_with("tsconfig.json") { "its path aliases are" } else { "its package name is" };
                    problems.push(Problem { file: i, message: format!("not valid JSON ({e}); {lost} ignored") });
                    continue;
                }
            };
            if rel.ends_with("tsconfig.json") {
                let Ok(cfg) = serde_json::from_value::<TsConfigFile>(value) else { continue };
                let base_url = cfg.compiler_options.base_url.as_deref().and_then(|b| join(&dir, b));
                let paths_base = base_url.clone().unwrap_or_else(|| dir.clone());
                let paths = cfg
                    .compiler_options
                    .paths
                    .0
                    .into_iter()
                    .map(|(pattern, targets)| (pattern, targets.iter().filter_map(|t| join(&paths_base, t)).collect()))
                    .collect();
                map.configs.push(TsConfig { dir, base_url, paths });
            } else if let Some(name) = value.get("name").and_then(|n| n.as_str()) {
                let mut entries: Vec<String> =
                    [entry_of_exports(value.get("exports")), field(&value, "module"), field(&value, "main")]
                        .into_iter()
                        .flatten()
                        .filter_map(|e| join(&dir, &e))
                        .collect();
                entries.extend(["src/index", "index"].iter().filter_map(|e| join(&dir, e)));
                map.packages.insert(name.to_string(), Package { dir, entries });
            }
        }
        map.configs.sort_by_key(|c| std::cmp::Reverse(c.dir.matches('/').count() + usize::from(!c.dir.is_empty())));
        (map, problems)
    }

    /// The index of the file `spec` names when imported from `from`; `None` for registry packages, built-in
    /// modules and anything not in the project.
    pub fn resolve(&self, from: &str, spec: &str) -> Option<usize> {
        if is_relative(spec) {
            return self.file_or_folder(&join(parent(from), spec)?);
        }
        if spec.starts_with('/') || spec.contains(':') || BUILTINS.contains(&spec) {
            return None;
        }
        if let Some(cfg) = self.configs.iter().find(|c| c.dir.is_empty() || from.starts_with(&format!("{}/", c.dir))) {
            if let Some((targets, star)) = best_pattern(&cfg.paths, spec) {
                // TypeScript tries only the targets of the best pattern, then `baseUrl`.
                if let Some(f) = targets.iter().find_map(|t| self.file_or_folder(&t.replacen('*', star, 1))) {
                    return Some(f);
                }
            }
            if let Some(f) = cfg.base_url.as_deref().and_then(|b| join(b, spec)).and_then(|p| self.file_or_folder(&p)) {
                return Some(f);
            }
        }
        let (name, sub) = split_package(spec);
        let package = self.packages.get(name)?;
        match sub {
            Some(sub) => self.file_or_folder(&join(&package.dir, sub)?),
            None => package.entries.iter().find_map(|e| self.file_or_folder(e)),
        }
    }

    /// Whether `rel` is a JS/TS module of the project (not under `node_modules`).
    pub fn knows(&self, rel: &str) -> bool {
        self.files.contains_key(rel)
    }

    /// The project modules that string literals of `src` (the text of the module at `from`) name: a superset of
    /// its imports, found without parsing.
    pub fn literal_imports(&self, from: &str, src: &str) -> Vec<usize> {
        let mut out = Vec::new();
        for line in src.lines() {
            let mut rest = line;
            while let Some(open) = rest.find(['\'', '"']) {
                let quote = rest.as_bytes()[open] as char;
                let after = &rest[open + 1..];
                let Some(len) = after.find(quote) else { break };
                if let Some(target) = self.resolve(from, &after[..len]) {
                    out.push(target);
                }
                rest = &after[len + 1..];
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether `spec` names a module of the project that is not among the scanned files: a relative specifier of
    /// JS/TS code (no extension, or a JS/TS one; not `./styles.css` or `./data.json`) that resolves to nothing.
    pub fn is_missing(&self, from: &str, spec: &str) -> bool {
        let relative = is_relative(spec);
        let name = spec.rsplit('/').next().unwrap_or(spec);
        let code = matches!(name, "." | "..") || name.rsplit_once('.').is_none_or(|(_, ext)| EXTENSIONS.contains(&ext));
        relative && code && self.resolve(from, spec).is_none()
    }

    /// The file at `path`, or with an extension added or swapped for its TypeScript source, or its folder's index.
    fn file_or_folder(&self, path: &str) -> Option<usize> {
        if let Some(&i) = self.files.get(path) {
            return Some(i);
        }
        // `import './x.js'` in TypeScript names `./x.ts`.
        let (stem, ext) = path.rsplit_once('.').filter(|(s, _)| !s.ends_with('/')).unwrap_or((path, ""));
        let swapped: &[&str] = match ext {
            "js" => &["ts", "tsx"],
            "jsx" => &["tsx"],
            "mjs" => &["mts"],
            "cjs" => &["cts"],
            _ => &[],
        };
        let with =
            |base: &str, exts: &[&str]| exts.iter().find_map(|e| self.files.get(&format!("{base}.{e}")).copied());
        let index = if path.is_empty() { "index".to_string() } else { format!("{path}/index") };
        with(stem, swapped).or_else(|| with(path, EXTENSIONS)).or_else(|| with(&index, EXTENSIONS))
    }
}

/// `./x`, `../x`, `.` or `..`.
fn is_relative(spec: &str) -> bool {
    spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".."
}

/// The targets of the `paths` pattern that applies to `spec`, and what its `*` matched. As in TypeScript, a
/// pattern without `*` that equals `spec` wins; otherwise the matching pattern with the longest text before `*`.
fn best_pattern<'p, 's>(paths: &'p [(String, Vec<String>)], spec: &'s str) -> Option<(&'p [String], &'s str)> {
    // `rev`: of patterns that rank the same, the first written wins.
    paths
        .iter()
        .rev()
        .filter_map(|(p, targets)| Some((p.find('*'), targets, match_pattern(p, spec)?)))
        .max_by_key(|(star_at, ..)| (star_at.is_none(), *star_at))
        .map(|(_, targets, star)| (targets.as_slice(), star))
}

/// The folder of a root-relative path (`""` at the root).
fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `dir` joined with a relative path, `.` and `..` resolved; `None` if it climbs out of the root.
fn join(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// What `*` stands for when `spec` matches a `paths` pattern (`""` for an exact match).
fn match_pattern<'s>(pattern: &str, spec: &'s str) -> Option<&'s str> {
    match pattern.split_once('*') {
        None => (pattern == spec).then_some(""),
        Some((pre, post)) => {
            spec.strip_prefix(pre)?.strip_suffix(post).filter(|_| spec.len() >= pre.len() + post.len())
        }
    }
}

/// `@scope/name/sub/path` into (`@scope/name`, `sub/path`); `name/sub` into (`name`, `sub`).
fn split_package(spec: &str) -> (&str, Option<&str>) {
    let first = spec.find('/');
    let end = match first {
        Some(i) if spec.starts_with('@') => spec[i + 1..].find('/').map(|j| i + 1 + j),
        other => other,
    };
    match end {
        Some(e) => (&spec[..e], Some(&spec[e + 1..])),
        None => (spec, None),
    }
}

fn field(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(str::to_string)
}

/// The entry `exports` gives for the package itself: a string, or `"."`'s string or first condition's string.
fn entry_of_exports(exports: Option<&serde_json::Value>) -> Option<String> {
    let e = exports?;
    let dot = e.get(".").unwrap_or(e);
    match dot {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(conds) => ["source", "import", "require", "default", "node"]
            .iter()
            .find_map(|c| conds.get(*c)?.as_str().map(str::to_string)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(files: &[(&str, &str)]) -> (ModuleMap, Vec<Problem>) {
        ModuleMap::new(files.iter().map(|(p, _)| *p), |i| Ok(files[i].1.to_string()))
    }

    fn name<'a>(files: &[(&'a str, &str)], i: Option<usize>) -> Option<&'a str> {
        i.map(|i| files[i].0)
    }

    #[test]
    fn relative_specifiers_follow_node_and_typescript_rules() {
        let files = [
            ("src/server.ts", ""),
            ("src/tls/options.ts", ""),
            ("src/tls/index.ts", ""),
            ("src/legacy.cjs", ""),
            ("src/util.mts", ""),
            ("lib/a.js", ""),
        ];
        let (m, _) = map(&files);
        let r = |from, spec| name(&files, m.resolve(from, spec));
        assert_eq!(r("src/server.ts", "./tls/options"), Some("src/tls/options.ts"));
        assert_eq!(r("src/server.ts", "./tls/options.js"), Some("src/tls/options.ts"));
        assert_eq!(r("src/server.ts", "./tls"), Some("src/tls/index.ts"));
        assert_eq!(r("src/tls/options.ts", ".."), None);
        assert_eq!(r("src/tls/options.ts", "../server"), Some("src/server.ts"));
        assert_eq!(r("src/server.ts", "./legacy.cjs"), Some("src/legacy.cjs"));
        assert_eq!(r("src/server.ts", "./util.mjs"), Some("src/util.mts"));
        assert_eq!(r("src/server.ts", "../lib/a"), Some("lib/a.js"));
        assert_eq!(r("src/server.ts", "../../outside"), None);
        assert_eq!(r("src/server.ts", "https"), None);
        assert_eq!(r("src/server.ts", "node:tls"), None);
    }

    #[test]
    fn tsconfig_paths_and_base_url() {
        let files = [
            (
                "apps/gw/tsconfig.json",
                r#"{
                // comments and trailing commas, as tsc allows
                "compilerOptions": { "baseUrl": ".", "paths": { "@tls/*": ["../../packages/tls/src/*"], "@cfg": ["src/config.ts"], }, },
            }"#,
            ),
            ("apps/gw/src/main.ts", ""),
            ("apps/gw/src/config.ts", ""),
            ("apps/gw/src/lib/x.ts", ""),
            ("packages/tls/src/options.ts", ""),
            ("other/main.ts", ""),
        ];
        let (m, problems) = map(&files);
        assert_eq!(problems, []);
        let r = |from, spec| name(&files, m.resolve(from, spec));
        assert_eq!(r("apps/gw/src/main.ts", "@tls/options"), Some("packages/tls/src/options.ts"));
        assert_eq!(r("apps/gw/src/main.ts", "@cfg"), Some("apps/gw/src/config.ts"));
        assert_eq!(r("apps/gw/src/main.ts", "src/lib/x"), Some("apps/gw/src/lib/x.ts"));
        // Outside the tsconfig's folder, its aliases do not apply.
        assert_eq!(r("other/main.ts", "@tls/options"), None);
    }

    #[test]
    fn longest_paths_prefix_wins_and_builtins_stay_builtins() {
        let files = [
            (
                "tsconfig.json",
                r#"{"compilerOptions": {"baseUrl": "src", "paths": {"@/*": ["*"], "@/tls/*": ["../pkg/tls/*"], "@/tls/x": ["exact.ts"]}}}"#,
            ),
            ("src/tls/index.ts", ""),
            ("src/tls/y.ts", ""),
            ("pkg/tls/y.ts", ""),
            ("src/exact.ts", ""),
            ("src/crypto/keys.ts", ""),
            ("index.js", ""),
            ("main.js", ""),
        ];
        let (m, problems) = map(&files);
        assert_eq!(problems, []);
        let r = |from, spec| name(&files, m.resolve(from, spec));
        assert_eq!(r("main.js", "@/tls/y"), Some("pkg/tls/y.ts"));
        assert_eq!(r("main.js", "@/tls/x"), Some("src/exact.ts"));
        assert_eq!(r("main.js", "@/exact"), Some("src/exact.ts"));
        // Node loads its own `tls` and `node:tls`, whatever `baseUrl` holds; other names still go through it.
        assert_eq!(r("main.js", "tls"), None);
        assert_eq!(r("main.js", "fs/promises"), None);
        assert_eq!(r("main.js", "crypto/keys"), Some("src/crypto/keys.ts"));
        assert_eq!(r("main.js", "./"), Some("index.js"));
        assert_eq!(r("main.js", "."), Some("index.js"));
        assert!(!m.is_missing("main.js", "."));
        assert!(m.is_missing("src/tls/y.ts", ".."));
    }

    #[test]
    fn workspace_packages_by_name_but_never_node_modules() {
        let files = [
            ("packages/shared-tls/package.json", r#"{"name": "@acme/shared-tls", "main": "./dist/index.js"}"#),
            ("packages/shared-tls/src/index.ts", ""),
            ("packages/shared-tls/src/client.ts", ""),
            ("packages/exp/package.json", r#"{"name": "exp", "exports": {".": {"import": "./lib/main.mjs"}}}"#),
            ("packages/exp/lib/main.mjs", ""),
            ("node_modules/got/package.json", r#"{"name": "got", "main": "index.js"}"#),
            ("node_modules/got/index.js", ""),
            ("apps/gw/main.ts", ""),
        ];
        let (m, _) = map(&files);
        let r = |spec| name(&files, m.resolve("apps/gw/main.ts", spec));
        assert_eq!(r("@acme/shared-tls"), Some("packages/shared-tls/src/index.ts"));
        assert_eq!(r("@acme/shared-tls/src/client"), Some("packages/shared-tls/src/client.ts"));
        assert_eq!(r("exp"), Some("packages/exp/lib/main.mjs"));
        assert_eq!(r("got"), None);
    }

    #[test]
    fn broken_manifests_are_named_and_skipped() {
        let files = [("tsconfig.json", "{ \"compilerOptions\": "), ("a.ts", "")];
        let (m, problems) = map(&files);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("not valid JSON"), "{problems:?}");
        assert_eq!(m.resolve("a.ts", "./a"), Some(1));
    }

    #[test]
    fn pattern_matching() {
        assert_eq!(match_pattern("@tls/*", "@tls/options"), Some("options"));
        assert_eq!(match_pattern("@tls/*", "@tl"), None);
        assert_eq!(match_pattern("*.js", "a.js"), Some("a"));
        assert_eq!(match_pattern("exact", "exact"), Some(""));
        assert_eq!(split_package("@a/b/c/d"), ("@a/b", Some("c/d")));
        assert_eq!(split_package("got/dist"), ("got", Some("dist")));
        assert_eq!(split_package("@a/b"), ("@a/b", None));
    }
}
