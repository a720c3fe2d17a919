//! Rust via syn: one pass over a file collects the facts Rust rules match on (method calls with their receiver
//! chains, calls and paths with `use` aliases resolved, trait impls, string literals).
mod body;
mod facts;
pub mod modules;
pub mod predicates;

pub use facts::{Arg, Call, Continuation, FnReturn, Glob, ImplMethod, Link, MethodCall, PathRef, RustFacts, StrLit};

/// A Rust file that parsed, with its facts.
pub struct RustFile {
    /// What the rules match on.
    pub facts: RustFacts,
    /// A note when the file only parsed as statements inside a function body.
    pub fallback: Option<String>,
}

/// Why a Rust file could not be read as Rust.
#[derive(Debug)]
pub struct ParseFailure {
    /// syn's message with its line and column.
    pub message: String,
}

/// Nesting deeper than this is refused before parsing: syn and its visitor recurse once per level.
pub const MAX_NESTING: usize = 256;

/// The deepest bracket nesting of the source, outside comments and string literals (an estimate: char literals
/// and raw strings are not told apart, which can only shift the count by a few levels).
pub fn max_nesting(src: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                chars.by_ref().take_while(|c| *c != '\n').for_each(drop);
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parses a file; when it is not a valid file (snippets, docs), retries it as statements in a function body.
pub fn parse(src: &str, test_path: bool) -> Result<RustFile, ParseFailure> {
    let depth = max_nesting(src);
    if depth > MAX_NESTING {
        return Err(ParseFailure { message: format!("brackets nest {depth} levels deep (limit {MAX_NESTING})") });
    }
    let result = match syn::parse_file(src) {
        Ok(file) => Ok(RustFile { facts: facts::collect_file(&file, src, 0, test_path), fallback: None }),
        Err(e) => {
            let first = describe(&e);
            let wrapped = format!("{{{src}\n}}");
            match syn::parse_str::<syn::Block>(&wrapped) {
                Ok(block) => Ok(RustFile {
                    facts: facts::collect_block(&block, &wrapped, 1, test_path),
                    fallback: Some(format!("not a Rust file ({first}); scanned as statements")),
                }),
                Err(_) => Err(ParseFailure { message: first }),
            }
        }
    };
    // Spans live in a thread-local source map that grows with every parse; every span has been converted by now.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

fn describe(e: &syn::Error) -> String {
    let at = e.span().start();
    format!("syn: {e} at line {}, column {}", at.line, at.column + 1)
}
