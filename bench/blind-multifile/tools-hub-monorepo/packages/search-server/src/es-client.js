import { Agent, request } from 'undici';
import { makeClientTls } from '@hub/tls-config';

const ES_URL = process.env.ES_URL ?? 'https://search-legacy.hub.internal:9200';

// The legacy Elasticsearch 5 cluster only speaks TLS 1.1; remove once the
// migration to the new cluster is done (HUB-412).
const legacyEs = new Agent({
  connect: { ...makeClientTls(), minVersion: 'TLSv1.1' },
  keepAliveTimeout: 30_000,
});

export async function searchIndex(index, query) {
  const { body } = await request(`${ES_URL}/${encodeURIComponent(index)}/_search`, {
    method: 'POST',
    dispatcher: legacyEs,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: { simple_query_string: { query } }, size: 20 }),
  });
  const json = await body.json();
  return json.hits.hits.map((h) => ({ id: h._id, score: h._score, ...h._source }));
}
