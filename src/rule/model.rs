//! The rule file format: typed serde structs, `deny_unknown_fields` everywhere.
//!
//! `schemas/rule.schema.json` is generated from these types (`mcp-tls-audit schema`).
use crate::finding::{Confidence, Severity};
pub use crate::lang::cert::CertCheck;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One rule: `rules/<id>.yaml`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Stable id; equals the file stem. Lowercase letters, digits and `-`.
    pub id: String,
    /// Short title, sentence case.
    pub title: String,
    /// Severity of every finding of this rule.
    pub severity: Severity,
    /// Confidence of every finding of this rule.
    pub confidence: Confidence,
    /// Languages the `match` applies to (empty for a rule only the probe reports).
    pub languages: Vec<LanguageName>,
    /// What one match needs to see: a node, a whole file, or the whole scanned project.
    pub scope: Scope,
    /// One-line diagnostic headline.
    pub message: String,
    /// One line on how to fix it.
    pub help: String,
    /// Markdown documentation: What it does / Why is this bad? / Example / Fix.
    pub docs: String,
    /// CWE numbers.
    #[serde(default)]
    pub cwe: Vec<u32>,
    /// Links to further reading.
    #[serde(default)]
    pub references: Vec<String>,
    /// JavaScript/TypeScript that must fire the rule (`bad`) and that must not (`good`); with `match`.
    #[serde(default)]
    pub examples: Option<Examples>,
    /// The matcher for JavaScript and TypeScript (tree-sitter); present exactly when `languages` lists them.
    #[serde(default, rename = "match")]
    pub matcher: Option<Matcher>,
    /// The Rust section: the same rule on Rust code (syn).
    #[serde(default)]
    pub rust: Option<RustSection>,
    /// The Cargo section: the same rule on `Cargo.toml` dependencies.
    #[serde(default)]
    pub cargo: Option<CargoSection>,
    /// The config section: the same rule on `.env` files, Dockerfiles, YAML manifests and JSON configs.
    #[serde(default)]
    pub config: Option<ConfigSection>,
    /// The certificate section: a built-in check on certificates and private keys.
    #[serde(default)]
    pub certificate: Option<CertificateSection>,
    /// The runtime twin: the `probe` checks that report this rule on a live endpoint.
    #[serde(default)]
    pub probe: Option<ProbeSection>,
}

/// Which checks of `mcp-tls-audit probe` report the rule when they fail.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeSection {
    /// Check ids, e.g. `no-client-cert-refused`.
    pub checks: Vec<String>,
}

/// How a rule reads certificates and private keys: a built-in check implemented in Rust (`src/lang/cert.rs`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateSection {
    /// The check.
    pub check: CertCheck,
    /// Files the test suite mints from these descriptions (with `now` pinned): every `bad` one must fire, no
    /// `good` one may.
    pub examples: CertExamples,
}

/// Certificate and key files described for minting.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertExamples {
    /// Each must produce a finding of this rule.
    pub bad: Vec<CertSpec>,
    /// None may produce a finding of this rule.
    pub good: Vec<CertSpec>,
}

/// A certificate (or private key) file to mint. Unset fields describe a sound server leaf issued by a CA.
#[derive(Debug, Clone, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CertSpec {
    /// The file name it is written to (`cert.pem` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Write the subject's private key in this format instead of the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<KeyFormat>,
    /// The subject's key (`ec-p256` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyType>,
    /// The signature's hash (`sha256` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<HashName>,
    /// notBefore, in days from the scan's date (-30 when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before_days: Option<i64>,
    /// notAfter, in days from the scan's date (365 when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after_days: Option<i64>,
    /// basicConstraints CA:TRUE.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ca: bool,
    /// Extended key usages (no extension when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eku: Vec<EkuName>,
    /// Subject alternative names `dns:NAME`, `uri:URI` or `ip:ADDR` (`[dns:mcp.internal.example]` when unset;
    /// `[]` for no extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub san: Option<Vec<String>>,
    /// Signed by its own key instead of a CA's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_signed: bool,
}

/// Private key file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KeyFormat {
    /// `-----BEGIN PRIVATE KEY-----`
    Pkcs8,
    /// `-----BEGIN ENCRYPTED PRIVATE KEY-----` (PBES2)
    EncryptedPkcs8,
    /// `-----BEGIN RSA PRIVATE KEY-----` (needs an RSA key)
    Pkcs1,
    /// A DER PKCS#8 file.
    Pkcs8Der,
}

