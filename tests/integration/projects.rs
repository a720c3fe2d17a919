//! `fixtures/projects/<name>/`: multi-file projects whose TLS setup crosses module boundaries (options imported,
//! re-exported, returned by functions, passed through wrapper functions). Each is scanned as a project with every
//! rule; the findings must be exactly the lines marked `expect: <rule-id>` (see each project's EXPECTED.md).
use crate::support::{files_below, root, run};
use std::collections::BTreeSet;

/// The projects whose every expectation the scanner meets today.
const CROSS_FILE: &[&str] = &["express-gateway", "fastify-hub", "monorepo-shared-tls"];

type Found = BTreeSet<(String, usize, String)>;

fn marked(dir: &std::path::Path) -> Found {
    let marker = regex::Regex::new(r"expect: ([a-z0-9-]+)").unwrap();
    let mut out = BTreeSet::new();
    for file in files_below(dir) {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let rel = file.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            for m in marker.captures_iter(line) {
                out.insert((rel.clone(), i + 1, m[1].to_string()));
            }
        }
    }
    out
}

fn scan(dir: &std::path::Path) -> serde_json::Value {
    let out = run(["scan".as_ref(), dir.as_os_str(), "--no-config".as_ref(), "--format".as_ref(), "json".as_ref()]);
    assert_ne!(out.code, 2, "{}: {}", dir.display(), out.stderr);
    assert!(!out.stderr.contains("warning:"), "{}: {}", dir.display(), out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn found(dir: &std::path::Path, report: &serde_json::Value) -> Found {
    let prefix = format!("{}/", dir.display());
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let rel = path.strip_prefix(&prefix).unwrap_or(path).to_string();
            (rel, f["start"]["line"].as_u64().unwrap() as usize, f["rule"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn cross_file_projects_report_exactly_their_marked_lines() {
    for name in CROSS_FILE {
        let dir = root().join("fixtures/projects").join(name);
        let want = marked(&dir);
        assert!(!want.is_empty(), "{name}: no expect markers");
        assert_eq!(found(&dir, &scan(&dir)), want, "{name}");
    }
}

#[test]
fn findings_that_cross_a_module_boundary_say_where() {
    let dir = root().join("fixtures/projects/express-gateway");
    let report = scan(&dir);
    let findings = report["findings"].as_array().unwrap();
    let related = |rule: &str| -> Vec<String> {
        let f = findings.iter().find(|f| f["rule"] == rule).unwrap_or_else(|| panic!("no {rule} finding"));
        f["related"].as_array().map_or(Vec::new(), |r| {
            r.iter().map(|l| format!("{}:{}", l["path"].as_str().unwrap(), l["start"]["line"])).collect()
        })
    };
    let at = |rel: &str, line: usize| format!("{}/{rel}:{line}", dir.display());
    // Through the wrapper: its sink, and the default options it spreads.
    let wrapper = related("client-cert-not-enforced");
    assert!(wrapper.contains(&at("src/tls/server.ts", 9)), "{wrapper:?}");
    assert!(wrapper.contains(&at("src/tls/options.ts", 15)), "{wrapper:?}");
    // Through `export *`: the constant's declaration.
    assert_eq!(related("client-cert-not-requested"), [at("src/tls/options.ts", 8)]);
    // Text output shows the same steps.
    let out = run(["scan".as_ref(), dir.as_os_str(), "--no-config".as_ref()]);
    assert!(out.stdout.contains(&format!("via {}:8:", dir.join("src/tls/options.ts").display())), "{}", out.stdout);
}
