// What a peer credit bank asks of this node is signed both ways. The test plays the peer NB: it
// makes an Ed25519 key with node:crypto, has the city admin register NB with it, and signs its
// requests with HTTP Message Signatures (RFC 9421) written here from the RFC, not with Lifelong's
// code. The node's signed aggregate statistics are then checked the same way: the answer's
// signature by the key the node publishes, its Content-Digest (RFC 9530), and the nonce of the
// request it answers. Replays, stale or unsigned requests, another key, a suspended peer and a
// request with a query are refused.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import { BASE, anon, assertError, assertStatus, signInFixture } from './lib.mjs';

const PATH = '/api/v1/federation/stats';
const authority = new URL(BASE).host;

// The signature base of RFC 9421 §2.5 for the components given, as "name": value lines, and the
// @signature-params line made of the serialized parameters.
function signatureBase(lines, params) {
  return [...lines.map(([name, value]) => `"${name}": ${value}`), `"@signature-params": ${params}`].join('\n');
}

function paramsOf(components, { created, nonce, keyid, tag }) {
  let p = `(${components.map((c) => `"${c}"`).join(' ')});created=${created}`;
  if (nonce) p += `;nonce="${nonce}"`;
  if (keyid) p += `;keyid="${keyid}"`;
  if (tag) p += `;tag="${tag}"`;
  return p;
}

// A signed GET of PATH as the peer with privateKey and keyid would send it.
// Signed for the node SH (the test server's node id): tag lifelong-federation/SH.
function signedGet({ privateKey, keyid, created = Math.floor(Date.now() / 1000), nonce = crypto.randomBytes(12).toString('base64url'), path = PATH, tag = 'lifelong-federation/SH' }) {
  const components = ['@method', '@authority', '@path'];
  const params = paramsOf(components, { created, nonce, keyid, tag });
  const base = signatureBase([['@method', 'GET'], ['@authority', authority], ['@path', path.split('?')[0]]], params);
  const sig = crypto.sign(null, Buffer.from(base), privateKey).toString('base64');
  return { nonce, headers: { 'signature-input': `sig1=${params}`, signature: `sig1=:${sig}:` } };
}

// A signed POST of body (JSON) to path: the signature covers its Content-Digest too.
function signedPost({ privateKey, keyid, body, path = '/api/v1/federation/records', tag = 'lifelong-federation/SH' }) {
  const text = JSON.stringify(body);
  const digest = `sha-256=:${crypto.createHash('sha256').update(text).digest('base64')}:`;
  const components = ['@method', '@authority', '@path', 'content-digest'];
  const params = paramsOf(components, { created: Math.floor(Date.now() / 1000), nonce: crypto.randomBytes(12).toString('base64url'), keyid, tag });
  const base = signatureBase([['@method', 'POST'], ['@authority', authority], ['@path', path], ['content-digest', digest]], params);
  const sig = crypto.sign(null, Buffer.from(base), privateKey).toString('base64');
  return { text, headers: { 'content-type': 'application/json', 'content-digest': digest, 'signature-input': `sig1=${params}`, signature: `sig1=:${sig}:` } };
}

