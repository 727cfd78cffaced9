// The credit bank, sharing with an employer: a citizen lets an institution (an enterprise) see
// their whole record, every outcome whoever deposited it, until they end the share, which takes
// effect at once; before and after, the enterprise sees nothing of them. An institution's
// learning archive (在职人员学习档案) lists the persons it deposited outcomes for, with what it
// deposited for each (current versions only), and the persons who shared their record with it;
// nobody else's, and only its own staff and the credit bank's administrators read it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  BASE, CHANGNING, SESSION_COOKIE, XUHUI, assertError, assertStatus, createInstitution, createStaff, registerCitizen,
  registerPerson, signInFixture,
} from './lib.mjs';

const credit = (acct, over = {}) => ({
  account_no: acct, kind: 'academic_credit', title: '高等数学（一）', code: 'MATH101', credits_milli: 4000, result_kind: 'grade', result: 'A',
  awarded_on: '2024-06-30', ...over,
});
const community = (acct, over = {}) => ({
  account_no: acct, kind: 'community_education', title: '社区书法班', hours_milli: 24000, awarded_on: '2023-12-15', ...over,
});
const training = (acct, over = {}) => ({
  account_no: acct, kind: 'enterprise_training', title: '安全生产培训', hours_milli: 8000, awarded_on: '2024-05-01', ...over,
});

async function deposit(staff, body) {
  const res = await staff.post('/api/v1/ledger/outcomes', body);
  assertStatus(res, 201);
  assert.equal(res.json.status, 'stored');
  return res.json;
}

async function shares(citizen) {
  const res = await citizen.client.get('/api/v1/me/shares');
  assertStatus(res, 200);
  return res.json.items;
}

