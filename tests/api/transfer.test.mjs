// The learning overpass (立交桥): an institution's staff keep programmes with versioned plans and
// publish conversion rules that wait for the city's approval; a plan or a rule that does not hold
// together is refused with the field named and leaves nothing behind; a learner, and the staff of
// a programme that enrolled them, audit their credit-bank outcomes against the programme, with
// only approved rule versions applied and named.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  CHANGNING, XUHUI, accountNo, anon, assertError, assertStatus, auditMark, auditSince, createInstitution, createStaff,
  registerCitizen, signInFixture, uniqueName,
} from './lib.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const P = '/api/v1/transfer/programmes';

// A programme code nobody has used (codes are unique per institution).
const uniqueCode = (prefix = 'P') => `${prefix}-${crypto.randomBytes(4).toString('hex')}`;

// A plan in the form the server writes it back (every flag spelt out), so that the echo compares
// whole: 11 required credits, an elective group asking 4, 20 in all, half of it by transfer.
const plan = () => ({
  total_credits_milli: 20000,
  transfer_max_permille: 500,
  groups: [
    { code: 'public', name: '公共基础课', name_en: 'General courses', elective: false },
    { code: 'elective', name: '选修课', name_en: 'Electives', elective: true, min_credits_milli: 4000 },
  ],
  courses: [
    { code: '00012', name: '英语(一)', name_en: 'English I', group: 'public', credits_milli: 3000, transfer_excluded: false },
    { code: '00015', name: '英语(二)', name_en: 'English II', group: 'public', credits_milli: 3000, transfer_excluded: false },
    { code: '03708', name: '中国近现代史纲要', group: 'public', credits_milli: 2000, transfer_excluded: true },
    { code: '00051', name: '管理系统中计算机应用', group: 'public', credits_milli: 3000, transfer_excluded: false },
    { code: 'E101', name: '社区实践', group: 'elective', credits_milli: 2000, transfer_excluded: false },
  ],
});

const programmeBody = (over = {}) => ({
  code: uniqueCode(), name: uniqueName('工商企业管理（专科）'), name_en: 'Business Administration', kind: 'self_study',
  plan: plan(), ...over,
});

// The CET-4 rule of the documentation: a certificate of 425 or more exempts English I and II.
const cet4Rule = (over = {}) => ({
  name: '大学英语四级 425 分及以上免考英语(一)、英语(二)', name_en: 'CET-4 of 425 or more exempts English I and II',
  effective_from: '2020-01-01', effective_to: null,
  conditions: [{ kind: 'vocational_certificate', code: 'CET4', min_result: { score: '425' } }],
  grants: [{ course: '00012' }, { course: '00015' }],
  ...over,
});

// Outcomes a vocational college deposits: a course credit with a score, and a CET-4 certificate.
const courseCredit = (acct, code, score) => ({
  account_no: acct, kind: 'academic_credit', title: `课程 ${code}`, code, credits_milli: 3000, result_kind: 'score',
  result: score, awarded_on: '2024-06-30',
});
const cet4 = (acct, score) => ({
  account_no: acct, kind: 'vocational_certificate', title: '全国大学英语四级考试', code: 'CET4', level: 3,
  certificate_no: 'CET' + crypto.randomInt(1e9), result_kind: 'score', result: score, awarded_on: '2024-06-30',
});

// One world for the whole file: a vocational college in 徐汇区 (it keeps programmes and deposits
// both course credit and certificates) with its admin and staff, a school in 长宁区 with staff,
// a reviewer, and the city admin.
let worldPromise;
function world() {
  worldPromise ??= (async () => {
    const city = await signInFixture('fx-city-admin');
    const college = await createInstitution(city, XUHUI, 'vocational_college');
    const other = await createInstitution(city, CHANGNING, 'vocational_college');
    const admin = await createStaff(city, 'institution_admin', college.id);
    const staff = await createStaff(admin, 'staff', college.id);
    const staffB = await createStaff(city, 'staff', other.id);
    const reviewer = await createStaff(city, 'reviewer');
    return { city, college, other, admin, staff, staffB, reviewer };
  })();
  return worldPromise;
}

async function createProgramme(staff, over = {}) {
  const body = programmeBody(over);
  const res = await staff.post(P, body);
  assertStatus(res, 201);
  return res.json;
}

async function programmeIds(client, query) {
  const res = await client.get(`${P}?${query}`);
  assertStatus(res, 200);
  return res.json.items.map((p) => p.id).sort();
}

async function publishRule(staff, programmeId, rule) {
  const res = await staff.post(`${P}/${programmeId}/rules`, rule);
  assertStatus(res, 201);
  return res.json;
}

async function ruleVersions(client, programmeId, query = '') {
  const res = await client.get(`${P}/${programmeId}/rules${query}`);
  assertStatus(res, 200);
  return res.json.items;
}

async function decide(city, rule, version, decision, reason) {
  const body = reason === undefined ? { decision } : { decision, reason };
  return city.post(`/api/v1/transfer/rules/${rule}/versions/${version}/decision`, body);
}

async function approve(city, rule, version) {
  const res = await decide(city, rule, version, 'approve');
  assertStatus(res, 200);
  assert.deepEqual(res.json, { id: rule, version, status: 'approved' });
}

async function deposit(staff, body) {
  const res = await staff.post('/api/v1/ledger/outcomes', body);
  assertStatus(res, 201);
  assert.equal(res.json.status, 'stored');
  return res.json.outcome_id;
}

async function myAudit(learner, programmeId, query = '') {
  const res = await learner.get(`/api/v1/me/programmes/${programmeId}/audit${query}`);
  assertStatus(res, 200);
  return res.json;
}

const course = (report, code) => {
  const c = report.courses.find((x) => x.code === code);
  assert.ok(c, `the audit has no course ${code}: ${JSON.stringify(report.courses)}`);
  return c;
};

