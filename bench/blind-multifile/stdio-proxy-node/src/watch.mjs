import tls from 'node:tls';
import chokidar from 'chokidar';
import { CERT_FILES, loadServerCerts } from './certs.mjs';

export function watchCerts(server) {
  const watcher = chokidar.watch([CERT_FILES.cert, CERT_FILES.key, CERT_FILES.ca], {
    awaitWriteFinish: { stabilityThreshold: 1000 },
  });
  watcher.on('change', () => {
    try {
      server.setSecureContext(tls.createSecureContext(loadServerCerts()));
      console.error('[stdio-proxy] certificates reloaded');
    } catch (err) {
      console.error('[stdio-proxy] reload failed:', err.message);
    }
  });
  return watcher;
}
