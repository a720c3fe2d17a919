import Fastify from 'fastify';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { makeMtlsOptions } from '@hub/tls-config';
import { clientIdentityHook } from './auth.js';
import { searchIndex } from './es-client.js';

const app = Fastify({
  logger: true,
  https: makeMtlsOptions(),
});

app.addHook('onRequest', clientIdentityHook);

function buildMcp() {
  const mcp = new McpServer({ name: 'hub-search', version: '0.1.0' });
  mcp.tool('search', { index: z.string(), query: z.string() }, async ({ index, query }) => {
    const hits = await searchIndex(index, query);
    return { content: [{ type: 'text', text: JSON.stringify(hits) }] };
  });
  return mcp;
}

app.post('/mcp', async (request, reply) => {
  const mcp = buildMcp();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  reply.raw.on('close', () => transport.close());
  await mcp.connect(transport);
  await transport.handleRequest(request.raw, reply.raw, request.body);
  return reply;
});

await app.listen({ port: Number(process.env.PORT ?? 8443), host: '0.0.0.0' });
