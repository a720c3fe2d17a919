//! Rust via syn: one pass over a file collects the facts Rust rules match on (method calls with their receiver
//! chains, calls and paths with `use` aliases resolved, trait impls, string literals).
mod facts;
pub mod predicates;

pub use facts::{Arg, Call, ImplMethod, Link, MethodCall, PathRef, RustFacts, StrLit};

/// A Rust file that parsed, with its facts; `offset` maps fact byte ranges back to the file.
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

/// Parses a file; when it is not a valid file (snippets, docs), retries it as statements in a function body.
pub fn parse(src: &str, test_path: bool) -> Result<RustFile, ParseFailure> {
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
