import fs from 'node:fs';
import tls from 'node:tls';
import type { Server } from 'node:https';
import { CERT_DIR, readServerMaterial } from './options.js';

const DEBOUNCE_MS = 500;

/**
 * cert-manager rewrites the mounted secret in place; pick up the new
 * key pair without dropping in-flight MCP sessions.
 */
export function watchCertificates(server: Server): fs.FSWatcher {
  let timer: NodeJS.Timeout | undefined;

  const reload = () => {
    try {
      server.setSecureContext(tls.createSecureContext(readServerMaterial()));
      console.info('[tls] reloaded gateway certificate from %s', CERT_DIR);
    } catch (err) {
      console.error('[tls] certificate reload failed, keeping previous context', err);
    }
  };

  return fs.watch(CERT_DIR, () => {
    clearTimeout(timer);
    timer = setTimeout(reload, DEBOUNCE_MS);
  });
}
