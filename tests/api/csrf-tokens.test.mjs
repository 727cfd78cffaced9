// CSRF protection of cookie sessions, and API tokens (bearer, scoped, revocable).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  Client, XUHUI, assertError, assertStatus, auditMark, auditSince, createInstitution, createStaff, signInFixture,
  uniqueName,
} from './lib.mjs';

describe('CSRF', () => {
  let city, inst, staff;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    inst = await createInstitution(city);
    staff = await createStaff(city, 'staff', inst.id);
  });

  async function institutionNamed(name) {
    const res = await city.get(`/api/v1/institutions?district=${XUHUI}&limit=1000`);
    assertStatus(res, 200);
    return res.json.items.filter((i) => i.name === name);
  }

  test('a cookie POST without X-CSRF-Token is 403 csrf and creates nothing', async () => {
    const mark = await auditMark(city);
    const name = uniqueName('无令牌');
    const res = await city.post('/api/v1/institutions', { name, type: 'community_school', district_code: XUHUI }, { csrf: false });
    assertError(res, 403, 'csrf');
    assert.deepEqual(await institutionNamed(name), []);
    assert.deepEqual((await auditSince(city, mark)).filter((r) => r.action === 'institution.create'), []);
  });

  test('a cookie POST with a wrong X-CSRF-Token is 403 csrf and creates nothing', async () => {
    const name = uniqueName('错令牌');
    const res = await city.post('/api/v1/institutions', { name, type: 'community_school', district_code: XUHUI },
      { csrf: false, headers: { 'x-csrf-token': 'f'.repeat(64) } });
    assertError(res, 403, 'csrf');
    assert.deepEqual(await institutionNamed(name), []);
  });

  test('another session\'s CSRF token does not pass', async () => {
    const other = await signInFixture('fx-city-admin');
    const name = uniqueName('他人令牌');
    const res = await city.post('/api/v1/institutions', { name, type: 'community_school', district_code: XUHUI },
      { csrf: false, headers: { 'x-csrf-token': other.csrf } });
    assertError(res, 403, 'csrf');
    assert.deepEqual(await institutionNamed(name), []);
  });

  test('a cookie POST with the session\'s X-CSRF-Token works', async () => {
    const name = uniqueName('有令牌');
    const res = await city.post('/api/v1/institutions', { name, type: 'community_school', district_code: XUHUI });
    assertStatus(res, 201);
    assert.equal((await institutionNamed(name)).length, 1);
  });

  test('a cookie PUT without X-CSRF-Token is 403 csrf and changes nothing; with it, it works', async () => {
    const before = (await staff.get('/api/v1/me')).json;
    const want = !before.elder_mode;
    assertError(await staff.put('/api/v1/me/preferences', { elder_mode: want, locale: 'en' }, { csrf: false }), 403, 'csrf');
    const same = (await staff.get('/api/v1/me')).json;
    assert.equal(same.elder_mode, before.elder_mode);
    assert.equal(same.locale, before.locale);
    const ok = await staff.put('/api/v1/me/preferences', { elder_mode: want, locale: 'en' });
    assertStatus(ok, 200);
    const after = (await staff.get('/api/v1/me')).json;
    assert.equal(after.elder_mode, want);
    assert.equal(after.locale, 'en');
  });

  test('a cookie DELETE without X-CSRF-Token is 403 csrf: sign-out does not happen', async () => {
    const user = await createStaff(city, 'staff', inst.id);
    assertError(await user.del('/api/v1/session', { csrf: false }), 403, 'csrf');
    assertStatus(await user.get('/api/v1/me'), 200);
    assertStatus(await user.del('/api/v1/session'), 204);
    assertError(await user.get('/api/v1/me'), 401, 'unauthenticated');
  });

  test('a cookie POST to a public route (registration) also needs the CSRF token', async () => {
    const res = await staff.post('/api/v1/accounts', { name: 'x' }, { csrf: false });
    assertError(res, 403, 'csrf');
  });

  test('a bearer API token needs no CSRF token', async () => {
    const t = await city.post('/api/v1/tokens', { name: 'csrf-free', scope: 'write' });
    assertStatus(t, 201);
    const bot = new Client({ bearer: t.json.token });
    const name = uniqueName('令牌机构');
    const res = await bot.post('/api/v1/institutions', { name, type: 'community_school', district_code: XUHUI });
    assertStatus(res, 201);
    assert.equal((await institutionNamed(name)).length, 1);
  });
});