describe('programmes', () => {
  let w;
  before(async () => {
    w = await world();
  });

  test('staff create a programme of their institution with its plan: 201, the plan echoed, plan_version 1', async () => {
    const body = programmeBody();
    const mark = await auditMark(w.city);
    const res = await w.staff.post(P, body);
    assertStatus(res, 201);
    assert.match(res.json.id, UUID);
    assert.equal(res.json.institution_id, w.college.id);
    assert.equal(res.json.institution_name, w.college.name);
    assert.equal(res.json.code, body.code);
    assert.equal(res.json.name, body.name);
    assert.equal(res.json.name_en, body.name_en);
    assert.equal(res.json.kind, 'self_study');
    assert.equal(res.json.plan_version, 1);
    assert.deepEqual(res.json.plan, body.plan);
    const got = await w.staff.get(`${P}/${res.json.id}`);
    assertStatus(got, 200);
    assert.deepEqual(got.json, res.json);
    const audit = (await auditSince(w.city, mark)).filter((r) => r.action === 'programme.create');
    assert.equal(audit.length, 1);
    assert.equal(audit[0].target_id, res.json.id);
    assert.equal(audit[0].actor_id, w.staff.user.id);
  });

  test('an institution admin creates one for their institution like its staff', async () => {
    const res = await w.admin.post(P, programmeBody({ kind: 'diploma' }));
    assertStatus(res, 201);
    assert.equal(res.json.institution_id, w.college.id);
    assert.equal(res.json.kind, 'diploma');
    assert.equal(res.json.plan_version, 1);
  });

  test('every kind of programme is accepted, and name_en is optional', async () => {
    for (const kind of ['associate', 'bachelor', 'diploma', 'certificate', 'self_study']) {
      const body = programmeBody({ kind });
      delete body.name_en;
      const res = await w.staff.post(P, body);
      assertStatus(res, 201);
      assert.equal(res.json.kind, kind);
      assert.equal(res.json.name_en ?? null, null);
      const got = await w.staff.get(`${P}/${res.json.id}`);
      assert.equal(got.json.kind, kind);
    }
  });

  test('a second programme with the same code at the institution is 409 conflict on code, nothing stored', async () => {
    const first = await createProgramme(w.staff);
    const before = await programmeIds(w.staff, `institution=${w.college.id}`);
    assertError(await w.staff.post(P, programmeBody({ code: first.code })), 409, 'conflict', 'code');
    assertError(await w.admin.post(P, programmeBody({ code: first.code })), 409, 'conflict', 'code');
    assert.deepEqual(await programmeIds(w.staff, `institution=${w.college.id}`), before);
    // Codes belong to their institution: another may use the same one.
    const other = await w.staffB.post(P, programmeBody({ code: first.code }));
    assertStatus(other, 201);
    assert.equal(other.json.institution_id, w.other.id);
  });

  test('two creations of one code at once: one 201 and one 409 conflict, and one programme', async () => {
    for (let round = 0; round < 3; round++) {
      const code = uniqueCode('RACE');
      const replies = await Promise.all([w.staff.post(P, programmeBody({ code })), w.admin.post(P, programmeBody({ code }))]);
      assert.deepEqual(replies.map((r) => r.status).sort(), [201, 409], replies.map((r) => r.text).join('; '));
      assertError(replies.find((r) => r.status === 409), 409, 'conflict', 'code');
      assert.deepEqual(await programmeIds(w.staff, `q=${code}`), [replies.find((r) => r.status === 201).json.id]);
    }
  });

  test('a citizen, a reviewer and the city admin may not create a programme (403); without credentials 401', async () => {
    const citizen = (await registerCitizen()).client;
    const body = programmeBody();
    const before = await programmeIds(w.staff, `q=${encodeURIComponent(body.code)}`);
    assertError(await citizen.post(P, body), 403, 'forbidden');
    assertError(await w.reviewer.post(P, body), 403, 'forbidden');
    assertError(await w.city.post(P, body), 403, 'forbidden');
    assertError(await anon().post(P, body), 401, 'unauthenticated');
    assert.deepEqual(before, []);
    assert.deepEqual(await programmeIds(w.staff, `q=${encodeURIComponent(body.code)}`), []);
  });

  // Each bad body: the error with the field's path, and afterwards the institution's programmes
  // are as they were and none has the code.
  const withPlan = (edit) => () => {
    const b = programmeBody();
    edit(b.plan);
    return b;
  };
  const BAD = [
    ['a course in a group the plan does not have', withPlan((p) => { p.courses[1].group = 'nope'; }), 400, 'unknown_group', 'plan.courses[1].group'],
    ['a course code used twice', withPlan((p) => { p.courses[3].code = '00012'; }), 409, 'conflict', 'plan.courses[3].code'],
    ['a group code used twice', withPlan((p) => { p.groups[1].code = 'public'; }), 409, 'conflict', 'plan.groups[1].code'],
    ['an elective group without min_credits_milli', withPlan((p) => { delete p.groups[1].min_credits_milli; }), 400, 'missing_field', 'plan.groups[1].min_credits_milli'],
    ['a required group that asks for credits', withPlan((p) => { p.groups[0].min_credits_milli = 1000; }), 400, 'invalid_value', 'plan.groups[0].min_credits_milli'],
    ['a required group without a course', withPlan((p) => { p.groups.push({ code: 'empty', name: '空', elective: false }); }), 400, 'invalid_value', 'plan.groups[2]'],
    ['groups asking for more than the total', withPlan((p) => { p.total_credits_milli = 14000; }), 400, 'out_of_range', 'plan.total_credits_milli'],
    ['a transfer share above 1000 permille', withPlan((p) => { p.transfer_max_permille = 1001; }), 400, 'out_of_range', 'plan.transfer_max_permille'],
    ['a course code with a space', withPlan((p) => { p.courses[0].code = '000 12'; }), 400, 'invalid_value', 'plan.courses[0].code'],
    ['a course with a field plans do not have', withPlan((p) => { p.courses[2].colour = 'red'; }), 400, 'unknown_field', 'plan.courses[2].colour'],
    ['a plan without courses', withPlan((p) => { p.courses = []; }), 400, 'out_of_range', 'plan.courses'],
    ['no plan', () => { const b = programmeBody(); delete b.plan; return b; }, 400, 'missing_field', 'plan'],
    ['a kind that does not exist', () => programmeBody({ kind: 'phd' }), 400, 'invalid_value', 'kind'],
    ['no name', () => { const b = programmeBody(); delete b.name; return b; }, 400, 'missing_field', 'name'],
  ];
  for (const [what, make, status, code, field] of BAD) {
    test(`${what}: ${status} ${code} on ${field}, and nothing is stored`, async () => {
      const body = make();
      const before = await programmeIds(w.staff, `institution=${w.college.id}`);
      const mark = await auditMark(w.city);
      assertError(await w.staff.post(P, body), status, code, field);
      assert.deepEqual(await programmeIds(w.staff, `institution=${w.college.id}`), before);
      assert.deepEqual((await auditSince(w.city, mark)).filter((r) => r.action.startsWith('programme.')), []);
      assert.deepEqual(await programmeIds(w.staff, `q=${encodeURIComponent(body.code)}`), []);
      // The same code is still free.
      assertStatus(await w.staff.post(P, programmeBody({ code: body.code })), 201);
    });
  }

  test('the list finds programmes by a part of the name or the code (?q=) and by institution (?institution=)', async () => {
    const tag = crypto.randomBytes(4).toString('hex');
    const a = await createProgramme(w.staff, { name: `电气自动化技术 ${tag}`, code: `EA-${tag}` });
    const b = await createProgramme(w.staff, { name: `工业机器人 ${tag}` });
    const c = await createProgramme(w.staffB, { name: `工业机器人 ${tag}` });
    const citizen = (await registerCitizen()).client;
    assert.deepEqual(await programmeIds(citizen, `q=${tag}`), [a.id, b.id, c.id].sort());
    assert.deepEqual(await programmeIds(citizen, `q=${encodeURIComponent('工业机器人 ' + tag)}`), [b.id, c.id].sort());
    assert.deepEqual(await programmeIds(citizen, `q=EA-${tag}`), [a.id]);
    // Case does not matter, on either engine; % and _ are matched as themselves.
    assert.deepEqual(await programmeIds(citizen, `q=ea-${tag}`), [a.id]);
    assert.deepEqual(await programmeIds(citizen, `q=${encodeURIComponent('%' + tag)}`), []);
    assert.deepEqual(await programmeIds(citizen, `q=${encodeURIComponent('EA_' + tag)}`), []);
    assert.deepEqual(await programmeIds(citizen, `q=${tag}&institution=${w.other.id}`), [c.id]);
    assert.deepEqual(await programmeIds(citizen, `q=${tag}&institution=${w.college.id}`), [a.id, b.id].sort());
    assert.deepEqual(await programmeIds(citizen, `q=nothing-${tag}`), []);
    const mine = await programmeIds(citizen, `institution=${w.other.id}`);
    assert.ok(mine.includes(c.id) && !mine.includes(a.id) && !mine.includes(b.id));
    // The list shows programmes without their plans.
    const res = await citizen.get(`${P}?q=EA-${tag}`);
    assert.equal(res.json.items[0].code, `EA-${tag}`);
    assert.equal(res.json.items[0].institution_id, w.college.id);
    assert.equal(res.json.items[0].plan_version, 1);
    assert.equal(res.json.items[0].plan, undefined);
  });

  test('anyone signed in reads one programme with its plan; an unknown id is 404', async () => {
    const p = await createProgramme(w.staff);
    const citizen = (await registerCitizen()).client;
    const res = await citizen.get(`${P}/${p.id}`);
    assertStatus(res, 200);
    assert.deepEqual(res.json, p);
    assertError(await citizen.get(`${P}/${crypto.randomUUID()}`), 404, 'not_found');
    assertError(await anon().get(`${P}/${p.id}`), 401, 'unauthenticated');
  });

  test('PUT plan publishes version 2, which the programme then shows', async () => {
    const p = await createProgramme(w.staff);
    const next = plan();
    next.courses.push({ code: '00052', name: '管理系统中计算机应用(实践)', group: 'elective', credits_milli: 1000, transfer_excluded: false });
    next.total_credits_milli = 22000;
    const res = await w.staff.put(`${P}/${p.id}/plan`, next);
    assertStatus(res, 201);
    assert.equal(res.json.id, p.id);
    assert.equal(res.json.plan_version, 2);
    assert.deepEqual(res.json.plan, next);
    const got = await w.staff.get(`${P}/${p.id}`);
    assert.equal(got.json.plan_version, 2);
    assert.deepEqual(got.json.plan, next);
    // The institution admin publishes version 3.
    const third = await w.admin.put(`${P}/${p.id}/plan`, plan());
    assertStatus(third, 201);
    assert.equal(third.json.plan_version, 3);
  });

  test('only the programme\'s own institution publishes its plan: staff of another get 403, and the plan stays', async () => {
    const p = await createProgramme(w.staff);
    const next = { ...plan(), total_credits_milli: 30000 };
    assertError(await w.staffB.put(`${P}/${p.id}/plan`, next), 403, 'forbidden');
    const citizen = (await registerCitizen()).client;
    assertError(await citizen.put(`${P}/${p.id}/plan`, next), 403, 'forbidden');
    assertError(await w.reviewer.put(`${P}/${p.id}/plan`, next), 403, 'forbidden');
    const got = await w.staff.get(`${P}/${p.id}`);
    assert.equal(got.json.plan_version, 1);
    assert.deepEqual(got.json.plan, p.plan);
    assertError(await w.staff.put(`${P}/${crypto.randomUUID()}/plan`, next), 404, 'not_found');
  });

  test('a bad new plan is refused with the field and the version stays', async () => {
    const p = await createProgramme(w.staff);
    const bad = plan();
    bad.courses[4].group = 'nope';
    assertError(await w.staff.put(`${P}/${p.id}/plan`, bad), 400, 'unknown_group', 'courses[4].group');
    const over = { ...plan(), total_credits_milli: 1000 };
    assertError(await w.staff.put(`${P}/${p.id}/plan`, over), 400, 'out_of_range', 'total_credits_milli');
    const got = await w.staff.get(`${P}/${p.id}`);
    assert.equal(got.json.plan_version, 1);
    assert.deepEqual(got.json.plan, p.plan);
  });
});

