// Self-registration of a learning account, and every way a registration is refused without a
// trace: no account, no audit row.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  BASE, XUHUI_COMMITTEE, activationStats, anon, assertError, assertStatus, auditMark, auditSince, checkErrorShape,
  idCheckChar, idNumber, password, phone, registerCitizen, signInFixture,
} from './lib.mjs';

const valid = (over = {}) => ({
  name: '张三',
  id_number: idNumber(),
  phone: phone(),
  committee_code: XUHUI_COMMITTEE,
  password: password(),
  ...over,
});

// An ID number with the given first 17 characters and the right check character.
const withCheck = (first17) => first17 + idCheckChar(first17);
const without = (obj, key) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));
const nextYear = new Date().getUTCFullYear() + 1;

describe('self-registration', () => {
  let city;
  before(async () => {
    city = await signInFixture('fx-city-admin');
  });

  async function findById(id) {
    const res = await city.get(`/api/v1/accounts?id_number=${id}`);
    assertStatus(res, 200);
    return res.json.items;
  }

  test('a valid registration is 201, masks the ID number as 310***********123X and the phone, and signs in', async () => {
    const body = valid({ id_number: withCheck('31010419900307123') });
    const before = await activationStats(city);
    const res = await anon().post('/api/v1/accounts', body);
    assertStatus(res, 201);
    const a = res.json;
    assert.equal(a.id_number, '310' + '*'.repeat(11) + body.id_number.slice(14));
    assert.match(a.id_number, /^310\*{11}123[0-9X]$/);
    assert.equal(a.phone, body.phone.slice(0, 3) + '****' + body.phone.slice(7));
    assert.match(a.phone, /^13\d\*{4}\d{4}$/);
    assert.ok(!res.text.includes(body.id_number.slice(3, 14)), 'no hidden digit of the ID number in the reply');
    assert.ok(!res.text.includes(body.phone), 'no whole phone number in the reply');
    assert.ok(!res.text.includes(body.password), 'no password in the reply');
    assert.equal(a.is_revealed, false);
    assert.match(a.account_no, /^31\d{14}$/);
    assert.equal(a.birth_date, '1990-03-07');
    assert.equal(a.gender, 'M'); // the 17th digit, 3, is odd
    assert.equal(a.district.code, '310104000000');
    assert.equal(a.committee.code, XUHUI_COMMITTEE);
    assert.equal(a.is_activated, true);
    assert.equal(a.registered_by, null);
    const after = await activationStats(city);
    assert.equal(after.total_accounts, before.total_accounts + 1);
    assert.equal(after.total_activated, before.total_activated + 1);
    const found = await findById(body.id_number);
    assert.equal(found.length, 1);
    assert.equal(found[0].id, a.id);
    const audit = await auditSince(city, null, `&target_type=person&target_id=${a.id}`);
    assert.deepEqual(audit.map((r) => r.action), ['account.create']);
    assert.ok(!JSON.stringify(audit).includes(body.id_number), 'the audit log holds no ID number');
  });

  test('a duplicate ID number is 409 duplicate_person and there is still exactly one account', async () => {
    const first = valid();
    assertStatus(await anon().post('/api/v1/accounts', first), 201);
    const before = await activationStats(city);
    const mark = await auditMark(city);
    const again = await anon().post('/api/v1/accounts', valid({ id_number: first.id_number, name: '李四' }));
    assertError(again, 409, 'duplicate_person', 'id_number');
    assert.equal((await findById(first.id_number)).length, 1);
    assert.equal((await activationStats(city)).total_accounts, before.total_accounts);
    assert.deepEqual((await auditSince(city, mark)).filter((r) => r.action === 'account.create'), []);
  });

  test('a lower-case x check character is the same person as X', async () => {
    let id;
    do id = idNumber(); while (!id.endsWith('X'));
    assertStatus(await anon().post('/api/v1/accounts', valid({ id_number: id })), 201);
    assertError(await anon().post('/api/v1/accounts', valid({ id_number: id.slice(0, 17) + 'x' })), 409, 'duplicate_person');
    assert.equal((await findById(id.slice(0, 17) + 'x')).length, 1);
  });

  test('a signed-in citizen cannot register a second account', async () => {
    const c = await registerCitizen();
    assertError(await c.client.post('/api/v1/accounts', valid()), 403, 'forbidden');
  });

  // Each refused registration: [what, request, status, code, field]. A request is a body object
  // (sent as JSON) or { raw, contentType } for bytes sent as they are.
  const good = valid();
  const refusals = [
    ['a wrong check character', valid({ id_number: good.id_number.slice(0, 17) + (good.id_number[17] === '1' ? '2' : '1') }), 400, 'invalid_id_number', 'id_number'],
    ['an impossible birth date 19990230', valid({ id_number: withCheck('31010419990230123') }), 400, 'invalid_id_number', 'id_number'],
    ['a birth date in the future', valid({ id_number: withCheck(`310104${nextYear}0101123`) }), 400, 'invalid_id_number', 'id_number'],
    ['an unknown region 99', valid({ id_number: withCheck('99010419900307123') }), 400, 'invalid_id_number', 'id_number'],
    ['17 characters', valid({ id_number: good.id_number.slice(0, 17) }), 400, 'invalid_id_number', 'id_number'],
    ['19 characters', valid({ id_number: good.id_number + '1' }), 400, 'invalid_id_number', 'id_number'],
    ['letters in the ID number', valid({ id_number: '3101041990AB07123X' }), 400, 'invalid_id_number', 'id_number'],
    ['a phone number not starting 13-19', valid({ phone: '12345678901' }), 400, 'invalid_phone', 'phone'],
    ['a phone number of 10 digits', valid({ phone: '1381234567' }), 400, 'invalid_phone', 'phone'],
    ['a phone number with a letter', valid({ phone: '1381234567a' }), 400, 'invalid_phone', 'phone'],
    ['an unknown committee', valid({ committee_code: '310104999999' }), 400, 'unknown_division', 'committee_code'],
    ['a district code as committee', valid({ committee_code: '310104000000' }), 400, 'unknown_division', 'committee_code'],
    ['a subdistrict code as committee', valid({ committee_code: '310104003000' }), 400, 'unknown_division', 'committee_code'],
    ['a committee code that is not 12 digits', valid({ committee_code: '31010400300A' }), 400, 'unknown_division', 'committee_code'],
    ['a password of one kind of character', valid({ password: 'abcdefghijk' }), 400, 'weak_password', 'password'],
    ['a short password', valid({ password: 'ab1!' }), 400, 'weak_password', 'password'],
    ['no name', without(valid(), 'name'), 400, 'missing_field', 'name'],
    ['no ID number', without(valid(), 'id_number'), 400, 'missing_field', 'id_number'],
    ['no committee', without(valid(), 'committee_code'), 400, 'missing_field', 'committee_code'],
    ['no password (registering oneself)', without(valid(), 'password'), 400, 'missing_field', 'password'],
    ['a null name', valid({ name: null }), 400, 'missing_field', 'name'],
    ['an empty name', valid({ name: '' }), 400, 'missing_field', 'name'],
    ['an unknown field', valid({ nickname: '小张' }), 400, 'unknown_field', 'nickname'],
    ['a number as name', valid({ name: 123 }), 400, 'wrong_type', 'name'],
    ['a number as ID number', valid({ id_number: 310104199003071234 }), 400, 'wrong_type', 'id_number'],
    ['a boolean as phone', valid({ phone: true }), 400, 'wrong_type', 'phone'],
    ['an array as body', { raw: JSON.stringify([valid()]), contentType: 'application/json' }, 400, 'wrong_type'],
    ['a name over 50 characters', valid({ name: '长'.repeat(51) }), 400, 'too_long', 'name'],
    ['malformed JSON', { raw: JSON.stringify(valid()).slice(0, -5), contentType: 'application/json' }, 400, 'invalid_json'],
    ['an empty body', { raw: '', contentType: 'application/json' }, 400, 'invalid_json'],
    ['a duplicate key', { raw: '{"name":"a","name":"b"}', contentType: 'application/json' }, 400, 'invalid_json'],
    ['a form body', { raw: new URLSearchParams(valid()).toString(), contentType: 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
    ['JSON sent as text/plain', { raw: JSON.stringify(valid()), contentType: 'text/plain' }, 415, 'unsupported_media_type'],
    ['a body over the 4 KiB cap', valid({ name: 'x'.repeat(5000) }), 413, 'body_too_large', 'body'],
    ['JSON nested 17 deep', { raw: JSON.stringify(valid()).slice(0, -1) + ',"name2":' + '['.repeat(16) + ']'.repeat(16) + '}', contentType: 'application/json' }, 400, 'too_deep'],
  ];

  for (const [what, req, status, code, field] of refusals) {
    test(`registration with ${what} is ${status} ${code} and stores nothing`, async () => {
      const before = await activationStats(city);
      const mark = await auditMark(city);
      const res = req.raw !== undefined
        ? await anon().request('POST', '/api/v1/accounts', { body: req.raw, contentType: req.contentType })
        : await anon().post('/api/v1/accounts', req);
      assertError(res, status, code, field);
      assert.equal((await activationStats(city)).total_accounts, before.total_accounts, 'no account was stored');
      const created = (await auditSince(city, mark)).filter((r) => r.action === 'account.create');
      assert.deepEqual(created, [], 'no account.create in the audit log');
      const id = req.raw === undefined ? req.id_number : null;
      if (typeof id === 'string' && id.length === 18 && /^\d{17}[\dX]$/.test(id) && code !== 'invalid_id_number') {
        assert.deepEqual(await findById(id), [], 'a search by the ID number finds nothing');
      }
    });
  }

  test('a streamed body over the cap (no Content-Length) is 413 body_too_large and stores nothing', async () => {
    const before = await activationStats(city);
    const chunk = new TextEncoder().encode(' '.repeat(1024));
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else {
          controller.enqueue(new TextEncoder().encode(JSON.stringify(valid())));
          controller.close();
        }
      },
    });
    const res = await fetch(BASE + '/api/v1/accounts', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half',
    });
    const text = await res.text();
    const out = { status: res.status, text, json: JSON.parse(text), headers: res.headers };
    checkErrorShape(out, 'POST /api/v1/accounts (streamed)');
    assert.equal(res.status, 413);
    assert.equal(out.json.error.code, 'body_too_large');
    assert.equal((await activationStats(city)).total_accounts, before.total_accounts);
  });

  test('an invalid ID number in a search is 400 invalid_id_number, not an empty result', async () => {
    assertError(await city.get('/api/v1/accounts?id_number=310104199902301230'), 400, 'invalid_id_number', 'id_number');
  });
});
