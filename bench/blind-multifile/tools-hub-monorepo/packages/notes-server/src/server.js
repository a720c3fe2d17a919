import { createServer } from 'node:https';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { makeEdgeTlsOptions } from '@hub/tls-config';

const notes = new Map();

function buildMcp() {
  const mcp = new McpServer({ name: 'hub-notes', version: '0.1.0' });
  mcp.tool('add_note', { title: z.string(), body: z.string() }, async ({ title, body }) => {
    notes.set(title, body);
    return { content: [{ type: 'text', text: `saved ${title}` }] };
  });
  mcp.tool('get_note', { title: z.string() }, async ({ title }) => ({
    content: [{ type: 'text', text: notes.get(title) ?? '' }],
  }));
  return mcp;
}

// Notes contain user data, so require a client certificate as well.
const server = createServer(
  { ...makeEdgeTlsOptions(), requestCert: true, rejectUnauthorized: true },
  async (req, res) => {
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
  },
);

server.listen(Number(process.env.PORT ?? 8445));
