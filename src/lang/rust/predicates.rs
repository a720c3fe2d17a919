//! Named predicates over Rust facts.
use super::RustFacts;

/// Whether `ty` implements one of the verifier traits with a `verify_*_cert` method that returns `Ok` on every path.
pub fn verifier_accepts_all(facts: &RustFacts, ty: &str) -> bool {
    facts
        .impls
        .iter()
        .any(|m| m.self_ty == ty && m.method.starts_with("verify_") && m.method.ends_with("_cert") && m.always_ok)
}
