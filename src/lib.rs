//! mcp-tls-audit: finds TLS and mutual-TLS mistakes in MCP servers and clients.
//!
//! The binary is a thin wrapper around [`run`]; everything else is here so tests can drive it in process.
pub mod baseline;
mod budget;
pub mod cli;
pub mod config;
pub mod engine;
pub mod finding;
#[doc(hidden)]
pub mod fuzz;
pub mod grade;
pub mod lang;
pub mod mock;
pub mod output;
pub mod probe;
pub mod rule;
pub mod suppress;
pub mod walk;

use clap::Parser;
use cli::{Cli, ColorChoice, Command, ListFormat, MockArgs, ProbeArgs, ScanArgs};
use finding::Severity;
use rule::RuleSet;
use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use walk::Level;

/// Exit code: no finding at or above `--fail-on`.
pub const EXIT_CLEAN: i32 = 0;
/// Exit code: at least one finding at or above `--fail-on`.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: a usage, rule, config or I/O error stopped the run.
pub const EXIT_ERROR: i32 = 2;

/// An error that stops the run with [`EXIT_ERROR`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule file is broken.
    #[error(transparent)]
    Rule(#[from] rule::RuleError),
    /// Something the user asked for does not exist or cannot be done.
    #[error("{0}")]
    Usage(String),
    /// Writing the report failed.
    #[error("{path}: {source}")]
    Io {
        /// What was being written.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
}

/// Runs the CLI with `args` (including the program name) and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_CLEAN };
            let text = e.render().to_string();
            let _ = if e.use_stderr() { stderr.write_all(text.as_bytes()) } else { stdout.write_all(text.as_bytes()) };
            return code;
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan(&args, stdout, stderr),
        Command::Rules(args) => RuleSet::load(&args.dirs)
            .map_err(Error::from)
            .and_then(|rules| write_stdout(stdout, &list_rules(&rules, args.format)).map(|_| EXIT_CLEAN)),
        Command::Explain(args) if args.rule == "grading" => write_stdout(stdout, grade::DOC).map(|_| EXIT_CLEAN),
        Command::Explain(args) => RuleSet::load(&args.dirs).map_err(Error::from).and_then(|rules| {
            let rule = rules.get(&args.rule).ok_or_else(|| {
                Error::Usage(format!(
                    "unknown rule `{}`; `mcp-tls-audit rules` lists them (and `explain grading` the grade)",
                    args.rule
                ))
            })?;
            write_stdout(stdout, &rule.explain()).map(|_| EXIT_CLEAN)
        }),
        Command::Probe(args) => probe(&args, stdout),
        Command::MockServer(args) => mock_server(&args, stdout),
        Command::Schema { kind } => {
            let schema = match kind {
                cli::SchemaKind::Rule => schemars::schema_for!(rule::model::RuleFile),
                cli::SchemaKind::Config => schemars::schema_for!(config::Config),
            };
            let text = serde_json::to_string_pretty(&schema).expect("schemas serialise") + "\n";
            write_stdout(stdout, &text).map(|_| EXIT_CLEAN)
        }
    };
    match result {
        Ok(code) => code,
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => EXIT_CLEAN,
        Err(e) => {
            let _ = writeln!(stderr, "error: {e}");
            EXIT_ERROR
        }
    }
}

fn write_stdout(stdout: &mut dyn Write, text: &str) -> Result<(), Error> {
    stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
        .map_err(|source| Error::Io { path: "<stdout>".into(), source })
}

