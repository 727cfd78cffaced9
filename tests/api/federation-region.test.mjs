// The regional statistics: this node (SH) asks each active peer for its aggregate statistics with a
// signed request and believes an answer only when it is signed, for that request, by a key pinned
// for the peer. A second Lifelong node runs here as the peer WX, on loopback with a database of its
// own; each node's city admin registers the other with the keys its /api/v1/federation/node lists.
// Beside it: a fake peer HF (a node:http server of this test) whose answers are signed by a key
// that was not pinned, or for another request, or not signed; a peer NJ where nothing listens;
// and WX refusing SH once its admin suspends SH, and not asked at all once SH suspends it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BASE, anon, assertStatus, freePort, signInAt, signInFixture, sleep } from './lib.mjs';

const BIN = process.env.LIFELONG_BIN;



// The base of an answer's signature as RFC 9421 §2.5 makes it, for the fake peer.
function answerBase(body, params, contentType = 'application/json') {
  const digest = `sha-256=:${crypto.createHash('sha256').update(body).digest('base64')}:`;
  return { digest, base: [`"@status": 200`, `"content-type": ${contentType}`, `"content-digest": ${digest}`, `"@signature-params": ${params}`].join('\n') };
}

describe('the region: each active peer\'s statistics, asked signed and believed signed', () => {
  let dir, port, base, other, city, sh, fake, fakePort, fakeMode, fakeKey, pinnedKey, pinnedKid;
  const others = [];

  const region = async () => {
    const res = await city.get('/api/v1/federation/region');
    assertStatus(res, 200);
    return res.json;
  };
  const nodeOf = (r, id) => r.nodes.find((n) => n.node_id === id);
  const xOf = (key) => key.export({ format: 'jwk' }).x;

  before(async () => {
    assert.ok(BIN, 'LIFELONG_BIN names the lifelong binary');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifelong-peer-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const run = (args) => {
      const r = spawnSync(BIN, args, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    run(['keygen', '--out', `${dir}/key`]);
    run(['demo', '--persons', '30', '--seed', '2026', '--db', `sqlite:${dir}/db`, '--key-file', `${dir}/key`]);
    other = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--home-page', base, '--node-id', 'WX', '--local-issuer', '127.0.0.1',
      '--db', `sqlite:${dir}/db`, '--key-file', `${dir}/key`, '--access-log', 'off', '--threads', '4'], { stdio: ['ignore', 'ignore', 'ignore'] });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${base}/healthz`)).status === 200) break;
      } catch {}
      await sleep(100);
    }
    city = await signInFixture('fx-city-admin');
    // Peers other scenarios registered are suspended meanwhile: the region asks only this one's.
    for (const p of (await city.get('/api/v1/federation/peers')).json.items.filter((x) => x.status === 'active')) {
      assertStatus(await city.put(`/api/v1/federation/peers/${p.node_id}`, { name: p.name, base_url: p.base_url, keys: p.keys.map((k) => k.x), status: 'suspended' }), 200);
      others.push(p);
    }
    sh = (await anon().get('/api/v1/federation/node')).json;
    const wx = await (await fetch(`${base}/api/v1/federation/node`)).json();
    assert.equal(wx.node_id, 'WX');
    // Each admin pins the other.
    const wxAdmin = await signInAt(base, 'city.admin');
    const atWx = await wxAdmin('POST', '/api/v1/federation/peers', { node_id: 'SH', name: sh.name, base_url: BASE, keys: sh.keys.map((k) => k.x) });
    assert.equal(atWx.status, 201, atWx.text);
    assertStatus(await city.post('/api/v1/federation/peers', { node_id: 'WX', name: '无锡学分银行', base_url: base, keys: wx.keys.map((k) => k.x) }), 201);
    other.admin = wxAdmin;

    // The fake peer HF: answers GET /api/v1/federation/stats as fakeMode says.
    fakeKey = crypto.generateKeyPairSync('ed25519').privateKey;
    pinnedKey = crypto.generateKeyPairSync('ed25519').privateKey;
    fake = http.createServer((req, res) => {
      const nonce = (req.headers['signature-input'] || '').match(/;nonce="([^"]*)"/)?.[1] || '';
      const body = JSON.stringify({ node_id: 'HF', as_of: new Date().toISOString(), accounts: { total: 1000000, activated: 1 }, outcomes: [], transfers: { approved: 0, credits: 0 } });
      const created = Math.floor(Date.now() / 1000);
      const params = `("@status" "content-type" "content-digest");created=${created};nonce="${fakeMode === 'other-nonce' ? 'not-yours' : nonce}";keyid="HF#${pinnedKid}";tag="lifelong-federation"`;
      const { digest, base: sigBase } = answerBase(body, params);
      const key = fakeMode === 'unpinned-key' ? fakeKey : pinnedKey;
      const sig = crypto.sign(null, Buffer.from(sigBase), key).toString('base64');
      const headers = { 'content-type': 'application/json', 'content-digest': digest };
      if (fakeMode !== 'unsigned') Object.assign(headers, { 'signature-input': `sig1=${params}`, signature: `sig1=:${sig}:` });
      res.writeHead(200, headers);
      res.end(fakeMode === 'other-body' ? body.replace('1000000', '2000000') : body);
    });
    await new Promise((ok) => fake.listen(0, '127.0.0.1', ok));
    fakePort = fake.address().port;
    const hf = await city.post('/api/v1/federation/peers', { node_id: 'HF', name: '合肥（假）', base_url: `http://127.0.0.1:${fakePort}`, keys: [xOf(crypto.createPublicKey(pinnedKey))] });
    assertStatus(hf, 201);
    pinnedKid = hf.json.keys[0].kid;
    const nowhere = await freePort();
    assertStatus(await city.post('/api/v1/federation/peers', { node_id: 'NJ', name: '南京（无人应答）', base_url: `http://127.0.0.1:${nowhere}`, keys: [xOf(crypto.createPublicKey(fakeKey))] }), 201);
  });

  after(async () => {
    for (const p of others)
      await city.put(`/api/v1/federation/peers/${p.node_id}`, { name: p.name, base_url: p.base_url, keys: p.keys.map((k) => k.x), status: 'active' });
    // This scenario's own peers are suspended: a region asked later asks none of them.
    for (const id of ['WX', 'HF', 'NJ']) {
      const p = (await city.get(`/api/v1/federation/peers/${id}`)).json;
      if (p) await city.put(`/api/v1/federation/peers/${id}`, { name: p.name, base_url: p.base_url, keys: p.keys.map((k) => k.x), status: 'suspended' });
    }
    if (fake) fake.close();
    if (other) {
      const exited = new Promise((ok) => other.once('exit', ok));
      other.kill('SIGTERM');
      await exited;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the peer WX answers SH\'s signed request with its signed statistics; the totals add this node\'s and WX\'s', async () => {
    fakeMode = 'good';
    const r = await region();
    const self = nodeOf(r, 'SH');
    assert.equal(self.is_self, true);
    assert.equal(self.state, 'ok');
    const wx = nodeOf(r, 'WX');
    assert.equal(wx.state, 'ok', JSON.stringify(wx));
    assert.equal(wx.stats.node_id, 'WX');
    assert.equal(wx.stats.accounts.total, 30, 'the demo city of 30 persons of the other node');
    // Its figures are the other node's own, as it would give them to any peer.
    const counted = r.nodes.filter((n) => n.state === 'ok');
    assert.equal(r.totals.nodes, counted.length);
    assert.equal(r.totals.accounts.total, counted.reduce((s, n) => s + n.stats.accounts.total, 0));
    const kinds = {};
    for (const n of counted) for (const o of n.stats.outcomes) kinds[o.kind] = (kinds[o.kind] || 0) + o.count;
    assert.deepEqual(r.totals.outcomes_by_kind, kinds);
  });

  test('a correctly signed answer from the fake peer counts; signed by a key not pinned, for another request, over another body, or unsigned: bad_signature, and counted nowhere', async () => {
    fakeMode = 'good';
    let r = await region();
    assert.equal(nodeOf(r, 'HF').state, 'ok', JSON.stringify(nodeOf(r, 'HF')));
    const withHf = r.totals.accounts.total;
    for (const mode of ['unpinned-key', 'other-nonce', 'other-body', 'unsigned']) {
      fakeMode = mode;
      r = await region();
      const hf = nodeOf(r, 'HF');
      assert.equal(hf.state, 'bad_signature', `${mode}: ${JSON.stringify(hf)}`);
      assert.equal(hf.stats, undefined);
      assert.ok(hf.error.length > 0);
      assert.equal(r.totals.accounts.total, withHf - 1000000, `${mode}: not counted`);
    }
  });

  test('a peer where nothing listens is unreachable', async () => {
    const r = await region();
    assert.equal(nodeOf(r, 'NJ').state, 'unreachable');
  });

  test('WX refuses once its admin suspends SH; SH does not ask WX at all once it suspends WX', async () => {
    const peerAtWx = (await other.admin('GET', '/api/v1/federation/peers/SH')).json;
    const body = { name: peerAtWx.name, base_url: BASE, keys: peerAtWx.keys.map((k) => k.x) };
    assert.equal((await other.admin('PUT', '/api/v1/federation/peers/SH', { ...body, status: 'suspended' })).status, 200);
    let r = await region();
    assert.equal(nodeOf(r, 'WX').state, 'refused');
    assert.match(nodeOf(r, 'WX').error, /403/);
    assert.equal((await other.admin('PUT', '/api/v1/federation/peers/SH', { ...body, status: 'active' })).status, 200);
    assert.equal(nodeOf(await region(), 'WX').state, 'ok');

    const wx = (await city.get('/api/v1/federation/peers/WX')).json;
    assertStatus(await city.put('/api/v1/federation/peers/WX', { name: wx.name, base_url: wx.base_url, keys: wx.keys.map((k) => k.x), status: 'suspended' }), 200);
    r = await region();
    assert.equal(nodeOf(r, 'WX').state, 'suspended');
    assert.equal(nodeOf(r, 'WX').stats, undefined);
  });

  test('only the city\'s and districts\' administrators and auditors see the region', async () => {
    assertStatus(await anon().get('/api/v1/federation/region'), 401);
    const auditor = await signInFixture('fx-auditor');
    assertStatus(await auditor.get('/api/v1/federation/region'), 200);
  });
});
