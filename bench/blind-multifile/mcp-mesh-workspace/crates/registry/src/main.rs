//! gRPC tool registry: gateways and agents look up which MCP servers exist.

use std::collections::HashMap;
use std::sync::RwLock;

use tonic::transport::Server;
use tonic::{Request, Response, Status};

pub mod pb {
    tonic::include_proto!("mesh.registry.v1");
}

use pb::registry_server::{Registry, RegistryServer};
use pb::{LookupRequest, LookupResponse, RegisterRequest, RegisterResponse};

#[derive(Default)]
struct RegistryService {
    servers: RwLock<HashMap<String, String>>,
}

#[tonic::async_trait]
impl Registry for RegistryService {
    async fn register(&self, req: Request<RegisterRequest>) -> Result<Response<RegisterResponse>, Status> {
        let req = req.into_inner();
        self.servers.write().unwrap().insert(req.name, req.endpoint);
        Ok(Response::new(RegisterResponse {}))
    }

    async fn lookup(&self, req: Request<LookupRequest>) -> Result<Response<LookupResponse>, Status> {
        let name = req.into_inner().name;
        match self.servers.read().unwrap().get(&name) {
            Some(endpoint) => Ok(Response::new(LookupResponse { endpoint: endpoint.clone() })),
            None => Err(Status::not_found(name)),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let tls = mesh_tls::grpc_tls("/var/run/mesh/registry/tls.crt", "/var/run/mesh/registry/tls.key")?;

    Server::builder()
        .tls_config(tls)?
        .add_service(RegistryServer::new(RegistryService::default()))
        .serve("0.0.0.0:50051".parse()?)
        .await?;
    Ok(())
}
