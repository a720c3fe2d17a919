//! Which files a scan reads: a parallel, .gitignore-aware walk that skips vendored and generated code.
use crate::lang::Grammar;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Directory names skipped unless `--include-vendored`: dependencies and build output.
pub const DEFAULT_EXCLUDED_DIRS: &[&str] = &[
    "node_modules",
    "bower_components",
    "jspm_packages",
    "vendor",
    "dist",
    "build",
    "out",
    ".next",
    ".nuxt",
    ".output",
    ".svelte-kit",
    ".turbo",
    ".yarn",
    "coverage",
    "target",
];

/// File name endings of minified or bundled code, skipped unless `--include-vendored`.
pub const MINIFIED_SUFFIXES: &[&str] = &[".min.js", ".min.mjs", ".min.cjs", "-min.js", ".bundle.js"];

/// How to walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Also walk dependency and build-output folders and minified files.
    pub include_vendored: bool,
    /// Follow symbolic links.
    pub follow_links: bool,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// A file to scan.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as walked.
    pub path: PathBuf,
    /// Relative to the scanned root, `/`-separated.
    pub rel: String,
    /// How to parse it.
    pub grammar: Grammar,
}

/// How much a message matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Shown with `-v` only.
    Verbose,
    /// A file was skipped on purpose.
    Note,
    /// A file could not be read or understood.
    Warning,
}

/// A message about one file (never a finding).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Message {
    /// How much it matters.
    pub level: Level,
    /// The file.
    pub path: String,
    /// What happened.
    pub message: String,
}

impl Message {
    /// A message of `level` about `path`.
    pub fn new(level: Level, path: &Path, message: impl Into<String>) -> Self {
        Self { level, path: path.display().to_string(), message: message.into() }
    }
}

/// Whether a file name marks minified or bundled code.
pub fn is_minified_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    MINIFIED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Walks one root. Files come back sorted by path; problems become messages.
pub fn walk(root: &Path, opts: &WalkOptions) -> (Vec<SourceFile>, Vec<Message>) {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .follow_links(opts.follow_links)
        .threads(opts.threads);
    let include_vendored = opts.include_vendored;
    builder.filter_entry(move |e| {
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        let name = e.file_name().to_str().unwrap_or_default();
        !(is_dir && e.depth() > 0 && (name == ".git" || (!include_vendored && DEFAULT_EXCLUDED_DIRS.contains(&name))))
    });
    let files = Mutex::new(Vec::new());
    let messages = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(e) => {
                    if let Some(item) = classify(root, &e, opts) {
                        match item {
                            Ok(f) => files.lock().expect("no panics while locked").push(f),
                            Err(m) => messages.lock().expect("no panics while locked").push(m),
                        }
                    }
                }
                Err(err) => messages.lock().expect("no panics while locked").push(walk_error(root, &err)),
            }
            ignore::WalkState::Continue
        })
    });
    let mut files = files.into_inner().expect("walk finished");
    let mut messages = messages.into_inner().expect("walk finished");
    files.sort_by(|a: &SourceFile, b| a.path.cmp(&b.path));
    messages.sort();
    (files, messages)
}

fn classify(root: &Path, e: &ignore::DirEntry, opts: &WalkOptions) -> Option<Result<SourceFile, Message>> {
    let path = e.path();
    let grammar = Grammar::for_path(path);
    if e.path_is_symlink() && !opts.follow_links {
        return match std::fs::metadata(path) {
            Err(err) if err.raw_os_error() == Some(40) => {
                Some(Err(Message::new(Level::Warning, path, "symbolic link loop; skipped")))
            }
            Err(err) => Some(Err(Message::new(Level::Warning, path, format!("broken symbolic link ({err}); skipped")))),
            Ok(_) if grammar.is_some() => {
                Some(Err(Message::new(Level::Verbose, path, "symbolic link not followed (use --follow)")))
            }
            Ok(_) => None,
        };
    }
    let ft = e.file_type()?;
    if ft.is_dir() {
        return None;
    }
    let grammar = grammar?;
    if !ft.is_file() {
        // Reading a FIFO blocks and a device can be endless: never open them.
        return Some(Err(Message::new(Level::Warning, path, format!("not a regular file ({}); skipped", kind(ft)))));
    }
    if !opts.include_vendored && is_minified_name(path) {
        return Some(Err(Message::new(Level::Note, path, "minified file skipped (use --include-vendored)")));
    }
    let rel = path
        .strip_prefix(root)
        .ok()
        .filter(|r| !r.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new(path.file_name().unwrap_or(path.as_os_str())));
    let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
    Some(Ok(SourceFile { path: path.to_path_buf(), rel, grammar }))
}

/// A file's bytes as text, invalid UTF-8 replaced, with the offset of the first invalid byte if there is one.
pub fn decode(bytes: Vec<u8>) -> (String, Option<usize>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(e.utf8_error().valid_up_to())),
    }
}

/// The text without a leading byte-order mark: what the front ends see, so byte offsets agree wherever a file
/// is read.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A file's text as the front ends see it (see [`decode`] and [`without_bom`]).
pub fn read_source(path: &Path) -> std::io::Result<String> {
    let (mut text, _) = decode(std::fs::read(path)?);
    let bom = text.len() - without_bom(&text).len();
    text.drain(..bom);
    Ok(text)
}

/// What a non-regular file is, for messages.
pub fn kind(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "FIFO";
        } else if ft.is_char_device() {
            return "character device";
        } else if ft.is_block_device() {
            return "block device";
        } else if ft.is_socket() {
            return "socket";
        }
    }
    if ft.is_symlink() { "symbolic link" } else { "special file" }
}

fn walk_error(root: &Path, err: &ignore::Error) -> Message {
    fn innermost(err: &ignore::Error) -> (Option<&Path>, String) {
        match err {
            ignore::Error::WithPath { path, err } => (Some(path.as_path()), innermost(err).1),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => innermost(err),
            ignore::Error::Loop { child, .. } => (Some(child.as_path()), "symbolic link loop; skipped".into()),
            ignore::Error::Io(io) => (None, format!("cannot read: {io}")),
            other => (None, other.to_string()),
        }
    }
    let (path, message) = innermost(err);
    Message::new(Level::Warning, path.unwrap_or(root), message)
}
