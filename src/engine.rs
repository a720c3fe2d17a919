//! Parses each file once, runs every applicable rule on it, then decides project-scope rules.
use crate::budget::{Budget, PARSE_BUDGET};
use crate::finding::{Finding, Location, Position};
use crate::lang::Grammar;
use crate::lang::cert::{CheckContext, CryptoKind, What};
use crate::lang::js::JsFile;
use crate::lang::js::project::{Imports, Project};
use crate::lang::rust::modules::RustModules;
use crate::rule::matcher::Cx;
use crate::rule::model::{Role, Scope};
use crate::rule::rust::Subject;
use crate::rule::{Rule, RuleSet};
use crate::walk::{self, Level, Message, SourceFile, WalkOptions};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tree_sitter::{Node, Parser, QueryCursor};

/// Files above this many bytes whose average line is longer than [`MINIFIED_LINE`] look minified.
const MINIFIED_MIN_BYTES: usize = 16 * 1024;
/// Average line length (bytes) above which a large file looks minified.
const MINIFIED_LINE: usize = 500;
/// Stack size of analysis threads.
const WORKER_STACK: usize = 64 * 1024 * 1024;

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// How to walk.
    pub walk: WalkOptions,
    /// Files larger than this are skipped with a note.
    pub max_file_size: u64,
    /// Run only these rule ids (all when `None`).
    pub select: Option<Vec<String>>,
    /// How findings in test-only code are reported.
    pub test_code: TestCodePolicy,
    /// The date and margin certificates are judged against.
    pub cert: CertOptions,
    /// Paths the configuration's `ignore` excludes.
    pub exclude: Option<ignore::gitignore::Gitignore>,
    /// Draw a progress line on stderr (only when it is a terminal).
    pub progress: bool,
    /// Judge each file on its own: follow no import or module path into another file (`--single-file`).
    pub single_file: bool,
}

/// The date certificates are judged against, and how early an expiry is reported.
#[derive(Debug, Clone, Copy)]
pub struct CertOptions {
    /// The scan's date, Unix seconds (`--now`; the clock by default).
    pub now: i64,
    /// Certificates expiring within this many days are reported (`--min-days`).
    pub min_days: u32,
}

impl Default for CertOptions {
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Self { now, min_days: 30 }
    }
}

/// How findings in test-only code are reported. They are never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TestCodePolicy {
    /// One step lower confidence.
    #[default]
    Lower,
    /// As in production code.
    Keep,
}

/// Everything a scan found.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// Findings sorted by path, position and rule.
    pub findings: Vec<Finding>,
    /// Warnings and notes about files.
    pub messages: Vec<Message>,
    /// Files read and checked.
    pub files_scanned: usize,
    /// Files whose syntax tree was built: JS/TS and Rust files that hold a rule's trigger word.
    pub files_parsed: usize,
    /// The text of each file with findings, for snippets.
    pub sources: BTreeMap<String, Arc<str>>,
    /// The grade, once the caller has computed it (see [`crate::grade`]).
    pub grade: Option<crate::grade::Grade>,
    /// Findings silenced by `mcp-tls-audit: ignore[..]` comments, with their reasons.
    pub suppressed: Vec<Suppressed>,
    /// What `--baseline` hid, when one was given.
    pub baseline: Option<crate::baseline::Stats>,
}

/// A finding an inline comment silenced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Suppressed {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The comment's reason, when it gives one.
    pub reason: Option<String>,
}

/// A finding before project-scope rules are decided.
struct Pending {
    rule: usize,
    finding: Finding,
}

/// What one file contributed.
#[derive(Default)]
struct FileOutcome {
    pending: Vec<Pending>,
    /// (rule index, absent index) pairs that matched somewhere in the file.
    absent_hits: HashSet<(usize, usize)>,
    messages: Vec<Message>,
    source: Option<Arc<str>>,
    scanned: bool,
    parsed: bool,
    /// Project modules a value was looked up in: the file is analysed again once they are summarised.
    imports: Vec<usize>,
    /// The project modules it imports (any `import`, `export … from` or `require()` that resolves).
    module_deps: Vec<usize>,
    /// Object literals of other modules (file, start byte) its TLS endpoints use, by role.
    foreign_uses: Vec<(Role, (usize, usize))>,
    /// Its Rust method calls on what functions of other modules return.
    continued: Vec<crate::lang::rust::Continuation>,
    /// Ignore comments, and the file they are in (for messages about them).
    directives: Vec<crate::suppress::Directive>,
    path: PathBuf,
}

/// Syntax-tree depth below which queries find nothing. Query cursors slow down superlinearly with depth (a
/// call nested 40,000 deep takes seconds); ordinary code, even minified, stays far above this limit.
const MAX_QUERY_DEPTH: u32 = 1_000;

