'use strict';

const tls = require('tls');
const readline = require('readline');
const { serverOptions } = require('./tls.cjs');
const { forward } = require('./upstream.cjs');

/**
 * Newline-delimited JSON-RPC (MCP stdio framing) over a bare TLS socket, for
 * the old desktop agents that cannot speak HTTP. Some of them ship an OpenSSL
 * without TLS 1.2 support, hence the lower floor.
 */
function startRawListener(port) {
  const server = tls.createServer({ ...serverOptions, minVersion: 'TLSv1.1' }, (socket) => {
    const rl = readline.createInterface({ input: socket });
    rl.on('line', async (line) => {
      try {
        const reply = await forward(JSON.parse(line));
        socket.write(JSON.stringify(reply) + '\n');
      } catch (err) {
        socket.write(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: String(err) } }) + '\n');
      }
    });
  });
  server.listen(port);
  return server;
}

module.exports = { startRawListener };
