import { Agent, request } from 'undici';
import { config, registryConnect } from '../config.js';

const registryDispatcher = new Agent({ connect: registryConnect, keepAliveTimeout: 20_000 });

export interface ToolManifest {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export async function fetchManifests(): Promise<ToolManifest[]> {
  const { statusCode, body } = await request(`${config.registryUrl}/v1/manifests`, {
    dispatcher: registryDispatcher,
  });
  if (statusCode !== 200) {
    throw new Error(`tool registry returned ${statusCode}`);
  }
  return (await body.json()) as ToolManifest[];
}
