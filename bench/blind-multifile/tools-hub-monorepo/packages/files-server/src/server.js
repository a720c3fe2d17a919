import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { makeEdgeTlsOptions } from '@hub/tls-config';

const ROOT = resolve(process.env.FILES_ROOT ?? '/srv/hub-files');

function buildMcp() {
  const mcp = new McpServer({ name: 'hub-files', version: '0.1.0' });
  mcp.tool('read_file', { path: z.string() }, async ({ path }) => {
    const full = resolve(ROOT, path);
    if (!full.startsWith(ROOT + sep)) {
      return { isError: true, content: [{ type: 'text', text: 'path escapes root' }] };
    }
    return { content: [{ type: 'text', text: await readFile(full, 'utf8') }] };
  });
  return mcp;
}

const server = https.createServer(makeEdgeTlsOptions(), async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));

  const mcp = buildMcp();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => transport.close());
  await mcp.connect(transport);
  await transport.handleRequest(req, res, body);
});

server.listen(Number(process.env.PORT ?? 8444));
