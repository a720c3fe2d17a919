import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TLS_DIR = process.env.HUB_TLS_DIR ?? '/var/run/hub/tls';

function read(name) {
  return readFileSync(join(TLS_DIR, name));
}

/** Server certificate only (one-way TLS). */
export function makeEdgeTlsOptions() {
  return {
    key: read('tls.key'),
    cert: read('tls.crt'),
    minVersion: 'TLSv1.2',
  };
}

/** Full mutual TLS, clients must chain to the hub CA. */
export function makeMtlsOptions() {
  return {
    ...makeEdgeTlsOptions(),
    ca: read('ca.crt'),
    requestCert: true,
    rejectUnauthorized: true,
  };
}