describe('conversion rules', () => {
  let w, prog;
  before(async () => {
    w = await world();
    prog = await createProgramme(w.staff);
  });

  test('staff publish a rule: 201 pending version 1; PUT publishes version 2; the list shows both, newest first', async () => {
    const res = await w.staff.post(`${P}/${prog.id}/rules`, cet4Rule());
    assertStatus(res, 201);
    assert.match(res.json.id, UUID);
    assert.deepEqual(res.json, { id: res.json.id, version: 1, status: 'pending', programme_id: prog.id });
    const again = await w.admin.put(`${P}/${prog.id}/rules/${res.json.id}`, cet4Rule({ name: '大学英语四级（修订）' }));
    assertStatus(again, 201);
    assert.deepEqual(again.json, { id: res.json.id, version: 2, status: 'pending', programme_id: prog.id });
    const items = (await ruleVersions(w.staff, prog.id)).filter((v) => v.id === res.json.id);
    assert.deepEqual(items.map((v) => [v.version, v.status]), [[2, 'pending'], [1, 'pending']]);
    assert.equal(items[0].rule.name, '大学英语四级（修订）');
    assert.equal(items[1].rule.name, cet4Rule().name);
    assert.deepEqual(items[1].rule.grants, [{ course: '00012' }, { course: '00015' }]);
    assert.equal(items[1].rule.conditions[0].code, 'CET4');
    assert.deepEqual(items[1].rule.conditions[0].min_result, { score: '425' });
    assert.equal(items[1].programme_id, prog.id);
    assert.equal(items[1].plan_version, 1);
    // Anyone signed in reads a programme's rules.
    const citizen = (await registerCitizen()).client;
    assert.deepEqual(await ruleVersions(citizen, prog.id), await ruleVersions(w.staff, prog.id));
  });

  test('?status= filters the versions; a status that does not exist is 400 bad_query', async () => {
    const p = await createProgramme(w.staff);
    const r = await publishRule(w.staff, p.id, cet4Rule());
    assertStatus(await w.staff.put(`${P}/${p.id}/rules/${r.id}`, cet4Rule({ name: '第二版' })), 201);
    await approve(w.city, r.id, 1);
    assert.deepEqual((await ruleVersions(w.staff, p.id, '?status=approved')).map((v) => [v.id, v.version, v.status]), [[r.id, 1, 'approved']]);
    assert.deepEqual((await ruleVersions(w.staff, p.id, '?status=pending')).map((v) => [v.id, v.version, v.status]), [[r.id, 2, 'pending']]);
    assert.deepEqual(await ruleVersions(w.staff, p.id, '?status=rejected'), []);
    assertError(await w.staff.get(`${P}/${p.id}/rules?status=waiting`), 400, 'bad_query', 'status');
  });

  // Each bad rule: the error with the field, and afterwards the programme's rules are as they were.
  const BAD = [
    ['a course the plan does not have', () => cet4Rule({ grants: [{ course: '99999' }] }), 400, 'unknown_course', 'grants[0].course'],
    ['a course the plan keeps from transfer', () => cet4Rule({ grants: [{ course: '00012' }, { course: '03708' }] }), 400, 'transfer_excluded', 'grants[1].course'],
    ['credits to a required group', () => cet4Rule({ grants: [{ group: 'public', credits_milli: 1000 }] }), 400, 'invalid_value', 'grants[0].group'],
    ['credits to a group the plan does not have', () => cet4Rule({ grants: [{ group: 'sports', credits_milli: 1000 }] }), 400, 'unknown_group', 'grants[0].group'],
    ['group credit without credits_milli', () => cet4Rule({ grants: [{ group: 'elective' }] }), 400, 'missing_field', 'grants[0].credits_milli'],
    ['the same course twice', () => cet4Rule({ grants: [{ course: '00012' }, { course: '00012' }] }), 409, 'conflict', 'grants[1]'],
    ['a kind of outcome that does not exist', () => cet4Rule({ conditions: [{ kind: 'casino', code: 'CET4' }] }), 400, 'invalid_value', 'conditions[0].kind'],
    ['a least score that is not a score', () => cet4Rule({ conditions: [{ kind: 'vocational_certificate', code: 'CET4', min_result: { score: 'high' } }] }), 400, 'invalid_value', 'conditions[0].min_result.score'],
    ['a least grade that is not a grade', () => cet4Rule({ conditions: [{ kind: 'vocational_certificate', min_result: { grade: 'Z' } }] }), 400, 'invalid_value', 'conditions[0].min_result.grade'],
    ['a count of 0', () => cet4Rule({ conditions: [{ kind: 'community_education', count: 0 }] }), 400, 'out_of_range', 'conditions[0].count'],
    ['an end before the start', () => cet4Rule({ effective_to: '2019-12-31' }), 400, 'invalid_date', 'effective_to'],
    ['a start that is no date', () => cet4Rule({ effective_from: '2020-02-30' }), 400, 'invalid_date', 'effective_from'],
    ['no grants', () => cet4Rule({ grants: [] }), 400, 'out_of_range', 'grants'],
    ['a field rules do not have', () => cet4Rule({ colour: 'red' }), 400, 'unknown_field', 'colour'],
  ];
  for (const [what, make, status, code, field] of BAD) {
    test(`${what}: ${status} ${code} on ${field}, and nothing is stored`, async () => {
      const before = await ruleVersions(w.staff, prog.id);
      assertError(await w.staff.post(`${P}/${prog.id}/rules`, make()), status, code, field);
      assert.deepEqual(await ruleVersions(w.staff, prog.id), before);
    });
  }

  test('a bad new version is refused the same way and the rule keeps its versions', async () => {
    const p = await createProgramme(w.staff);
    const r = await publishRule(w.staff, p.id, cet4Rule());
    const before = await ruleVersions(w.staff, p.id);
    assertError(await w.staff.put(`${P}/${p.id}/rules/${r.id}`, cet4Rule({ grants: [{ course: '99999' }] })), 400, 'unknown_course', 'grants[0].course');
    assertError(await w.staff.put(`${P}/${p.id}/rules/${r.id}`, cet4Rule({ grants: [{ course: '03708' }] })), 400, 'transfer_excluded', 'grants[0].course');
    assert.deepEqual(await ruleVersions(w.staff, p.id), before);
    // The next good version is 2: the refusals took no version number.
    const good = await w.staff.put(`${P}/${p.id}/rules/${r.id}`, cet4Rule({ name: '第二版' }));
    assertStatus(good, 201);
    assert.equal(good.json.version, 2);
  });

  test('a rule asking for the same outcomes as another but granting other credit is 409 rule_contradicts; apart in time it is accepted', async () => {
    const p = await createProgramme(w.staff);
    const first = await publishRule(w.staff, p.id, cet4Rule());
    const before = await ruleVersions(w.staff, p.id);
    const other = cet4Rule({ name: '四级免考计算机应用', grants: [{ course: '00051' }] });
    assertError(await w.staff.post(`${P}/${p.id}/rules`, other), 409, 'rule_contradicts', 'conditions');
    // Overlapping only on its last day still contradicts.
    assertError(await w.staff.post(`${P}/${p.id}/rules`, { ...other, effective_from: '2015-01-01', effective_to: '2020-01-01' }), 409, 'rule_contradicts', 'conditions');
    assert.deepEqual(await ruleVersions(w.staff, p.id), before);
    // Once approved it still stands in the way.
    await approve(w.city, first.id, 1);
    assertError(await w.staff.post(`${P}/${p.id}/rules`, other), 409, 'rule_contradicts', 'conditions');
    // In effect on no common day: no contradiction.
    const earlier = await w.staff.post(`${P}/${p.id}/rules`, { ...other, effective_from: '2015-01-01', effective_to: '2019-12-31' });
    assertStatus(earlier, 201);
    assert.equal(earlier.json.version, 1);
    // Other conditions (a higher score) do not contradict either.
    const higher = cet4Rule({ name: '四级 550 分免考计算机应用', conditions: [{ kind: 'vocational_certificate', code: 'CET4', min_result: { score: '550' } }], grants: [{ course: '00051' }] });
    assertStatus(await w.staff.post(`${P}/${p.id}/rules`, higher), 201);
    // A new version of the rule itself may change its grants.
    assertStatus(await w.staff.put(`${P}/${p.id}/rules/${first.id}`, cet4Rule({ grants: [{ course: '00012' }] })), 201);
  });

  // The check against the other rules and the insert are one step: of two contradicting rules
  // published at once, one is stored and the other refused. A few rounds, since a race may not
  // show in one.
  test('two contradicting rules published at once: one 201 and one 409 rule_contradicts, and one rule stored', async () => {
    for (let round = 0; round < 8; round++) {
      const p = await createProgramme(w.staff);
      const replies = await Promise.all([
        w.staff.post(`${P}/${p.id}/rules`, cet4Rule({ grants: [{ course: '00012' }] })),
        w.admin.post(`${P}/${p.id}/rules`, cet4Rule({ grants: [{ course: '00015' }] })),
      ]);
      assert.deepEqual(replies.map((r) => r.status).sort(), [201, 409], `round ${round}: ${replies.map((r) => r.text).join('; ')}`);
      assertError(replies.find((r) => r.status === 409), 409, 'rule_contradicts', 'conditions');
      const stored = replies.find((r) => r.status === 201).json;
      assert.deepEqual((await ruleVersions(w.staff, p.id)).map((v) => [v.id, v.version]), [[stored.id, 1]]);
    }
  });

  test('only the programme\'s institution publishes its rules (403 for others); unknown programme or rule 404', async () => {
    const p = await createProgramme(w.staff);
    const r = await publishRule(w.staff, p.id, cet4Rule());
    const before = await ruleVersions(w.staff, p.id);
    const citizen = (await registerCitizen()).client;
    assertError(await w.staffB.post(`${P}/${p.id}/rules`, cet4Rule({ name: 'B' })), 403, 'forbidden');
    assertError(await w.staffB.put(`${P}/${p.id}/rules/${r.id}`, cet4Rule({ name: 'B' })), 403, 'forbidden');
    assertError(await citizen.post(`${P}/${p.id}/rules`, cet4Rule()), 403, 'forbidden');
    assertError(await w.reviewer.post(`${P}/${p.id}/rules`, cet4Rule()), 403, 'forbidden');
    assertError(await w.city.post(`${P}/${p.id}/rules`, cet4Rule()), 403, 'forbidden');
    assert.deepEqual(await ruleVersions(w.staff, p.id), before);
    assertError(await w.staff.post(`${P}/${crypto.randomUUID()}/rules`, cet4Rule()), 404, 'not_found');
    assertError(await w.staff.put(`${P}/${p.id}/rules/${crypto.randomUUID()}`, cet4Rule()), 404, 'not_found');
    // A rule of another programme is not this programme's.
    const q = await createProgramme(w.staff);
    assertError(await w.staff.put(`${P}/${q.id}/rules/${r.id}`, cet4Rule({ name: '别处' })), 404, 'not_found');
    assert.deepEqual(await ruleVersions(w.staff, p.id), before);
    assert.deepEqual(await ruleVersions(w.staff, q.id), []);
  });
});

