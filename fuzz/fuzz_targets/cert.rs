#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mcp_tls_audit::fuzz::scan(mcp_tls_audit::fuzz::CERT, data));