describe('API tokens', () => {
  let city, inst, staff;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    inst = await createInstitution(city);
    staff = await createStaff(city, 'staff', inst.id);
  });

  test('a created token is shown once with the llt_ prefix and works as Bearer', async () => {
    const res = await staff.post('/api/v1/tokens', { name: 'sync job', scope: 'write' });
    assertStatus(res, 201);
    assert.match(res.json.token, /^llt_[0-9a-f]{32,}$/);
    assert.equal(res.json.scope, 'write');
    assert.equal(res.json.name, 'sync job');
    assert.equal(typeof res.json.id, 'string');
    const bot = new Client({ bearer: res.json.token });
    const me = await bot.get('/api/v1/me');
    assertStatus(me, 200);
    assert.equal(me.json.id, staff.user.id);
    assert.equal(me.json.role, 'staff');
  });

  test('an API token is no session cookie, and a session cookie is no API token, even just after use', async () => {
    const res = await staff.post('/api/v1/tokens', { name: 'not a cookie', scope: 'write' });
    assertStatus(res, 201);
    assertStatus(await new Client({ bearer: res.json.token }).get('/api/v1/me'), 200);
    assertError(await new Client({ cookie: res.json.token }).get('/api/v1/me'), 401, 'unauthenticated');
    assertStatus(await staff.get('/api/v1/me'), 200);
    assertError(await new Client({ bearer: staff.cookie }).get('/api/v1/me'), 401, 'unauthenticated');
  });

  test('the token list never shows a secret', async () => {
    const made = await staff.post('/api/v1/tokens', { name: 'listed', scope: 'read' });
    assertStatus(made, 201);
    const list = await staff.get('/api/v1/tokens');
    assertStatus(list, 200);
    const mine = list.json.items.find((t) => t.id === made.json.id);
    assert.ok(mine, 'the new token is listed');
    assert.equal(mine.name, 'listed');
    assert.equal(mine.scope, 'read');
    assert.ok(!('token' in mine), 'no token field in the list');
    assert.ok(!list.text.includes(made.json.token), 'the secret is not in the list');
    assert.ok(!list.text.includes(made.json.token.slice(4)), 'not even without its prefix');
    assert.ok(!/llt_/.test(list.text));
  });

  test('a read-scoped token reads but cannot write (403 token_scope)', async () => {
    const res = await city.post('/api/v1/tokens', { name: 'reader', scope: 'read' });
    assertStatus(res, 201);
    const bot = new Client({ bearer: res.json.token });
    assertStatus(await bot.get('/api/v1/institutions'), 200);
    const name = uniqueName('只读');
    assertError(await bot.post('/api/v1/institutions', { name, type: 'community_school', district_code: XUHUI }), 403, 'token_scope');
    assertError(await bot.put('/api/v1/me/preferences', { locale: 'en' }), 403, 'token_scope');
    const list = await city.get(`/api/v1/institutions?district=${XUHUI}&limit=1000`);
    assert.ok(!list.json.items.some((i) => i.name === name), 'nothing was created');
  });

  test('a revoked token is 401', async () => {
    const res = await staff.post('/api/v1/tokens', { name: 'short-lived', scope: 'write' });
    assertStatus(res, 201);
    const bot = new Client({ bearer: res.json.token });
    assertStatus(await bot.get('/api/v1/me'), 200);
    assertStatus(await staff.del(`/api/v1/tokens/${res.json.id}`), 204);
    assertError(await bot.get('/api/v1/me'), 401, 'unauthenticated');
    const listed = (await staff.get('/api/v1/tokens')).json.items.find((t) => t.id === res.json.id);
    assert.ok(listed.revoked_at, 'the list shows when it was revoked');
    assertError(await staff.del(`/api/v1/tokens/${res.json.id}`), 404, 'not_found');
  });

  test('a made-up or malformed bearer token is 401, not a fallback to the cookie', async () => {
    assertError(await new Client({ bearer: 'llt_' + '0'.repeat(48) }).get('/api/v1/me'), 401, 'unauthenticated');
    const both = new Client({ bearer: 'nonsense', cookie: staff.cookie, csrf: staff.csrf });
    assertError(await both.get('/api/v1/me'), 401, 'unauthenticated');
  });

  test('one user cannot revoke another user\'s token', async () => {
    const res = await staff.post('/api/v1/tokens', { name: 'mine', scope: 'read' });
    assertStatus(await city.del(`/api/v1/tokens/${res.json.id}`), 404);
    assertStatus(await new Client({ bearer: res.json.token }).get('/api/v1/me'), 200);
  });

  test('an API token cannot mint another token', async () => {
    const res = await staff.post('/api/v1/tokens', { name: 'parent', scope: 'write' });
    const bot = new Client({ bearer: res.json.token });
    assertError(await bot.post('/api/v1/tokens', { name: 'child', scope: 'write' }), 403, 'forbidden');
  });

  test('a bad scope is 400 invalid_value', async () => {
    assertError(await staff.post('/api/v1/tokens', { name: 'x', scope: 'admin' }), 400, 'invalid_value', 'scope');
  });
});
