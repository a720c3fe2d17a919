import https from 'node:https';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { serverTlsOptions, watchCertificates } from '@app/tls';
import { requireWorkloadIdentity } from '@app/middleware/identity';
import { registerUpstreamTools } from '@app/upstream/agents';

const ALLOWED_CALLERS = [
  'spiffe://prod.acme.internal/ns/agents/sa/planner',
  'spiffe://prod.acme.internal/ns/agents/sa/coder',
];

const app = express();
app.use(express.json({ limit: '2mb' }));
app.use('/mcp', requireWorkloadIdentity(ALLOWED_CALLERS));

app.post('/mcp', async (req, res) => {
  const mcp = new McpServer({ name: 'mcp-gateway', version: '1.4.0' });
  registerUpstreamTools(mcp);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void mcp.close();
  });
  await mcp.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

const server = https.createServer(serverTlsOptions, app);
watchCertificates(server);

server.listen(Number(process.env.PORT ?? 8443), () => {
  console.info('mcp-gateway listening with mTLS');
});
