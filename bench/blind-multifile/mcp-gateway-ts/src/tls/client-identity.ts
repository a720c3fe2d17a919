import fs from 'node:fs';
import path from 'node:path';
import type { AgentOptions } from 'node:https';
import { CERT_DIR, certPaths } from './options.js';

// The gateway's own workload identity, presented to upstream tool servers.
export const clientIdentity = {
  cert: fs.readFileSync(path.join(CERT_DIR, 'client.crt')),
  key: fs.readFileSync(path.join(CERT_DIR, 'client.key')),
};

export const meshCa = fs.readFileSync(certPaths.ca);

// The billing vendor terminates TLS on a shared load balancer whose
// certificate is issued for *.lb.billing-vendor.net, not for our CNAME.
export const vendorTlsOptions: AgentOptions = {
  ca: fs.readFileSync(path.join(CERT_DIR, 'vendor-ca.crt')),
  checkServerIdentity: () => undefined,
  keepAlive: true,
};
