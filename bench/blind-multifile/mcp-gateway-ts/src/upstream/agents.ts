import https from 'node:https';
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { clientIdentity, meshCa, vendorTlsOptions } from '@app/tls';

// Tool servers inside the mesh.
const upstreamAgent = new https.Agent({ ...clientIdentity, keepAlive: true, maxSockets: 32 });

// Tool registry (also inside the mesh, pinned to the mesh CA).
const registryAgent = new https.Agent({ ...clientIdentity, ca: meshCa, keepAlive: true });

// External billing API.
const billingAgent = new https.Agent(vendorTlsOptions);

function postJson(url: string, agent: https.Agent, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export function registerUpstreamTools(mcp: McpServer) {
  mcp.tool('list_tools_upstream', { namespace: z.string() }, async ({ namespace }) => {
    const result = await postJson('https://registry.mesh.internal/v1/list', registryAgent, { namespace });
    return { content: [{ type: 'text', text: JSON.stringify(result) }] };
  });

  mcp.tool('call_upstream', { server: z.string(), tool: z.string(), args: z.record(z.unknown()) }, async ({ server, tool, args }) => {
    const result = await postJson(`https://${server}.tools.mesh.internal/invoke`, upstreamAgent, { tool, args });
    return { content: [{ type: 'text', text: JSON.stringify(result) }] };
  });

  mcp.tool('usage_report', { month: z.string() }, async ({ month }) => {
    const result = await postJson('https://billing.example-vendor.com/api/usage', billingAgent, { month });
    return { content: [{ type: 'text', text: JSON.stringify(result) }] };
  });
}