/// Scans each root as a project of its own.
pub fn scan(rules: &RuleSet, roots: &[PathBuf], opts: &ScanOptions) -> ScanReport {
    let active = active_rules(rules, opts.select.as_deref());
    let mut report = ScanReport::default();
    for root in roots {
        let (mut files, messages) = walk::walk(root, &opts.walk);
        if let Some(gi) = &opts.exclude {
            files.retain(|f| !crate::config::ignored(gi, &f.path));
        }
        report.messages.extend(messages);
        let all: Vec<usize> = (0..files.len()).collect();
        let outcomes = if opts.single_file {
            analyse_parallel(rules, &active, &files, &all, opts, None, &[])
        } else {
            let (mut project, problems) = Project::new(&files);
            report.messages.extend(problems);
            let mut outcomes = analyse_parallel(rules, &active, &files, &all, opts, Some(&project), &[]);
            if let Some(note) = follow_imports(rules, &active, &files, opts, &mut project, &mut outcomes) {
                report.messages.push(Message::new(Level::Verbose, root, note));
            }
            outcomes
        };
        collect(rules, &active, outcomes, &mut report);
    }
    if opts.test_code == TestCodePolicy::Lower {
        for f in report.findings.iter_mut().filter(|f| f.test_code) {
            f.confidence = f.confidence.lowered();
        }
    }
    report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.findings.dedup();
    report.suppressed.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
    for f in &mut report.findings {
        // The finding's first line. A DER file has none: its certificate's subject and serial stand in (not the
        // message, which counts the days to expiry and so changes daily), else the message naming the key.
        let line = report.sources.get(&f.location.path).and_then(|src| src.lines().nth(f.location.start.line - 1));
        let identity = match (line, &f.certificate) {
            (Some(line), _) => line.to_string(),
            (None, Some(c)) => format!("{} {}", c.subject, c.serial),
            (None, None) => f.message.clone(),
        };
        f.fingerprint = crate::finding::fingerprint(&f.rule, &f.location.path, &identity);
    }
    report.messages.sort();
    report
}

/// The passes after the first, for files that took values from other project modules (see `lang::js::project`):
/// summarise the modules they used, look at those files again, then at the files whose object literals turned out
/// to be another module's TLS options. Returns a note on what it did, if anything.
fn follow_imports(
    rules: &RuleSet,
    active: &[usize],
    files: &[SourceFile],
    opts: &ScanOptions,
    project: &mut Project,
    outcomes: &mut [FileOutcome],
) -> Option<String> {
    // Files the prefilter skipped that import, directly or through re-exports, a module it let through: their TLS
    // options may all come from there (`https.createServer(makeTlsOptions())`). They are parsed after all.
    let (skipped, skipped_imports) = skipped_importers(files, project, outcomes);
    let again_at = |which: &[usize], project: &Project, outcomes: &mut [FileOutcome]| {
        for (&i, outcome) in
            which.iter().zip(analyse_parallel(rules, active, files, which, opts, Some(project), &skipped))
        {
            outcomes[i] = outcome;
        }
    };
    again_at(&skipped, project, outcomes);
    // Files that looked values up in other modules, and files with findings that an `absent` condition met in a
    // module they import could still clear.
    let again: Vec<usize> = (0..files.len())
        .filter(|&i| {
            let o = &outcomes[i];
            !o.imports.is_empty() || (!o.module_deps.is_empty() && !o.pending.is_empty())
        })
        .collect();
    if again.is_empty() {
        return None;
    }
    let consulted: Vec<usize> = again.iter().flat_map(|&i| outcomes[i].imports.iter().copied()).collect();
    project.summarise_imports(files, &consulted);
    for (i, o) in outcomes.iter().enumerate().filter(|(_, o)| !o.absent_hits.is_empty()) {
        project.absent_hits.insert(i, o.absent_hits.clone());
    }
    // What each module imports: known for those summarised or parsed; for those the prefilter skipped (an
    // `index.ts` of `export * from` lines, say), found in their string literals.
    let reaches: Vec<(usize, Vec<usize>)> = again
        .iter()
        .map(|&i| {
            let imported = outcomes[i].imports.iter().chain(&outcomes[i].module_deps).copied();
            let reach = project.reach_of(i, imported, |m| match &outcomes[m] {
                o if o.parsed => o.module_deps.clone(),
                _ => skipped_imports.get(&m).cloned().unwrap_or_default(),
            });
            (i, reach)
        })
        .collect();
    project.reach.extend(reaches);
    again_at(&again, project, outcomes);
    // Options objects whose TLS endpoint is in another module, and Rust builders another module goes on
    // configuring: their files are judged again, knowing it.
    for (role, home) in again.iter().flat_map(|&i| outcomes[i].foreign_uses.iter().copied()) {
        project.roles[role as usize].insert(home);
    }
    for c in again.iter().flat_map(|&i| std::mem::take(&mut outcomes[i].continued)) {
        project.rust.continued.entry(c.file).or_default().push(c);
    }
    let mut owners: Vec<usize> = project.roles.iter().flatten().map(|(file, _)| *file).collect();
    owners.extend(project.rust.continued.keys());
    owners.sort_unstable();
    owners.dedup();
    again_at(&owners, project, outcomes);
    Some(format!(
        "{} files take TLS values from other modules: summarised {} modules, then looked again at those files and at \
         {} whose options or builders other modules use",
        again.len(),
        project.exports.len() + project.rust.summaries.len(),
        owners.len()
    ))
}

