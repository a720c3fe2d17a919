#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { createMtlsServer } from './tls-server.mjs';
import { loadServerCerts } from './certs.mjs';
import { watchCerts } from './watch.mjs';
import { peerSpiffeId } from './peer.mjs';
import { startDebugServer, recordRequest } from './debug.mjs';
import { register } from './upstream.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: stdio-proxy <mcp-server-command> [args...]');
  process.exit(2);
}

const ALLOWED = new Set((process.env.PROXY_ALLOWED_IDS ?? '').split(',').filter(Boolean));

const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
const pending = new Map();
let buffered = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) !== -1) {
    const msg = JSON.parse(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
    pending.get(msg.id)?.(msg);
    pending.delete(msg.id);
  }
});

const server = createMtlsServer(loadServerCerts(), async (req, res) => {
  const id = peerSpiffeId(req.socket);
  if (!id || !ALLOWED.has(id)) {
    recordRequest(false);
    res.writeHead(403).end();
    return;
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  const msg = JSON.parse(body);
  const reply = await new Promise((resolve) => {
    pending.set(msg.id, resolve);
    child.stdin.write(JSON.stringify(msg) + '\n');
  });
  recordRequest(true);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(reply));
});

server.listen(Number(process.env.PROXY_PORT ?? 8443));
watchCerts(server);

if (process.env.DEBUG_PORT) startDebugServer(Number(process.env.DEBUG_PORT));
if (process.env.CONTROL_PLANE_URL) await register(process.env.CONTROL_PLANE_URL, { command, pid: process.pid });
