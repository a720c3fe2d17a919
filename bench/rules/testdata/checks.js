// Snippets for the bench's peer rules. A line that a check must hit ends with `expect: CHECK`;
// every other line must not be hit. scripts/bench.py --check-rules verifies both peers.
const https = require('https');
const tls = require('tls');

https.get({ host: 'a', rejectUnauthorized: false }); // expect: reject-unauthorized-false
https.get({ host: 'a', 'rejectUnauthorized': false }); // expect: reject-unauthorized-false
https.get({ host: 'a', rejectUnauthorized: true });
const opts = {};
opts.rejectUnauthorized = false; // an assignment, not an object property: out of scope for the peers
const name = { rejectUnauthorized: 'false' };

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // expect: node-tls-reject-unauthorized-0
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"; // expect: node-tls-reject-unauthorized-0
process.env.NODE_TLS_REJECT_UNAUTHORIZED = 0; // expect: node-tls-reject-unauthorized-0
process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = '0'; // expect: node-tls-reject-unauthorized-0
process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = 0; // expect: node-tls-reject-unauthorized-0
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '1';
const v = process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0';

tls.createServer({ requestCert: true, key, cert }); // expect: request-cert-without-ca
tls.createServer({ requestCert: true, key, cert, ca });
tls.createServer({ requestCert: true, key, cert, ca: CA });
tls.createServer({ requestCert: false, key, cert });

tls.connect({ checkServerIdentity: () => undefined }); // expect: noop-check-server-identity
tls.connect({ checkServerIdentity: () => {} }); // expect: noop-check-server-identity
tls.connect({ checkServerIdentity: (host, cert) => null }); // expect: noop-check-server-identity
tls.connect({ checkServerIdentity: host => undefined }); // expect: noop-check-server-identity
tls.connect({ checkServerIdentity: function () {} }); // expect: noop-check-server-identity
tls.connect({ checkServerIdentity: function (h, c) { /* trust all */ } }); // expect: noop-check-server-identity
tls.connect({ checkServerIdentity: () => { return undefined; } }); // expect: noop-check-server-identity
tls.connect({ checkServerIdentity: (h, c) => tls.checkServerIdentity(h, c) });
tls.connect({ checkServerIdentity: (h, c) => { if (c.subject.CN !== 'x') return new Error('no'); } });
