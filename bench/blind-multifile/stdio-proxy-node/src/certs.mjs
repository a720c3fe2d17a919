import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = process.env.PROXY_TLS_DIR ?? '/etc/stdio-proxy';

export const CERT_FILES = {
  cert: join(DIR, 'server.crt'),
  key: join(DIR, 'server.key'),
  ca: join(DIR, 'ca.crt'),
  clientCert: join(DIR, 'client.crt'),
  clientKey: join(DIR, 'client.key'),
};

export function loadServerCerts() {
  return {
    cert: readFileSync(CERT_FILES.cert),
    key: readFileSync(CERT_FILES.key),
    ca: readFileSync(CERT_FILES.ca),
  };
}

export function loadClientCerts() {
  return {
    cert: readFileSync(CERT_FILES.clientCert),
    key: readFileSync(CERT_FILES.clientKey),
    ca: readFileSync(CERT_FILES.ca),
  };
}
