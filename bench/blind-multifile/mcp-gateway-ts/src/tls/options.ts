import fs from 'node:fs';
import path from 'node:path';
import type { ServerOptions } from 'node:https';

export const CERT_DIR = process.env.GATEWAY_TLS_DIR ?? '/etc/mcp-gateway/tls';

export const certPaths = {
  cert: path.join(CERT_DIR, 'tls.crt'),
  key: path.join(CERT_DIR, 'tls.key'),
  ca: path.join(CERT_DIR, 'ca.crt'),
};

export function readServerMaterial() {
  return {
    cert: fs.readFileSync(certPaths.cert),
    key: fs.readFileSync(certPaths.key),
    ca: fs.readFileSync(certPaths.ca),
  };
}

// Options for the public-facing gateway listener. Every caller must present
// a workload certificate issued by the mesh CA.
export const serverTlsOptions: ServerOptions = {
  ...readServerMaterial(),
  requestCert: true,
  rejectUnauthorized: true,
  minVersion: 'TLSv1.2',
};