describe('the city decides on rule versions', () => {
  let w, prog;
  before(async () => {
    w = await world();
    prog = await createProgramme(w.staff);
  });

  const queue = async (client, query = '?status=pending') => {
    const res = await client.get(`/api/v1/transfer/rules${query}`);
    assertStatus(res, 200);
    return res.json.items;
  };
  const statusOf = async (rule, version) => (await ruleVersions(w.staff, prog.id)).find((v) => v.id === rule && v.version === version).status;

  test('the city admin lists pending versions of every programme; staff and reviewers get 403', async () => {
    const r = await publishRule(w.staff, prog.id, cet4Rule({ name: '待审规则' }));
    const mine = (await queue(w.city)).filter((v) => v.id === r.id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].version, 1);
    assert.equal(mine[0].status, 'pending');
    assert.equal(mine[0].programme_id, prog.id);
    assert.equal(mine[0].programme_name, prog.name);
    assert.equal(mine[0].institution_name, w.college.name);
    assert.equal(mine[0].rule.name, '待审规则');
    for (const v of await queue(w.city)) assert.equal(v.status, 'pending');
    // Without ?status= the queue is the pending one.
    assert.deepEqual((await queue(w.city, '')).map((v) => [v.id, v.version]), (await queue(w.city)).map((v) => [v.id, v.version]));
    assertError(await w.staff.get('/api/v1/transfer/rules?status=pending'), 403, 'forbidden');
    assertError(await w.admin.get('/api/v1/transfer/rules?status=pending'), 403, 'forbidden');
    assertError(await w.reviewer.get('/api/v1/transfer/rules?status=pending'), 403, 'forbidden');
    assertError(await anon().get('/api/v1/transfer/rules?status=pending'), 401, 'unauthenticated');
    assertError(await w.city.get('/api/v1/transfer/rules?status=waiting'), 400, 'bad_query', 'status');
  });

  test('approving takes a version out of the pending queue; it shows approved, and the audit trail names it', async () => {
    const r = await publishRule(w.staff, prog.id, cet4Rule({ name: '批准', conditions: [{ kind: 'vocational_certificate', code: 'CET6' }] }));
    const mark = await auditMark(w.city);
    await approve(w.city, r.id, 1);
    const audit = (await auditSince(w.city, mark)).filter((x) => x.action === 'transfer_rule.decide');
    assert.equal(audit.length, 1);
    assert.equal(audit[0].target_id, r.id);
    assert.equal(audit[0].actor_id, w.city.user.id);
    assert.match(audit[0].detail, /version 1 approved/);
    assert.equal(await statusOf(r.id, 1), 'approved');
    assert.ok(!(await queue(w.city)).some((v) => v.id === r.id));
    assert.ok((await queue(w.city, '?status=approved')).some((v) => v.id === r.id && v.version === 1));
  });

  test('rejecting needs a reason (400 missing_field reason, still pending); with one it shows rejected and the reason', async () => {
    const r = await publishRule(w.staff, prog.id, cet4Rule({ name: '驳回', conditions: [{ kind: 'vocational_certificate', code: 'NCRE-2*' }] }));
    assertError(await decide(w.city, r.id, 1, 'reject'), 400, 'missing_field', 'reason');
    assertError(await decide(w.city, r.id, 1, 'reject', ''), 400, 'missing_field', 'reason');
    assert.equal(await statusOf(r.id, 1), 'pending');
    const res = await decide(w.city, r.id, 1, 'reject', '与考试院规定不符');
    assertStatus(res, 200);
    assert.deepEqual(res.json, { id: r.id, version: 1, status: 'rejected' });
    const v = (await ruleVersions(w.staff, prog.id, '?status=rejected')).find((x) => x.id === r.id);
    assert.equal(v.reason, '与考试院规定不符');
    assert.ok(v.decided_at);
  });

  test('deciding a version already decided is 409 not_pending and changes nothing; staff may not decide (403)', async () => {
    const r = await publishRule(w.staff, prog.id, cet4Rule({ name: '已决', conditions: [{ kind: 'vocational_certificate', code: 'PETS-3' }] }));
    assertError(await decide(w.staff, r.id, 1, 'approve'), 403, 'forbidden');
    assertError(await decide(w.reviewer, r.id, 1, 'approve'), 403, 'forbidden');
    assert.equal(await statusOf(r.id, 1), 'pending');
    await approve(w.city, r.id, 1);
    assertError(await decide(w.city, r.id, 1, 'approve'), 409, 'not_pending');
    assertError(await decide(w.city, r.id, 1, 'reject', 'too late'), 409, 'not_pending');
    assert.equal(await statusOf(r.id, 1), 'approved');
    assertError(await decide(w.city, r.id, 2, 'approve'), 404, 'not_found');
    assertError(await decide(w.city, crypto.randomUUID(), 1, 'approve'), 404, 'not_found');
    assertError(await w.city.post(`/api/v1/transfer/rules/${r.id}/versions/1/decision`, { decision: 'maybe' }), 400, 'invalid_value', 'decision');
  });

  // Of two administrators deciding at once, one wins and the other is told not_pending; a few
  // rounds, since a race may not show in one.
  test('an approval and a rejection of one version at once: exactly one 200 and one 409 not_pending', async () => {
    const other = await signInFixture('fx-city-admin');
    const r = await publishRule(w.staff, prog.id, cet4Rule({ name: '并发', conditions: [{ kind: 'vocational_certificate', code: 'BEC' }] }));
    for (let version = 1; version <= 6; version++) {
      if (version > 1) {
        const next = await w.staff.put(`${P}/${prog.id}/rules/${r.id}`, cet4Rule({ name: `并发 ${version}`, conditions: [{ kind: 'vocational_certificate', code: 'BEC' }] }));
        assertStatus(next, 201);
        assert.equal(next.json.version, version);
      }
      const replies = await Promise.all([decide(w.city, r.id, version, 'approve'), decide(other, r.id, version, 'reject', '并发驳回')]);
      assert.deepEqual(replies.map((x) => x.status).sort(), [200, 409], `version ${version}: ${replies.map((x) => x.text).join('; ')}`);
      const lost = replies.find((x) => x.status === 409);
      assertError(lost, 409, 'not_pending');
      const won = replies.find((x) => x.status === 200).json;
      assert.equal(await statusOf(r.id, version), won.status);
    }
  });
});

