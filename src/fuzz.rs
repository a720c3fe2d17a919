//! Entry points of the fuzz targets in `fuzz/` and of their regression tests: each feeds arbitrary bytes to one
//! front end, which must return (with messages, not a crash) whatever the bytes are.
use crate::engine::{CertOptions, ScanOptions, TestCodePolicy};
use crate::rule::RuleSet;
use crate::walk::WalkOptions;
use std::sync::OnceLock;

/// The file names a fuzz input's first byte picks from, per target: the name selects the front end.
pub const JS: &[&str] = &["fuzz.js", "fuzz.ts", "fuzz.tsx", "fuzz.jsx"];
/// Rust sources and manifests.
pub const RUST: &[&str] = &["fuzz.rs", "Cargo.toml"];
/// Certificate and key files.
pub const CERT: &[&str] = &["fuzz.pem", "fuzz.der", "fuzz.p12", "fuzz.txt", "id_rsa", "fuzz.key"];
/// Configuration files, scanned ones and the tool's own.
pub const CONFIG: &[&str] =
    &[".env", "Dockerfile", "compose.yaml", "mcp.json", "package.json", crate::config::FILE_NAME];

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::load(&[] as &[&str]).expect("built-in rules load"))
}

fn options() -> ScanOptions {
    ScanOptions {
        walk: WalkOptions { include_vendored: true, follow_links: false, threads: 1 },
        max_file_size: u64::MAX,
        select: None,
        test_code: TestCodePolicy::Lower,
        cert: CertOptions { now: 1_780_000_000, min_days: 30 },
        exclude: None,
        progress: false,
        single_file: false,
    }
}

/// Scans `data` as a file named by its first byte among `names`.
pub fn scan(names: &[&str], data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    scan_as(names[usize::from(pick) % names.len()], rest);
}

/// Scans `data` as the file `name` (the tool's own configuration file is loaded instead).
pub fn scan_as(name: &str, data: &[u8]) {
    if name == crate::config::FILE_NAME {
        let text = String::from_utf8_lossy(data);
        let _ = crate::config::parse(std::path::Path::new(name), &text, &|id| rules().get(id).is_some());
        return;
    }
    let report = crate::engine::scan_bytes(rules(), name, data.to_vec(), &options());
    for f in &report.findings {
        assert!(f.location.start <= f.location.end, "{name}: a finding ends before it starts: {f:?}");
    }
}

/// Loads `data` as a user rule file.
pub fn rule(data: &[u8]) {
    let _ = RuleSet::from_sources(vec![("rules/fuzz.yaml".into(), String::from_utf8_lossy(data).into_owned())]);
}

/// Reads `data` as a server's answer: an HTTP response (JSON or SSE) and a TLS record after a legacy ClientHello.
pub fn probe_answer(data: &[u8]) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime starts");
    let mut stream = data;
    if let Ok(response) = runtime.block_on(crate::probe::http::read_response(&mut stream)) {
        let _ = crate::probe::http::jsonrpc(&String::from_utf8_lossy(&response.body));
    }
    let _ = crate::probe::legacy::read_answer(data);
}
