import type { Request, Response, NextFunction } from 'express';
import type { TLSSocket } from 'node:tls';

const SPIFFE_URI = /URI:(spiffe:\/\/[^,\s]+)/;

declare module 'express-serve-static-core' {
  interface Request {
    workloadId?: string;
  }
}

export function requireWorkloadIdentity(allowed: readonly string[]) {
  const allowlist = new Set(allowed);

  return (req: Request, res: Response, next: NextFunction) => {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) {
      res.status(401).json({ error: 'client certificate required' });
      return;
    }
    const peer = socket.getPeerCertificate();
    const spiffeId = peer?.subjectaltname?.match(SPIFFE_URI)?.[1];
    if (!spiffeId || !allowlist.has(spiffeId)) {
      res.status(403).json({ error: `workload ${spiffeId ?? '<none>'} is not allowed` });
      return;
    }
    req.workloadId = spiffeId;
    next();
  };
}