fn scan(args: &ScanArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<i32, Error> {
    let mut rules = RuleSet::load(&args.rules.dirs)?;
    if args.input.no_prefilter {
        rules.disable_prefilter();
    }
    for id in &args.rules.select {
        if rules.get(id).is_none() {
            return Err(Error::Usage(format!("--select: unknown rule `{id}`; `mcp-tls-audit rules` lists them")));
        }
    }
    for p in &args.paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(Error::Usage(format!("{}: no such file or directory", p.display())));
        }
    }
    let known = |id: &str| rules.get(id).is_some();
    let config = match (&args.rules.config, args.rules.no_config) {
        (_, true) => config::Loaded::default(),
        (Some(path), false) => config::load(path, &known).map_err(Error::Usage)?,
        (None, false) => match args.paths.first().and_then(|p| config::discover(p)) {
            Some(path) => config::load(&path, &known).map_err(Error::Usage)?,
            None => config::Loaded::default(),
        },
    };
    let disabled = &config.config.disable;
    let select: Option<Vec<String>> = match (args.rules.select.is_empty(), disabled.is_empty()) {
        (true, true) => None,
        (false, _) => Some(args.rules.select.iter().filter(|id| !disabled.contains(id)).cloned().collect()),
        (true, false) => {
            Some(rules.rules.iter().map(|r| r.meta.id.clone()).filter(|id| !disabled.contains(id)).collect())
        }
    };
    let min_days =
        args.rules.min_days.or(config.config.rules.cert_expiring_soon.as_ref().map(|o| o.min_days)).unwrap_or(30);
    let opts = engine::ScanOptions {
        walk: walk::WalkOptions {
            include_vendored: args.input.include_vendored,
            follow_links: args.input.follow,
            threads: args.input.threads,
        },
        max_file_size: args.input.max_file_size,
        select,
        test_code: args.rules.test_code,
        cert: engine::CertOptions {
            now: args.rules.now.unwrap_or_else(|| engine::CertOptions::default().now),
            min_days,
        },
        exclude: config.ignore.clone(),
        progress: !args.output.quiet && io::stderr().is_terminal(),
        single_file: args.input.single_file,
    };
    let mut report = engine::scan(&rules, &args.paths, &opts);
    for f in &mut report.findings {
        f.severity = config.severity(&f.rule, f.severity);
    }
    let (min_severity, min_confidence) = (Severity::from(args.rules.min_severity), args.rules.min_confidence.into());
    report.findings.retain(|f| f.severity >= min_severity && f.confidence >= min_confidence);
    if let Some(path) = &args.output.write_baseline {
        std::fs::write(path, baseline::render(&report.findings))
            .map_err(|source| Error::Io { path: path.display().to_string(), source })?;
    }
    // The grade judges the project as it is; the baseline only decides what is new.
    let graded = report.findings.clone();
    if let Some(path) = &args.output.baseline {
        let known = baseline::load(path).map_err(Error::Usage)?;
        report.baseline = Some(baseline::apply(&mut report.findings, known));
    }
    let (runtime, confirmed) = match &args.output.probe_report {
        Some(path) => probe_findings(path)?,
        None => (Vec::new(), Default::default()),
    };
    report.grade = Some(grade::grade(&graded, &runtime, &confirmed));
    let out = &args.output;
    for m in &report.messages {
        let show = match m.level {
            Level::Warning => true,
            Level::Note => !out.quiet,
            Level::Verbose => out.verbose,
        };
        if show {
            let label = if m.level == Level::Warning { "warning" } else { "note" };
            let _ = writeln!(stderr, "{label}: {}: {}", m.path, m.message);
        }
    }
    let color = match out.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            out.output.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && io::stdout().is_terminal()
        }
    };
    let text = output::render(out.format, &report, &rules, color, &out.sarif_category);
    match &out.output {
        Some(path) => {
            std::fs::write(path, text).map_err(|source| Error::Io { path: path.display().to_string(), source })?
        }
        None => write_stdout(stdout, &text)?,
    }
    // Extra reports from the same run (CI wants annotations on stdout and SARIF and JSON files at once).
    for (path, format) in [(&out.sarif_output, output::Format::Sarif), (&out.json_output, output::Format::Json)] {
        if let Some(path) = path {
            let text = output::render(format, &report, &rules, false, &out.sarif_category);
            std::fs::write(path, text).map_err(|source| Error::Io { path: path.display().to_string(), source })?;
        }
    }
    let summary_file = out.summary.clone().or_else(|| {
        (out.format == output::Format::Github)
            .then(|| std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty()).map(std::path::PathBuf::from))
            .flatten()
    });
    if let Some(path) = summary_file {
        use std::io::Write as _;
        let text = output::github::summary(&report, "mcp-tls-audit");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|source| Error::Io { path: path.display().to_string(), source })?;
    }
    let threshold = Severity::from(out.fail_on.or(config.config.fail_on).unwrap_or(cli::SeverityArg::Low));
    Ok(if report.findings.iter().any(|f| f.severity >= threshold) { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// The findings of a saved `probe --format json` report, and the rules they confirm.
fn probe_findings(
    path: &std::path::Path,
) -> Result<(Vec<finding::Finding>, std::collections::BTreeSet<String>), Error> {
    let bad = |what: &str| Error::Usage(format!("{}: not a `probe --format json` report ({what})", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    if doc["checks"].as_array().is_none() {
        return Err(bad("no `checks`"));
    }
    let parse = |v: &serde_json::Value| -> Option<finding::Finding> {
        let position = finding::Position { line: v["start"]["line"].as_u64()? as usize, column: 1 };
        Some(finding::Finding {
            rule: v["rule"].as_str()?.to_string(),
            severity: serde_json::from_value(v["severity"].clone()).ok()?,
            confidence: serde_json::from_value(v["confidence"].clone()).ok()?,
            message: v["message"].as_str()?.to_string(),
            help: v["help"].as_str().unwrap_or_default().to_string(),
            location: finding::Location {
                path: v["path"].as_str()?.to_string(),
                rel_path: v["path"].as_str()?.to_string(),
                start: position,
                end: position,
                bytes: 0..0,
            },
            test_code: false,
            certificate: None,
            fingerprint: v["fingerprint"].as_str().unwrap_or_default().to_string(),
            related: Vec::new(),
        })
    };
    let findings = doc["findings"]
        .as_array()
        .ok_or_else(|| bad("no `findings`"))?
        .iter()
        .map(|v| parse(v).ok_or_else(|| bad("a finding without rule, severity, confidence, message or path")))
        .collect::<Result<Vec<_>, _>>()?;
    let confirmed = findings.iter().map(|f| f.rule.clone()).collect();
    Ok((findings, confirmed))
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))
}

fn probe(args: &ProbeArgs, stdout: &mut dyn Write) -> Result<i32, Error> {
    let rules = RuleSet::load(&[] as &[&str])?;
    if !(args.timeout > 0.0 && args.timeout <= 600.0) {
        return Err(Error::Usage("--timeout: give a number of seconds between 0 and 600".into()));
    }
    let opts = probe::ProbeOptions {
        url: args.url.clone(),
        ca: args.ca.clone(),
        cert: args.cert.clone(),
        key: args.key.clone(),
        ca_key: args.ca_key.clone(),
        min_days: args.min_days,
        timeout: std::time::Duration::from_secs_f64(args.timeout),
        now: engine::CertOptions::default().now,
        rotate: match args.rotate.as_slice() {
            [cert, key] => Some((cert.clone(), key.clone())),
            [] => None,
            _ => return Err(Error::Usage("--rotate: give the certificate and key files as CERT_FILE,KEY_FILE".into())),
        },
        rotate_wait: std::time::Duration::from_secs_f64(args.rotate_wait.clamp(0.0, 600.0)),
    };
    let report = runtime()?.block_on(probe::probe(&opts)).map_err(Error::Usage)?;
    let text = output::probe::render(args.format, &report, &rules);
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).map_err(|source| Error::Io { path: path.display().to_string(), source })?
        }
        None => write_stdout(stdout, &text)?,
    }
    let reachable = report.checks.first().is_some_and(|c| c.status == probe::Status::Pass);
    let threshold = Severity::from(args.fail_on);
    Ok(if !reachable {
        EXIT_ERROR
    } else if report.findings(&rules).iter().any(|f| f.severity >= threshold) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn mock_server(args: &MockArgs, stdout: &mut dyn Write) -> Result<i32, Error> {
    let opts = mock::MockOptions {
        profile: args.profile,
        certs: args.certs.clone(),
        listen: args.listen,
        allow_ids: args.allow_ids.clone(),
        legacy_only: args.legacy_only,
        server_profile: args.server_profile,
    };
    runtime()?.block_on(async {
        let mut announced = Ok(());
        let serve = mock::serve(opts, |addr| {
            announced = writeln!(stdout, "https://{addr}/mcp").and_then(|_| stdout.flush());
        });
        let result = tokio::select! {
            r = serve => r.map_err(Error::Usage),
            () = shutdown_signal() => Ok(()),
        };
        announced.map_err(|source| Error::Io { path: "<stdout>".into(), source })?;
        result.map(|_| EXIT_CLEAN)
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

fn list_rules(rules: &RuleSet, format: ListFormat) -> String {
    match format {
        ListFormat::Json => {
            let list: Vec<_> = rules
                .rules
                .iter()
                .map(|r| {
                    let m = &r.meta;
                    serde_json::json!({
                        "id": m.id, "title": m.title, "severity": m.severity, "confidence": m.confidence,
                        "scope": format!("{:?}", m.scope).to_lowercase(),
                        "languages": m.languages.iter().map(|l| format!("{l:?}").to_lowercase()).collect::<Vec<_>>(),
                        "cwe": m.cwe, "origin": r.origin,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list).expect("JSON values serialise") + "\n"
        }
        ListFormat::Text => {
            let width = rules.rules.iter().map(|r| r.meta.id.len()).max().unwrap_or(2);
            let mut s = format!("{:width$}  {:8}  {:10}  {:7}  TITLE\n", "ID", "SEVERITY", "CONFIDENCE", "SCOPE");
            for r in &rules.rules {
                let m = &r.meta;
                let scope = format!("{:?}", m.scope).to_lowercase();
                s.push_str(&format!(
                    "{:width$}  {:8}  {:10}  {:7}  {}\n",
                    m.id,
                    m.severity.as_str(),
                    m.confidence.as_str(),
                    scope,
                    m.title
                ));
            }
            s
        }
    }
}
