/** Extract the SPIFFE ID (URI SAN) from an authorized TLS peer, or null. */
export function peerSpiffeId(socket) {
  if (!socket || !socket.authorized) return null;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subjectaltname) return null;
  for (const entry of cert.subjectaltname.split(', ')) {
    if (entry.startsWith('URI:spiffe://')) return entry.slice(4);
  }
  return null;
}
