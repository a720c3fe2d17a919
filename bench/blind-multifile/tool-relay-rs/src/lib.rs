//! tool-relay: forwards MCP tool calls from agents to tool servers.

pub mod admin;
pub mod certs;
pub mod http;
pub mod roots;
pub mod server;
pub mod verifier;
