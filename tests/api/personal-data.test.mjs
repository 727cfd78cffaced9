// Personal data: masked by default, revealed only to the roles that need whole numbers, with a
// purpose, and every reveal shown to the person; and who may see whose account at all.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  CHANGNING_COMMITTEE, anon, assertError, assertStatus, makeWorld, password, registerCitizen, registerPerson, signIn,
} from './lib.mjs';

let w;
before(async () => {
  w = await makeWorld();
});

const masked = (id) => id.slice(0, 3) + '*'.repeat(11) + id.slice(14);
const maskedPhone = (p) => p.slice(0, 3) + '****' + p.slice(7);

async function accessLog(citizen) {
  const res = await citizen.get('/api/v1/me/access-log');
  assertStatus(res, 200);
  return res.json.items;
}

describe('revealing personal data', () => {
  // A person of 徐汇区 registered by institution A who then activated the account: visible to
  // every staff role that can see anyone, and able to read their own access log.
  let person, citizen;
  before(async () => {
    const p = await registerPerson(w.staffA);
    const pw = password();
    assertStatus(await anon().post('/api/v1/accounts/activate', { account_no: p.account.account_no, id_number: p.idNumber, password: pw }), 200);
    citizen = { ...p, client: await signIn(p.account.account_no, pw) };
    person = p.account;
  });

  test('staff of the registering institution see masked numbers', async () => {
    const res = await w.staffA.get(`/api/v1/accounts/${person.id}`);
    assertStatus(res, 200);
    assert.equal(res.json.id_number, masked(citizen.idNumber));
    assert.equal(res.json.phone, maskedPhone(citizen.phone));
    assert.equal(res.json.is_revealed, false);
    assert.ok(!res.text.includes(citizen.idNumber) && !res.text.includes(citizen.phone));
  });

  for (const role of ['reviewer', 'district_admin', 'city_admin']) {
    test(`${role} may reveal with a purpose: whole numbers, and an entry in the person's access log`, async () => {
      const caller = w.byRole[role];
      const before = await accessLog(citizen.client);
      const purpose = `核对学分申请 ${role}`;
      const res = await caller.get(`/api/v1/accounts/${person.id}?reveal=true&purpose=${encodeURIComponent(purpose)}`);
      assertStatus(res, 200);
      assert.equal(res.json.id_number, citizen.idNumber);
      assert.equal(res.json.phone, citizen.phone);
      assert.equal(res.json.is_revealed, true);
      const after = await accessLog(citizen.client);
      assert.equal(after.length, before.length + 1, 'exactly one new access-log entry');
      const e = after[0];
      assert.equal(e.actor_role, role);
      assert.equal(e.actor_name, caller.user.display_name);
      assert.equal(e.purpose, purpose);
      assert.deepEqual(e.fields.split(',').sort(), ['id_number', 'phone']);
      assert.ok(e.at);
      assert.ok(!JSON.stringify(after).includes(citizen.idNumber), 'the access log does not repeat the number');
    });
  }

  for (const role of ['staff', 'institution_admin', 'auditor']) {
    test(`${role} may see the account masked but not reveal it: 403 and no access-log entry`, async () => {
      const caller = w.byRole[role];
      const before = await accessLog(citizen.client);
      const plain = await caller.get(`/api/v1/accounts/${person.id}`);
      assertStatus(plain, 200);
      assert.equal(plain.json.id_number, masked(citizen.idNumber));
      const res = await caller.get(`/api/v1/accounts/${person.id}?reveal=true&purpose=curious`);
      assertError(res, 403, 'forbidden');
      assert.ok(!res.text.includes(citizen.idNumber));
      assert.deepEqual(await accessLog(citizen.client), before);
    });
  }

  test('a reveal without a purpose is 400 and leaves no entry', async () => {
    const before = await accessLog(citizen.client);
    assertError(await w.city.get(`/api/v1/accounts/${person.id}?reveal=true`), 400, 'missing_field', 'purpose');
    assertError(await w.city.get(`/api/v1/accounts/${person.id}?reveal=true&purpose=`), 400, 'missing_field', 'purpose');
    assertError(await w.city.get(`/api/v1/accounts/${person.id}?reveal=maybe&purpose=x`), 400, 'bad_query', 'reveal');
    assert.deepEqual(await accessLog(citizen.client), before);
  });

  test('a district admin of another district cannot reveal (404) and leaves no entry', async () => {
    const before = await accessLog(citizen.client);
    assertError(await w.changning.get(`/api/v1/accounts/${person.id}?reveal=true&purpose=x`), 404, 'not_found');
    assert.deepEqual(await accessLog(citizen.client), before);
  });

  test('a citizen\'s own account is masked too, and another citizen\'s access log is their own', async () => {
    const mine = await citizen.client.get('/api/v1/me/account');
    assertStatus(mine, 200);
    assert.equal(mine.json.id, person.id);
    assert.equal(mine.json.id_number, masked(citizen.idNumber));
    const other = await registerCitizen();
    assert.deepEqual(await accessLog(other.client), []);
  });
});

