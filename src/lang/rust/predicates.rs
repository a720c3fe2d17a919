//! Named predicates over Rust facts.
use super::RustFacts;

/// Whether the type at `ty` (a path as written) implements one of the verifier traits with a `verify_*_cert`
/// method that returns `Ok` on every path: in this file (matched by name) or in the module that defines it.
pub fn verifier_accepts_all(facts: &RustFacts, ty: &str) -> bool {
    let name = ty.rsplit("::").next().unwrap_or(ty);
    let accepts = |m: &super::ImplMethod| is_verify_cert(&m.method) && m.always_ok;
    facts.impls.iter().any(|m| m.self_ty == name && accepts(m))
        || facts.imported_impls.iter().any(|(t, m)| t == ty && accepts(m))
}

/// A verifier trait's method that judges a certificate: `verify_server_cert`, `verify_client_cert`.
pub fn is_verify_cert(method: &str) -> bool {
    method.starts_with("verify_") && method.ends_with("_cert")
}
