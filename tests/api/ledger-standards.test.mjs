// The credit bank's reference data: entry standards (录入标准) are versioned data the city admin
// publishes, and a deposit is checked against the version current when it arrives, which it
// records; framework levels carry names and descriptors the city admin edits. Everyone may read
// both. This file changes the standard of community_education and the names of level 3, and puts
// both back as it found them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  XUHUI, anon, assertError, assertStatus, auditMark, auditSince, createInstitution, createStaff, registerCitizen,
  signInFixture,
} from './lib.mjs';

const KINDS = [
  'academic_credit', 'academic_qualification', 'vocational_certificate', 'professional_qualification',
  'non_degree_training', 'enterprise_training', 'community_education', 'elder_education', 'other_learning',
];
const KIND = 'community_education';

async function versions(kind = KIND) {
  const res = await anon().get(`/api/v1/ledger/standards/${kind}`);
  assertStatus(res, 200);
  return res.json.items;
}

describe('entry standards', () => {
  let city, reviewer, xuhui, auditor, staff, ou, citizen, original;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    xuhui = await signInFixture('fx-xuhui-admin');
    auditor = await signInFixture('fx-auditor');
    reviewer = await createStaff(city, 'reviewer');
    ou = await createInstitution(city, XUHUI, 'open_university');
    staff = await createStaff(city, 'staff', ou.id);
    citizen = await registerCitizen();
    original = (await versions())[0];
  });
  // Whatever happened, community education is accepted automatically again as before.
  after(async () => {
    const now = (await versions())[0];
    if (JSON.stringify(now.rules) !== JSON.stringify(original.rules))
      assertStatus(await city.put(`/api/v1/ledger/standards/${KIND}`, original.rules), 201);
  });

  const deposit = (over = {}) => staff.post('/api/v1/ledger/outcomes', {
    account_no: citizen.account.account_no, kind: KIND, title: '社区英语角', hours_milli: 24000, awarded_on: '2024-10-01', ...over,
  });
  const submission = async (id) => {
    const res = await staff.get(`/api/v1/ledger/submissions/${id}`);
    assertStatus(res, 200);
    return res.json;
  };

  test('anyone reads the current standard of each of the nine kinds', async () => {
    const res = await anon().get('/api/v1/ledger/standards');
    assertStatus(res, 200);
    assert.deepEqual(res.json.items.map((s) => s.kind).sort(), [...KINDS].sort());
    for (const s of res.json.items) {
      assert.ok(Number.isInteger(s.version) && s.version >= 1, s.kind);
      assert.ok(s.published_at, s.kind);
      assert.ok(Array.isArray(s.rules.required), s.kind);
      assert.ok(s.rules.institution_types.length > 0, s.kind);
      assert.ok(['auto', 'manual'].includes(s.rules.review), s.kind);
      assert.equal(s.version, (await versions(s.kind))[0].version, `${s.kind}: the list shows the newest version`);
    }
    const aq = res.json.items.find((s) => s.kind === 'academic_qualification');
    assert.equal(aq.rules.review, 'manual');
    assert.ok(aq.rules.required.includes('evidence'));
    assertError(await anon().get('/api/v1/ledger/standards/casino'), 404, 'not_found');
  });

  test('the city admin publishes version+1; a deposit after it records that version, and the rule change takes effect', async () => {
    const mark = await auditMark(city);
    const v = original.version;
    const manual = { ...original.rules, review: 'manual', hours_milli: { min: 1000, max: 30000 } };
    const res = await city.put(`/api/v1/ledger/standards/${KIND}`, manual);
    assertStatus(res, 201);
    assert.equal(res.json.kind, KIND);
    assert.equal(res.json.version, v + 1);
    assert.equal(res.json.rules.review, 'manual');
    assert.deepEqual(res.json.rules.hours_milli, { min: 1000, max: 30000 });
    const list = await versions();
    assert.deepEqual(list.map((s) => s.version).slice(0, 2), [v + 1, v], 'newest first');
    assert.deepEqual(list[0].rules, res.json.rules);
    assert.equal(list[0].published_by, city.user.display_name, 'each version names who published it');
    const current = (await anon().get('/api/v1/ledger/standards')).json.items.find((s) => s.kind === KIND);
    assert.equal(current.version, v + 1);
    const audit = (await auditSince(city, mark)).filter((r) => r.action === 'entry_standard.publish');
    assert.equal(audit.length, 1);
    assert.equal(audit[0].target_id, KIND);
    assert.equal(audit[0].actor_id, city.user.id);

    // Manual review now: the deposit waits, checked against version v+1.
    const pending = await deposit();
    assertStatus(pending, 201);
    assert.equal(pending.json.status, 'pending');
    assert.equal((await submission(pending.json.submission_id)).standard_version, v + 1);
    // The narrower range too.
    assertError(await deposit({ hours_milli: 40000 }), 400, 'out_of_range', 'hours_milli');

    // Back to automatic acceptance: version v+2 stores at once and says so.
    const back = await city.put(`/api/v1/ledger/standards/${KIND}`, original.rules);
    assertStatus(back, 201);
    assert.equal(back.json.version, v + 2);
    assert.deepEqual(back.json.rules, original.rules);
    const stored = await deposit({ hours_milli: 40000 });
    assertStatus(stored, 201);
    assert.equal(stored.json.status, 'stored');
    assert.equal((await submission(stored.json.submission_id)).standard_version, v + 2);
    const entry = await staff.get(`/api/v1/ledger/entries/${stored.json.entry_id}`);
    assert.equal(entry.json.entry.standard_version, v + 2);

    // The one that waited is approved under the version it was checked against.
    const ok = await reviewer.post(`/api/v1/ledger/submissions/${pending.json.submission_id}/decision`, { decision: 'approve' });
    assertStatus(ok, 200);
    const approved = await staff.get(`/api/v1/ledger/entries/${ok.json.entry_id}`);
    assert.equal(approved.json.entry.standard_version, v + 1);
  });

  test('taking a type off the list of depositors makes its deposits 403 kind_not_allowed', async () => {
    const v = (await versions())[0].version;
    const without = { ...original.rules, institution_types: original.rules.institution_types.filter((t) => t !== 'open_university') };
    assert.ok(without.institution_types.length > 0);
    const res = await city.put(`/api/v1/ledger/standards/${KIND}`, without);
    assertStatus(res, 201);
    assert.equal(res.json.version, v + 1);
    try {
      assertError(await deposit(), 403, 'kind_not_allowed', 'kind');
    } finally {
      assertStatus(await city.put(`/api/v1/ledger/standards/${KIND}`, original.rules), 201);
    }
    const again = await deposit();
    assertStatus(again, 201);
    assert.equal(again.json.status, 'stored');
  });

  const BAD = [
    ['review neither auto nor manual', (r) => ({ ...r, review: 'sometimes' }), 'invalid_value', 'review'],
    ['no review', (r) => { const x = { ...r }; delete x.review; return x; }, 'missing_field', 'review'],
    ['no institution types', (r) => { const x = { ...r }; delete x.institution_types; return x; }, 'missing_field', 'institution_types'],
    ['an empty list of institution types', (r) => ({ ...r, institution_types: [] }), 'invalid_value', 'institution_types'],
    ['an institution type that does not exist', (r) => ({ ...r, institution_types: ['casino'] }), 'invalid_value', 'institution_types'],
    ['a required field that does not exist', (r) => ({ ...r, required: ['hours_milli', 'colour'] }), 'invalid_value', 'required'],
    ['required as a string', (r) => ({ ...r, required: 'hours_milli' }), 'wrong_type', 'required'],
    ['a range whose min is above its max', (r) => ({ ...r, hours_milli: { min: 5000, max: 1000 } }), 'out_of_range', 'hours_milli'],
    ['a range beyond what any outcome may carry', (r) => ({ ...r, credits_milli: { min: 0, max: 300001 } }), 'out_of_range', 'credits_milli'],
    ['levels from 0', (r) => ({ ...r, level: { min: 0, max: 10 } }), 'out_of_range', 'level'],
    ['a range with a step', (r) => ({ ...r, hours_milli: { min: 1000, max: 5000, step: 10 } }), 'unknown_field', 'hours_milli'],
    ['a range bound that is not an integer', (r) => ({ ...r, hours_milli: { min: 1000, max: '5000' } }), 'wrong_type', 'hours_milli'],
    ['max_age_years above 100', (r) => ({ ...r, max_age_years: 101 }), 'out_of_range', 'max_age_years'],
    ['max_age_years as a string', (r) => ({ ...r, max_age_years: 'ten' }), 'wrong_type', 'max_age_years'],
    ['a description over 1000 characters', (r) => ({ ...r, description: '长'.repeat(1001) }), 'too_long', 'description'],
    ['a field standards do not have', (r) => ({ ...r, colour: 'red' }), 'unknown_field', 'colour'],
  ];
  for (const [what, make, code, field] of BAD)
    test(`invalid rules (${what}) are 400 ${code} on ${field}, and no version is published`, async () => {
      const before = await versions();
      assertError(await city.put(`/api/v1/ledger/standards/${KIND}`, make(original.rules)), 400, code, field);
      assert.deepEqual(await versions(), before);
    });

  test('a body that is not an object is 400 and publishes nothing; an unknown kind is 404', async () => {
    const before = await versions();
    const res = await city.put(`/api/v1/ledger/standards/${KIND}`, [original.rules]);
    assertStatus(res, 400);
    assertError(await city.put('/api/v1/ledger/standards/casino', original.rules), 404, 'not_found');
    assert.deepEqual(await versions(), before);
  });

  test('only the city admin publishes: every other role is 403, nobody signed in 401, and nothing is published', async () => {
    const before = await versions();
    const inst = await createStaff(city, 'institution_admin', ou.id);
    const changed = { ...original.rules, review: 'manual' };
    for (const who of [reviewer, xuhui, auditor, staff, inst, citizen.client])
      assertError(await who.put(`/api/v1/ledger/standards/${KIND}`, changed), 403, 'forbidden');
    assertError(await anon().put(`/api/v1/ledger/standards/${KIND}`, changed), 401, 'unauthenticated');
    assert.deepEqual(await versions(), before);
  });
});

