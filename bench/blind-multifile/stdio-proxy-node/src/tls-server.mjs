import http2 from 'node:http2';

const DEFAULTS = Object.freeze({
  requestCert: true,
  rejectUnauthorized: true,
  minVersion: 'TLSv1.2',
  allowHTTP1: true,
});

/** HTTP/2 (+HTTP/1.1 fallback) server with mutual TLS on by default. */
export function createMtlsServer(opts, handler) {
  return http2.createSecureServer({ ...DEFAULTS, ...opts }, handler);
}
