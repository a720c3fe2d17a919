import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TLS_DIR = process.env.HUB_TLS_DIR ?? '/var/run/hub/tls';

/** Client identity + trust anchor for outbound calls from hub services. */
export function makeClientTls() {
  return {
    ca: readFileSync(join(TLS_DIR, 'ca.crt')),
    cert: readFileSync(join(TLS_DIR, 'client.crt')),
    key: readFileSync(join(TLS_DIR, 'client.key')),
  };
}
