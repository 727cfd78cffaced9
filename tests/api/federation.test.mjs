// The Yangtze River Delta federation (长三角学分银行互认), first slice: this node's public identity
// (GET /api/v1/federation/node: node id SH by default, its names, its issuer DID and the keys it
// signs with, the same as its JWKS), and the registry of peers a city admin keeps (register, list,
// read, suspend and resume; each write audited), which an auditor may read but not change.
// Refused requests must store nothing: the list of peers and the audit log are compared before
// and after. Keys are checked the way a peer's admin would: each pinned key is stored as a JWK whose
// kid is its RFC 7638 thumbprint as panva's jose computes it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import { calculateJwkThumbprint } from 'jose';

import {
  BASE, XUHUI, anon, assertError, assertStatus, auditMark, auditSince, createInstitution, createStaff, registerCitizen, signInFixture,
} from './lib.mjs';

// The issuer's did:web and address, from the server's default --home-page (https://lifelong.sh.cn).
const DID = 'did:web:lifelong.sh.cn';
const ISSUER_URL = 'https://lifelong.sh.cn';
const PEERS = '/api/v1/federation/peers';
const PEER_KEYS = ['base_url', 'created_at', 'keys', 'name', 'node_id', 'status', 'updated_at'];

// The x (base64url) of a new Ed25519 public key.
const newX = () => crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x;