// Parses the answer's Signature-Input member sig1: its components and parameters.
function parseInput(value) {
  const m = value.match(/^sig1=\(([^)]*)\)(.*)$/);
  assert.ok(m, value);
  const components = m[1].split(' ').map((c) => JSON.parse(c));
  const params = Object.fromEntries([...m[2].matchAll(/;([a-z]+)=("[^"]*"|\d+)/g)].map(([, k, v]) => [k, v.startsWith('"') ? JSON.parse(v) : Number(v)]));
  return { components, params, raw: value.slice('sig1='.length) };
}

describe('a peer\'s signed requests and the node\'s signed answers', () => {
  let city, node, peerKey, peerX, keyid;

  before(async () => {
    city = await signInFixture('fx-city-admin');
    node = (await anon().get('/api/v1/federation/node')).json;
    const pair = crypto.generateKeyPairSync('ed25519');
    peerKey = pair.privateKey;
    peerX = pair.publicKey.export({ format: 'jwk' }).x;
    const res = await city.post('/api/v1/federation/peers', { node_id: 'NB', name: '宁波市终身教育学分银行', base_url: 'http://127.0.0.1:9', keys: [peerX] });
    assertStatus(res, 201);
    keyid = `NB#${res.json.keys[0].kid}`;
  });

  const get = (headers, path = PATH) => anon().get(path, { headers });

  test('a signed request gets the node\'s aggregate statistics, signed by the key the node publishes, for that request', async () => {
    const { nonce, headers } = signedGet({ privateKey: peerKey, keyid });
    const res = await get(headers);
    assertStatus(res, 200);
    const stats = res.json;
    assert.equal(stats.node_id, node.node_id);
    assert.ok(Number.isInteger(stats.accounts.total) && Number.isInteger(stats.accounts.activated));
    assert.ok(Array.isArray(stats.outcomes));
    assert.ok(Number.isInteger(stats.transfers.approved));
    assert.doesNotMatch(res.text, /"(name|id_number|account_no|phone)"/, 'no personal data');
    assert.equal(res.headers.get('cache-control'), 'no-store');

    // Content-Digest of the body as received (RFC 9530, sha-256).
    const digest = `sha-256=:${crypto.createHash('sha256').update(res.text).digest('base64')}:`;
    assert.equal(res.headers.get('content-digest'), digest);
    // The signature: over @status, content-type and content-digest, with the request's nonce,
    // by the node's newest published key.
    const { components, params, raw } = parseInput(res.headers.get('signature-input'));
    assert.deepEqual(components, ['@status', 'content-type', 'content-digest']);
    assert.equal(params.nonce, nonce, 'the answer names the request it answers');
    assert.equal(params.tag, 'lifelong-federation');
    assert.ok(Math.abs(params.created - Date.now() / 1000) < 60);
    const newest = node.keys[0];
    assert.equal(params.keyid, `${node.node_id}#${newest.kid.split('#').pop()}`);
    const base = signatureBase([['@status', '200'], ['content-type', res.headers.get('content-type')], ['content-digest', digest]], raw);
    const sig = Buffer.from(res.headers.get('signature').match(/^sig1=:(.*):$/)[1], 'base64');
    const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: newest.x }, format: 'jwk' });
    assert.ok(crypto.verify(null, Buffer.from(base), publicKey, sig), 'the answer verifies with the published key');
    // One byte of the body otherwise, and the signature no longer holds.
    const other = res.text.replace(/"node_id":"[A-Z]+"/, '"node_id":"XX"');
    const otherBase = signatureBase([['@status', '200'], ['content-type', 'application/json'], ['content-digest', `sha-256=:${crypto.createHash('sha256').update(other).digest('base64')}:`]], raw);
    assert.equal(crypto.verify(null, Buffer.from(otherBase), publicKey, sig), false);
  });

  test('the same signed request sent again is refused: its nonce was used', async () => {
    const { headers } = signedGet({ privateKey: peerKey, keyid });
    assertStatus(await get(headers), 200);
    assertError(await get(headers), 401, 'unauthenticated', 'signature-input');
  });

  test('unsigned, stale, from the future, another key, an unknown peer, no nonce, or another path signed: refused (401)', async () => {
    assertError(await get({}), 401, 'unauthenticated', 'signature');
    const now = Math.floor(Date.now() / 1000);
    assertError(await get(signedGet({ privateKey: peerKey, keyid, created: now - 400 }).headers), 401, 'unauthenticated', 'signature-input');
    assertError(await get(signedGet({ privateKey: peerKey, keyid, created: now + 120 }).headers), 401, 'unauthenticated', 'signature-input');
    const stranger = crypto.generateKeyPairSync('ed25519').privateKey;
    assertError(await get(signedGet({ privateKey: stranger, keyid }).headers), 401, 'unauthenticated', 'signature');
    assertError(await get(signedGet({ privateKey: peerKey, keyid: keyid.replace('NB#', 'QD#') }).headers), 401, 'unauthenticated', 'keyid');
    assertError(await get(signedGet({ privateKey: peerKey, keyid, nonce: '' }).headers), 401, 'unauthenticated', 'signature-input');
    // Signed for another node (a request a peer received, sent on as its own), or for no node.
    assertError(await get(signedGet({ privateKey: peerKey, keyid, tag: 'lifelong-federation/JS' }).headers), 401, 'unauthenticated', 'signature-input');
    assertError(await get(signedGet({ privateKey: peerKey, keyid, tag: '' }).headers), 401, 'unauthenticated', 'signature-input');
    // Signed for another path: the path this request went to is not what was signed.
    assertError(await get(signedGet({ privateKey: peerKey, keyid, path: '/api/v1/federation/node' }).headers), 401, 'unauthenticated', 'signature');
  });

  test('a request with a query is refused: nothing of it would be signed', async () => {
    const { headers } = signedGet({ privateKey: peerKey, keyid });
    const res = await get(headers, `${PATH}?all=1`);
    assertStatus(res, 400);
  });

  test('a suspended peer is refused (403) until it is resumed', async () => {
    const peer = (await city.get('/api/v1/federation/peers/NB')).json;
    const body = { name: peer.name, base_url: peer.base_url, keys: [peerX] };
    assertStatus(await city.put('/api/v1/federation/peers/NB', { ...body, status: 'suspended' }), 200);
    assertError(await get(signedGet({ privateKey: peerKey, keyid }).headers), 403, 'forbidden');
    // Whoever is not the peer learns nothing of its suspension: a signature by another key is 401.
    const stranger = crypto.generateKeyPairSync('ed25519').privateKey;
    assertError(await get(signedGet({ privateKey: stranger, keyid }).headers), 401, 'unauthenticated', 'signature');
    assertStatus(await city.put('/api/v1/federation/peers/NB', { ...body, status: 'active' }), 200);
    assertStatus(await get(signedGet({ privateKey: peerKey, keyid }).headers), 200);
  });

  test('records: every documented field decodes (never unknown_field), an undocumented one is refused, a changed body is refused', async () => {
    const doc = (await anon().get('/api/openapi.json')).json;
    const schema = doc.paths['/api/v1/federation/records'].post.requestBody.content['application/json'].schema;
    assert.deepEqual([...schema.required].sort(), ['consent_until', 'fetch_id', 'purpose', 'subject']);
    const post = async (body) => {
      const { text, headers } = signedPost({ privateKey: peerKey, keyid, body });
      const res = await fetch(`${BASE}/api/v1/federation/records`, { method: 'POST', headers, body: text });
      const t = await res.text();
      return { method: 'POST', path: '/api/v1/federation/records', status: res.status, headers: res.headers, text: t, json: t ? JSON.parse(t) : null };
    };
    for (const prop of Object.keys(schema.properties)) {
      const res = await post({ [prop]: { wrong: true } });
      assert.equal(res.status, 400, `{${prop}}: ${res.text}`);
      assert.notEqual(res.json.error.code, 'unknown_field', `refuses its documented ${prop}`);
      assert.ok(res.json.error.field in schema.properties, `the error names ${res.json.error.field}`);
    }
    assertError(await post({ zz_undocumented: 1 }), 400, 'unknown_field', 'zz_undocumented');
    const good = { subject: 'A'.repeat(43), purpose: '学分转换', consent_until: new Date(Date.now() + 86400e3).toISOString(), fetch_id: 'f1' };
    // Consent that has ended is refused before anyone is looked for.
    assertError(await post({ ...good, consent_until: new Date(Date.now() - 1000).toISOString() }), 403, 'consent_expired', 'consent_until');
    // This node holds no regional look-up key: it can find nobody, and says so.
    assertError(await post(good), 503, 'no_region_key');
    // The body is not the one signed: refused before it is read.
    const { headers } = signedPost({ privateKey: peerKey, keyid, body: good });
    const res = await fetch(`${BASE}/api/v1/federation/records`, { method: 'POST', headers, body: JSON.stringify({ ...good, purpose: '别的' }) });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.field, 'content-digest');
  });

  test('/api/openapi.json describes the route and its signature scheme', async () => {
    const doc = (await anon().get('/api/openapi.json')).json;
    assert.ok(doc.paths[PATH]?.get);
    assert.deepEqual(doc.paths[PATH].get.security, [{ nodeSignature: [] }]);
    assert.equal(doc.components.securitySchemes.nodeSignature.name, 'Signature');
  });
});