/// The project's JS/TS files that the prefilter skipped and that import a parsed module, directly or through
/// other skipped modules (an `index.ts` of `export * from` lines, say). Import specifiers are found as string
/// literals, without parsing.
/// Also returns what each of the skipped files imports.
fn skipped_importers(
    files: &[SourceFile],
    project: &Project,
    outcomes: &[FileOutcome],
) -> (Vec<usize>, HashMap<usize, Vec<usize>>) {
    let skipped: HashMap<usize, Vec<usize>> = (0..files.len())
        .filter(|&i| {
            outcomes[i].scanned
                && !outcomes[i].parsed
                && project.map.knows(&files[i].rel)
                && !is_declaration_file(&files[i].rel)
        })
        .filter_map(|i| {
            let src = crate::walk::read_source(&files[i].path).ok()?;
            Some((i, project.map.literal_imports(&files[i].rel, &src)))
        })
        .collect();
    let mut relevant: HashSet<usize> = (0..files.len()).filter(|&i| outcomes[i].parsed).collect();
    let mut found = Vec::new();
    loop {
        let more: Vec<usize> = skipped
            .iter()
            .filter(|(i, targets)| !relevant.contains(i) && targets.iter().any(|t| relevant.contains(t)))
            .map(|(i, _)| *i)
            .collect();
        if more.is_empty() {
            break;
        }
        relevant.extend(&more);
        found.extend(more);
    }
    found.sort_unstable();
    (found, skipped)
}

/// Scans in-memory bytes as the file `path` (whose name picks the front end), exactly as a scan of that file on
/// disk would, binary and encoding checks included: for fuzzing. Returns no findings for a name no front end reads.
pub fn scan_bytes(rules: &RuleSet, path: &str, bytes: Vec<u8>, opts: &ScanOptions) -> ScanReport {
    let mut report = ScanReport::default();
    let Some(grammar) = Grammar::for_path(Path::new(path)) else { return report };
    let active = active_rules(rules, None);
    let file = SourceFile { path: PathBuf::from(path), rel: path.to_string(), grammar };
    let mut outcome = FileOutcome::default();
    analyse_bytes(rules, &active, &file, bytes, opts, &mut Tools::default(), &mut outcome);
    collect(rules, &active, vec![outcome], &mut report);
    report
}

/// Scans one in-memory file as a project of its own (rule examples, editors, tests).
pub fn scan_source(
    rules: &RuleSet,
    select: Option<&[String]>,
    path: &str,
    grammar: Grammar,
    src: &str,
) -> Vec<Finding> {
    let active = active_rules(rules, select);
    let mut outcome = FileOutcome::default();
    let file = SourceFile { path: PathBuf::from(path), rel: path.to_string(), grammar };
    let cert = CertOptions::default();
    analyse_text(rules, &active, &file, src.into(), &cert, &mut Tools::default(), &mut outcome);
    let mut report = ScanReport::default();
    collect(rules, &active, vec![outcome], &mut report);
    report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.findings
}

fn active_rules(rules: &RuleSet, select: Option<&[String]>) -> Vec<usize> {
    (0..rules.rules.len())
        .filter(|&i| select.is_none_or(|s| s.iter().any(|id| *id == rules.rules[i].meta.id)))
        .collect()
}

