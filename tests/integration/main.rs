//! Integration tests: rule fixtures and examples, the CLI end to end, bad input, broken rules.
mod action;
mod adversarial;
mod bad_input;
mod broken_rules;
mod certificates;
mod cli;
mod config;
mod examples;
mod fixtures;
mod fuzz_smoke;
mod hostile;
mod mint;
mod prefilter;
mod probe;
mod projects;
mod support;
mod suppressions;
