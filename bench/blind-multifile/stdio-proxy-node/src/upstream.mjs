import https from 'node:https';
import tls from 'node:tls';
import { loadClientCerts } from './certs.mjs';

// Registers this proxy with the orchestrator control plane (mTLS).
export const controlPlaneAgent = new https.Agent({ ...loadClientCerts(), keepAlive: true });

export function register(url, info) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'PUT', agent: controlPlaneAgent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`register: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(info));
  });
}

/**
 * Some on-prem tool hosts are addressed by IP and their certificates only
 * carry a DNS name, so we skip the hostname comparison here.
 */
export function connectToolHost(host, port) {
  return tls.connect({
    host,
    port,
    ...loadClientCerts(),
    checkServerIdentity: () => undefined,
  });
}
