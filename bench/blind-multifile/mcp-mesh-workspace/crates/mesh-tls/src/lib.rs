//! TLS plumbing shared by every service in the mesh.

pub mod config;
pub mod verifiers;

pub use config::{grpc_tls, load_certs, load_key, load_roots, server_builder};
pub use verifiers::{NoopServerVerifier, PermissiveClientVerifier, PinnedServerVerifier};