/// Key types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KeyType {
    /// ECDSA on P-256.
    #[serde(rename = "ec-p256")]
    EcP256,
    /// ECDSA on P-384.
    #[serde(rename = "ec-p384")]
    EcP384,
    /// Ed25519.
    Ed25519,
    /// RSA, 1024 bits.
    #[serde(rename = "rsa-1024")]
    Rsa1024,
    /// RSA, 2048 bits.
    #[serde(rename = "rsa-2048")]
    Rsa2048,
}

/// Signature hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HashName {
    /// SHA-256.
    Sha256,
    /// SHA-1 (the issuer signs with RSA).
    Sha1,
}

/// Extended key usages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EkuName {
    /// id-kp-serverAuth.
    ServerAuth,
    /// id-kp-clientAuth.
    ClientAuth,
    /// id-kp-codeSigning.
    CodeSigning,
}

/// How a rule reads deployment and client configuration: an environment variable set to a bad value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigSection {
    /// The environment variable, e.g. `NODE_TLS_REJECT_UNAUTHORIZED` (or `urls`).
    #[serde(default)]
    pub variable: Option<String>,
    /// Remote URLs with a plaintext scheme under these keys (or `variable`).
    #[serde(default)]
    pub urls: Option<UrlCheck>,
    /// Values that are findings (compared after unquoting).
    #[serde(default)]
    pub values: Vec<String>,
    /// A regular expression: values it matches are findings.
    #[serde(default)]
    pub matches: Option<String>,
    /// A regular expression for command-line words (`node --tls-min-v1.0 ..`) that are findings wherever a
    /// command is written: Dockerfile `RUN`/`CMD`/`ENTRYPOINT`, YAML `command:`/`args:`/`run:`, JSON `args` and
    /// `scripts`.
    #[serde(default)]
    pub flags: Option<String>,
    /// A word that is not a finding in a file that also sets one of some variables.
    #[serde(default)]
    pub exempt: Option<ConfigExemption>,
    /// The headline for config findings, when it differs from the rule's.
    #[serde(default)]
    pub message: Option<String>,
    /// The fix for config findings, when it differs from the rule's.
    #[serde(default)]
    pub help: Option<String>,
    /// Config files that must fire (`bad`) and must not (`good`).
    pub examples: FileExamples,
}

/// `word` (e.g. `--use-openssl-ca`) is not a finding in a file that also sets one of `when-set` (e.g.
/// `SSL_CERT_FILE`, which pins the store the flag selects). Other bad words next to it still are.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigExemption {
    /// The word, as the `matches`/`flags` expressions find it.
    pub word: String,
    /// Variables whose setting (to a non-empty value) exempts the word.
    #[serde(rename = "when-set")]
    pub when_set: Vec<String>,
}

/// URLs to report: under `keys`, with one of `schemes`, whose host is not loopback.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UrlCheck {
    /// JSON / YAML keys holding server URLs, e.g. `url`, `serverUrl`.
    pub keys: Vec<String>,
    /// Schemes that are findings, e.g. `http`, `ws`.
    pub schemes: Vec<String>,
}

/// Example files, each scanned under its own name (the name picks the format).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileExamples {
    /// Every file here must produce at least one finding of this rule.
    pub bad: Vec<FileExample>,
    /// No file here may produce a finding of this rule.
    pub good: Vec<FileExample>,
}

/// One example file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileExample {
    /// Its file name, e.g. `.env`, `Dockerfile`, `docker-compose.yml`, `.vscode/mcp.json`.
    pub file: String,
    /// Its content.
    pub text: String,
}

/// How a rule reads `Cargo.toml`: dependency features and crates that switch verification off.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CargoSection {
    /// Severity of manifest findings (a manifest enables an API; the code decides whether it is misused).
    pub severity: Severity,
    /// Confidence of manifest findings.
    pub confidence: Confidence,
    /// The headline for manifest findings.
    pub message: String,
    /// The fix for manifest findings.
    pub help: String,
    /// Dependency features to report.
    #[serde(default)]
    pub features: Vec<CrateFeature>,
    /// Crates whose whole job is to switch verification off.
    #[serde(default)]
    pub crates: Vec<String>,
    /// Manifests that must fire (`bad`) and must not (`good`).
    pub examples: Examples,
}

/// A feature of a dependency.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrateFeature {
    /// The package name, e.g. `rustls`.
    #[serde(rename = "crate")]
    pub krate: String,
    /// The feature, e.g. `dangerous_configuration`.
    pub feature: String,
}

