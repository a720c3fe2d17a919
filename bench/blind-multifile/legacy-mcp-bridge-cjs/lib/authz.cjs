'use strict';

const ALLOWED_SUBJECTS = new Set(
  (process.env.BRIDGE_ALLOWED_CNS || 'agent-runner,ops-console').split(',').map((s) => s.trim()),
);

function requireAuthorizedPeer(req, res, next) {
  if (!req.client.authorized) {
    res.status(401).json({ error: 'client certificate required', reason: req.client.authorizationError });
    return;
  }
  const cert = req.socket.getPeerCertificate();
  const cn = cert && cert.subject && cert.subject.CN;
  if (!cn || !ALLOWED_SUBJECTS.has(cn)) {
    res.status(403).json({ error: 'subject not allowed' });
    return;
  }
  req.peerName = cn;
  next();
}

module.exports = { requireAuthorizedPeer };
