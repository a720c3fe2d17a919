const SPIFFE_RE = /URI:(spiffe:\/\/[^,\s]+)/;

const ALLOWED = new Set(
  (process.env.SEARCH_ALLOWED_IDS ?? 'spiffe://hub.internal/ns/agents/sa/assistant')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** fastify onRequest hook: pin callers to an allowlist of SPIFFE IDs. */
export async function clientIdentityHook(request, reply) {
  const socket = request.raw.socket;
  const cert = socket.getPeerCertificate();
  const id = cert?.subjectaltname?.match(SPIFFE_RE)?.[1];
  if (!socket.authorized || !id || !ALLOWED.has(id)) {
    request.log.warn({ id }, 'rejected caller');
    return reply.code(403).send({ error: 'forbidden' });
  }
  request.callerId = id;
}