fn collect(rules: &RuleSet, active: &[usize], outcomes: Vec<FileOutcome>, report: &mut ScanReport) {
    let project_hits: HashSet<(usize, usize)> = outcomes.iter().flat_map(|o| o.absent_hits.iter().copied()).collect();
    for o in outcomes {
        report.messages.extend(o.messages);
        report.files_scanned += usize::from(o.scanned);
        report.files_parsed += usize::from(o.parsed);
        let mut any = false;
        let mut used: HashSet<(usize, &str)> = HashSet::new();
        for p in o.pending {
            let rule = &rules.rules[p.rule];
            let hits = if rule.meta.scope == Scope::Project { &project_hits } else { &o.absent_hits };
            if (0..rule.absents.len()).any(|a| hits.contains(&(p.rule, a))) {
                continue;
            }
            let line = p.finding.location.start.line;
            if let Some(d) = o.directives.iter().position(|d| d.covers(&rule.meta.id, line)) {
                used.insert((d, rule.meta.id.as_str()));
                let reason = o.directives[d].reason.clone();
                report.suppressed.push(Suppressed { finding: p.finding, reason });
                continue;
            }
            any = true;
            report.findings.push(p.finding);
        }
        for (i, d) in o.directives.iter().enumerate() {
            for id in &d.rules {
                let text = match rules.get(id) {
                    None => format!("line {}: `mcp-tls-audit: ignore[{id}]` names no known rule", d.line),
                    Some(_) if !active.iter().any(|&a| rules.rules[a].meta.id == *id) => continue,
                    Some(_) if used.contains(&(i, id.as_str())) => continue,
                    Some(_) => format!("line {}: `mcp-tls-audit: ignore[{id}]` suppresses nothing", d.line),
                };
                report.messages.push(Message::new(Level::Warning, &o.path, text));
            }
        }
        if let (true, Some(src)) = (any, o.source)
            && let Some(f) = report.findings.last()
        {
            report.sources.insert(f.location.path.clone(), src);
        }
    }
}

/// What an analysis thread keeps between files, and the project view of the file at hand.
#[derive(Default)]
struct Tools<'p> {
    parser: Parser,
    cursor: QueryCursor,
    /// How this file's imports of other project modules resolve.
    imports: Option<Imports<'p>>,
    /// Parse the JS/TS file even when it holds no rule's trigger word.
    parse_all: bool,
}

/// Analyses `files[j]` for each `j` in `which`, in parallel; outcomes come back in `which`'s order. JS/TS files
/// in `parse_all` (sorted) are parsed whatever the prefilter says.
fn analyse_parallel(
    rules: &RuleSet,
    active: &[usize],
    files: &[SourceFile],
    which: &[usize],
    opts: &ScanOptions,
    project: Option<&Project>,
    parse_all: &[usize],
) -> Vec<FileOutcome> {
    let threads = match opts.walk.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(which.len().max(1));
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let budget = Budget::new(PARSE_BUDGET);
    let mut slots: Vec<(usize, FileOutcome)> = std::thread::scope(|s| {
        // Set when the workers are joined, even by a panic, so the progress line never outlives them.
        struct Stop<'a>(&'a std::sync::atomic::AtomicBool);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Relaxed);
            }
        }
        let _stop = Stop(&stop);
        if opts.progress {
            s.spawn(|| progress(&finished, which.len(), &stop));
        }
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                // Parsers recurse on nesting; a roomy stack keeps hostile input a message, not a crash.
                std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(s, || {
                    let mut tools = Tools::default();
                    let mut done = Vec::new();
                    let mut analyse = |i: usize, meta, _share| {
                        let mut outcome = FileOutcome::default();
                        let file = which[i];
                        tools.imports = project.map(|project| Imports::new(project, file));
                        tools.parse_all = parse_all.binary_search(&file).is_ok();
                        analyse_file(rules, active, &files[file], meta, opts, &mut tools, &mut outcome);
                        outcome.imports = tools.imports.take().map(|i| i.consulted.into_inner()).unwrap_or_default();
                        done.push((i, outcome));
                        finished.fetch_add(1, Ordering::Relaxed);
                    };
                    // Large files the budget has no room for yet wait until the shared list is done.
                    let mut later = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = which.get(i).map(|&j| &files[j]) else { break };
                        let meta = std::fs::metadata(&file.path);
                        let size = meta.as_ref().map_or(0, std::fs::Metadata::len);
                        match budget.try_take(size) {
                            Some(share) => analyse(i, meta, share),
                            None => later.push((i, meta, size)),
                        }
                    }
                    for (i, meta, size) in later {
                        analyse(i, meta, budget.take(size));
                    }
                    done
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .expect("the system can start analysis threads");
        workers.into_iter().flat_map(|w| w.join().expect("analysis thread does not panic")).collect()
    });
    slots.sort_by_key(|(i, _)| *i);
    slots.into_iter().map(|(_, o)| o).collect()
}

