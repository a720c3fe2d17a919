//! Placeholder: cargo needs a target to resolve this manifest.
