//! The `mcp-tls-audit` binary: runs the library's CLI and exits with its code.
fn main() {
    // stderr stays unlocked: the progress line is drawn from another thread.
    let code = mcp_tls_audit::run(std::env::args_os(), &mut std::io::stdout().lock(), &mut std::io::stderr());
    std::process::exit(code);
}