/// Redraws `scanned N/M files` on stderr every 100 ms until every file is done, then clears the line.
fn progress(finished: &AtomicUsize, total: usize, stop: &std::sync::atomic::AtomicBool) {
    use std::io::Write;
    let mut err = std::io::stderr();
    loop {
        let n = finished.load(Ordering::Relaxed);
        if n >= total || stop.load(Ordering::Relaxed) {
            let _ = write!(err, "\r\x1b[2K");
            return;
        }
        let _ = write!(err, "\r\x1b[2Kscanned {n}/{total} files");
        let _ = err.flush();
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Reads and analyses one file; `meta` is its metadata, read just before.
#[allow(clippy::too_many_arguments)]
fn analyse_file(
    rules: &RuleSet,
    active: &[usize],
    file: &SourceFile,
    meta: std::io::Result<std::fs::Metadata>,
    opts: &ScanOptions,
    tools: &mut Tools<'_>,
    out: &mut FileOutcome,
) {
    let path = &file.path;
    let note = |out: &mut FileOutcome, level, text: String| out.messages.push(Message::new(level, path, text));
    match meta {
        Ok(m) if m.len() > opts.max_file_size => {
            return note(
                out,
                Level::Note,
                format!(
                    "{} bytes is over the size limit of {} bytes; skipped (see --max-file-size)",
                    m.len(),
                    opts.max_file_size
                ),
            );
        }
        // Replaced by a FIFO or device since the walk: never open it.
        Ok(m) if !m.is_file() => {
            let kind = crate::walk::kind(m.file_type());
            return note(out, Level::Warning, format!("not a regular file ({kind}); skipped"));
        }
        Ok(_) => {}
        Err(e) => return note(out, Level::Warning, format!("cannot read: {e}")),
    }
    match std::fs::read(path) {
        Ok(bytes) => analyse_bytes(rules, active, file, bytes, opts, tools, out),
        Err(e) => note(out, Level::Warning, format!("cannot read: {e}")),
    }
}

/// Everything after reading a file: binary and encoding checks, then the front end for its grammar.
#[allow(clippy::too_many_arguments)]
fn analyse_bytes(
    rules: &RuleSet,
    active: &[usize],
    file: &SourceFile,
    bytes: Vec<u8>,
    opts: &ScanOptions,
    tools: &mut Tools<'_>,
    out: &mut FileOutcome,
) {
    let path = &file.path;
    let note = |out: &mut FileOutcome, level, text: String| out.messages.push(Message::new(level, path, text));
    if let Grammar::Crypto(kind) = file.grammar
        && !crate::lang::cert::has_pem(&bytes)
    {
        // DER and PKCS#12 are binary by nature; text without PEM blocks holds nothing for us.
        if kind != CryptoKind::Text {
            out.scanned = true;
            let contents = crate::lang::cert::read_binary(&bytes, kind);
            report_certs(rules, active, file, "", contents, &opts.cert, out);
        }
        return;
    }
    if let Some(at) = bytes.iter().take(8192).position(|b| *b == 0) {
        return note(out, Level::Warning, format!("binary content (NUL byte at offset {at}); skipped"));
    }
    let (text, invalid) = walk::decode(bytes);
    if let Some(at) = invalid {
        note(out, Level::Warning, format!("invalid UTF-8 at byte {at}; scanned with replacement characters"));
    }
    let text: Arc<str> = text.into();
    let lines = text.bytes().filter(|b| *b == b'\n').count() + 1;
    if !opts.walk.include_vendored && text.len() > MINIFIED_MIN_BYTES && text.len() / lines > MINIFIED_LINE {
        return note(
            out,
            Level::Note,
            format!("looks minified (average line of {} bytes); skipped (use --include-vendored)", text.len() / lines),
        );
    }
    analyse_text(rules, active, file, text, &opts.cert, tools, out);
}

#[allow(clippy::too_many_arguments)]
fn analyse_text(
    rules: &RuleSet,
    active: &[usize],
    file: &SourceFile,
    text: Arc<str>,
    cert: &CertOptions,
    tools: &mut Tools<'_>,
    out: &mut FileOutcome,
) {
    let src: &str = walk::without_bom(&text);
    match (file.grammar, file.grammar.language()) {
        (_, Some(language)) => analyse_js(rules, active, file, src, &language, tools, out),
        (Grammar::CargoManifest, None) => analyse_manifest(rules, active, file, src, out),
        (Grammar::Config(kind), None) => {
            analyse_config(rules, active, file, kind, src, out);
            if crate::lang::cert::has_pem(src.as_bytes()) {
                let contents = crate::lang::cert::read_text(src, false);
                report_certs(rules, active, file, src, contents, cert, out);
            }
        }
        (Grammar::Crypto(kind), None) => {
            out.scanned = true;
            let contents = crate::lang::cert::read_text(src, kind != CryptoKind::Text);
            report_certs(rules, active, file, src, contents, cert, out);
        }
        (_, None) => analyse_rust(rules, active, file, src, tools.imports.as_ref(), out),
    }
    if !out.pending.is_empty() {
        out.source = Some(src.into());
    }
    let (directives, problems) = crate::suppress::directives(src);
    for p in problems {
        out.messages.push(Message::new(Level::Warning, &file.path, p));
    }
    out.directives = directives;
    out.path = file.path.clone();
}

#[allow(clippy::too_many_arguments)]
fn analyse_js(
    rules: &RuleSet,
    active: &[usize],
    file: &SourceFile,
    src: &str,
    language: &tree_sitter::Language,
    tools: &mut Tools<'_>,
    out: &mut FileOutcome,
) {
    let Tools { parser, cursor, imports, parse_all } = tools;
    let path = &file.path;
    if is_declaration_file(&file.rel) || !(*parse_all || rules.js_may_match(src)) {
        // Declaration files hold types, never values or calls; elsewhere no rule can match (see
        // `rule::trigger`). Either way, skip the parse, the costly part.
        out.scanned = true;
        return;
    }
    let tree = match crate::lang::js::parse(parser, language, src) {
        Ok(tree) => tree,
        Err(why) => {
            out.messages.push(Message::new(Level::Warning, path, format!("{why}; skipped")));
            return;
        }
    };
    out.scanned = true;
    out.parsed = true;
    if tree.root_node().has_error() {
        let line = first_error_line(tree.root_node());
        out.messages.push(Message::new(
            Level::Verbose,
            path,
            format!("syntax error near line {line}; scanned what the parser recovered"),
        ));
    }
    let js = JsFile::new(src, &tree, imports.as_ref());
    let too_deep = js.depth() > MAX_QUERY_DEPTH as usize;
    if too_deep {
        out.messages.push(Message::new(
            Level::Warning,
            path,
            format!("nests over {MAX_QUERY_DEPTH} levels deep; scanned down to that depth only"),
        ));
    }
    cursor.set_max_start_depth(too_deep.then_some(MAX_QUERY_DEPTH));
    let mut unread = false;
    if let Some(i) = imports.as_ref() {
        let here = &i.project.rels[i.file];
        out.module_deps = js.index.specifiers.iter().filter_map(|s| i.project.map.resolve(here, s)).collect();
        // Only a file that imports project modules can hold their object literals.
        if !out.module_deps.is_empty() {
            out.foreign_uses = js.foreign_uses();
        }
        unread = js.index.computed_imports > 0 || js.index.specifiers.iter().any(|s| i.project.map.is_missing(here, s));
    }
    let hits = rules.query_hits(file.grammar, &tree, src, cursor);
    let cx = Cx { file: &js, hits: &hits };
    for &ri in active {
        let rule = &rules.rules[ri];
        if !rule.serves(file.grammar) {
            continue;
        }
        for (ai, absent) in rule.absents.iter().enumerate() {
            if absent.candidates(&cx).into_iter().any(|n| absent.eval(n, &cx).is_some()) {
                out.absent_hits.insert((ri, ai));
            }
        }
        // File scope counts the project modules the file imports too (middleware registered from elsewhere).
        let met = |a| {
            out.absent_hits.contains(&(ri, a))
                || imports.as_ref().is_some_and(|i| i.project.absent_reached(i.file, (ri, a)))
        };
        if rule.meta.scope == Scope::File && (0..rule.absents.len()).any(met) {
            continue;
        }
        let Some(root) = &rule.root else { continue };
        let mut seen = HashSet::new();
        for node in root.candidates(&cx) {
            if let Some(at) = root.eval(node, &cx)
                && seen.insert(at.byte_range())
            {
                let mut finding = finding(rule, file, src, at.byte_range(), Section::Js);
                if let Some(imports) = imports.as_ref() {
                    finding.related = imports.project.related(js.origins_at(at));
                }
                unread_lowers(&mut finding, !rule.absents.is_empty(), unread);
                out.pending.push(Pending { rule: ri, finding });
            }
        }
    }
}

fn analyse_rust(
    rules: &RuleSet,
    active: &[usize],
    file: &SourceFile,
    src: &str,
    imports: Option<&Imports<'_>>,
    out: &mut FileOutcome,
) {
    let path = &file.path;
    if !rules.rust_may_match(src) {
        // No rule can match here (see `RustMatcher::triggers`): skip the parse, the costly part.
        out.scanned = true;
        return;
    }
    let parsed = match crate::lang::rust::parse(src, is_test_path(&file.rel)) {
        Ok(p) => p,
        Err(e) => {
            out.messages.push(Message::new(Level::Warning, path, format!("{}; skipped", e.message)));
            return;
        }
    };
    out.scanned = true;
    out.parsed = true;
    if let Some(note) = parsed.fallback {
        out.messages.push(Message::new(Level::Warning, path, note));
    }
    let mut facts = parsed.facts;
    // Without a project, a file still links to its own functions.
    let alone = RustModules::default();
    let (modules, index) = imports.map_or((&alone, usize::MAX), |i| (&i.project.rust, i.file));
    let linked = modules.link(index, src, &mut facts, |name| rules.rust_judges_method(name));
    if let Some(i) = imports {
        i.consulted.borrow_mut().extend(linked.consulted);
        out.module_deps = linked.deps;
        out.continued = linked.continued;
        facts.continued = modules.continued.get(&index).cloned().unwrap_or_default();
    }
    let facts = &facts;
    for &ri in active {
        let rule = &rules.rules[ri];
        let Some((root, absents)) = rule.rust() else { continue };
        for (ai, absent) in absents.iter().enumerate() {
            if absent.exists(facts) {
                out.absent_hits.insert((ri, ai));
            }
        }
        // File scope counts the project modules the file names too (a verifier type defined in another module).
        let met = |a| {
            out.absent_hits.contains(&(ri, a)) || imports.is_some_and(|i| i.project.absent_reached(i.file, (ri, a)))
        };
        if rule.meta.scope == Scope::File && (0..absents.len()).any(met) {
            continue;
        }
        let mut seen = HashSet::new();
        for subject in root.candidates(facts) {
            if root.eval(subject, facts) && seen.insert(subject.at()) {
                let mut finding = finding(rule, file, src, subject.at(), Section::Rust(subject.in_test()));
                if let (Some(i), Subject::Method(m)) = (imports, subject) {
                    finding.related = i.project.related(m.via.clone());
                }
                unread_lowers(&mut finding, !absents.is_empty(), linked.unread);
                out.pending.push(Pending { rule: ri, finding });
            }
        }
    }
}

/// A rule that needs something to be absent cannot be sure when the file imports a module the scan cannot read
/// (a computed `require()` or `import()`, a relative import of a file that is not there, a Rust glob import of a
/// project module or a `mod` without its file): such findings are one step less confident.
fn unread_lowers(finding: &mut Finding, needs_absence: bool, unread: bool) {
    if needs_absence && unread {
        finding.confidence = finding.confidence.lowered();
    }
}

fn analyse_manifest(rules: &RuleSet, active: &[usize], file: &SourceFile, src: &str, out: &mut FileOutcome) {
    out.scanned = true;
    for &ri in active {
        let rule = &rules.rules[ri];
        let Some(cargo) = &rule.meta.cargo else { continue };
        let features: Vec<(String, String)> =
            cargo.features.iter().map(|f| (f.krate.clone(), f.feature.clone())).collect();
        for hit in crate::lang::cargo::scan(src, &features, &cargo.crates) {
            out.pending.push(Pending { rule: ri, finding: finding(rule, file, src, hit.bytes, Section::Cargo) });
        }
    }
}

fn analyse_config(
    rules: &RuleSet,
    active: &[usize],
    file: &SourceFile,
    kind: crate::lang::config::ConfigKind,
    src: &str,
    out: &mut FileOutcome,
) {
    out.scanned = true;
    for &ri in active {
        let rule = &rules.rules[ri];
        let (Some(config), Some(patterns)) = (&rule.meta.config, &rule.config) else { continue };
        let bad = |v: &str| {
            config.values.iter().any(|x| x == v) || patterns.matches.as_ref().is_some_and(|re| re.is_match(v))
        };
        let mut hits: Vec<std::ops::Range<usize>> = match (&config.variable, &config.urls) {
            (Some(variable), _) => crate::lang::config::settings(kind, src, variable)
                .into_iter()
                .filter(|s| bad(&s.value))
                .map(|s| s.bytes)
                .collect(),
            (None, Some(urls)) => {
                crate::lang::config::plaintext_urls(kind, src, &urls.keys, &urls.schemes, patterns.url_words.as_ref())
                    .into_iter()
                    .map(|s| s.bytes)
                    .collect()
            }
            (None, None) => Vec::new(),
        };
        if let Some(flag) = &patterns.flags {
            // A flag inside a variable setting already reported (`NODE_OPTIONS="--tls-min-v1.0"`) is the same finding.
            let words = crate::lang::config::flags(kind, src, flag);
            let fresh: Vec<_> = words
                .into_iter()
                .map(|w| w.bytes)
                .filter(|w| !hits.iter().any(|h| h.start <= w.start && w.end <= h.end))
                .collect();
            hits.extend(fresh);
        }
        if let Some(exempt) = &config.exempt {
            let pinned = exempt
                .when_set
                .iter()
                .any(|v| crate::lang::config::settings(kind, src, v).iter().any(|s| !s.value.trim().is_empty()));
            // Exempt a hit only when nothing else bad is left once the word is taken out.
            let still_bad = |rest: &str| {
                patterns.matches.as_ref().is_some_and(|re| re.is_match(rest))
                    || patterns.flags.as_ref().is_some_and(|re| re.is_match(rest))
            };
            hits.retain(|h| {
                let text = &src[h.clone()];
                !(pinned && text.contains(&exempt.word) && !still_bad(&text.replace(&exempt.word, " ")))
            });
        }
        for bytes in hits {
            out.pending.push(Pending { rule: ri, finding: finding(rule, file, src, bytes, Section::Config) });
        }
    }
}

/// Runs the certificate rules on what a file held, and reports what could not be read.
fn report_certs(
    rules: &RuleSet,
    active: &[usize],
    file: &SourceFile,
    src: &str,
    contents: crate::lang::cert::Contents,
    opts: &CertOptions,
    out: &mut FileOutcome,
) {
    for problem in contents.problems {
        out.messages.push(Message::new(Level::Warning, &file.path, format!("{problem}; skipped")));
    }
    let file_name = file.path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let cx = CheckContext { now: opts.now, min_days: opts.min_days, file_name, test_path: is_test_path(&file.rel) };
    for &ri in active {
        let rule = &rules.rules[ri];
        let Some(section) = &rule.meta.certificate else { continue };
        for item in &contents.items {
            let Some(verdict) = section.check.judge(&item.what, &cx) else { continue };
            let mut f = finding(rule, file, src, item.bytes.clone(), Section::Certificate);
            f.message = verdict.detail;
            for _ in 0..verdict.lower {
                f.severity = f.severity.lowered();
            }
            if let What::Cert(c) = &item.what {
                f.certificate = Some(c.summary());
            }
            out.pending.push(Pending { rule: ri, finding: f });
        }
    }
}

/// Which part of a rule produced a finding: its message, help, severity and confidence come from there.
#[derive(Debug, Clone, Copy)]
enum Section {
    /// The JS/TS matcher; test code is known from the path.
    Js,
    /// The Rust section; whether the fact is in test code.
    Rust(bool),
    /// The Cargo section.
    Cargo,
    /// The config section.
    Config,
    /// The certificate section.
    Certificate,
}

/// `.d.ts`, `.d.mts`, `.d.cts`: TypeScript declaration files.
fn is_declaration_file(rel: &str) -> bool {
    [".d.ts", ".d.mts", ".d.cts"].iter().any(|ext| rel.ends_with(ext))
}

/// Test-only locations by path: Rust `tests/`, `benches/`, `examples/`, `test.rs`, `tests.rs`; JS `test/`,
/// `tests/`, `__tests__/`, `*.test.*` and `*.spec.*`; `fixtures/` and `testdata/` for both.
pub fn is_test_path(rel: &str) -> bool {
    let mut parts = rel.split('/').peekable();
    let mut dirs = Vec::new();
    let mut name = "";
    while let Some(p) = parts.next() {
        if parts.peek().is_some() {
            dirs.push(p);
        } else {
            name = p;
        }
    }
    dirs.iter().any(|d| matches!(*d, "test" | "tests" | "__tests__" | "benches" | "examples" | "fixtures" | "testdata"))
        || name.contains(".test.")
        || name.contains(".spec.")
        || matches!(name, "test.rs" | "tests.rs")
}

fn first_error_line(root: Node<'_>) -> usize {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            return n.start_position().row + 1;
        }
        if n.has_error() {
            let mut c = n.walk();
            let children: Vec<_> = n.children(&mut c).collect();
            stack.extend(children.into_iter().rev());
        }
    }
    root.start_position().row + 1
}

