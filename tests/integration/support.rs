//! Helpers shared by the integration tests.
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What one in-process CLI run printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `mcp-tls-audit ARGS...` in process.
pub fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let mut all: Vec<OsString> = vec!["mcp-tls-audit".into()];
    all.extend(args.into_iter().map(Into::into));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = mcp_tls_audit::run(all, &mut out, &mut err);
    Run { code, stdout: String::from_utf8(out).unwrap(), stderr: String::from_utf8(err).unwrap() }
}

/// The crate root (tests run with it as the working directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The SARIF 2.1.0 schema shipped beside the repository in `../shared/schemas/`.
pub fn sarif_schema_path() -> PathBuf {
    root().join("../shared/schemas/sarif-schema-2.1.0.json")
}

/// Validates a SARIF document against the official schema; returns the errors.
pub fn sarif_errors(doc: &serde_json::Value) -> Vec<String> {
    let path = sarif_schema_path();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    validator.iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path)).collect()
}

/// Every file below `dir`, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.is_file() {
            out.push(d);
            continue;
        }
        for e in std::fs::read_dir(&d).unwrap() {
            stack.push(e.unwrap().path());
        }
    }
    out.sort();
    out
}

/// Replaces the working directory (the SARIF `%SRCROOT%` base) with `[CWD]`, so snapshots hold on any checkout.
pub fn redact_cwd(text: &str) -> String {
    let cwd = std::env::current_dir().unwrap().display().to_string();
    text.replace(&format!("file://{cwd}/"), "file://[CWD]/")
}