describe('enrolments and audits', () => {
  let w, prog, learner, stranger;
  before(async () => {
    w = await world();
    prog = await createProgramme(w.staff);
    learner = await registerCitizen();
    stranger = await registerCitizen();
  });

  const enrol = (client, programmeId, account) => client.post(`${P}/${programmeId}/enrolments`, { account_no: account });

  test('staff enrol a learner by account number (201, and again is still fine); an unknown number is 400 unknown_account', async () => {
    // Enrolment lets the institution audit the whole record: not without the learner's consent.
    assertError(await enrol(w.staff, prog.id, learner.account.account_no), 403, 'forbidden', 'account_no');
    const none = await learner.client.get('/api/v1/me/programmes');
    assertStatus(none, 200);
    assert.deepEqual(none.json.items, [], 'nothing was enrolled');
    assertStatus(await learner.client.post('/api/v1/me/shares', { institution_id: w.college.id }), 201);
    const res = await enrol(w.staff, prog.id, learner.account.account_no);
    assertStatus(res, 201);
    assert.deepEqual(res.json, { programme_id: prog.id, account_no: learner.account.account_no });
    assertStatus(await enrol(w.admin, prog.id, learner.account.account_no), 201);
    const mine = await learner.client.get('/api/v1/me/programmes');
    assertStatus(mine, 200);
    assert.deepEqual(mine.json.items.map((e) => e.programme.id), [prog.id]);
    assert.equal(mine.json.items[0].programme.name, prog.name);
    assert.ok(mine.json.items[0].enrolled_at);
    assertError(await enrol(w.staff, prog.id, accountNo(9999999999990)), 400, 'unknown_account', 'account_no');
    assertError(await w.staff.post(`${P}/${prog.id}/enrolments`, {}), 400, 'missing_field', 'account_no');
    assertError(await enrol(w.staff, crypto.randomUUID(), learner.account.account_no), 404, 'not_found');
  });

  test('staff of another institution may not enrol (403), nor may a citizen; nothing is enrolled', async () => {
    const p = await createProgramme(w.staff);
    assertError(await enrol(w.staffB, p.id, stranger.account.account_no), 403, 'forbidden');
    assertError(await enrol(stranger.client, p.id, stranger.account.account_no), 403, 'forbidden');
    assertError(await enrol(w.reviewer, p.id, stranger.account.account_no), 403, 'forbidden');
    const mine = await stranger.client.get('/api/v1/me/programmes');
    assertStatus(mine, 200);
    assert.deepEqual(mine.json.items, []);
    assertError(await w.staff.get(`${P}/${p.id}/audits/${stranger.account.account_no}`), 404, 'not_found');
  });

  test('staff list the learners a programme enrolled, in pages; a learner stops following a programme', async () => {
    const p = await createProgramme(w.staff);
    const people = [];
    for (let i = 0; i < 3; i++) {
      const someone = await registerCitizen();
      assertStatus(await someone.client.post('/api/v1/me/programmes', { programme_id: p.id }), 201);
      people.push(someone);
    }
    const first = await w.staff.get(`${P}/${p.id}/enrolments?limit=2`);
    assertStatus(first, 200);
    assert.equal(first.json.items.length, 2);
    assert.ok(first.json.next, 'a cursor to the next page');
    const second = await w.staff.get(`${P}/${p.id}/enrolments?limit=2&after=${first.json.next}`);
    assertStatus(second, 200);
    assert.equal(second.json.items.length, 1);
    assert.equal(second.json.next, null);
    const listed = [...first.json.items, ...second.json.items].map((x) => x.account_no).sort();
    assert.deepEqual(listed, people.map((x) => x.account.account_no).sort());
    assert.ok(first.json.items.every((x) => x.name && x.enrolled_at));
    assertError(await w.staffB.get(`${P}/${p.id}/enrolments`), 403, 'forbidden');
    assertError(await w.staff.get(`${P}/${p.id}/enrolments?limit=0`), 400, 'bad_query', 'limit');
    // Unfollowing removes the learner from the list; again is 404.
    const res = await people[0].client.del(`/api/v1/me/programmes/${p.id}`);
    assertStatus(res, 204);
    assertError(await people[0].client.del(`/api/v1/me/programmes/${p.id}`), 404, 'not_found');
    const after = (await w.staff.get(`${P}/${p.id}/enrolments`)).json.items.map((x) => x.account_no);
    assert.ok(!after.includes(people[0].account.account_no));
    assert.equal(after.length, 2);
    assertError(await w.staff.del(`/api/v1/me/programmes/${p.id}`), 403, 'forbidden');
  });

  test('a learner follows a programme (POST /me/programmes) and sees it in their list', async () => {
    const someone = await registerCitizen();
    const a = await createProgramme(w.staff);
    const b = await createProgramme(w.staffB);
    for (const p of [a, b]) {
      const res = await someone.client.post('/api/v1/me/programmes', { programme_id: p.id });
      assertStatus(res, 201);
      assert.equal(res.json.programme_id, p.id);
    }
    assertStatus(await someone.client.post('/api/v1/me/programmes', { programme_id: a.id }), 201);
    const mine = await someone.client.get('/api/v1/me/programmes');
    assertStatus(mine, 200);
    assert.deepEqual(mine.json.items.map((e) => e.programme.id).sort(), [a.id, b.id].sort());
    assertError(await someone.client.post('/api/v1/me/programmes', { programme_id: crypto.randomUUID() }), 404, 'not_found');
    assertError(await someone.client.post('/api/v1/me/programmes', {}), 400, 'missing_field', 'programme_id');
    assertError(await w.staff.post('/api/v1/me/programmes', { programme_id: a.id }), 403, 'forbidden');
    assertError(await w.staff.get('/api/v1/me/programmes'), 403, 'forbidden');
    // Following makes them a learner their programme's staff audit.
    assertStatus(await w.staff.get(`${P}/${a.id}/audits/${someone.account.account_no}`), 200);
    assertStatus(await w.staffB.get(`${P}/${b.id}/audits/${someone.account.account_no}`), 200);
  });

  test('a passed academic credit of a plan course makes it completed; the audit names the outcome', async () => {
    const p = await createProgramme(w.staff);
    const someone = await registerCitizen();
    const before = await myAudit(someone.client, p.id);
    assert.equal(course(before, '00051').status, 'missing');
    assert.equal(before.person.account_no, someone.account.account_no);
    assert.equal(before.programme.id, p.id);
    const passed = await deposit(w.staff, courseCredit(someone.account.account_no, '00051', '75'));
    const failed = await deposit(w.staff, courseCredit(someone.account.account_no, '00015', '45'));
    const report = await myAudit(someone.client, p.id);
    assert.equal(course(report, '00051').status, 'completed');
    assert.deepEqual(course(report, '00051').outcome_ids, [passed]);
    assert.equal(course(report, '00051').rule, undefined);
    // A score under 60 is no pass.
    assert.equal(course(report, '00015').status, 'missing');
    assert.ok(!JSON.stringify(report.courses).includes(failed));
    assert.equal(report.credits.earned_milli, 3000);
    assert.equal(report.groups.find((g) => g.code === 'public').earned_milli, 3000);
    assert.equal(report.is_complete, false);
  });

  test('only approved rule versions apply: CET-4 500 makes both English courses available, naming the rule and its version', async () => {
    const p = await createProgramme(w.staff);
    const someone = await registerCitizen();
    const cert = await deposit(w.staff, cet4(someone.account.account_no, '500'));
    const rule = await publishRule(w.staff, p.id, cet4Rule());
    // Pending: not applied, not even listed.
    let report = await myAudit(someone.client, p.id);
    assert.equal(course(report, '00012').status, 'missing');
    assert.equal(course(report, '00015').status, 'missing');
    assert.deepEqual(report.rules, []);
    await approve(w.city, rule.id, 1);
    report = await myAudit(someone.client, p.id);
    for (const code of ['00012', '00015']) {
      const c = course(report, code);
      assert.equal(c.status, 'available', code);
      assert.deepEqual(c.rule, { id: rule.id, version: 1 }, code);
      assert.deepEqual(c.outcome_ids, [cert], code);
    }
    const applied = report.rules.find((r) => r.id === rule.id);
    assert.equal(applied.applied, true);
    assert.equal(applied.version, 1);
    assert.deepEqual(applied.reasons, []);
    assert.equal(report.credits.available_milli, 6000);
    assert.equal(report.credits.earned_milli, 0);
    // A new version waiting for the city changes nothing: the audit still names version 1.
    assertStatus(await w.staff.put(`${P}/${p.id}/rules/${rule.id}`, cet4Rule({ grants: [{ course: '00012' }] })), 201);
    report = await myAudit(someone.client, p.id);
    assert.deepEqual(course(report, '00012').rule, { id: rule.id, version: 1 });
    assert.equal(course(report, '00015').status, 'available');
    // Approved, version 2 is the one applied: English II is no longer granted.
    await approve(w.city, rule.id, 2);
    report = await myAudit(someone.client, p.id);
    assert.equal(course(report, '00012').status, 'available');
    assert.deepEqual(course(report, '00012').rule, { id: rule.id, version: 2 });
    assert.equal(course(report, '00015').status, 'missing');
    assert.equal(course(report, '00015').rule, undefined);
    assert.deepEqual(report.rules.map((r) => [r.id, r.version, r.applied]), [[rule.id, 2, true]]);
    // A rejected version 3 leaves version 2 in force.
    assertStatus(await w.staff.put(`${P}/${p.id}/rules/${rule.id}`, cet4Rule()), 201);
    assertStatus(await decide(w.city, rule.id, 3, 'reject', '不予批准'), 200);
    report = await myAudit(someone.client, p.id);
    assert.deepEqual(course(report, '00012').rule, { id: rule.id, version: 2 });
    assert.equal(course(report, '00015').status, 'missing');
  });

  test('a CET-4 score of 400 falls short: the rule is listed as not applied with a "result" reason naming the outcome', async () => {
    const p = await createProgramme(w.staff);
    const someone = await registerCitizen();
    const cert = await deposit(w.staff, cet4(someone.account.account_no, '400'));
    const rule = await publishRule(w.staff, p.id, cet4Rule());
    await approve(w.city, rule.id, 1);
    const report = await myAudit(someone.client, p.id);
    assert.equal(course(report, '00012').status, 'missing');
    assert.equal(course(report, '00015').status, 'missing');
    const r = report.rules.find((x) => x.id === rule.id);
    assert.ok(r, JSON.stringify(report.rules));
    assert.equal(r.applied, false);
    assert.equal(r.version, 1);
    const why = r.reasons.find((x) => x.code === 'result');
    assert.ok(why, JSON.stringify(r.reasons));
    assert.equal(why.outcome_id, cert);
    assert.match(why.message_en, /400/);
    assert.match(why.message_en, /425/);
  });

  test('an approved rule that no longer fits a new plan is not applied and is listed in unfit_rules with why', async () => {
    const p = await createProgramme(w.staff);
    const someone = await registerCitizen();
    await deposit(w.staff, cet4(someone.account.account_no, '500'));
    const rule = await publishRule(w.staff, p.id, cet4Rule());
    await approve(w.city, rule.id, 1);
    assert.deepEqual((await myAudit(someone.client, p.id)).unfit_rules, []);
    // Version 2 of the plan drops English II, which the rule grants.
    const next = plan();
    next.courses.splice(1, 1);
    assertStatus(await w.staff.put(`${P}/${p.id}/plan`, next), 201);
    const report = await myAudit(someone.client, p.id);
    assert.equal(report.programme.plan_version, 2);
    assert.equal(course(report, '00012').status, 'missing');
    assert.ok(!report.courses.some((c) => c.code === '00015'));
    assert.equal(report.unfit_rules.length, 1);
    assert.equal(report.unfit_rules[0].id, rule.id);
    assert.equal(report.unfit_rules[0].version, 1);
    assert.match(report.unfit_rules[0].reason, /grants\[1\]\.course/);
    assert.ok(!report.rules.some((r) => r.id === rule.id));
    // Published again it is checked against the plan as it stands.
    assertError(await w.staff.put(`${P}/${p.id}/rules/${rule.id}`, cet4Rule()), 400, 'unknown_course', 'grants[1].course');
    assertStatus(await w.staff.put(`${P}/${p.id}/rules/${rule.id}`, cet4Rule({ grants: [{ course: '00012' }] })), 201);
    await approve(w.city, rule.id, 2);
    const after = await myAudit(someone.client, p.id);
    assert.deepEqual(after.unfit_rules, []);
    assert.deepEqual(course(after, '00012').rule, { id: rule.id, version: 2 });
  });

  test('?as_of= audits as on another day (a rule not yet in effect says so); a bad as_of is 400 bad_query', async () => {
    const p = await createProgramme(w.staff);
    const someone = await registerCitizen();
    await deposit(w.staff, cet4(someone.account.account_no, '500'));
    const rule = await publishRule(w.staff, p.id, cet4Rule());
    await approve(w.city, rule.id, 1);
    const then = await myAudit(someone.client, p.id, '?as_of=2019-06-01');
    assert.equal(then.as_of, '2019-06-01');
    assert.equal(course(then, '00012').status, 'missing');
    const r = then.rules.find((x) => x.id === rule.id);
    assert.equal(r.applied, false);
    assert.deepEqual(r.reasons.map((x) => x.code), ['not_in_effect']);
    assert.equal(course(await myAudit(someone.client, p.id, '?as_of=2024-07-01'), '00012').status, 'available');
    for (const bad of ['bad', '2024-02-30', '20240701'])
      assertError(await someone.client.get(`/api/v1/me/programmes/${p.id}/audit?as_of=${bad}`), 400, 'bad_query', 'as_of');
    assertStatus(await enrol(w.staff, p.id, someone.account.account_no), 201);
    assertError(await w.staff.get(`${P}/${p.id}/audits/${someone.account.account_no}?as_of=bad`), 400, 'bad_query', 'as_of');
  });

  test('staff audit an enrolled learner by account number; a learner not enrolled is 404; other institutions 403', async () => {
    const p = await createProgramme(w.staff);
    const someone = await registerCitizen();
    const cert = await deposit(w.staff, cet4(someone.account.account_no, '500'));
    const rule = await publishRule(w.staff, p.id, cet4Rule());
    await approve(w.city, rule.id, 1);
    assertError(await w.staff.get(`${P}/${p.id}/audits/${someone.account.account_no}`), 404, 'not_found');
    assertStatus(await enrol(w.staff, p.id, someone.account.account_no), 201);
    const res = await w.staff.get(`${P}/${p.id}/audits/${someone.account.account_no}`);
    assertStatus(res, 200);
    assert.equal(res.json.person.account_no, someone.account.account_no);
    assert.equal(res.json.programme.id, p.id);
    assert.deepEqual(course(res.json, '00012').outcome_ids, [cert]);
    assert.deepEqual(course(res.json, '00012').rule, { id: rule.id, version: 1 });
    // The learner sees the same report.
    const own = await myAudit(someone.client, p.id);
    assert.deepEqual(own, res.json);
    assertStatus(await w.admin.get(`${P}/${p.id}/audits/${someone.account.account_no}`), 200);
    assertError(await w.staffB.get(`${P}/${p.id}/audits/${someone.account.account_no}`), 403, 'forbidden');
    assertError(await w.staff.get(`${P}/${p.id}/audits/${stranger.account.account_no}`), 404, 'not_found');
    assertError(await w.staff.get(`${P}/${p.id}/audits/${accountNo(9999999999990)}`), 400, 'unknown_account', 'account_no');
    assertError(await someone.client.get(`${P}/${p.id}/audits/${someone.account.account_no}`), 403, 'forbidden');
    assertError(await w.staff.get(`/api/v1/me/programmes/${p.id}/audit`), 403, 'forbidden');
    assertError(await someone.client.get(`/api/v1/me/programmes/${crypto.randomUUID()}/audit`), 404, 'not_found');
  });

  test('what my learning counts toward: every programme in short, the most credit available first', async () => {
    const p = await createProgramme(w.staff);
    const q = await createProgramme(w.staff);
    const someone = await registerCitizen();
    await deposit(w.staff, cet4(someone.account.account_no, '500'));
    await deposit(w.staff, courseCredit(someone.account.account_no, '00051', '80'));
    const rule = await publishRule(w.staff, p.id, cet4Rule());
    await approve(w.city, rule.id, 1);
    const res = await someone.client.get('/api/v1/me/transfer-options');
    assertStatus(res, 200);
    const items = res.json.items;
    const mine = items.find((x) => x.programme.id === p.id), other = items.find((x) => x.programme.id === q.id);
    assert.ok(mine && other, 'both programmes are weighed');
    // p: the CET-4 rule grants both English courses; q has no rule.
    assert.equal(mine.available_milli, course(await myAudit(someone.client, p.id), '00012').credits_milli * 2);
    assert.equal(mine.courses.available, 2);
    assert.equal(mine.courses.completed, 1);
    assert.equal(other.available_milli, 0);
    assert.equal(other.courses.completed, 1);
    assert.equal(mine.is_enrolled, false);
    const order = items.map((x) => x.available_milli);
    assert.deepEqual(order, [...order].sort((a, b) => b - a), 'most available first');
    assert.ok(items.indexOf(mine) < items.indexOf(other));
    // Following a programme shows in the summary; only citizens ask.
    assertStatus(await someone.client.post('/api/v1/me/programmes', { programme_id: p.id }), 201);
    const again = (await someone.client.get('/api/v1/me/transfer-options')).json.items;
    assert.equal(again.find((x) => x.programme.id === p.id).is_enrolled, true);
    assertError(await w.staff.get('/api/v1/me/transfer-options'), 403, 'forbidden');
  });

  test('is_complete turns true only once every requirement is met', async () => {
    // A small plan: one required course, an elective group asking for one credit, three in all.
    const small = {
      total_credits_milli: 3000, transfer_max_permille: 0,
      groups: [{ code: 'core', name: '核心课', elective: false }, { code: 'elec', name: '选修', elective: true, min_credits_milli: 1000 }],
      courses: [
        { code: 'C1', name: '电工基础', group: 'core', credits_milli: 2000, transfer_excluded: false },
        { code: 'E1', name: '安全生产', group: 'elec', credits_milli: 1000, transfer_excluded: false },
      ],
    };
    const p = await createProgramme(w.staff, { plan: small, kind: 'certificate' });
    const someone = await registerCitizen();
    const acct = someone.account.account_no;
    let report = await myAudit(someone.client, p.id);
    assert.equal(report.is_complete, false);
    await deposit(w.staff, courseCredit(acct, 'C1', '88'));
    report = await myAudit(someone.client, p.id);
    assert.equal(report.is_complete, false);
    assert.equal(report.groups.find((g) => g.code === 'core').is_met, true);
    assert.equal(report.groups.find((g) => g.code === 'elec').is_met, false);
    await deposit(w.staff, courseCredit(acct, 'E1', '60'));
    report = await myAudit(someone.client, p.id);
    assert.equal(report.is_complete, true);
    assert.equal(report.is_complete_with_transfers, true);
    assert.deepEqual(report.courses.map((c) => [c.code, c.status]), [['C1', 'completed'], ['E1', 'completed']]);
    assert.equal(report.credits.earned_milli, 3000);
    assert.ok(report.groups.every((g) => g.is_met));
  });

  test('credit available by transfer counts toward is_complete_with_transfers but not is_complete', async () => {
    const p = await createProgramme(w.staff);
    const someone = await registerCitizen();
    const acct = someone.account.account_no;
    await deposit(w.staff, cet4(acct, '500'));
    for (const code of ['03708', '00051', 'E101']) await deposit(w.staff, courseCredit(acct, code, '80'));
    const rule = await publishRule(w.staff, p.id, cet4Rule());
    await approve(w.city, rule.id, 1);
    // Nine required credits by transfer and study and two elective: the elective group asks four.
    let report = await myAudit(someone.client, p.id);
    assert.equal(report.is_complete, false);
    assert.equal(report.is_complete_with_transfers, false);
    assert.equal(report.groups.find((g) => g.code === 'public').is_met, false);
    assert.equal(report.groups.find((g) => g.code === 'public').is_met_with_transfers, true);
    const next = plan();
    next.groups[1].min_credits_milli = 2000;
    next.total_credits_milli = 13000;
    assertStatus(await w.staff.put(`${P}/${p.id}/plan`, next), 201);
    report = await myAudit(someone.client, p.id);
    assert.equal(report.programme.plan_version, 2);
    assert.equal(report.is_complete, false);
    assert.equal(report.is_complete_with_transfers, true);
  });
});

