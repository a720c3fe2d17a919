//! Command-line interface (clap derive).
use crate::finding::Severity;
use crate::output::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Audits the TLS and mutual-TLS setup of MCP servers and clients.
#[derive(Debug, Parser)]
#[command(name = "mcp-tls-audit", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders for TLS and mTLS mistakes.
    Scan(ScanArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Print the documentation of a rule.
    Explain(ExplainArgs),
    /// Print the JSON Schema of rule files (or of `.mcp-tls-audit.yaml` with `config`).
    Schema {
        /// `rule` or `config`.
        #[arg(value_enum, default_value_t = SchemaKind::Rule)]
        kind: SchemaKind,
    },
    /// Check a live MCP endpoint on the wire: client certificates refused, identity checked, server certificate
    /// sound, legacy TLS refused.
    Probe(ProbeArgs),
    /// Run a mock mTLS MCP server with one misconfiguration (to test probes and MCP clients against).
    MockServer(MockArgs),
}

/// `probe` arguments.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The Streamable HTTP MCP endpoint, `https://host:port/path`.
    pub url: String,
    /// The CA (PEM) that issues the server's and the clients' certificates.
    #[arg(long, value_name = "CA.pem")]
    pub ca: PathBuf,
    /// A client certificate the server should accept (PEM, leaf first).
    #[arg(long, value_name = "CLIENT.pem")]
    pub cert: PathBuf,
    /// Its private key (PEM).
    #[arg(long, value_name = "CLIENT.key")]
    pub key: PathBuf,
    /// The CA's private key: lets the probe mint expired and foreign-identity client certificates.
    #[arg(long, value_name = "CA.key")]
    pub ca_key: Option<PathBuf>,
    /// The server certificate must have at least this many days left.
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    pub min_days: u32,
    /// The server's certificate and key files (a local server): cert-rotation replaces them with a new
    /// certificate from the CA (needs --ca-key), waits for it to be served, then restores them byte for byte.
    #[arg(long, value_name = "CERT_FILE,KEY_FILE", value_delimiter = ',')]
    pub rotate: Vec<PathBuf>,
    /// How long cert-rotation waits for the new certificate, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub rotate_wait: f64,
    /// Time limit of each connection, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub timeout: f64,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a failed check's rule is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = SeverityArg::Low)]
    pub fail_on: SeverityArg,
}

/// `mock-server` arguments.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// The misconfiguration to serve.
    #[arg(long, value_enum)]
    pub profile: crate::mock::Profile,
    /// A folder with `ca.pem` (trusted for client certificates), `server.pem` and `server.key`.
    #[arg(long, value_name = "DIR")]
    pub certs: PathBuf,
    /// The address to listen on (port 0 picks a free port; the URL is printed on the first line).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// A client SPIFFE ID (URI SAN) the server lets in (repeatable).
    #[arg(long = "allow-id", value_name = "URI")]
    pub allow_ids: Vec<String>,
    /// The certificate to serve: the files, or one a verifying MCP client must refuse (expired, for another
    /// name, from a rogue CA; `expired` and `wrong-name` need `ca.key` in the folder).
    #[arg(long, value_enum, default_value_t = crate::mock::ServerProfile::Files)]
    pub server_profile: crate::mock::ServerProfile,
    /// Answer only legacy `initialize` (as SSE), refusing `server/discover` like a 2025-11-25 server.
    #[arg(long)]
    pub legacy_only: bool,
}

/// Which JSON Schema `schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// Rule files (`rules/*.yaml`).
    Rule,
    /// The project configuration (`.mcp-tls-audit.yaml`).
    Config,
}

/// `scan` arguments.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders to scan; each is a project of its own.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
    /// Rule options.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Which files are read.
#[derive(Debug, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Also scan dependency and build-output folders (node_modules, dist, ...) and minified files.
    #[arg(long)]
    pub include_vendored: bool,
    /// Follow symbolic links.
    #[arg(short = 'L', long)]
    pub follow: bool,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_file_size: u64,
    /// Worker threads (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Parse every JS/TS and Rust file, even one that holds no rule's trigger word (slower; same findings).
    #[arg(long)]
    pub no_prefilter: bool,
    /// Judge each file on its own: follow no import, `require` or Rust module path into another project file.
    #[arg(long)]
    pub single_file: bool,
}

/// Which rules run.
#[derive(Debug, Args)]
#[command(next_help_heading = "Rules")]
pub struct RuleArgs {
    /// Also load every rule file in this folder (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Run only these rule ids (comma-separated or repeated).
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Findings in test-only code (test folders, `*.test.*`, `#[cfg(test)]`): lower their confidence, or keep it.
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = crate::engine::TestCodePolicy::Lower)]
    pub test_code: crate::engine::TestCodePolicy,
    /// Judge certificate validity at this time instead of the clock: `2026-06-01` or `2026-06-01T12:00:00Z`.
    #[arg(long, value_name = "TIME", value_parser = crate::lang::cert::parse_now)]
    pub now: Option<i64>,
    /// Report certificates that expire within this many days (cert-expiring-soon; default 30, or the config's).
    #[arg(long, value_name = "DAYS")]
    pub min_days: Option<u32>,
    /// Read settings from this file instead of the nearest `.mcp-tls-audit.yaml`.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any `.mcp-tls-audit.yaml`.
    #[arg(long)]
    pub no_config: bool,
    /// Report only findings at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = SeverityArg::Info)]
    pub min_severity: SeverityArg,
    /// Report only findings at or above this confidence.
    #[arg(long, value_enum, value_name = "CONFIDENCE", default_value_t = ConfidenceArg::Low)]
    pub min_confidence: ConfidenceArg,
}

/// Confidences on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfidenceArg {
    /// low
    Low,
    /// medium
    Medium,
    /// high
    High,
}

impl From<ConfidenceArg> for crate::finding::Confidence {
    fn from(c: ConfidenceArg) -> Self {
        match c {
            ConfidenceArg::Low => Self::Low,
            ConfidenceArg::Medium => Self::Medium,
            ConfidenceArg::High => Self::High,
        }
    }
}

/// How results are reported.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity (default low, or the config's `fail-on`).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// When to colour text output (NO_COLOR is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Show more about skipped and partly parsed files.
    #[arg(short, long)]
    pub verbose: bool,
    /// Show only warnings on stderr, no notes.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Append a Markdown summary (grade, findings by rule and severity, top findings) to this file. With
    /// `--format github` it defaults to `$GITHUB_STEP_SUMMARY`.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Also write the SARIF report to this file (besides `--format` on stdout or `-o`).
    #[arg(long, value_name = "FILE")]
    pub sarif_output: Option<PathBuf>,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub json_output: Option<PathBuf>,
    /// The SARIF analysis category (`automationDetails.id`), for several scans of one repository.
    #[arg(long, value_name = "NAME", default_value = "mcp-tls-audit")]
    pub sarif_category: String,
    /// Report only findings this baseline file does not hold (matched by fingerprint, so moved lines stay known).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write today's findings to a baseline file (the report is produced as usual).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Fold a saved `probe --format json` report into the grade: its failures count as confirmed at runtime.
    #[arg(long, value_name = "FILE")]
    pub probe_report: Option<PathBuf>,
}

/// `rules` arguments.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// List format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Also load every rule file in this folder (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

/// `explain` arguments.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id.
    pub rule: String,
    /// Also load every rule file in this folder (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

/// Formats of the rule list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Text,
    /// A JSON array.
    Json,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Severity as a CLI (and configuration) value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityArg {
    /// info
    Info,
    /// low
    Low,
    /// medium
    Medium,
    /// high
    High,
    /// critical
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}