// Status of a CSV download (the shared client reads JSON).
async function csvStatus(client, p) {
  const res = await fetch(BASE + p, { headers: { cookie: `${SESSION_COOKIE}=${client.cookie}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('sharing a record with an employer', () => {
  let city, ent, entStaff, ou, ouStaff, school, schoolStaff, citizen;
  const transcriptPath = (c) => `/api/v1/accounts/${c.account.id}/transcript`;

  before(async () => {
    city = await signInFixture('fx-city-admin');
    ent = await createInstitution(city, XUHUI, 'enterprise');
    entStaff = await createStaff(city, 'staff', ent.id);
    ou = await createInstitution(city, XUHUI, 'open_university');
    ouStaff = await createStaff(city, 'staff', ou.id);
    school = await createInstitution(city, CHANGNING, 'community_school');
    schoolStaff = await createStaff(city, 'staff', school.id);
    citizen = await registerCitizen();
    const acct = citizen.account.account_no;
    await deposit(ouStaff, credit(acct));
    await deposit(ouStaff, community(acct, { title: '社区合唱团' }));
    await deposit(schoolStaff, community(acct, { title: '社区茶艺班', hours_milli: 12000 }));
  });

  // The citizen's own view: what a share must show in full.
  async function own(c = citizen) {
    const res = await c.client.get('/api/v1/me/transcript');
    assertStatus(res, 200);
    return res.json;
  }

  test('before sharing, the enterprise\'s staff get 404 for the person\'s transcript', async () => {
    assertError(await entStaff.get(transcriptPath(citizen)), 404, 'not_found');
    assert.equal(await csvStatus(entStaff, `${transcriptPath(citizen)}.csv`), 404);
    assert.deepEqual(await shares(citizen), []);
  });

  test('after sharing (201), the enterprise\'s staff see every outcome, whoever deposited it', async () => {
    const res = await citizen.client.post('/api/v1/me/shares', { institution_id: ent.id });
    assertStatus(res, 201);
    assert.deepEqual(res.json.items.map((s) => s.institution), [{ id: ent.id, name: ent.name, name_en: ent.name_en ?? null, type: 'enterprise' }]);
    const seen = await entStaff.get(transcriptPath(citizen));
    assertStatus(seen, 200);
    assert.equal(seen.json.scope, 'all', 'a shared record is seen whole');
    const mine = await own();
    assert.equal(mine.items.length, 3);
    assert.deepEqual(seen.json.items.map((i) => i.entry_id).sort(), mine.items.map((i) => i.entry_id).sort());
    assert.deepEqual(new Set(seen.json.items.map((i) => i.institution.id)), new Set([ou.id, school.id]));
    assert.deepEqual(seen.json.totals, mine.totals);
    assert.equal(await csvStatus(entStaff, `${transcriptPath(citizen)}.csv`), 200);
    // Another institution that was not shared with still sees only what it deposited.
    const bySchool = await schoolStaff.get(transcriptPath(citizen));
    assertStatus(bySchool, 200);
    assert.deepEqual(bySchool.json.items.map((i) => i.title), ['社区茶艺班']);
    assert.equal(bySchool.json.scope, 'deposited', 'the transcript says it shows only the caller\'s deposits');
  });

  test('GET /api/v1/me/shares lists the share with its time; sharing again keeps one', async () => {
    const items = await shares(citizen);
    assert.equal(items.length, 1);
    assert.deepEqual(items[0].institution, { id: ent.id, name: ent.name, name_en: ent.name_en ?? null, type: 'enterprise' });
    assert.ok(!Number.isNaN(Date.parse(items[0].created_at)), `created_at ${items[0].created_at}`);
    const again = await citizen.client.post('/api/v1/me/shares', { institution_id: ent.id });
    assertStatus(again, 201);
    assert.deepEqual(await shares(citizen), items);
  });

  test('DELETE /api/v1/me/shares/{institution_id} ends the share at once (204): the staff get 404 again', async () => {
    const res = await citizen.client.del(`/api/v1/me/shares/${ent.id}`);
    assertStatus(res, 204);
    assert.equal(res.text, '');
    assert.deepEqual(await shares(citizen), []);
    assertError(await entStaff.get(transcriptPath(citizen)), 404, 'not_found');
    assert.equal(await csvStatus(entStaff, `${transcriptPath(citizen)}.csv`), 404);
  });

  test('ending a share that does not exist is 404, and ends nobody else\'s', async () => {
    assertError(await citizen.client.del(`/api/v1/me/shares/${ent.id}`), 404, 'not_found');
    assertError(await citizen.client.del(`/api/v1/me/shares/${crypto.randomUUID()}`), 404, 'not_found');
    // Another person's share with the same institution stays.
    const other = await registerCitizen();
    await deposit(schoolStaff, community(other.account.account_no, { title: '社区舞蹈' }));
    assertStatus(await other.client.post('/api/v1/me/shares', { institution_id: ent.id }), 201);
    assertError(await citizen.client.del(`/api/v1/me/shares/${ent.id}`), 404, 'not_found');
    assert.equal((await shares(other)).length, 1);
    assertStatus(await entStaff.get(transcriptPath(other)), 200);
  });

  test('sharing with an unknown institution is 400 unknown_institution, and nothing is stored', async () => {
    assertError(await citizen.client.post('/api/v1/me/shares', { institution_id: crypto.randomUUID() }), 400, 'unknown_institution', 'institution_id');
    assertError(await citizen.client.post('/api/v1/me/shares', {}), 400, 'missing_field', 'institution_id');
    assertError(await citizen.client.post('/api/v1/me/shares', { institution_id: ent.id, until: '2030-01-01' }), 400, 'unknown_field', 'until');
    assert.deepEqual(await shares(citizen), []);
    assertError(await entStaff.get(transcriptPath(citizen)), 404, 'not_found');
  });

  test('only a citizen shares their own record: staff and the city admin get 403', async () => {
    assertError(await entStaff.post('/api/v1/me/shares', { institution_id: ent.id }), 403, 'forbidden');
    assertError(await city.post('/api/v1/me/shares', { institution_id: ent.id }), 403, 'forbidden');
    assertError(await entStaff.get('/api/v1/me/shares'), 403, 'forbidden');
  });
});

describe('an institution\'s learning archive', () => {
  let city, auditor, ent, entStaff, entAdmin, ent2, ent2Staff, ou, ouStaff, e1, e2, e3, sharer, both, want;
  const archive = (who, q = '') => who.get(`/api/v1/institutions/${ent.id}/archive${q}`);

  before(async () => {
    city = await signInFixture('fx-city-admin');
    auditor = await signInFixture('fx-auditor');
    ent = await createInstitution(city, XUHUI, 'enterprise');
    entStaff = await createStaff(city, 'staff', ent.id);
    entAdmin = await createStaff(city, 'institution_admin', ent.id);
    ent2 = await createInstitution(city, CHANGNING, 'enterprise');
    ent2Staff = await createStaff(city, 'staff', ent2.id);
    ou = await createInstitution(city, XUHUI, 'open_university');
    ouStaff = await createStaff(city, 'staff', ou.id);
    // Three employees; the enterprise trains two of them, the open university teaches all.
    e1 = (await registerPerson(ouStaff)).account;
    e2 = (await registerPerson(ouStaff)).account;
    e3 = (await registerPerson(ouStaff)).account;
    for (const e of [e1, e2, e3]) await deposit(ouStaff, credit(e.account_no));
    // e1: 8 h with 0.5 credits, 16 h corrected to 20 h, and 2 h revoked: two current outcomes.
    await deposit(entStaff, training(e1.account_no, { credits_milli: 500 }));
    const b = await deposit(entStaff, training(e1.account_no, { title: '质量管理培训', hours_milli: 16000 }));
    const fixed = await entStaff.post(`/api/v1/ledger/outcomes/${b.outcome_id}/corrections`,
      { ...training(e1.account_no, { title: '质量管理培训', hours_milli: 20000 }), reason: '学时更正' });
    assertStatus(fixed, 201);
    assert.equal(fixed.json.status, 'stored');
    const c = await deposit(entStaff, training(e1.account_no, { title: '消防培训', hours_milli: 2000 }));
    assertStatus(await entStaff.post(`/api/v1/ledger/outcomes/${c.outcome_id}/revocation`, { reason: '重复录入' }), 201);
    // e2: 4 h.
    await deposit(entStaff, training(e2.account_no, { title: '班组长培训', hours_milli: 4000 }));
    // Another enterprise trains e3: not this one's archive.
    await deposit(ent2Staff, training(e3.account_no, { title: '外企培训' }));
    // A citizen who shared their record, and for whom the enterprise deposited nothing.
    sharer = await registerCitizen();
    await deposit(ouStaff, community(sharer.account.account_no));
    assertStatus(await sharer.client.post('/api/v1/me/shares', { institution_id: ent.id }), 201);
    // An employee the enterprise trained who also shared: listed once.
    both = await registerCitizen();
    await deposit(entStaff, training(both.account.account_no, { title: '新员工入职培训', hours_milli: 6000 }));
    assertStatus(await both.client.post('/api/v1/me/shares', { institution_id: ent.id }), 201);
    want = [
      { person_id: e1.id, account_no: e1.account_no, outcomes: 2, hours_milli: 28000, credits_milli: 500, is_shared: false },
      { person_id: e2.id, account_no: e2.account_no, outcomes: 1, hours_milli: 4000, credits_milli: 0, is_shared: false },
      { person_id: sharer.account.id, account_no: sharer.account.account_no, outcomes: 0, hours_milli: 0, credits_milli: 0, is_shared: true },
      { person_id: both.account.id, account_no: both.account.account_no, outcomes: 1, hours_milli: 6000, credits_milli: 0, is_shared: true },
    ].sort((x, y) => (x.person_id < y.person_id ? -1 : 1));
  });

  const shape = (items) => items.map(({ person_id, account_no, outcomes, hours_milli, credits_milli, is_shared }) => ({ person_id, account_no, outcomes, hours_milli, credits_milli, is_shared }));

  test('lists exactly the persons the enterprise trained, with current counts and hours, and those who shared', async () => {
    const res = await archive(entStaff);
    assertStatus(res, 200);
    assert.deepEqual(shape(res.json.items), want);
    assert.equal(res.json.next, null);
    for (const item of res.json.items) assert.ok(typeof item.name === 'string' && item.name.length > 0, 'each person is named');
    assert.ok(!res.json.items.some((i) => i.person_id === e3.id), 'a person trained only by others is not listed');
  });

  test('the institution admin, the city admin and the auditor read it too', async () => {
    for (const who of [entAdmin, city, auditor]) {
      const res = await archive(who);
      assertStatus(res, 200);
      assert.deepEqual(shape(res.json.items), want);
    }
  });

  test('another institution\'s staff get 404 for it; a citizen 403', async () => {
    assertError(await archive(ent2Staff), 404, 'not_found');
    assertError(await archive(ouStaff), 404, 'not_found');
    assertError(await archive(sharer.client), 403, 'forbidden');
    // Their own archive holds only the person they trained.
    const theirs = await ent2Staff.get(`/api/v1/institutions/${ent2.id}/archive`);
    assertStatus(theirs, 200);
    assert.deepEqual(shape(theirs.json.items), [{ person_id: e3.id, account_no: e3.account_no, outcomes: 1, hours_milli: 8000, credits_milli: 0, is_shared: false }]);
  });

  test('pages by person id with after and limit', async () => {
    const seen = [];
    let after = '';
    for (let i = 0; i < 10; i++) {
      const res = await archive(entStaff, `?limit=1${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      assertStatus(res, 200);
      assert.ok(res.json.items.length <= 1);
      seen.push(...res.json.items);
      if (!res.json.next) break;
      assert.equal(res.json.next, res.json.items[res.json.items.length - 1].person_id, 'next is the last person id of the page');
      after = res.json.next;
    }
    assert.deepEqual(shape(seen), want);
    const two = await archive(entStaff, '?limit=2');
    assertStatus(two, 200);
    assert.deepEqual(shape(two.json.items), want.slice(0, 2));
    const rest = await archive(entStaff, `?limit=3&after=${encodeURIComponent(two.json.next)}`);
    assertStatus(rest, 200);
    assert.deepEqual(shape(rest.json.items), want.slice(2));
    assert.equal(rest.json.next, null);
    assertError(await archive(entStaff, '?limit=0'), 400, 'bad_query', 'limit');
    assertError(await archive(entStaff, '?limit=501'), 400, 'bad_query', 'limit');
  });

  test('a share that ends takes its person out of the archive at once, unless the enterprise trained them', async () => {
    assertStatus(await sharer.client.del(`/api/v1/me/shares/${ent.id}`), 204);
    assertStatus(await both.client.del(`/api/v1/me/shares/${ent.id}`), 204);
    const res = await archive(entStaff);
    assertStatus(res, 200);
    assert.deepEqual(shape(res.json.items),
      want.filter((w) => w.person_id !== sharer.account.id).map((w) => ({ ...w, is_shared: false })));
  });
});
