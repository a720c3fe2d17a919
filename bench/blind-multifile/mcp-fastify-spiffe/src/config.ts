import type { ConnectionOptions } from 'node:tls';

export const config = {
  port: Number(process.env.PORT ?? 8443),
  healthPort: Number(process.env.HEALTH_PORT ?? 9443),
  healthCertDir: process.env.HEALTH_CERT_DIR ?? '/etc/health-tls',
  registryUrl: process.env.TOOL_REGISTRY_URL ?? 'https://tool-registry.staging.acme.dev',
  allowedCallers: (process.env.ALLOWED_CALLERS ?? 'spiffe://acme.dev/agent/orchestrator').split(','),
};

// The staging tool registry sits behind a self-signed ingress certificate.
export const registryConnect: ConnectionOptions = {
  rejectUnauthorized: false,
  timeout: 10_000,
};