/// A finding of `rule` at `at`, worded by the rule section that matched.
fn finding(rule: &Rule, file: &SourceFile, src: &str, at: std::ops::Range<usize>, section: Section) -> Finding {
    let m = &rule.meta;
    let (mut severity, mut confidence, mut message, mut help) = (m.severity, m.confidence, &m.message, &m.help);
    let mut test_code = is_test_path(&file.rel);
    match (section, &m.rust, &m.cargo) {
        (Section::Rust(in_test), Some(r), _) => {
            message = r.message.as_ref().unwrap_or(message);
            help = r.help.as_ref().unwrap_or(help);
            test_code = in_test;
        }
        (Section::Cargo, _, Some(c)) => {
            (severity, confidence, message, help) = (c.severity, c.confidence, &c.message, &c.help)
        }
        _ => {}
    }
    Finding {
        rule: m.id.clone(),
        severity,
        confidence,
        message: message.trim().to_string(),
        help: help.trim().to_string(),
        location: Location {
            path: display_path(&file.path),
            rel_path: file.rel.clone(),
            start: Position::in_text(src, at.start),
            end: Position::in_text(src, at.end),
            bytes: at,
        },
        test_code,
        certificate: None,
        fingerprint: String::new(),
        related: Vec::new(),
    }
}

/// A path as reports show it: as walked, without a leading `./`.
pub fn display_path(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}
