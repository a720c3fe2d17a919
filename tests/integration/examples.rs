//! Every `examples.bad` snippet fires its rule and every `examples.good` snippet does not.
use mcp_tls_audit::engine::scan_source;
use mcp_tls_audit::lang::Grammar;
use mcp_tls_audit::rule::RuleSet;

#[test]
fn rule_examples_fire_and_stay_quiet_as_documented() {
    let rules = RuleSet::load(&[] as &[&str]).unwrap();
    let mut failures = Vec::new();
    for rule in &rules.rules {
        let id = &rule.meta.id;
        let select = [id.clone()];
        let mut sections = Vec::new();
        if let Some(examples) = &rule.meta.examples {
            sections.push(("", "example.ts", Grammar::Typescript, examples));
        }
        if let Some(rust) = &rule.meta.rust {
            sections.push(("rust.", "example.rs", Grammar::Rust, &rust.examples));
        }
        if let Some(cargo) = &rule.meta.cargo {
            sections.push(("cargo.", "Cargo.toml", Grammar::CargoManifest, &cargo.examples));
        }
        for (prefix, path, grammar, examples) in sections {
            for (i, bad) in examples.bad.iter().enumerate() {
                if scan_source(&rules, Some(&select), path, grammar, bad).is_empty() {
                    failures.push(format!("{id}: {prefix}examples.bad[{i}] does not fire:\n{bad}"));
                }
            }
            for (i, good) in examples.good.iter().enumerate() {
                let found = scan_source(&rules, Some(&select), path, grammar, good);
                if let Some(f) = found.first() {
                    failures.push(format!(
                        "{id}: {prefix}examples.good[{i}] fires at line {}:\n{good}",
                        f.location.start.line
                    ));
                }
            }
        }
    }
    for rule in &rules.rules {
        let Some(config) = &rule.meta.config else { continue };
        let select = [rule.meta.id.clone()];
        for (kind, files, must_fire) in [("bad", &config.examples.bad, true), ("good", &config.examples.good, false)] {
            for f in files {
                let grammar = Grammar::for_path(std::path::Path::new(&f.file)).expect("checked at load");
                let fired = !scan_source(&rules, Some(&select), &f.file, grammar, &f.text).is_empty();
                if fired != must_fire {
                    failures.push(format!(
                        "{}: config.examples.{kind} `{}` fired: {fired}\n{}",
                        rule.meta.id, f.file, f.text
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn certificate_examples_fire_and_stay_quiet_as_documented() {
    let mut failures = Vec::new();
    let rules = RuleSet::load(&[] as &[&str]).unwrap();
    for rule in &rules.rules {
        let Some(section) = &rule.meta.certificate else { continue };
        let id = &rule.meta.id;
        for (kind, specs, must_fire) in [("bad", &section.examples.bad, true), ("good", &section.examples.good, false)]
        {
            for (i, spec) in specs.iter().enumerate() {
                let dir = tempfile::tempdir().unwrap();
                let path = crate::mint::write(dir.path(), spec);
                let out = crate::support::run([
                    "scan".as_ref(),
                    path.as_os_str(),
                    "--select".as_ref(),
                    id.as_ref(),
                    "--now".as_ref(),
                    crate::mint::NOW.as_ref(),
                    "--format".as_ref(),
                    "json".as_ref(),
                ] as [&std::ffi::OsStr; 8]);
                let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
                let fired = !doc["findings"].as_array().unwrap().is_empty();
                if fired != must_fire || !out.stderr.is_empty() {
                    failures.push(format!(
                        "{id}: certificate.examples.{kind}[{i}] fired: {fired}; stderr: {}\n{}",
                        out.stderr,
                        yaml_serde::to_string(spec).unwrap()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn built_in_rules_document_the_fixed_headings() {
    let rules = RuleSet::load(&[] as &[&str]).unwrap();
    assert!(rules.rules.len() >= 10);
    for rule in &rules.rules {
        for heading in ["## What it does", "## Why is this bad?", "## Example", "## Fix"] {
            assert!(rule.meta.docs.contains(heading), "{}: docs lack `{heading}`", rule.origin);
        }
        assert!(!rule.meta.cwe.is_empty(), "{}: no CWE", rule.origin);
        if rule.meta.languages.is_empty() {
            // Probe-only rules are exercised against live servers (tests/integration/probe.rs).
            assert!(rule.meta.probe.is_some(), "{}", rule.origin);
            continue;
        }
        let (bad, good) = match (&rule.meta.examples, &rule.meta.certificate) {
            (Some(e), _) => (e.bad.len(), e.good.len()),
            (None, Some(c)) => (c.examples.bad.len(), c.examples.good.len()),
            (None, None) => (0, 0),
        };
        assert!(bad >= 2 && good >= 2, "{}: needs two bad and two good examples", rule.origin);
    }
}

#[test]
fn rule_schema_is_up_to_date() {
    for (kind, file) in [("rule", "schemas/rule.schema.json"), ("config", "schemas/config.schema.json")] {
        let out = crate::support::run(["schema", kind]);
        let path = crate::support::root().join(file);
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &out.stdout).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(checked_in == out.stdout, "{file} is stale: run `UPDATE_SCHEMA=1 cargo test rule_schema`");
    }
}
