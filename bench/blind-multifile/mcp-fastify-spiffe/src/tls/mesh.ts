import type { SecureContextOptions } from 'node:tls';
import { getWorkloadTls } from '@acme/mesh-identity';

/**
 * getWorkloadTls() talks to the local SPIRE agent and returns the current
 * X.509-SVID as { key, cert, ca } where `ca` is the trust-domain bundle.
 */
export function meshServerTls(): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  return {
    ...getWorkloadTls(),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  };
}
