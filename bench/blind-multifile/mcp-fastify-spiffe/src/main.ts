import Fastify from 'fastify';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { config } from './config.js';
import { meshServerTls } from './tls/mesh.js';
import { enableRotation } from './tls/rotation.js';
import identity from './plugins/identity.js';
import { fetchManifests } from './clients/registry.js';
import { markReady, startHealthServer } from './health.js';

const app = Fastify({
  logger: true,
  https: meshServerTls(),
});

await app.register(identity, { allow: config.allowedCallers });

app.post('/mcp', async (request, reply) => {
  const mcp = new McpServer({ name: 'spiffe-tools', version: '0.9.0' });
  for (const manifest of await fetchManifests()) {
    mcp.registerTool(manifest.name, { description: manifest.description }, async () => ({
      content: [{ type: 'text', text: `called ${manifest.name} as ${request.spiffeId}` }],
    }));
  }
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  reply.raw.on('close', () => void transport.close());
  await mcp.connect(transport);
  await transport.handleRequest(request.raw, reply.raw, request.body);
  return reply;
});

startHealthServer();
await app.listen({ port: config.port, host: '0.0.0.0' });
enableRotation(app.server);
markReady();
