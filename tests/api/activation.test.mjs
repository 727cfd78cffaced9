// Registration by institution staff (no password) and activation by the person.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  XUHUI, accountNo, activationStats, anon, assertError, assertStatus, createInstitution, createStaff, idNumber, password,
  registerPerson, signInFixture, trySignIn,
} from './lib.mjs';

describe('staff registration and activation', () => {
  let city, inst, staff;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    inst = await createInstitution(city);
    staff = await createStaff(city, 'staff', inst.id);
  });

  const district = (stats) => stats.districts.find((d) => d.code === XUHUI);

  test('staff register a person without a password: the account exists but is not activated', async () => {
    const before = await activationStats(city);
    const p = await registerPerson(staff);
    assert.equal(p.account.is_activated, false);
    assert.equal(p.account.activated_at, null);
    assert.equal(p.account.registered_by, inst.id);
    assert.match(p.account.id_number, /^\d{3}\*{11}\d{3}[\dX]$/);
    const after = await activationStats(city);
    assert.equal(after.total_accounts, before.total_accounts + 1);
    assert.equal(after.total_activated, before.total_activated);
    assert.equal(district(after).accounts, district(before).accounts + 1);
    // Nobody can sign in to it yet.
    assertError(await trySignIn(p.account.account_no, 'Any-pass-123'), 401, 'bad_credentials');
  });

  test('activation with the right ID number: 200, the citizen signs in, the activated count goes up', async () => {
    const p = await registerPerson(staff);
    const before = await activationStats(city);
    const pw = password();
    const res = await anon().post('/api/v1/accounts/activate', { account_no: p.account.account_no, id_number: p.idNumber, password: pw });
    assertStatus(res, 200);
    assert.equal(res.json.is_activated, true);
    assert.ok(res.json.activated_at);
    assert.equal(res.json.id, p.account.id);
    assert.ok(!res.text.includes(p.idNumber), 'the reply masks the ID number');
    const after = await activationStats(city);
    assert.equal(after.total_activated, before.total_activated + 1);
    assert.equal(district(after).activated, district(before).activated + 1);
    assert.equal(after.total_accounts, before.total_accounts);
    const s = await trySignIn(p.account.account_no, pw);
    assertStatus(s, 200);
    assert.equal(s.json.user.role, 'citizen');
    const mine = await s.client.get('/api/v1/me/account');
    assertStatus(mine, 200);
    assert.equal(mine.json.id, p.account.id);
    assert.equal(mine.json.is_activated, true);
    // The phone given by the institution works as a login too.
    assertStatus(await trySignIn(p.phone, pw), 200);
  });

  test('activation with a wrong ID number is 400 and activates nothing', async () => {
    const p = await registerPerson(staff);
    const before = await activationStats(city);
    const pw = password();
    const res = await anon().post('/api/v1/accounts/activate', { account_no: p.account.account_no, id_number: idNumber(), password: pw });
    assertError(res, 400, 'invalid_value', 'id_number');
    assert.equal((await activationStats(city)).total_activated, before.total_activated);
    assertError(await trySignIn(p.account.account_no, pw), 401, 'bad_credentials');
    // The message must not tell whether the account number exists.
    const unknown = await anon().post('/api/v1/accounts/activate', { account_no: accountNo(9999999999999), id_number: p.idNumber, password: pw });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.json, res.json);
  });

  test('activating twice is 409 already_active and keeps the first password', async () => {
    const p = await registerPerson(staff);
    const first = password();
    assertStatus(await anon().post('/api/v1/accounts/activate', { account_no: p.account.account_no, id_number: p.idNumber, password: first }), 200);
    const before = await activationStats(city);
    const second = password();
    const res = await anon().post('/api/v1/accounts/activate', { account_no: p.account.account_no, id_number: p.idNumber, password: second });
    assertError(res, 409, 'already_active');
    assert.equal((await activationStats(city)).total_activated, before.total_activated);
    assertStatus(await trySignIn(p.account.account_no, first), 200);
    assertError(await trySignIn(p.account.account_no, second), 401, 'bad_credentials');
  });

  test('a self-registered account cannot be activated again', async () => {
    const id = idNumber();
    const pw = password();
    const reg = await anon().post('/api/v1/accounts', { name: '王五', id_number: id, committee_code: '310104003001', password: pw });
    assertStatus(reg, 201);
    assertError(await anon().post('/api/v1/accounts/activate', { account_no: reg.json.account_no, id_number: id, password: password() }), 409, 'already_active');
  });

  test('activation input is checked: bad account number, bad ID number, weak password', async () => {
    const p = await registerPerson(staff);
    const no = p.account.account_no;
    const badLuhn = no.slice(0, 15) + String((Number(no[15]) + 1) % 10);
    assertError(await anon().post('/api/v1/accounts/activate', { account_no: badLuhn, id_number: p.idNumber, password: password() }), 400, 'invalid_account_no', 'account_no');
    assertError(await anon().post('/api/v1/accounts/activate', { account_no: no, id_number: p.idNumber.slice(0, 17), password: password() }), 400, 'invalid_id_number', 'id_number');
    assertError(await anon().post('/api/v1/accounts/activate', { account_no: no, id_number: p.idNumber, password: 'abcdefghij' }), 400, 'weak_password');
    assertError(await anon().post('/api/v1/accounts/activate', { account_no: no, id_number: p.idNumber, password: no }), 400, 'weak_password');
    assertError(await anon().post('/api/v1/accounts/activate', { account_no: no, id_number: p.idNumber }), 400, 'missing_field', 'password');
    const res = await city.get(`/api/v1/accounts/${p.account.id}`);
    assert.equal(res.json.is_activated, false, 'none of these activated the account');
  });
});
