import tls from 'node:tls';
import type { Server as HttpsServer } from 'node:https';
import { onSvidRotated } from '@acme/mesh-identity';

/** SVIDs live for one hour; swap the context whenever SPIRE pushes a new one. */
export function enableRotation(server: HttpsServer | tls.Server): () => void {
  return onSvidRotated((material) => {
    server.setSecureContext(tls.createSecureContext(material));
  });
}
