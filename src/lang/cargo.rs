//! Cargo manifests: dependencies that switch TLS verification off, found line by line.
//!
//! A full TOML parser would lose line positions or need another dependency; dependency tables are regular enough
//! that a small, quote-aware line scanner finds `features = ["dangerous_configuration"]` (inline, in a
//! `[dependencies.NAME]` table, or in a multi-line array) and the crates named in a rule.
use std::ops::Range;

/// One dependency setting a rule asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHit {
    /// The dependency's package name (after `package = ".."` renames).
    pub package: String,
    /// Where the offending feature string or dependency key is.
    pub bytes: Range<usize>,
}

/// The part of a line before a `#` comment that is not inside a string.
fn without_comment(line: &str) -> &str {
    let mut in_str = None;
    for (i, c) in line.char_indices() {
        match (c, in_str) {
            ('"' | '\'', None) => in_str = Some(c),
            (q, Some(open)) if q == open => in_str = None,
            ('#', None) => return &line[..i],
            _ => {}
        }
    }
    line
}

/// The dependency table a header opens: `Some(None)` for `[dependencies]`-like tables, `Some(Some(name))` for
/// `[dependencies.name]`, `None` for anything else.
fn dependency_table(header: &str) -> Option<Option<String>> {
    let inner = header.trim().trim_start_matches('[').trim_end_matches(']').trim();
    let parts: Vec<&str> = inner.split('.').map(|p| p.trim().trim_matches('"')).collect();
    let at = parts.iter().rposition(|p| p.ends_with("dependencies"))?;
    match &parts[at + 1..] {
        [] => Some(None),
        [name] => Some(Some(name.to_string())),
        _ => None,
    }
}

/// Which table a manifest line is in.
enum Table {
    /// `[dependencies]`, `[dev-dependencies]`, `[target.'..'.dependencies]`, `[workspace.dependencies]`.
    Dependencies,
    /// `[dependencies.NAME]`.
    Dependency(String),
    /// `[features]`: `x = ["rustls/dangerous_configuration"]` turns a dependency's feature on too.
    Features,
    /// Anything else.
    Other,
}

/// The `[package]` table's `name`, if the manifest has one (a virtual workspace manifest has none).
pub fn package_name(src: &str) -> Option<String> {
    table_name(src, "package")
}

/// The `[lib]` table's `name`: the name other crates use the library by, when it is not the package's.
pub fn lib_name(src: &str) -> Option<String> {
    table_name(src, "lib")
}

/// The `name` key of table `[table]`.
fn table_name(src: &str, table: &str) -> Option<String> {
    let mut in_table = false;
    for line in src.lines().map(without_comment).map(str::trim) {
        if line.starts_with('[') {
            in_table = line.trim_start_matches('[').trim_end_matches(']').trim() == table;
        } else if in_table
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "name"
        {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            return (!value.is_empty()).then(|| value.to_string());
        }
    }
    None
}

/// Finds the `features` (crate, feature) and `crates` a rule names in a manifest.
pub fn scan(src: &str, features: &[(String, String)], crates: &[String]) -> Vec<ManifestHit> {
    let mut hits = Vec::new();
    let mut table = Table::Other;
    // In a `[dependencies]` table: the package whose value we are in (multi-line arrays keep it).
    let mut current: Option<String> = None;
    let mut offset = 0;
    for raw in src.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = without_comment(raw);
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            table = match dependency_table(trimmed) {
                Some(None) => Table::Dependencies,
                Some(Some(name)) => Table::Dependency(name),
                None if trimmed.trim_end() == "[features]" => Table::Features,
                None => Table::Other,
            };
            current = None;
            continue;
        }
        let mut find = |package: &str, needle: &str| {
            if let Some(i) = line.find(needle) {
                let at = start + i;
                hits.push(ManifestHit { package: package.to_string(), bytes: at..at + needle.len() });
            }
        };
        match &table {
            Table::Other => {}
            Table::Features => {
                for (krate, feature) in features {
                    find(krate, &format!("\"{krate}/{feature}\""));
                    find(krate, &format!("\"{krate}?/{feature}\""));
                }
            }
            Table::Dependency(name) => {
                for (_, feature) in features.iter().filter(|(c, _)| c == name) {
                    find(name, &format!("\"{feature}\""));
                }
            }
            Table::Dependencies => {
                let key = line.split_once('=').map(|(k, _)| k.trim().trim_matches('"'));
                if let Some(key) = key.filter(|k| !k.is_empty() && !k.contains([' ', '[', '"', ','])) {
                    let renamed = line.split("package").nth(1).and_then(|rest| rest.split('"').nth(1));
                    let package = renamed.unwrap_or(key).to_string();
                    if crates.contains(&package) {
                        find(&package, key);
                    }
                    current = Some(package);
                }
                if let Some(package) = &current {
                    for (_, feature) in features.iter().filter(|(c, _)| c == package) {
                        find(package, &format!("\"{feature}\""));
                    }
                }
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<(String, usize)> {
        let features = vec![("rustls".to_string(), "dangerous_configuration".to_string())];
        let crates = vec!["rustls-dangerous".to_string()];
        scan(src, &features, &crates)
            .into_iter()
            .map(|h| {
                (
                    h.package,
                    src[..h.bytes.start].lines().count().max(1) + usize::from(src[..h.bytes.start].ends_with('\n')),
                )
            })
            .collect()
    }

    #[test]
    fn finds_features_in_every_table_form() {
        let src = "[package]\nname = \"x\"\n\n[dependencies]\nrustls = { version = \"0.21\", features = [\"dangerous_configuration\"] }\nserde = \"1\"\n\n[dependencies.rustls]\nversion = \"0.21\"\nfeatures = [\n  \"logging\",\n  \"dangerous_configuration\",\n]\n\n[target.'cfg(unix)'.dev-dependencies]\ninsecure = { package = \"rustls-dangerous\", version = \"0.1\" }\n";
        assert_eq!(lines(src), [("rustls".into(), 5), ("rustls".into(), 12), ("rustls-dangerous".into(), 16)]);
    }

    #[test]
    fn ignores_comments_other_crates_and_other_tables() {
        let src = "[dependencies]\n# rustls = { features = [\"dangerous_configuration\"] }\nother = { features = [\"dangerous_configuration\"] }\n\n[package.metadata.x]\nrustls = [\"dangerous_configuration\"]\n";
        assert!(lines(src).is_empty());
    }

    #[test]
    fn finds_features_turned_on_through_the_features_table() {
        let src = "[features]\ninsecure = [\"rustls/dangerous_configuration\"]\n";
        assert_eq!(lines(src), [("rustls".into(), 2)]);
    }

    #[test]
    fn package_name_is_read_from_the_package_table_only() {
        let src = "[workspace]\nname = \"no\"\n[package] # the crate\nname = \"mcp-gateway\" # ours\n[dependencies]\nname = \"no\"\n";
        assert_eq!(package_name(src).as_deref(), Some("mcp-gateway"));
        assert_eq!(package_name("[workspace]\nmembers = [\"crates/*\"]\n"), None);
        assert_eq!(lib_name("[package]\nname = \"mcp-tls\"\n[lib]\nname = \"mtls\"\n").as_deref(), Some("mtls"));
        assert_eq!(lib_name(src), None);
    }
}
