//! `.mcp-tls-audit.yaml`: project settings, found by walking up from the scanned path (or `--config FILE`).
use crate::cli::SeverityArg;
use crate::finding::Severity;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for in the scanned folder and its parents.
pub const FILE_NAME: &str = ".mcp-tls-audit.yaml";

/// The project configuration. Every key is optional; unknown keys are errors.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Rule ids that do not run.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Severity per rule id, replacing the rule's own.
    #[serde(default)]
    pub severity: BTreeMap<String, SeverityArg>,
    /// Paths and globs (gitignore syntax, relative to this file's folder) that are not scanned.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Options of individual rules.
    #[serde(default)]
    pub rules: RuleOptions,
    /// Exit with 1 when a finding is at or above this severity (the command line wins).
    #[serde(default)]
    pub fail_on: Option<SeverityArg>,
}

/// Per-rule options.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleOptions {
    /// Options of `cert-expiring-soon`.
    #[serde(default)]
    pub cert_expiring_soon: Option<ExpiryOptions>,
}

/// Options of `cert-expiring-soon`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExpiryOptions {
    /// Report certificates that expire within this many days (the command line's `--min-days` wins).
    pub min_days: u32,
}

/// A loaded configuration and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The settings.
    pub config: Config,
    /// The file, when there is one; `ignore` globs are relative to its folder.
    pub file: Option<PathBuf>,
    /// The compiled `ignore` globs.
    pub ignore: Option<ignore::gitignore::Gitignore>,
}

impl Loaded {
    /// Whether `path` (as walked) is ignored by the configuration.
    pub fn ignores(&self, path: &Path) -> bool {
        self.ignore.as_ref().is_some_and(|gi| ignored(gi, path))
    }

    /// A rule's severity after the remap.
    pub fn severity(&self, rule: &str, default: Severity) -> Severity {
        self.config.severity.get(rule).map_or(default, |s| Severity::from(*s))
    }
}

/// Whether the configuration's `ignore` globs match `path` or one of its folders.
pub fn ignored(gi: &ignore::gitignore::Gitignore, path: &Path) -> bool {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute.starts_with(gi.path()) && gi.matched_path_or_any_parents(&absolute, false).is_ignore()
}

/// The nearest `.mcp-tls-audit.yaml` in `start` (or its folder, for a file) and its parents.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let dir = if start.is_dir() { start.as_path() } else { start.parent()? };
    dir.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file())
}

/// Reads and checks a configuration file against the known rule ids.
pub fn load(path: &Path, known: &dyn Fn(&str) -> bool) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(path, &text, known)
}

/// Checks the text of the configuration file `path` against the known rule ids.
pub fn parse(path: &Path, text: &str, known: &dyn Fn(&str) -> bool) -> Result<Loaded, String> {
    let fail = |message: String| format!("{}: {message}", path.display());
    let config: Config = if text.trim().is_empty() {
        Config::default()
    } else {
        yaml_serde::from_str(text).map_err(|e| fail(e.to_string()))?
    };
    for id in config.disable.iter().chain(config.severity.keys()) {
        if !known(id) {
            return Err(fail(format!("`{id}` is not a rule id (`mcp-tls-audit rules` lists them)")));
        }
    }
    let base = std::path::absolute(path).map_err(|e| fail(e.to_string()))?;
    let base = base.parent().unwrap_or(Path::new("/"));
    let ignore = if config.ignore.is_empty() {
        None
    } else {
        let mut b = ignore::gitignore::GitignoreBuilder::new(base);
        for glob in &config.ignore {
            b.add_line(None, glob).map_err(|e| fail(format!("ignore: `{glob}`: {e}")))?;
        }
        Some(b.build().map_err(|e| fail(format!("ignore: {e}")))?)
    };
    Ok(Loaded { config, file: Some(path.to_path_buf()), ignore })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Loaded, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        load(&path, &|id| id == "tls-verify-disabled" || id == "cert-expiring-soon")
    }

    #[test]
    fn settings_are_read() {
        let l = load_text(
            "disable: [tls-verify-disabled]\nseverity: {cert-expiring-soon: high}\nignore: [\"vendor/\", \"*.gen.ts\"]\n\
             rules:\n  cert-expiring-soon: {min-days: 45}\nfail-on: medium\n",
        )
        .unwrap();
        assert_eq!(l.config.disable, ["tls-verify-disabled"]);
        assert_eq!(l.severity("cert-expiring-soon", Severity::Medium), Severity::High);
        assert_eq!(l.severity("tls-verify-disabled", Severity::High), Severity::High);
        assert_eq!(l.config.rules.cert_expiring_soon.as_ref().unwrap().min_days, 45);
        let base = l.file.as_ref().unwrap().parent().unwrap().to_path_buf();
        assert!(l.ignores(&base.join("vendor/x/a.ts")) && l.ignores(&base.join("src/api.gen.ts")));
        assert!(!l.ignores(&base.join("src/api.ts")));
    }

    #[test]
    fn unknown_keys_and_rule_ids_name_the_file() {
        let e = load_text("disabled: [x]\n").unwrap_err();
        assert!(e.contains(FILE_NAME) && e.contains("unknown field `disabled`"), "{e}");
        let e = load_text("severity: {no-such-rule: low}\n").unwrap_err();
        assert!(e.contains("`no-such-rule` is not a rule id"), "{e}");
        let e = load_text("fail-on: loud\n").unwrap_err();
        assert!(e.contains("unknown variant `loud`"), "{e}");
        assert!(load_text("").is_ok());
    }
}
