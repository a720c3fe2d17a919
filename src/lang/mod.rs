//! Parser front ends, one module per kind of input.
pub mod cargo;
pub mod cert;
pub mod config;
pub mod js;
pub mod rust;

use std::path::Path;

/// A tree-sitter grammar a source file is parsed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grammar {
    /// `.js .mjs .cjs .jsx`
    Javascript,
    /// `.ts .mts .cts`
    Typescript,
    /// `.tsx`
    Tsx,
    /// `.rs` (parsed with syn, not tree-sitter).
    Rust,
    /// `Cargo.toml` (read line by line).
    CargoManifest,
    /// Deployment and client configuration (read line by line).
    Config(config::ConfigKind),
    /// Certificates and keys (x509-parser).
    Crypto(cert::CryptoKind),
}

impl Grammar {
    /// The tree-sitter grammars, in a fixed order (the index into per-grammar query tables).
    pub const TREE_SITTER: [Grammar; 3] = [Grammar::Javascript, Grammar::Typescript, Grammar::Tsx];

    /// The grammar for a file name, if the file is source we scan.
    pub fn for_path(path: &Path) -> Option<Self> {
        if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            return Some(Self::CargoManifest);
        }
        if let Some(kind) = config::ConfigKind::for_path(path) {
            return Some(Self::Config(kind));
        }
        if let Some(kind) = cert::CryptoKind::for_path(path) {
            return Some(Self::Crypto(kind));
        }
        match path.extension()?.to_str()? {
            "js" | "mjs" | "cjs" | "jsx" => Some(Self::Javascript),
            "ts" | "mts" | "cts" => Some(Self::Typescript),
            "tsx" => Some(Self::Tsx),
            "rs" => Some(Self::Rust),
            _ => None,
        }
    }

    /// Index into per-grammar query tables (tree-sitter grammars only).
    pub fn index(self) -> usize {
        match self {
            Self::Javascript => 0,
            Self::Typescript => 1,
            Self::Tsx => 2,
            Self::Rust | Self::CargoManifest | Self::Config(_) | Self::Crypto(_) => {
                unreachable!("only tree-sitter grammars have queries")
            }
        }
    }

    /// The tree-sitter language (`None` for Rust, which syn parses).
    pub fn language(self) -> Option<tree_sitter::Language> {
        match self {
            Self::Javascript => Some(tree_sitter_javascript::LANGUAGE.into()),
            Self::Typescript => Some(tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()),
            Self::Tsx => Some(tree_sitter_typescript::LANGUAGE_TSX.into()),
            Self::Rust | Self::CargoManifest | Self::Config(_) | Self::Crypto(_) => None,
        }
    }

    /// Whether a rule written for `lang` runs on files of this grammar.
    pub fn serves(self, lang: crate::rule::model::LanguageName) -> bool {
        use crate::rule::model::LanguageName as L;
        matches!((self, lang), (Self::Javascript, L::Javascript) | (Self::Typescript | Self::Tsx, L::Typescript))
    }
}