describe('the API description', () => {
  test('lists every route of the learning overpass', async () => {
    const res = await anon().get('/api/openapi.json');
    assertStatus(res, 200);
    const want = {
      '/api/v1/transfer/programmes': ['get', 'post'],
      '/api/v1/transfer/programmes/{id}': ['get'],
      '/api/v1/transfer/programmes/{id}/plan': ['put'],
      '/api/v1/transfer/programmes/{id}/rules': ['get', 'post'],
      '/api/v1/transfer/programmes/{id}/rules/{rule}': ['put'],
      '/api/v1/transfer/rules': ['get'],
      '/api/v1/transfer/rules/{rule}/versions/{version}/decision': ['post'],
      '/api/v1/transfer/programmes/{id}/enrolments': ['post'],
      '/api/v1/transfer/programmes/{id}/audits/{account_no}': ['get'],
      '/api/v1/me/programmes': ['get', 'post'],
      '/api/v1/me/programmes/{id}/audit': ['get'],
    };
    for (const [p, methods] of Object.entries(want)) {
      assert.ok(res.json.paths[p], `${p} is not described`);
      for (const m of methods) {
        assert.ok(res.json.paths[p][m], `${m.toUpperCase()} ${p} is not described`);
        assert.ok(res.json.paths[p][m].tags?.includes('transfer'), `${m.toUpperCase()} ${p} is not tagged transfer`);
      }
    }
  });
});
