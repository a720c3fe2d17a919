import { createMtlsServer } from './tls-server.mjs';

const stats = { started: new Date().toISOString(), requests: 0, errors: 0 };

export function recordRequest(ok) {
  stats.requests += 1;
  if (!ok) stats.errors += 1;
}

/**
 * Local debug endpoint for the MCP inspector. Uses the dev certificate from
 * the environment; the inspector cannot present a client certificate.
 */
export function startDebugServer(port) {
  const server = createMtlsServer(
    {
      key: process.env.DEBUG_TLS_KEY,
      cert: process.env.DEBUG_TLS_CERT,
      rejectUnauthorized: false,
    },
    (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats));
    },
  );
  return server.listen(port, '127.0.0.1');
}
