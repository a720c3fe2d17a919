'use strict';

const tls = require('tls');
const { upstreamOptions } = require('./tls.cjs');

const UPSTREAM_HOST = process.env.LEGACY_TOOLS_HOST || 'tools.legacy.corp';
const UPSTREAM_PORT = Number(process.env.LEGACY_TOOLS_PORT || 7000);

/** Send one JSON-RPC message to the legacy tool host and wait for the reply line. */
function forward(message) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: UPSTREAM_HOST, port: UPSTREAM_PORT, servername: UPSTREAM_HOST, ...upstreamOptions },
      () => socket.write(JSON.stringify(message) + '\n'),
    );
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl !== -1) {
        socket.end();
        try {
          resolve(JSON.parse(buf.slice(0, nl)));
        } catch (err) {
          reject(err);
        }
      }
    });
    socket.on('error', reject);
    socket.setTimeout(15000, () => socket.destroy(new Error('upstream timeout')));
  });
}

module.exports = { forward };