describe('the federation node and its peers', () => {
  let city, auditor, citizen, staff, node, jwks, js;

  // Every peer (as the city admin reads them).
  const peers = async (who = city) => {
    const res = await who.get(PEERS);
    assertStatus(res, 200);
    assert.deepEqual(Object.keys(res.json), ['items'], res.text);
    return res.json.items;
  };

  // The audit rows of peer writes since mark.
  const peerAudit = async (mark) => (await auditSince(city, mark)).filter((r) => r.target_type === 'federation_peer' || r.action.startsWith('federation_peer.'));

  // What a refused request must leave: the peers as they were and no peer audit row.
  const assertNothingStored = async (peersBefore, mark, what) => {
    assert.deepEqual(await peers(), peersBefore, `${what}: the peers changed`);
    assert.deepEqual(await peerAudit(mark), [], `${what}: audited`);
  };

  // A peer as the API returns it: exactly its members, its keys the x values given as JWKs named
  // by their thumbprints, in the order given.
  const assertPeer = async (peer, want) => {
    assert.deepEqual(Object.keys(peer).sort(), PEER_KEYS, JSON.stringify(peer));
    assert.equal(peer.node_id, want.node_id);
    assert.equal(peer.name, want.name);
    assert.equal(peer.base_url, want.base_url);
    assert.equal(peer.status, want.status || 'active');
    assert.match(peer.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.match(peer.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(peer.keys.length, want.keys.length);
    for (const [i, x] of want.keys.entries()) {
      const k = peer.keys[i];
      assert.deepEqual(Object.keys(k).sort(), ['crv', 'kid', 'kty', 'x']);
      assert.deepEqual([k.kty, k.crv, k.x], ['OKP', 'Ed25519', x]);
      assert.equal(k.kid, await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x }, 'sha256'));
    }
  };

  const jsBody = () => ({ node_id: 'JS', name: '江苏省终身教育学分银行', base_url: 'https://credit.js.cn', keys: node.keys.map((k) => k.x) });

  before(async () => {
    city = await signInFixture('fx-city-admin');
    auditor = await signInFixture('fx-auditor');
    const inst = await createInstitution(city, XUHUI);
    staff = await createStaff(city, 'staff', inst.id);
    citizen = (await registerCitizen()).client;
    const n = await anon().get('/api/v1/federation/node');
    assertStatus(n, 200);
    node = n.json;
    const k = await anon().get('/api/v1/credentials/jwks');
    assertStatus(k, 200);
    jwks = k.json;
  });

  test('GET /api/v1/federation/node, without sign-in: node SH, its names, its issuer DID and the keys of its JWKS', async () => {
    assert.deepEqual(Object.keys(node).sort(), ['base_url', 'issuer', 'keys', 'name', 'name_en', 'node_id']);
    assert.equal(node.node_id, 'SH');
    assert.equal(node.name, '上海市终身教育学分银行');
    assert.equal(node.name_en, 'Shanghai Lifelong Education Credit Bank');
    assert.equal(node.issuer, DID);
    assert.equal(node.base_url, ISSUER_URL);
    assert.ok(node.keys.length >= 1, 'the node has a key from the start');
    assert.deepEqual(node.keys, jwks.keys);
    for (const k of node.keys) {
      assert.deepEqual([k.kty, k.crv], ['OKP', 'Ed25519']);
      assert.equal(Buffer.from(k.x, 'base64url').length, 32);
      assert.equal(k.kid, `${DID}#${await calculateJwkThumbprint(k, 'sha256')}`);
    }
    const res = await anon().get('/api/v1/federation/node');
    assert.match(res.headers.get('content-type') || '', /^application\/json/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
    // Signed in, it reads the same.
    assert.deepEqual((await citizen.get('/api/v1/federation/node')).json, node);
  });

  test('the city admin registers JS with the node\'s key x values (201); it is listed, read and audited', async () => {
    const before = await peers();
    assert.ok(!before.some((p) => p.node_id === 'JS'), 'JS is not registered yet');
    const mark = await auditMark(city);
    const body = jsBody();
    const res = await city.post(PEERS, body);
    assertStatus(res, 201);
    await assertPeer(res.json, body);
    assert.equal(res.json.created_at, res.json.updated_at);
    js = res.json;
    // The kids are the fragments of the node's own DID URLs: the same thumbprints.
    assert.deepEqual(js.keys.map((k) => k.kid), node.keys.map((k) => k.kid.slice(k.kid.indexOf('#') + 1)));

    const list = await peers();
    assert.deepEqual(list.find((p) => p.node_id === 'JS'), js);
    assert.equal(list.length, before.length + 1);
    const get = await city.get(`${PEERS}/JS`);
    assertStatus(get, 200);
    assert.deepEqual(get.json, js);

    const rows = await peerAudit(mark);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0].action, 'federation_peer.create');
    assert.equal(rows[0].target_type, 'federation_peer');
    assert.equal(rows[0].target_id, 'JS');
    assert.ok(city.user.id);
    assert.equal(rows[0].actor_id, city.user.id);
    assert.equal(rows[0].actor_role, 'city_admin');
    // Read by target too.
    const byTarget = await city.get('/api/v1/audit?target_type=federation_peer&target_id=JS');
    assertStatus(byTarget, 200);
    assert.ok(byTarget.json.items.some((r) => r.action === 'federation_peer.create'), byTarget.text);
  });

  test('the list is by node id, and a peer on this city\'s own network (http://127.0.0.1:PORT, a --local-issuer) is taken', async () => {
    const mark = await auditMark(city);
    const body = { node_id: 'AH', name: '安徽省终身教育学分银行', base_url: BASE, keys: [newX(), newX()], status: 'suspended' };
    assert.match(BASE, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await city.post(PEERS, body);
    assertStatus(res, 201);
    await assertPeer(res.json, body);
    const slash = { node_id: 'ZJ', name: '浙江省终身教育学分银行', base_url: 'https://credit.zj.cn:8443/', keys: [newX()] };
    const zj = await city.post(PEERS, slash);
    assertStatus(zj, 201);
    // Kept without the trailing slash, so that paths join onto it.
    await assertPeer(zj.json, { ...slash, base_url: 'https://credit.zj.cn:8443' });
    const list = await peers();
    const ids = list.map((p) => p.node_id);
    assert.deepEqual(ids, [...ids].sort(), 'by node id');
    assert.deepEqual(ids.filter((id) => ['AH', 'JS', 'ZJ'].includes(id)), ['AH', 'JS', 'ZJ']);
    const rows = await peerAudit(mark);
    assert.deepEqual(rows.map((r) => `${r.action} ${r.target_id}`).sort(), ['federation_peer.create AH', 'federation_peer.create ZJ']);
  });

  test('the city admin suspends JS and resumes it with PUT (200): created_at stays, each change audited', async () => {
    const mark = await auditMark(city);
    const { node_id, ...rest } = jsBody();
    const suspended = await city.put(`${PEERS}/JS`, { ...rest, status: 'suspended' });
    assertStatus(suspended, 200);
    await assertPeer(suspended.json, { ...jsBody(), status: 'suspended' });
    assert.equal(suspended.json.created_at, js.created_at);
    assert.ok(suspended.json.updated_at > js.updated_at, `${suspended.json.updated_at} after ${js.updated_at}`);
    assert.equal((await city.get(`${PEERS}/JS`)).json.status, 'suspended');
    // A change that does not name the status leaves the peer suspended.
    const renamed = await city.put(`${PEERS}/JS`, rest);
    assertStatus(renamed, 200);
    assert.equal(renamed.json.status, 'suspended');

    // Resumed, with another name, this city's own address and one new key, which replaces the others.
    const x = newX();
    const resumed = await city.put(`${PEERS}/JS`, { name: 'Jiangsu Credit Bank', base_url: BASE, keys: [x], status: 'active' });
    assertStatus(resumed, 200);
    await assertPeer(resumed.json, { node_id: 'JS', name: 'Jiangsu Credit Bank', base_url: BASE, keys: [x] });
    assert.equal(resumed.json.created_at, js.created_at);
    assert.ok(resumed.json.updated_at > suspended.json.updated_at);
    const get = await auditor.get(`${PEERS}/JS`);
    assertStatus(get, 200);
    assert.deepEqual(get.json, resumed.json);

    const rows = await peerAudit(mark);
    assert.equal(rows.length, 3, JSON.stringify(rows));
    for (const r of rows) {
      assert.equal(r.action, 'federation_peer.update');
      assert.equal(r.target_id, 'JS');
      assert.equal(r.actor_id, city.user.id);
    }
    // Back as it was registered, for the tests after.
    const back = await city.put(`${PEERS}/JS`, rest);
    assertStatus(back, 200);
    await assertPeer(back.json, jsBody());
    js = back.json;
  });

  test('refused registrations store nothing: 400 naming the field', async () => {
    const before = await peers();
    const mark = await auditMark(city);
    const x = newX();
    const ok = { node_id: 'HB', name: '湖北', base_url: 'https://credit.hb.cn', keys: [x] };
    const cases = [
      [{ ...ok, node_id: undefined }, 'missing_field', 'node_id'],
      [{ ...ok, node_id: 'hb' }, 'invalid_value', 'node_id'],
      [{ ...ok, node_id: 'H1' }, 'invalid_value', 'node_id'],
      [{ ...ok, node_id: 'H' }, 'invalid_value', 'node_id'],
      [{ ...ok, node_id: 'ABCDEFGHI' }, 'too_long', 'node_id'],
      [{ ...ok, node_id: 'SH' }, 'invalid_value', 'node_id'],
      [{ ...ok, name: undefined }, 'missing_field', 'name'],
      [{ ...ok, base_url: 'http://example.com' }, 'invalid_value', 'base_url'],
      [{ ...ok, base_url: 'https://credit.hb.cn/api' }, 'invalid_value', 'base_url'],
      [{ ...ok, base_url: 'https://credit.hb.cn?x=1' }, 'invalid_value', 'base_url'],
      [{ ...ok, base_url: 'https://admin@credit.hb.cn' }, 'invalid_value', 'base_url'],
      [{ ...ok, base_url: 'https://Credit.hb.cn' }, 'invalid_value', 'base_url'],
      [{ ...ok, base_url: `${BASE}/api` }, 'invalid_value', 'base_url'],
      [{ ...ok, base_url: BASE.replace('127.0.0.1', 'localhost') }, 'invalid_value', 'base_url'],
      [{ ...ok, keys: [] }, 'invalid_value', 'keys'],
      [{ ...ok, keys: undefined }, 'missing_field', 'keys'],
      [{ ...ok, keys: x }, 'wrong_type', 'keys'],
      [{ ...ok, keys: [`+${x.slice(1)}`] }, 'invalid_value', 'keys[0]'], // standard base64's + and /
      [{ ...ok, keys: [`/${x.slice(1)}`] }, 'invalid_value', 'keys[0]'],
      [{ ...ok, keys: [x.slice(0, 42)] }, 'invalid_value', 'keys[0]'],
      [{ ...ok, keys: [`${x}=`] }, 'invalid_value', 'keys[0]'],
      [{ ...ok, keys: [x, 'not base64url!'] }, 'invalid_value', 'keys[1]'],
      [{ ...ok, keys: [x, newX(), x] }, 'invalid_value', 'keys[2]'],
      [{ ...ok, keys: Array.from({ length: 9 }, newX) }, 'too_long', 'keys'],
      [{ ...ok, status: 'paused' }, 'invalid_value', 'status'],
      [{ ...ok, status: 'Active' }, 'invalid_value', 'status'],
      [{ ...ok, trusted: true }, 'unknown_field', 'trusted'],
    ];
    for (const [body, code, field] of cases) assertError(await city.post(PEERS, body), 400, code, field);
    await assertNothingStored(before, mark, 'refused registrations');
    // Eight keys are taken.
    const eight = { ...ok, keys: Array.from({ length: 8 }, newX) };
    const res = await city.post(PEERS, eight);
    assertStatus(res, 201);
    await assertPeer(res.json, eight);
  });

  // A port is 1 to 65535; five digits alone are not enough. Each address is tried under a node id
  // of its own (PA, PB, ...) so that one taken does not hide the next, and the tests after read
  // the peers afresh.
  test('a base_url whose port is 0 or over 65535 is refused (400) and stores nothing', async () => {
    const before = await peers();
    const mark = await auditMark(city);
    const urls = ['https://credit.fj.cn:0', 'https://credit.fj.cn:65536', 'https://credit.fj.cn:99999', 'http://127.0.0.1:70000'];
    const taken = [];
    for (const [i, url] of urls.entries()) {
      const res = await city.post(PEERS, { node_id: `P${'ABCD'[i]}`, name: '端口', base_url: url, keys: [newX()] });
      if (res.status === 201) taken.push(url);
      else assertError(res, 400, 'invalid_value', 'base_url');
    }
    assert.deepEqual(taken, [], 'addresses with a port outside 1 to 65535 registered');
    await assertNothingStored(before, mark, 'ports out of range');
  });

  test('JS a second time is a conflict (409) that changes nothing', async () => {
    const before = await peers();
    const mark = await auditMark(city);
    assertError(await city.post(PEERS, jsBody()), 409, 'conflict', 'node_id');
    assertError(await city.post(PEERS, { ...jsBody(), name: '冒名', base_url: 'https://evil.example', keys: [newX()], status: 'suspended' }), 409, 'conflict');
    await assertNothingStored(before, mark, 'a second JS');
    assert.deepEqual((await city.get(`${PEERS}/JS`)).json, js);
  });

  test('PUT of an unknown node is 404 and stores nothing; a PUT body is checked like a registration', async () => {
    const before = await peers();
    const mark = await auditMark(city);
    const { node_id, ...body } = jsBody();
    for (const id of ['FJ', 'SH', 'js', 'J'])
      assertError(await city.put(`${PEERS}/${id}`, body), 404, 'not_found');
    assertError(await city.get(`${PEERS}/FJ`), 404, 'not_found');
    assertError(await city.get(`${PEERS}/SH`), 404, 'not_found');
    // On a registered peer, a bad body is 400 naming the field.
    assertError(await city.put(`${PEERS}/JS`, { ...body, node_id: 'ZJ' }), 400, 'unknown_field', 'node_id');
    assertError(await city.put(`${PEERS}/JS`, { ...body, status: 'paused' }), 400, 'invalid_value', 'status');
    assertError(await city.put(`${PEERS}/JS`, { ...body, base_url: 'http://example.com' }), 400, 'invalid_value', 'base_url');
    assertError(await city.put(`${PEERS}/JS`, { ...body, keys: [] }), 400, 'invalid_value', 'keys');
    assertError(await city.put(`${PEERS}/JS`, { ...body, keys: [body.keys[0], body.keys[0]] }), 400, 'invalid_value', 'keys[1]');
    assertError(await city.put(`${PEERS}/JS`, { ...body, name: undefined }), 400, 'missing_field', 'name');
    await assertNothingStored(before, mark, 'refused updates');
  });

  test('who may: anonymous 401; a citizen or staff 403; the auditor lists and reads but may not write (403); no CSRF token 403', async () => {
    const before = await peers();
    const mark = await auditMark(city);
    const { node_id, ...update } = jsBody();
    const fresh = { ...jsBody(), node_id: 'FJ' };

    assertError(await anon().get(PEERS), 401, 'unauthenticated');
    assertError(await anon().get(`${PEERS}/JS`), 401, 'unauthenticated');
    assertError(await anon().post(PEERS, fresh), 401, 'unauthenticated');
    assertError(await anon().put(`${PEERS}/JS`, { ...update, status: 'suspended' }), 401, 'unauthenticated');
    for (const who of [citizen, staff]) {
      assertError(await who.get(PEERS), 403, 'forbidden');
      assertError(await who.get(`${PEERS}/JS`), 403, 'forbidden');
      assertError(await who.post(PEERS, fresh), 403, 'forbidden');
      assertError(await who.put(`${PEERS}/JS`, { ...update, status: 'suspended' }), 403, 'forbidden');
    }
    assert.deepEqual(await peers(auditor), before);
    const got = await auditor.get(`${PEERS}/JS`);
    assertStatus(got, 200);
    assert.deepEqual(got.json, js);
    assertError(await auditor.post(PEERS, fresh), 403, 'forbidden');
    assertError(await auditor.put(`${PEERS}/JS`, { ...update, status: 'suspended' }), 403, 'forbidden');
    assertError(await city.post(PEERS, fresh, { csrf: false }), 403, 'csrf');
    assertError(await city.put(`${PEERS}/JS`, { ...update, status: 'suspended' }, { csrf: false }), 403, 'csrf');
    await assertNothingStored(before, mark, 'refused callers');
  });

  test('/api/openapi.json describes the five federation routes and who may call them', async () => {
    const res = await anon().get('/api/openapi.json');
    assertStatus(res, 200);
    const want = [
      ['get', '/api/v1/federation/node', [], 'FederationNode'],
      ['get', PEERS, ['auditor', 'city_admin'], 'FederationPeers'],
      ['post', PEERS, ['city_admin'], 'FederationPeer'],
      ['get', `${PEERS}/{node_id}`, ['auditor', 'city_admin'], 'FederationPeer'],
      ['put', `${PEERS}/{node_id}`, ['city_admin'], 'FederationPeer'],
    ];
    for (const [m, p, roles, schema] of want) {
      const op = res.json.paths[p]?.[m];
      assert.ok(op, `${m.toUpperCase()} ${p} is described`);
      assert.deepEqual([...op['x-roles']].sort(), roles, `${m.toUpperCase()} ${p}`);
      const ok = op.responses[m === 'post' ? '201' : '200'];
      assert.ok(ok, `${m.toUpperCase()} ${p} answers ${m === 'post' ? 201 : 200}`);
      assert.equal(ok.content['application/json'].schema.$ref, `#/components/schemas/${schema}`);
      assert.ok(res.json.components.schemas[schema], `${schema} is described`);
    }
    const post = res.json.paths[PEERS].post.requestBody.content['application/json'].schema;
    assert.deepEqual(Object.keys(post.properties).sort(), ['base_url', 'keys', 'name', 'node_id', 'status']);
    assert.deepEqual(post.required.sort(), ['base_url', 'keys', 'name', 'node_id']);
    assert.equal(post.properties.keys.maxItems, 8);
    assert.deepEqual(post.properties.status.enum, ['active', 'suspended']);
    const put = res.json.paths[`${PEERS}/{node_id}`].put.requestBody.content['application/json'].schema;
    assert.deepEqual(Object.keys(put.properties).sort(), ['base_url', 'keys', 'name', 'status']);
    assert.deepEqual(res.json.paths['/api/v1/federation/node'].get.security, []);
  });
});
