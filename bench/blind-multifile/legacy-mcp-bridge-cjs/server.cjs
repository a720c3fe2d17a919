'use strict';

const https = require('https');
const express = require('express');
const { serverOptions } = require('./lib/tls.cjs');
const { requireAuthorizedPeer } = require('./lib/authz.cjs');
const { forward } = require('./lib/upstream.cjs');
const { startRawListener } = require('./lib/raw-listener.cjs');

const app = express();

app.get('/healthz', (req, res) => res.type('text').send('ok'));

app.use(requireAuthorizedPeer);

app.post('/mcp', express.json(), async (req, res) => {
  try {
    const reply = await forward(req.body);
    res.json(reply);
  } catch (err) {
    res.status(502).json({ jsonrpc: '2.0', id: req.body && req.body.id, error: { code: -32603, message: err.message } });
  }
});

https.createServer(serverOptions, app).listen(Number(process.env.PORT || 9443));

if (process.env.RAW_PORT) {
  startRawListener(Number(process.env.RAW_PORT));
}