/// How a rule reads Rust code.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RustSection {
    /// The headline for Rust findings, when it differs from the rule's.
    #[serde(default)]
    pub message: Option<String>,
    /// The fix for Rust findings, when it differs from the rule's.
    #[serde(default)]
    pub help: Option<String>,
    /// Rust snippets that must fire (`bad`) and must not (`good`); each is scanned as a file of its own.
    pub examples: Examples,
    /// The matcher over syn facts.
    #[serde(rename = "match")]
    pub matcher: RustMatcher,
}

/// A matcher over the facts of a Rust file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum RustMatcher {
    /// A method call `.name(args)` (anchor).
    MethodCall(CallSelector),
    /// A call of a path `A::b(args)`; the rule path matches the end of the canonical path (anchor).
    Call(CallSelector),
    /// A path used as a value, callee or type that contains these segments (anchor).
    Path(OneOrMany),
    /// A method of a trait impl (anchor).
    Impl(ImplSelector),
    /// A string literal (also `concat!`) satisfying a predicate (anchor).
    String(StringPredicate),
    /// The method call's receiver chain (through `let` bindings) contains one of these calls, methods or paths.
    Chain(ChainSelector),
    /// A method with these names is later called on the value this call or method call produced.
    Then(CallSelector),
    /// The method call's first argument constructs a type whose verifier impl in the file has this property.
    Verifier(VerifierPredicate),
    /// Something in the same file matches (whatever the fact being judged).
    InFile(Box<RustMatcher>),
    /// Every sub-matcher matches.
    All(Vec<RustMatcher>),
    /// At least one sub-matcher matches.
    Any(Vec<RustMatcher>),
    /// The sub-matcher does not match.
    Not(Box<RustMatcher>),
    /// Nothing in the file (scope: file) or project (scope: project) matches. Only at the top of `all`.
    Absent(Box<RustMatcher>),
}

/// A method or path call with optional argument patterns.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallSelector {
    /// Method names, or paths (`ServerConfig::builder`) for `call`.
    #[serde(alias = "path")]
    pub name: OneOrMany,
    /// Patterns for the leading arguments; absent means any arguments.
    #[serde(default)]
    pub args: Option<Vec<ArgPattern>>,
}

/// A pattern for one argument.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ArgPattern {
    /// The argument is this boolean (also through a `let`).
    Bool(bool),
    /// The argument (inside `Some(..)` / `&..` too) is a path ending in one of these.
    Path {
        /// Path suffixes such as `SslVerifyMode::NONE`.
        path: OneOrMany,
    },
    /// `_`: any argument.
    Any(String),
}

/// A trait impl method.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImplSelector {
    /// Trait path suffixes, e.g. `ServerCertVerifier`.
    #[serde(rename = "trait")]
    pub trait_path: OneOrMany,
    /// Method names.
    pub method: OneOrMany,
    /// A property of the method body.
    #[serde(default)]
    pub body: Option<BodyPredicate>,
}

/// Named properties of a method body.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BodyPredicate {
    /// Every way out is `Ok(..)` and nothing uses `?`.
    AlwaysOk,
    /// Every way out is `false`.
    ReturnsFalse,
    /// A `ServerName` parameter is never used.
    IgnoresServerName,
    /// The type works with SPIFFE IDs or subject alternative names (in any of its impls, its fields, or a
    /// constant holding a SPIFFE ID).
    ChecksPeerIdentity,
    /// An exit of the body is an explicit `Err(..)`: the method rejects some peers of its own accord.
    RejectsPeers,
}

/// Named predicates on string literals.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StringPredicate {
    /// Holds a PEM private key with key material.
    PrivateKey,
    /// Holds a SPIFFE ID (`spiffe://`).
    SpiffeId,
}

/// Named predicates on an installed verifier.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VerifierPredicate {
    /// Its `verify_*_cert` returns `Ok` on every path.
    AcceptsAll,
}

/// What a receiver chain may contain.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainSelector {
    /// Path-call suffixes, e.g. `ServerConfig::builder`.
    #[serde(default)]
    pub calls: Vec<String>,
    /// Method names.
    #[serde(default)]
    pub methods: Vec<String>,
}

/// A language a rule can apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LanguageName {
    /// `.js .mjs .cjs .jsx`
    Javascript,
    /// `.ts .mts .cts .tsx`
    Typescript,
    /// `.rs`: the rule's `rust` section.
    Rust,
    /// `Cargo.toml`: the rule's `cargo` section.
    Cargo,
    /// `.env`, Dockerfiles, YAML and JSON: the rule's `config` section.
    Config,
    /// `.pem .crt .cer .der .key .p8 .p12 .pfx`, and PEM blocks in `.txt`, YAML, JSON and `.env` files: the rule's
    /// `certificate` section.
    Certificate,
}

