import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { config } from './config.js';

let ready = false;
export function markReady() {
  ready = true;
}

/** Separate listener for the load balancer health checks. */
export function startHealthServer(): https.Server {
  const server = https.createServer(
    {
      key: fs.readFileSync(path.join(config.healthCertDir, 'tls.key')),
      cert: fs.readFileSync(path.join(config.healthCertDir, 'tls.crt')),
    },
    (req, res) => {
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ready ? 'ok' : 'starting');
    },
  );
  return server.listen(config.healthPort);
}
