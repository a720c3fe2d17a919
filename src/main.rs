//! The `mcp-tls-audit` binary: runs the library's CLI and exits with its code.
// mimalloc, also for tree-sitter's C allocations (the `override` feature): parsing allocates a node at a time,
// and the scan takes about a quarter less CPU than with glibc's allocator (see README, Performance).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // stderr stays unlocked: the progress line is drawn from another thread.
    let code = mcp_tls_audit::run(std::env::args_os(), &mut std::io::stdout().lock(), &mut std::io::stderr());
    std::process::exit(code);
}