/// How much code one match needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The match is decided at one node.
    Node,
    /// `absent` conditions look at the whole file.
    File,
    /// `absent` conditions look at every file of the scanned project.
    Project,
}

/// Example snippets; each is scanned as a TypeScript file of its own.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Every snippet here must produce at least one finding of this rule.
    pub bad: Vec<String>,
    /// No snippet here may produce a finding of this rule.
    pub good: Vec<String>,
}

/// A matcher: a tree-sitter query, a combinator, or a named predicate.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Matcher {
    /// A tree-sitter query (S-expression). The node captured as `@match` is the matched node.
    Query(String),
    /// Every sub-matcher matches the node.
    All(Vec<Matcher>),
    /// At least one sub-matcher matches the node.
    Any(Vec<Matcher>),
    /// The sub-matcher does not match the node.
    Not(Box<Matcher>),
    /// Some descendant of the node matches.
    Has(Box<Matcher>),
    /// Some ancestor of the node matches.
    Inside(Box<Matcher>),
    /// Nothing in the file (scope: file) or project (scope: project) matches. Only at the top of a rule's `all`.
    Absent(Box<Matcher>),
    /// The node is a property (pair, shorthand, method, or member assignment) with one of these names.
    Property(OneOrMany),
    /// The node's resolved value satisfies a condition.
    Value(ValueCondition),
    /// The node is a TLS server or client creation whose resolved options satisfy conditions.
    TlsContext(TlsContextCondition),
    /// The property at the node belongs to a TLS options object of this role.
    TlsRole(Role),
    /// A named predicate implemented in Rust.
    Predicate(NodePredicate),
}

/// One name or a list of names.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single name.
    One(String),
    /// Several names.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names as a slice.
    pub fn names(&self) -> &[String] {
        match self {
            Self::One(s) => std::slice::from_ref(s),
            Self::Many(v) => v,
        }
    }
}

/// A condition on a resolved value. Exactly one field is set.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueCondition {
    /// The value is statically known and strictly equals this scalar (`false` is not `0`).
    #[serde(default)]
    pub is: Option<Scalar>,
    /// The value is statically known and strictly equals one of these scalars.
    #[serde(default, rename = "in")]
    pub one_of: Option<Vec<Scalar>>,
    /// A named predicate on the value.
    #[serde(default)]
    pub predicate: Option<ValuePredicate>,
    /// The value is a statically known string that this regular expression matches.
    #[serde(default)]
    pub matches: Option<String>,
}

/// A literal value in a rule.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
}

/// Named predicates on a resolved value.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ValuePredicate {
    /// A function that accepts everything: every return is a falsy constant and it never throws.
    AcceptsAll,
}

/// Named predicates on a node.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NodePredicate {
    /// A string literal that, with the literals it is concatenated or joined with, holds a PEM private key with key material.
    PrivateKeyLiteral,
    /// The node is an element of an array literal (an argument list handed to a process).
    ArrayElement,
    /// The node's string value is a URL whose host is not loopback (`localhost`, `127.0.0.0/8`, `[::1]`).
    RemoteUrl,
}

/// Which side of a TLS connection an options object configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A TLS server (`https.createServer`, fastify `https`, ...).
    Server,
    /// A TLS client (`https.request`, `new https.Agent`, undici `connect`, ...).
    Client,
}

/// Conditions on a TLS server or client created at the node.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsContextCondition {
    /// Server or client.
    pub role: Role,
    /// Conditions on option keys (Node names: `cert`, `key`, `ca`, `requestCert`, ...; got's names are mapped to them).
    #[serde(default)]
    pub options: BTreeMap<String, KeyCondition>,
    /// Point the finding at this option's property instead of the creation call.
    #[serde(default)]
    pub at: Option<String>,
}

/// A condition on one option key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum KeyCondition {
    /// The key is set to exactly this boolean.
    Bool(bool),
    /// A condition by name.
    Word(KeyWord),
}

/// Named key conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KeyWord {
    /// The key is set (to anything).
    Present,
    /// The options are fully known and the key is not set.
    Absent,
    /// The key is absent, or set to a known value other than `true`.
    NotTrue,
    /// The key's value is read from a file (`fs.readFileSync`, `fs/promises` `readFile`).
    FromFile,
}
