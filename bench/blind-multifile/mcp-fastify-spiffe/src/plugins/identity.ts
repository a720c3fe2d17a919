import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { TLSSocket } from 'node:tls';

declare module 'fastify' {
  interface FastifyRequest {
    spiffeId?: string;
  }
}

export interface IdentityOptions {
  allow: string[];
}

const identity: FastifyPluginAsync<IdentityOptions> = async (app, opts) => {
  const allow = new Set(opts.allow);
  app.decorateRequest('spiffeId', undefined);

  app.addHook('onRequest', async (request, reply) => {
    const socket = request.raw.socket as TLSSocket;
    const san = socket.getPeerCertificate()?.subjectaltname ?? '';
    const uri = san
      .split(', ')
      .find((entry) => entry.startsWith('URI:spiffe://'))
      ?.slice('URI:'.length);
    if (!uri || !allow.has(uri)) {
      return reply.code(403).send({ error: 'workload not allowed' });
    }
    request.spiffeId = uri;
  });
};

export default fp(identity, { name: 'spiffe-identity' });