describe('isolation', () => {
  let personA, personB, changningPerson;
  before(async () => {
    personA = await registerPerson(w.staffA);
    personB = await registerPerson(w.staffB);
    changningPerson = await registerPerson(w.staffA, { committee: CHANGNING_COMMITTEE });
  });

  test('staff of institution A cannot see a person registered by institution B (404)', async () => {
    assertStatus(await w.staffA.get(`/api/v1/accounts/${personA.account.id}`), 200);
    assertError(await w.staffA.get(`/api/v1/accounts/${personB.account.id}`), 404, 'not_found');
    assertError(await w.instAdminA.get(`/api/v1/accounts/${personB.account.id}`), 404, 'not_found');
    assertStatus(await w.staffB.get(`/api/v1/accounts/${personB.account.id}`), 200);
    assertError(await w.staffB.get(`/api/v1/accounts/${personA.account.id}`), 404, 'not_found');
  });

  test('staff of A find nothing of B by ID number, account number or listing', async () => {
    for (const q of [`id_number=${personB.idNumber}`, `account_no=${personB.account.account_no}`]) {
      const res = await w.staffA.get(`/api/v1/accounts?${q}`);
      assertStatus(res, 200);
      assert.deepEqual(res.json.items, [], q);
    }
    const list = await w.staffA.get('/api/v1/accounts?limit=500');
    assertStatus(list, 200);
    assert.ok(list.json.items.length >= 1);
    assert.ok(list.json.items.every((a) => a.registered_by === w.instA.id), 'only persons A registered');
    const found = await w.staffA.get(`/api/v1/accounts?id_number=${personA.idNumber}`);
    assert.equal(found.json.items.length, 1);
  });

  test('an institution admin cannot list or add staff of another institution (403)', async () => {
    assertStatus(await w.instAdminA.get(`/api/v1/institutions/${w.instA.id}/staff`), 200);
    assertError(await w.instAdminA.get(`/api/v1/institutions/${w.instB.id}/staff`), 403, 'forbidden');
    const res = await w.instAdminA.post(`/api/v1/institutions/${w.instB.id}/staff`, { login: 'intruder-' + Date.now(), display_name: 'x', password: 'Pw-intrude-1', role: 'staff' });
    assertError(res, 403, 'forbidden');
    const staffB = await w.city.get(`/api/v1/institutions/${w.instB.id}/staff`);
    assert.ok(!staffB.json.items.some((u) => u.login.startsWith('intruder-')));
  });

  test('staff cannot list staff at all (403)', async () => {
    assertError(await w.staffA.get(`/api/v1/institutions/${w.instA.id}/staff`), 403, 'forbidden');
  });

  test('a citizen sees only their own account and gets 403 on staff routes', async () => {
    const c = w.citizen;
    const mine = await c.client.get('/api/v1/me/account');
    assertStatus(mine, 200);
    assert.equal(mine.json.id, c.account.id);
    for (const p of [`/api/v1/accounts/${c.account.id}`, `/api/v1/accounts/${personA.account.id}`, '/api/v1/accounts',
      `/api/v1/institutions/${w.instA.id}`, '/api/v1/tokens', '/api/v1/stats/activations', '/api/v1/audit']) {
      assertError(await c.client.get(p), 403, 'forbidden');
    }
    // The list of institutions is public knowledge a citizen needs to choose an employer to share
    // their record with; it holds no personal data.
    assertStatus(await c.client.get('/api/v1/institutions?type=enterprise'), 200);
    assertError(await c.client.post('/api/v1/institutions', { name: 'x', type: 'university', district_code: '310104000000' }), 403, 'forbidden');
  });

  test('a district admin sees only persons living in their district', async () => {
    // 徐汇区's office sees A's 徐汇 person but not A's 长宁 person; 长宁区's office the reverse.
    assertStatus(await w.xuhui.get(`/api/v1/accounts/${personA.account.id}`), 200);
    assertError(await w.xuhui.get(`/api/v1/accounts/${changningPerson.account.id}`), 404, 'not_found');
    assertStatus(await w.changning.get(`/api/v1/accounts/${changningPerson.account.id}`), 200);
    assertError(await w.changning.get(`/api/v1/accounts/${personA.account.id}`), 404, 'not_found');
    const list = await w.xuhui.get('/api/v1/accounts?limit=500');
    assertStatus(list, 200);
    assert.ok(list.json.items.length >= 2);
    assert.ok(list.json.items.every((a) => a.district.code === '310104000000'));
    const other = await w.xuhui.get('/api/v1/accounts?district=310105000000&limit=500');
    assert.deepEqual(other.json.items, [], 'asking for another district shows nothing');
    const byId = await w.xuhui.get(`/api/v1/accounts?id_number=${changningPerson.idNumber}`);
    assert.deepEqual(byId.json.items, []);
  });

  test('city admin, reviewer and auditor see persons of every institution and district', async () => {
    for (const role of ['city_admin', 'reviewer', 'auditor']) {
      for (const p of [personA, personB, changningPerson])
        assertStatus(await w.byRole[role].get(`/api/v1/accounts/${p.account.id}`), 200);
    }
  });
});
