// The access log: one JSON object a line for every request, naming the signed-in caller, and
// never a secret. run.sh runs this file last, so the log holds every request of the suite, and
// the secrets file every password, cookie, token, ID and phone number the suite used.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';

import {
  Client, anon, createInstitution, createStaff, idNumber, registerPerson, secrets, signInFixture, sleep,
} from './lib.mjs';

const LOG = process.env.LIFELONG_ACCESS_LOG;

function readLog() {
  return fs.readFileSync(LOG, 'utf8');
}

// The log line of a request, found by the X-Request-Id of its reply; the server writes it when
// the request completes, just after the reply leaves.
async function lineOf(res) {
  const id = res.headers.get('x-request-id');
  assert.ok(id, 'the reply has an X-Request-Id');
  for (let i = 0; i < 40; i++) {
    const line = readLog().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.request_id === id);
    if (line) return line;
    await sleep(25);
  }
  assert.fail(`no access-log line for request ${id}`);
}

describe('access log', () => {
  let staff, person, token, tokenRes, meRes, anonRes, searchRes, signInRes;
  before(async () => {
    assert.ok(LOG, 'LIFELONG_ACCESS_LOG is not set; run the suite with tests/api/run.sh');
    const city = await signInFixture('fx-city-admin');
    const inst = await createInstitution(city);
    staff = await createStaff(city, 'staff', inst.id);
    signInRes = await anon().post('/api/v1/session', { login: staff.login, password: staff.password });
    person = await registerPerson(staff);
    meRes = await staff.get('/api/v1/me');
    anonRes = await anon().get('/api/v1/divisions');
    searchRes = await staff.get(`/api/v1/accounts?id_number=${person.idNumber}`);
    tokenRes = await staff.post('/api/v1/tokens', { name: 'log check', scope: 'read' });
    token = tokenRes.json.token;
    await new Client({ bearer: token }).get('/api/v1/me');
    // A secret in the query string of a failed request must not be logged either.
    await anon().get(`/api/v1/nowhere?password=${encodeURIComponent(staff.password)}&id_number=${idNumber()}`);
    await sleep(100);
  });

  test('every line is one JSON object with request_id, route, status and duration_us', () => {
    const lines = readLog().split('\n');
    assert.equal(lines.pop(), '', 'the log ends with a newline');
    assert.ok(lines.length >= 10, `only ${lines.length} lines`);
    for (const text of lines) {
      const l = JSON.parse(text);
      assert.equal(typeof l, 'object');
      assert.match(l.request_id, /^[0-9a-f]{20}$/, text);
      assert.equal(typeof l.route, 'string', text);
      assert.ok(Number.isInteger(l.status) && l.status >= 100 && l.status < 600, text);
      assert.ok(Number.isInteger(l.duration_us) && l.duration_us >= 0, text);
      assert.equal(typeof l.method, 'string', text);
      assert.equal(typeof l.time, 'string', text);
    }
    const ids = lines.map((t) => JSON.parse(t).request_id);
    assert.equal(new Set(ids).size, ids.length, 'request ids are unique');
  });

  test('a signed-in request names its caller and role; an anonymous one names none', async () => {
    const me = await lineOf(meRes);
    assert.equal(me.route, '/api/v1/me');
    assert.equal(me.status, 200);
    assert.equal(me.caller, staff.user.id);
    assert.equal(me.role, 'staff');
    const a = await lineOf(anonRes);
    assert.equal(a.route, '/api/v1/divisions');
    assert.equal(a.caller, undefined);
    const token = await lineOf(tokenRes);
    assert.equal(token.status, 201);
    assert.equal(token.caller, staff.user.id);
  });

  test('the route is the table\'s pattern and the path carries no query string', async () => {
    const s = await lineOf(searchRes);
    assert.equal(s.route, '/api/v1/accounts');
    assert.equal(s.path, '/api/v1/accounts');
    const got = await staff.get(`/api/v1/accounts/${person.account.id}`);
    const g = await lineOf(got);
    assert.equal(g.route, '/api/v1/accounts/{id}');
    assert.equal(g.path, `/api/v1/accounts/${person.account.id}`);
    const signIn = await lineOf(signInRes);
    assert.equal(signIn.route, '/api/v1/session');
    assert.equal(signIn.status, 200);
  });

  test('it never holds a password, session cookie, CSRF or API token, ID or phone number the suite used', () => {
    const log = readLog();
    const all = secrets();
    assert.ok(all.length >= 5, `only ${all.length} secrets were recorded`);
    assert.ok(all.includes(token) && all.includes(staff.cookie) && all.includes(staff.password) && all.includes(person.idNumber));
    const leaked = all.filter((s) => log.includes(s));
    assert.deepEqual(leaked, [], 'secrets in the access log');
    assert.ok(!/llt_[0-9a-f]/.test(log), 'no API token');
    assert.ok(!/ll_session=/.test(log), 'no cookie');
  });
});
