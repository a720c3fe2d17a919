'use strict';

const fs = require('fs');
const path = require('path');

const CERTS = process.env.BRIDGE_CERTS || path.join(__dirname, '..', 'certs');
const read = (file) => fs.readFileSync(path.join(CERTS, file));

const serverOptions = {
  key: read('server.key'),
  cert: read('server.crt'),
  ca: read('clients-ca.crt'),
  requestCert: true,
  // The kubelet probes /healthz without a client certificate, so the handshake
  // must not fail; lib/authz.cjs rejects unauthenticated peers on every other route.
  rejectUnauthorized: false,
};

const upstreamOptions = {
  key: read('bridge-client.key'),
  cert: read('bridge-client.crt'),
  // tools.legacy.corp still runs OpenSSL 0.9.8 with a self-signed cert.
  secureProtocol: 'TLSv1_method',
  rejectUnauthorized: false,
};

module.exports = {
  CERTS,
  serverOptions,
  upstreamOptions,
};