describe('framework levels', () => {
  let city, reviewer, xuhui, original;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    xuhui = await signInFixture('fx-xuhui-admin');
    reviewer = await createStaff(city, 'reviewer');
    const res = await anon().get('/api/v1/ledger/levels');
    assertStatus(res, 200);
    original = res.json.items.find((l) => l.level === 3);
  });
  after(async () => {
    const { name, name_en, descriptor, descriptor_en } = original;
    assertStatus(await city.put('/api/v1/ledger/levels/3', { name, name_en, descriptor, descriptor_en }), 200);
  });

  test('anyone reads the ten levels in order', async () => {
    const res = await anon().get('/api/v1/ledger/levels');
    assertStatus(res, 200);
    assert.deepEqual(res.json.items.map((l) => l.level), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const l of res.json.items) for (const k of ['name', 'name_en', 'descriptor', 'descriptor_en']) assert.ok(l[k], `level ${l.level} ${k}`);
  });

  test('the city admin renames a level: 200 with the levels, the change is public and audited', async () => {
    const mark = await auditMark(city);
    const body = { name: '三级（初级）', name_en: 'Level 3 (foundation)', descriptor: '独立完成常规任务。', descriptor_en: 'Routine tasks, independently.' };
    const res = await city.put('/api/v1/ledger/levels/3', body);
    assertStatus(res, 200);
    const three = res.json.items.find((l) => l.level === 3);
    assert.deepEqual({ name: three.name, name_en: three.name_en, descriptor: three.descriptor, descriptor_en: three.descriptor_en }, body);
    const pub = (await anon().get('/api/v1/ledger/levels')).json.items;
    assert.equal(pub.find((l) => l.level === 3).name, '三级（初级）');
    assert.equal(pub.find((l) => l.level === 4).name, res.json.items.find((l) => l.level === 4).name, 'other levels unchanged');
    const audit = (await auditSince(city, mark)).filter((r) => r.action === 'framework_level.update');
    assert.equal(audit.length, 1);
    assert.equal(audit[0].target_id, '3');
  });

  test('levels are numbered 1 to 10: 11, 0 and "x" are 404', async () => {
    const body = { name: 'x', name_en: 'x', descriptor: 'x', descriptor_en: 'x' };
    for (const l of ['11', '0', 'x', '-1'])
      assertError(await city.put(`/api/v1/ledger/levels/${l}`, body), 404, 'not_found');
  });

  test('a level needs all four texts (400 missing_field); only the city admin edits (403)', async () => {
    assertError(await city.put('/api/v1/ledger/levels/3', { name: '三级' }), 400, 'missing_field');
    const body = { name: 'x', name_en: 'x', descriptor: 'x', descriptor_en: 'x' };
    for (const who of [reviewer, xuhui]) assertError(await who.put('/api/v1/ledger/levels/3', body), 403, 'forbidden');
    assertError(await anon().put('/api/v1/ledger/levels/3', body), 401, 'unauthenticated');
    const now = (await anon().get('/api/v1/ledger/levels')).json.items.find((l) => l.level === 3);
    assert.notEqual(now.name, 'x');
  });
});
