// xAPI's document resources over HTTP: state, activity profiles and agent profiles stored as the
// bytes and media type sent, with SHA-1 ETags; POST merging JSON objects and refusing the rest;
// If-Match and If-None-Match (412), a profile overwritten only with them (409); listing by since;
// deleting one or all; one institution's documents unseen by another's clients.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { BASE, XUHUI, assertError, assertStatus, createInstitution, createStaff, signInFixture } from './lib.mjs';
import { Xapi } from './xapi-lib.mjs';

let world;
async function setup() {
  world ??= (async () => {
    const city = await signInFixture('fx-city-admin');
    const clientOf = async () => {
      const inst = await createInstitution(city, XUHUI, 'open_university');
      const admin = await createStaff(city, 'institution_admin', inst.id);
      const made = await admin.post('/api/v1/lrs/clients', { name: '文档测试平台' });
      assertStatus(made, 201);
      return new Xapi(made.json.key, made.json.secret);
    };
    return { xapi: await clientOf(), other: await clientOf() };
  })();
  return world;
}

const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex');
const activity = () => `https://learn.shlll.cn/courses/${crypto.randomBytes(4).toString('hex')}`;
const agent = () => ({ objectType: 'Agent', mbox: `mailto:doc-${crypto.randomBytes(4).toString('hex')}@example.cn` });
const q = (params) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
const send = (x, method, path, params, body, headers = {}) =>
  x.request(method, `${path}?${q(params)}`, { raw: body, headers });

describe('state', () => {
  test('PUT stores the bytes and media type; GET gives them back with the SHA-1 ETag and Last-Modified', async () => {
    const { xapi } = await setup();
    const key = { activityId: activity(), agent: agent(), stateId: 'bookmark' };
    const body = '{"page":12,"note":"第三章"}';
    assert.equal((await send(xapi, 'PUT', '/xapi/activities/state', key, body, { 'Content-Type': 'application/json' })).status, 204);
    const got = await xapi.get(`/xapi/activities/state?${q(key)}`);
    assertStatus(got, 200);
    assert.equal(got.text, body);
    assert.equal(got.headers.get('content-type'), 'application/json');
    assert.equal(got.headers.get('etag'), `"${sha1(body)}"`);
    assert.ok(got.headers.get('last-modified'));
    assert.equal(got.headers.get('x-experience-api-version'), '1.0.3');
    // Bytes of any kind, as sent.
    const bin = Buffer.from([0, 1, 2, 255, 10, 13]);
    const k2 = { ...key, stateId: 'blob' };
    assert.equal((await send(xapi, 'PUT', '/xapi/activities/state', k2, bin, { 'Content-Type': 'application/octet-stream' })).status, 204);
    const res = await fetch(`${BASE}/xapi/activities/state?${q(k2)}`, { headers: { authorization: xapi.auth, 'x-experience-api-version': '1.0.3' } });
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bin);
  });

  test('POST merges two JSON objects key by key; anything else onto a document is 400 and changes nothing', async () => {
    const { xapi } = await setup();
    const key = { activityId: activity(), agent: agent(), stateId: 'progress' };
    const json = { 'Content-Type': 'application/json' };
    assert.equal((await send(xapi, 'POST', '/xapi/activities/state', key, '{"car":"Honda","deep":{"a":1}}', json)).status, 204);
    assert.equal((await send(xapi, 'POST', '/xapi/activities/state', key, '{"type":"Civic","deep":{"b":2}}', json)).status, 204);
    assert.deepEqual((await xapi.get(`/xapi/activities/state?${q(key)}`)).json, { car: 'Honda', type: 'Civic', deep: { b: 2 } });
    const before = (await xapi.get(`/xapi/activities/state?${q(key)}`)).text;
    assertError(await send(xapi, 'POST', '/xapi/activities/state', key, 'abc', { 'Content-Type': 'application/octet-stream' }), 400, 'invalid_value');
    assertError(await send(xapi, 'POST', '/xapi/activities/state', key, '{"a":1}{', json), 400, 'invalid_json');
    assert.equal((await xapi.get(`/xapi/activities/state?${q(key)}`)).text, before);
  });

  test('If-Match with another ETag and If-None-Match: * on an existing document are 412 and change nothing', async () => {
    const { xapi } = await setup();
    const key = { activityId: activity(), agent: agent(), stateId: 's' };
    await send(xapi, 'PUT', '/xapi/activities/state', key, 'one', { 'Content-Type': 'text/plain' });
    assertError(await send(xapi, 'PUT', '/xapi/activities/state', key, 'two', { 'If-Match': `"${sha1('other')}"` }), 412, 'precondition_failed');
    assertError(await send(xapi, 'PUT', '/xapi/activities/state', key, 'two', { 'If-None-Match': '*' }), 412, 'precondition_failed');
    assert.equal((await xapi.get(`/xapi/activities/state?${q(key)}`)).text, 'one');
    assert.equal((await send(xapi, 'PUT', '/xapi/activities/state', key, 'two', { 'If-Match': `"${sha1('one')}"` })).status, 204);
    assert.equal((await xapi.get(`/xapi/activities/state?${q(key)}`)).text, 'two');
  });

  test('two writers with the same If-Match at once: one wins, the other gets 412', async () => {
    const { xapi } = await setup();
    const key = { activityId: activity(), agent: agent(), stateId: 'race' };
    await send(xapi, 'PUT', '/xapi/activities/state', key, 'v0');
    for (let round = 0; round < 5; round++) {
      const current = (await xapi.get(`/xapi/activities/state?${q(key)}`)).text;
      const tag = `"${sha1(current)}"`;
      const [a, b] = await Promise.all(['a', 'b'].map((w) => send(xapi, 'PUT', '/xapi/activities/state', key, `${w}${round}`, { 'If-Match': tag })));
      assert.deepEqual([a.status, b.status].sort(), [204, 412], `round ${round}`);
    }
  });

  test('the ids of an activity and agent (since, registration), and DELETE of one or all', async () => {
    const { xapi } = await setup();
    const base = { activityId: activity(), agent: agent() };
    const registration = crypto.randomUUID();
    await send(xapi, 'PUT', '/xapi/activities/state', { ...base, stateId: 'a' }, '1');
    // A timestamp has milliseconds: the moment between the two is taken a few of them after the
    // first write and before the second.
    await new Promise((r) => setTimeout(r, 5));
    const mid = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await send(xapi, 'PUT', '/xapi/activities/state', { ...base, stateId: 'b', registration }, '2');
    assert.deepEqual((await xapi.get(`/xapi/activities/state?${q(base)}`)).json, ['a', 'b']);
    assert.deepEqual((await xapi.get(`/xapi/activities/state?${q({ ...base, registration })}`)).json, ['b']);
    assert.deepEqual((await xapi.get(`/xapi/activities/state?${q({ ...base, since: mid })}`)).json, ['b']);
    assertError(await xapi.get(`/xapi/activities/state?${q({ ...base, since: 'yesterday' })}`), 400, 'bad_query', 'since');
    assert.equal((await xapi.request('DELETE', `/xapi/activities/state?${q({ ...base, stateId: 'a' })}`)).status, 204);
    assertError(await xapi.get(`/xapi/activities/state?${q({ ...base, stateId: 'a' })}`), 404, 'not_found');
    assert.equal((await xapi.request('DELETE', `/xapi/activities/state?${q(base)}`)).status, 204);
    assert.deepEqual((await xapi.get(`/xapi/activities/state?${q(base)}`)).json, []);
  });

  test('bad parameters: a missing or bad activityId or agent, a bad registration, no stateId to write, an unknown name', async () => {
    const { xapi } = await setup();
    const a = activity(), who = agent();
    for (const [params, field] of [
      [{ agent: who, stateId: 'x' }, 'activityId'],
      [{ activityId: 'not an iri', agent: who, stateId: 'x' }, 'activityId'],
      [{ activityId: a, stateId: 'x' }, 'agent'],
      [{ activityId: a, agent: 'not json', stateId: 'x' }, 'agent'],
      [{ activityId: a, agent: who, registration: 'r1', stateId: 'x' }, 'registration'],
      [{ activityId: a, agent: who }, 'stateId'],
      [{ activityId: a, agent: who, stateId: 'x', profileId: 'y' }, 'profileId'],
    ]) {
      const res = await send(xapi, 'PUT', '/xapi/activities/state', params, 'x');
      assert.equal(res.status, 400, `${JSON.stringify(params)}: ${res.text}`);
      assert.equal(res.json.error.field, field);
    }
  });
});

