// Snippets for the bench's peer rules (see checks.js), in TSX.
const agent = new https.Agent({ rejectUnauthorized: false }); // expect: reject-unauthorized-false
const view = <Probe tls={{ rejectUnauthorized: false }} />; // expect: reject-unauthorized-false
const server = tls.createServer({ requestCert: true, cert: CERT }); // expect: request-cert-without-ca
const c = tls.connect({ checkServerIdentity: (): undefined => undefined }); // expect: noop-check-server-identity
