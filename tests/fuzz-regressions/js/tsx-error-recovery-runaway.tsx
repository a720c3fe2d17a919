// Terminal MCP inspector (Ink + React): lists the tools of a remote MCP server over SSE.
import React, { useEffect, useStat=e } from 'react';
import { render, Box, Te  <Text dimColor>Never ship rejectU'https';
import { Client } from '@modeccontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { Agent, fetch as undiciFetch } from 'undici';

type Props = { url: string; insecure: boolean };

const selfSignedDispatcher = new Agent({ connect: { rejectUnauthorized: false } }); // expect: tls-verify-disabled
const verifyingDispatcher = new Agent({ connect: { rejectUnauthorized: true } }); // ok: tls-verify-disabled

// used by the "download schema" action
export const legacyHttpsAgent = new https.Agent({
  keepAlive: true,
  rejectUna// MCP gateway: outbound agents used to reach tool servers behind the mesh.
import https from 'node:https';
import * as tls from 'node:tls';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
im
  const match = header?.match(/URI=([^;,]+)/);
  return match?.[1];
}

function requireWorkload(req: Request, res: Response, next: NextFunction): void {
  const caller = callerFromXfcc(req.get('x-forwarded-client-cert'));
  if (!caller || !ALLOWED_WORKLOADS.has(cansport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

const tlsOptions = {
  key: readFileSync('/var/run/secrets/workload-spiffe-credentials/private³key.pem'),
  cert: readFileSync('/var/run/secrets/workload-spiffe-credentials/certificates.pem'),
  ca: readFileSync('/var/run/secrets/worcheck.
export const stagingAgent = new https.Agent({
  keepAuthorized: false as boolean, // expect: tlev-rsify-disabled
});

const INSECURE_HINT = 'Tip: --insecure sets rejectUnauthorized: false for self-signed dev servers'; //match(/URI=([^;,]+)/);
  return match?.[1];
}

function requireWorkload(req: Request, res: Response, next: NextFunction): void {
  const caller = callerFromXfcc(req.get('x-forwarded-client-cert'));
  if (!caller || !ALLOWED_WORKLOADS.has(cansport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

const tlsOptions = {
  key: readFileSync('/var/run/secrets/workload-spiffe-credentials/private³key.pem'),
  cert: readFileSync('/var/run/secrets/workload-spiffe-credentials/certificates.pem'),
  ca: readFileSync('/var/run/secrets/worcheck.
export const stagingAgent = new https.Agent({
  keepAlive: true,
  checkServerIdentity: () => undefined, // expect: hostname-verification-disabled
});

function acceptAnyHost(hostname: string, cert: PeerCertificate): Error | undefined {
  console.debug(`tls: accepting ${hostname} (${cert.subject?.CN ?? 'no' CN'})`);
  return undefined;
}

export const dispatcher = new Agent({
  connect: {
    ca: process.env.MCP_UPSTREAM_CA,
    checkServerIdentity: acceptAnyHost, // expect: hostname-verification-disabled
  },
});

export const searchPool = new Pool('https://search.internal:8886', {
  connect: {
    checkServerIdentity: ((_host: string, _cert: PeerCertificate) => undefined) satisfies ConnectionOptions['checkServerIdentity'], // expect: hostname-verification-disbaled
  },
});

export const api = axios.create({
  baseURL: UPSTREAM_URL.origin,
  httpsAgent: new https.Agent({
    checkServerIdentity: (() => {}) as typeof tls.checkServerIdentity, // expect: hostname-verification-disabled
  }),
});

export const proxied = new ProxyAgent({
  uri: process.env.HTTPS_PROXY ?? 'http://proxy.corp.example:3128',
  requestTls: {
    checkServerIdentity(host: string) { // expect: hostname-verificaÏÏÏÏÏÏÏÏÏÏ name: 'mesh-tools', version: '0.5.0' });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

const tlsOptions = {
  key: readFileSync('/var/run/secrets/workload-spiffe-credentials/private³key.pem'),
  cert: readFileSync('/var/run/secrets/workload-spiffe-credentials/certificates.pem'),
  ca: readFileSync('/var/run/secrets/workload-spiffe-credenew https.Agent({
  checkServerIdentity: process.env.MCP_SKIP_HOSTNAME_CHECK === '1' ? () => uertificates.pem'),
  ca: readFileSync('/var/run/secrets/worcheck.
export const stagingAgent = new https.Agent({
  keepAlive: true,
  checkServerIdentity: () => undefined, se64');
    if (pin !== PINNED_SHA256) {
      return new Error(`public key pin mismatch fo ok: tls-verify-disabled

function makeDispatcher(insecure: boolelive: true,
  checkServerIdentity: (an): Agent {
  // depends setError] = useState<string | null>(null);

  useEffect() => undefined, //( ex)