describe('profiles', () => {
  test('an existing activity profile is overwritten only with If-Match (409 without), a new one with If-None-Match: *', async () => {
    const { xapi } = await setup();
    const key = { activityId: activity(), profileId: 'syllabus' };
    assert.equal((await send(xapi, 'PUT', '/xapi/activities/profile', key, 'v1', { 'If-None-Match': '*' })).status, 204);
    const conflict = await send(xapi, 'PUT', '/xapi/activities/profile', key, 'v2');
    assertError(conflict, 409, 'conflict');
    assert.match(conflict.json.error.message, /If-Match/);
    assert.equal((await send(xapi, 'PUT', '/xapi/activities/profile', key, 'v2', { 'If-Match': `"${sha1('v1')}"` })).status, 204);
    assert.equal((await xapi.get(`/xapi/activities/profile?${q(key)}`)).text, 'v2');
    assertError(await send(xapi, 'PUT', '/xapi/activities/profile', { ...key, agent: agent() }, 'v3'), 400, 'bad_query', 'agent');
    assert.equal((await xapi.request('DELETE', `/xapi/activities/profile?${q(key)}`)).status, 204);
    assert.equal((await xapi.request('DELETE', `/xapi/activities/profile?${q(key)}`)).status, 204, 'deleting what is gone is no error');
  });

  test('agent profiles belong to agents: a group is 400; one institution never sees another\'s documents', async () => {
    const { xapi, other } = await setup();
    const who = agent();
    const key = { agent: who, profileId: 'preferences' };
    assert.equal((await send(xapi, 'PUT', '/xapi/agents/profile', key, '{"font":"large"}', { 'Content-Type': 'application/json' })).status, 204);
    assert.deepEqual((await xapi.get(`/xapi/agents/profile?${q(key)}`)).json, { font: 'large' });
    assertError(await other.get(`/xapi/agents/profile?${q(key)}`), 404, 'not_found');
    assert.deepEqual((await other.get(`/xapi/agents/profile?${q({ agent: who })}`)).json, []);
    const group = { objectType: 'Group', mbox: 'mailto:class@example.cn' };
    assertError(await send(xapi, 'PUT', '/xapi/agents/profile', { agent: group, profileId: 'p' }, 'x'), 400, 'bad_query', 'agent');
  });
});
