'use strict';
// A reference host of the snapshot-sidecar HTTP fold protocol, version 1 (docs/fold-protocol/ in the repository),
// on Node's standard library only. It serves the folds registered in AGGREGATES below; copy it and register your own.
//
//   node server.js [--port 8088] [--host 127.0.0.1]
//
// Environment: FOLD_HOST_TOKEN  require "Authorization: Bearer <token>" (from a secret);
//              FOLD_HOST_TLS_KEY, FOLD_HOST_TLS_CERT  serve HTTPS with this key and certificate (PEM files);
//              FOLD_HOST_TLS_CA  also require a client certificate signed by this CA (mutual TLS).
// It never logs a request's or an answer's body: they carry events and state.
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const crypto = require('node:crypto');

const PROTOCOL = 1;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

// aggregate type (as the sidecar's configuration names it) -> its fold: { schemaVersion, initial(), apply(state, event) }
const AGGREGATES = {
  prescription: require('./prescription.js'),
};

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  const timing = res.startedAt === undefined ? {}
    : { 'Server-Timing': `fold;dur=${(Number(process.hrtime.bigint() - res.startedAt) / 1e6).toFixed(3)}` };
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...timing, ...headers });
  res.end(text);
}

function reject(res, status, error, reason, version) {
  const body = { protocol: PROTOCOL, error, reason };
  if (version !== undefined) body.version = version;
  send(res, status, body);
}

function authorised(req) {
  const token = process.env.FOLD_HOST_TOKEN;
  if (!token) return true;
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(req.headers.authorization || '');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

function describe(res) {
  const aggregateTypes = {};
  for (const [type, fold] of Object.entries(AGGREGATES)) aggregateTypes[type] = { schemaVersion: fold.schemaVersion };
  send(res, 200, { protocol: PROTOCOL, aggregateTypes });
}

// POST /fold: the state after the events, starting from `from` (a snapshot) or from the initial state.
function fold(res, request) {
  if (!request || request.protocol !== PROTOCOL || typeof request.streamId !== 'string' || !Array.isArray(request.events)) {
    return reject(res, 400, 'bad-request', `not a protocol-${PROTOCOL} fold request`);
  }
  const aggregate = AGGREGATES[request.aggregateType];
  if (!aggregate) {
    return reject(res, 422, 'unknown-aggregate-type', `this host does not fold ${request.aggregateType}`);
  }
  const from = request.from;
  if (from && from.schemaVersion !== aggregate.schemaVersion) {
    // a snapshot of a form this code no longer reads: the sidecar describes again and folds from the first event
    return reject(res, 422, 'unsupported-schema-version', `schema version ${from.schemaVersion} is not ${aggregate.schemaVersion}`);
  }
  if (!from && request.events.length === 0) {
    return reject(res, 400, 'bad-request', 'a fold needs a starting state or an event');
  }
  let state = from ? from.state : aggregate.initial();
  let version = from ? from.version : undefined;
  for (const event of request.events) {
    if (version !== undefined && event.version !== version + 1) {
      return reject(res, 422, 'invariant-violated', `expected version ${version + 1}, got ${event.version}`, event.version);
    }
    try {
      state = aggregate.apply(state, event);
    } catch (e) {
      if (e instanceof aggregate.Rejection) return reject(res, 422, e.error, e.message, event.version);
      throw e;
    }
    version = event.version;
  }
  send(res, 200, { protocol: PROTOCOL, version, schemaVersion: aggregate.schemaVersion, state });
}

function handle(req, res) {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    if (process.env.FOLD_HOST_LOG === 'requests') {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(`${req.method} ${req.url} ${res.statusCode} ${ms.toFixed(1)} ms`);
    }
  });
  if (!authorised(req)) return reject(res, 401, 'unauthorized', 'a valid bearer token is required');
  const declared = req.headers['snapshot-fold-protocol'];
  if (declared !== undefined && declared !== String(PROTOCOL)) {
    return reject(res, 400, 'unsupported-protocol', `this host speaks protocol ${PROTOCOL}`);
  }
  if (req.method === 'GET' && req.url === '/describe') return describe(res);
  if (req.method !== 'POST' || req.url !== '/fold') return reject(res, 404, 'not-found', 'POST /fold or GET /describe');
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      reject(res, 413, 'too-large', `a fold request may hold at most ${MAX_BODY_BYTES} bytes`);
      req.destroy();
    } else {
      chunks.push(chunk);
    }
  });
  req.on('end', () => {
    if (res.writableEnded) return;
    res.startedAt = process.hrtime.bigint(); // Server-Timing: parsing, folding and writing the answer
    let request;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      return reject(res, 400, 'bad-request', 'the body is not JSON');
    }
    try {
      fold(res, request);
    } catch (e) {
      // a bug in a fold: 500, which the sidecar retries, then reports FAILED; the error's text may quote data
      console.error(`fold of ${request.aggregateType} failed: ${e.name}`);
      if (!res.headersSent) reject(res, 500, 'internal-error', 'the fold failed in the host');
    }
  });
}

function argument(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const tls = process.env.FOLD_HOST_TLS_KEY && process.env.FOLD_HOST_TLS_CERT;
const server = tls
  ? https.createServer({
    key: fs.readFileSync(process.env.FOLD_HOST_TLS_KEY),
    cert: fs.readFileSync(process.env.FOLD_HOST_TLS_CERT),
    ...(process.env.FOLD_HOST_TLS_CA ? { ca: fs.readFileSync(process.env.FOLD_HOST_TLS_CA), requestCert: true, rejectUnauthorized: true } : {}),
  }, handle)
  : http.createServer(handle);
server.keepAliveTimeout = 65_000; // longer than the sidecar's idle connections, so reuse never races a close
server.listen(Number(argument('port', process.env.PORT || 8088)), argument('host', '127.0.0.1'), () => {
  const { address, port } = server.address();
  console.log(`snapshot fold host (protocol ${PROTOCOL}) listening on ${tls ? 'https' : 'http'}://${address}:${port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
