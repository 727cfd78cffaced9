// Applying for a transfer on the learning overpass (立交桥): a learner applies for what their audit
// finds available, and what one application of one rule grants becomes one item; a refused
// application leaves nothing behind; the receiving institution's staff see the items with their
// source outcomes and decide them, an approval storing the credit in the ledger as version-2
// entries that name the item, the rule version and the sources; a rejection frees the outcomes.
// Institutions publish certification units (认证单元) that the city approves, and the city reads
// the transfers of every programme in its statistics.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  CHANGNING, XUHUI, assertError, assertStatus, auditMark, auditSince, createInstitution, createStaff, registerCitizen,
  signInFixture, uniqueName,
} from './lib.mjs';
import { canonicalBytes, leafHash } from './ledger-proofs.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const P = '/api/v1/transfer/programmes';
const ITEMS = '/api/v1/transfer/items';
const UNITS = '/api/v1/transfer/units';
const MINE = '/api/v1/me/applications';

// ---- The entry hash, as a client recomputes it with node:crypto ----

// ---- The programme and its rules ----

// 9 required credits in three courses (00051 has no rule), an elective group asking for 2, and
// half of the total by transfer at most.
const plan = () => ({
  total_credits_milli: 20000,
  transfer_max_permille: 500,
  groups: [
    { code: 'public', name: '公共基础课', name_en: 'General courses', elective: false },
    { code: 'elective', name: '选修课', name_en: 'Electives', elective: true, min_credits_milli: 2000 },
  ],
  courses: [
    { code: '00012', name: '英语(一)', name_en: 'English I', group: 'public', credits_milli: 3000 },
    { code: '00015', name: '英语(二)', name_en: 'English II', group: 'public', credits_milli: 3000 },
    { code: '00051', name: '管理系统中计算机应用', group: 'public', credits_milli: 3000 },
    { code: 'E101', name: '社区实践', group: 'elective', credits_milli: 2000 },
  ],
});

const CET4_RULE = {
  name: '大学英语四级 425 分及以上免考英语(一)、英语(二)', name_en: 'CET-4 of 425 or more exempts English I and II',
  effective_from: '2020-01-01', effective_to: null,
  conditions: [{ kind: 'vocational_certificate', code: 'CET4', min_result: { score: '425' } }],
  grants: [{ course: '00012' }, { course: '00015' }],
};

const COMMUNITY_RULE = {
  name: '两门 16 学时及以上的社区教育课程计选修课 1 学分',
  name_en: 'Two community-education courses of 16 hours or more give one elective credit',
  effective_from: '2020-01-01', effective_to: null,
  conditions: [{ kind: 'community_education', min_hours_milli: 16000, count: 2 }],
  grants: [{ group: 'elective', credits_milli: 1000 }],
};

// One world for the whole file: an open university in 徐汇区 that keeps the programmes (its
// admin and staff), a vocational college in 长宁区 that deposits CET-4 certificates, a community
// school that deposits community-education courses, and the city admin and auditor.
let worldPromise;
function world() {
  worldPromise ??= (async () => {
    const city = await signInFixture('fx-city-admin');
    const auditor = await signInFixture('fx-auditor');
    const university = await createInstitution(city, XUHUI, 'open_university', `Open University ${crypto.randomBytes(3).toString('hex')}`);
    const college = await createInstitution(city, CHANGNING, 'vocational_college');
    const school = await createInstitution(city, XUHUI, 'community_school');
    const admin = await createStaff(city, 'institution_admin', university.id);
    const staff = await createStaff(admin, 'staff', university.id);
    const collegeStaff = await createStaff(city, 'staff', college.id);
    const schoolStaff = await createStaff(city, 'staff', school.id);
    return { city, auditor, university, college, school, admin, staff, collegeStaff, schoolStaff };
  })();
  return worldPromise;
}

async function publishApproved(w, programmeId, rule) {
  const res = await w.staff.post(`${P}/${programmeId}/rules`, rule);
  assertStatus(res, 201);
  const ok = await w.city.post(`/api/v1/transfer/rules/${res.json.id}/versions/1/decision`, { decision: 'approve' });
  assertStatus(ok, 200);
  return res.json.id;
}

// A programme of the open university with the CET-4 rule and the counted community rule approved.
async function overpass(w) {
  const res = await w.staff.post(P, {
    code: `SS-${crypto.randomBytes(4).toString('hex')}`, name: uniqueName('工商企业管理（专科）'),
    name_en: 'Business Administration', kind: 'self_study', plan: plan(),
  });
  assertStatus(res, 201);
  const cetRule = await publishApproved(w, res.json.id, CET4_RULE);
  const communityRule = await publishApproved(w, res.json.id, COMMUNITY_RULE);
  return { programme: res.json, cetRule, communityRule };
}

async function deposit(staff, body) {
  const res = await staff.post('/api/v1/ledger/outcomes', body);
  assertStatus(res, 201);
  assert.equal(res.json.status, 'stored');
  return res.json.outcome_id;
}

// A learner with a CET-4 certificate of 500 and three community-education courses of 16 hours.
async function learner(w) {
  const person = await registerCitizen();
  const acct = person.account.account_no;
  const cert = await deposit(w.collegeStaff, {
    account_no: acct, kind: 'vocational_certificate', title: '全国大学英语四级考试', code: 'CET4', level: 3,
    certificate_no: 'CET' + crypto.randomInt(1e9), result_kind: 'score', result: '500', awarded_on: '2024-06-30',
  });
  const community = [];
  for (const title of ['家庭理财', '智能手机应用', '沪语与海派文化'])
    community.push(await deposit(w.schoolStaff, {
      account_no: acct, kind: 'community_education', title, hours_milli: 16000, awarded_on: '2024-05-20',
    }));
  return { client: person.client, account: person.account, name: person.account.name, cert, community };
}

async function audit(client, programmeId) {
  const res = await client.get(`/api/v1/me/programmes/${programmeId}/audit`);
  assertStatus(res, 200);
  return res.json;
}

const course = (report, code) => {
  const c = report.courses.find((x) => x.code === code);
  assert.ok(c, `the audit has no course ${code}: ${JSON.stringify(report.courses)}`);
  return c;
};

const apply = (client, programmeId, items) => client.post(`/api/v1/me/programmes/${programmeId}/applications`, { items });

async function applyOk(client, programmeId, items) {
  const res = await apply(client, programmeId, items);
  assertStatus(res, 201);
  return res.json;
}

async function mine(client) {
  const res = await client.get(MINE);
  assertStatus(res, 200);
  return res.json.items;
}

async function queue(staff, query = '') {
  const res = await staff.get(ITEMS + query);
  assertStatus(res, 200);
  return res.json.items;
}

const decide = (staff, itemId, body) => staff.post(`${ITEMS}/${itemId}/decision`, body);

async function transferCredits(client) {
  const res = await client.get('/api/v1/me/transcript');
  assertStatus(res, 200);
  return res.json.items.filter((i) => i.transfer);
}

describe('applying for a transfer', () => {
  let w, p, L;
  before(async () => {
    w = await world();
    p = await overpass(w);
    L = await learner(w);
  });

  test('the audit finds both English courses available by the CET-4 outcome and one elective credit by the community rule', async () => {
    const report = await audit(L.client, p.programme.id);
    for (const code of ['00012', '00015']) {
      assert.equal(course(report, code).status, 'available', code);
      assert.deepEqual(course(report, code).outcome_ids, [L.cert], code);
      assert.deepEqual(course(report, code).rule, { id: p.cetRule, version: 1 }, code);
    }
    assert.equal(course(report, '00051').status, 'missing');
    // Three courses, two to an application: the rule applies once.
    assert.equal(report.group_credits.length, 1, JSON.stringify(report.group_credits));
    const g = report.group_credits[0];
    assert.equal(g.group, 'elective');
    assert.equal(g.credits_milli, 1000);
    assert.equal(g.status, 'available');
    assert.deepEqual(g.rule, { id: p.communityRule, version: 1 });
    assert.equal(g.outcome_ids.length, 2);
    assert.ok(g.outcome_ids.every((id) => L.community.includes(id)), JSON.stringify(g.outcome_ids));
    assert.equal(report.credits.available_milli, 7000);
    assert.equal(report.credits.pending_milli, 0);
    assert.deepEqual(await mine(L.client), []);
  });

  test('applying for both English courses makes ONE pending item granting both, its source the CET-4 outcome', async () => {
    const mark = await auditMark(w.city);
    const app = await applyOk(L.client, p.programme.id, [{ course: '00012' }, { course: '00015' }]);
    assert.match(app.id, UUID);
    assert.equal(app.programme_id, p.programme.id);
    assert.equal(app.programme_name, p.programme.name);
    assert.equal(app.items.length, 1, JSON.stringify(app.items));
    const item = app.items[0];
    assert.match(item.id, UUID);
    assert.equal(item.status, 'pending');
    assert.equal(item.rule_id, p.cetRule);
    assert.equal(item.rule_version, 1);
    assert.deepEqual(item.grants, [{ course: '00012' }, { course: '00015' }]);
    assert.deepEqual(item.sources, [L.cert]);
    assert.equal(item.credits_milli, 6000);
    const trail = (await auditSince(w.city, mark)).filter((r) => r.action === 'transfer.apply');
    assert.equal(trail.length, 1);
    assert.equal(trail[0].target_id, p.programme.id);
    // The audit shows them pending, under the item, and counts them apart.
    const report = await audit(L.client, p.programme.id);
    for (const code of ['00012', '00015']) {
      assert.equal(course(report, code).status, 'pending', code);
      assert.equal(course(report, code).transfer_id, item.id, code);
      assert.deepEqual(course(report, code).outcome_ids, [L.cert], code);
    }
    assert.equal(report.credits.pending_milli, 6000);
    assert.equal(report.credits.transfer_pending_milli, 6000);
    assert.equal(report.credits.available_milli, 1000);
    const listed = await mine(L.client);
    assert.deepEqual(listed.map((i) => [i.id, i.application_id, i.status]), [[item.id, app.id, 'pending']]);
  });

  // Each refused application: the error naming the item, and the learner's applications, their
  // audit and the audit trail as they were.
  const REFUSED = [
    ['a course applied for already', () => ({ items: [{ course: '00012' }] }), 409, 'conflict', 'items[0]'],
    ['a valid group item followed by a course applied for already', () => ({ items: [{ group: 'elective', rule_id: p.communityRule }, { course: '00015' }] }), 409, 'conflict', 'items[1]'],
    ['a course no rule grants with the learner\'s outcomes', () => ({ items: [{ course: '00051' }] }), 400, 'invalid_value', 'items[0]'],
    ['a course the plan does not have', () => ({ items: [{ course: '99999' }] }), 400, 'unknown_course', 'items[0]'],
    ['a group without a rule', () => ({ items: [{ group: 'elective' }] }), 400, 'missing_field', 'items[0]'],
    ['a rule without a group', () => ({ items: [{ rule_id: p.communityRule }] }), 400, 'missing_field', 'items[0]'],
    ['group credit by a rule that grants none', () => ({ items: [{ group: 'elective', rule_id: p.cetRule }] }), 400, 'invalid_value', 'items[0]'],
    ['group credit in another group', () => ({ items: [{ group: 'public', rule_id: p.communityRule }] }), 400, 'invalid_value', 'items[0]'],
    ['a valid group item followed by a course no rule grants', () => ({ items: [{ group: 'elective', rule_id: p.communityRule }, { course: '00051' }] }), 400, 'invalid_value', 'items[1]'],
    ['a valid group item followed by an unknown course', () => ({ items: [{ group: 'elective', rule_id: p.communityRule }, { course: 'NOPE' }] }), 400, 'unknown_course', 'items[1]'],
    ['no items', () => ({ items: [] }), 400, 'out_of_range', 'items'],
    ['items that are not an array', () => ({ items: { course: '00051' } }), 400, 'wrong_type', 'items'],
    ['no items key', () => ({}), 400, 'missing_field', 'items'],
    ['a key applications do not have', () => ({ items: [{ group: 'elective', rule_id: p.communityRule }], note: '请批准' }), 400, 'unknown_field', 'note'],
    ['an item with a key items do not have', () => ({ items: [{ group: 'elective', rule_id: p.communityRule, credits_milli: 5000 }] }), 400, 'unknown_field', 'items[0].credits_milli'],
    ['a course code that is not a string', () => ({ items: [{ course: 12 }] }), 400, 'wrong_type', 'items[0].course'],
  ];
  for (const [what, make, status, code, field] of REFUSED) {
    test(`${what}: ${status} ${code}${field ? ' on ' + field : ''}, and nothing is stored`, async () => {
      const before = await mine(L.client);
      const reportBefore = await audit(L.client, p.programme.id);
      const mark = await auditMark(w.city);
      const res = await L.client.post(`/api/v1/me/programmes/${p.programme.id}/applications`, make());
      assertError(res, status, code, field);
      assert.deepEqual(await mine(L.client), before);
      assert.deepEqual(await audit(L.client, p.programme.id), reportBefore);
      assert.deepEqual((await auditSince(w.city, mark)).filter((r) => r.action.startsWith('transfer.')), []);
    });
  }

  test('group credit: the counted rule applies once; asking for it twice in one request fails on the second, nothing stored', async () => {
    const before = await mine(L.client);
    const twice = [{ group: 'elective', rule_id: p.communityRule }, { group: 'elective', rule_id: p.communityRule }];
    assertError(await apply(L.client, p.programme.id, twice), 400, 'invalid_value', 'items[1]');
    assert.deepEqual(await mine(L.client), before);
    assert.equal((await audit(L.client, p.programme.id)).group_credits[0].status, 'available');

    const app = await applyOk(L.client, p.programme.id, [{ group: 'elective', rule_id: p.communityRule }]);
    assert.equal(app.items.length, 1);
    const item = app.items[0];
    assert.equal(item.status, 'pending');
    assert.equal(item.rule_id, p.communityRule);
    assert.deepEqual(item.grants, [{ group: 'elective', credits_milli: 1000 }]);
    assert.equal(item.credits_milli, 1000);
    assert.equal(item.sources.length, 2);
    assert.ok(item.sources.every((id) => L.community.includes(id)), JSON.stringify(item.sources));
    const report = await audit(L.client, p.programme.id);
    assert.deepEqual(report.group_credits.map((g) => [g.group, g.status, g.transfer_id]), [['elective', 'pending', item.id]]);
    assert.equal(report.credits.pending_milli, 7000);
    assert.equal(report.credits.available_milli, 0);
    // One community course is left over: not enough for a second application of the rule.
    const after = await mine(L.client);
    assertError(await apply(L.client, p.programme.id, [{ group: 'elective', rule_id: p.communityRule }]), 400, 'invalid_value', 'items[0]');
    assert.deepEqual(await mine(L.client), after);
    // Newest first.
    assert.deepEqual(after.map((i) => i.id), [item.id, ...before.map((i) => i.id)]);
  });

  test('two applications for the same courses at once: one 201 and one 409 conflict, and one item', async () => {
    const M = await learner(w);
    const replies = await Promise.all([
      apply(M.client, p.programme.id, [{ course: '00012' }, { course: '00015' }]),
      apply(M.client, p.programme.id, [{ course: '00015' }, { course: '00012' }]),
    ]);
    assert.deepEqual(replies.map((r) => r.status).sort(), [201, 409], replies.map((r) => r.text).join('; '));
    assertError(replies.find((r) => r.status === 409), 409, 'conflict');
    const won = replies.find((r) => r.status === 201).json.items[0];
    assert.deepEqual((await mine(M.client)).map((i) => i.id), [won.id]);
    assert.equal(course(await audit(M.client, p.programme.id), '00012').transfer_id, won.id);
  });

  test('applying for one course of a rule that grants two takes both: one application of a rule is one item', async () => {
    const other = await learner(w);
    const app = await applyOk(other.client, p.programme.id, [{ course: '00012' }]);
    assert.equal(app.items.length, 1);
    assert.deepEqual(app.items[0].grants.map((g) => g.course).sort(), ['00012', '00015']);
    assert.deepEqual(app.items[0].sources, [other.cert]);
    const report = await audit(other.client, p.programme.id);
    assert.equal(course(report, '00012').status, 'pending');
    assert.equal(course(report, '00015').status, 'pending');
  });

  test('only a citizen applies (403 for staff); an unknown programme is 404', async () => {
    assertError(await apply(w.staff, p.programme.id, [{ course: '00012' }]), 403, 'forbidden');
    assertError(await w.staff.get(MINE), 403, 'forbidden');
    assertError(await apply(L.client, crypto.randomUUID(), [{ course: '00012' }]), 404, 'not_found');
  });
});

describe('deciding transfer items', () => {
  let w, p, L, cetItem, groupItem;
  before(async () => {
    w = await world();
    p = await overpass(w);
    L = await learner(w);
    cetItem = (await applyOk(L.client, p.programme.id, [{ course: '00012' }, { course: '00015' }])).items[0];
    groupItem = (await applyOk(L.client, p.programme.id, [{ group: 'elective', rule_id: p.communityRule }])).items[0];
  });

  test('staff of the programme\'s institution see the pending items oldest first, with the person, the rule and the source outcomes', async () => {
    for (const reviewer of [w.staff, w.admin]) {
      const items = await queue(reviewer);
      assert.ok(items.every((i) => i.status === 'pending'));
      const ids = items.map((i) => i.id);
      assert.ok(ids.includes(cetItem.id) && ids.includes(groupItem.id), JSON.stringify(ids));
      assert.ok(ids.indexOf(cetItem.id) < ids.indexOf(groupItem.id), 'oldest first');
      const times = items.map((i) => Date.parse(i.created_at));
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
      const it = items.find((i) => i.id === cetItem.id);
      assert.equal(it.programme_id, p.programme.id);
      assert.equal(it.programme_name, p.programme.name);
      assert.deepEqual(Object.keys(it.person).sort(), ['account_no', 'id', 'name']);
      assert.equal(it.person.account_no, L.account.account_no);
      assert.equal(it.person.name, L.name);
      assert.equal(it.rule_id, p.cetRule);
      assert.equal(it.rule_version, 1);
      assert.equal(it.rule_name, CET4_RULE.name);
      assert.equal(it.rule_name_en, CET4_RULE.name_en);
      assert.deepEqual(it.grants, [{ course: '00012' }, { course: '00015' }]);
      assert.deepEqual(it.sources, [L.cert]);
      assert.equal(it.credits_milli, 6000);
      assert.equal(it.source_outcomes.length, 1);
      const src = it.source_outcomes[0];
      assert.equal(src.outcome_id, L.cert);
      assert.equal(src.title, '全国大学英语四级考试');
      assert.equal(src.code, 'CET4');
      assert.equal(src.kind, 'vocational_certificate');
      assert.equal(src.result, '500');
      const g = items.find((i) => i.id === groupItem.id);
      assert.deepEqual(g.source_outcomes.map((o) => o.outcome_id).sort(), [...groupItem.sources].sort());
      assert.ok(g.source_outcomes.every((o) => o.kind === 'community_education' && o.hours_milli === 16000));
      assert.equal(g.rule_name, COMMUNITY_RULE.name);
    }
    assert.ok(!(await queue(w.staff, '?status=approved')).some((i) => i.id === cetItem.id));
    assertError(await w.staff.get(`${ITEMS}?status=waiting`), 400, 'bad_query', 'status');
  });

  test('staff of another institution neither see the items nor decide them (404); a citizen gets 403', async () => {
    const theirs = await queue(w.collegeStaff);
    assert.ok(!theirs.some((i) => i.id === cetItem.id || i.id === groupItem.id));
    assertError(await decide(w.collegeStaff, cetItem.id, { decision: 'approve' }), 404, 'not_found');
    assertError(await decide(w.collegeStaff, cetItem.id, { decision: 'reject', reason: '不是我们的' }), 404, 'not_found');
    assertError(await L.client.get(ITEMS), 403, 'forbidden');
    assertError(await decide(L.client, cetItem.id, { decision: 'approve' }), 403, 'forbidden');
    assertError(await w.city.get(ITEMS), 403, 'forbidden');
    assertError(await decide(w.staff, crypto.randomUUID(), { decision: 'approve' }), 404, 'not_found');
    assertError(await decide(w.staff, cetItem.id, { decision: 'accept' }), 400, 'invalid_value', 'decision');
    const pending = (await queue(w.staff)).map((i) => i.id);
    assert.ok(pending.includes(cetItem.id) && pending.includes(groupItem.id));
    assert.deepEqual((await mine(L.client)).map((i) => i.status), ['pending', 'pending']);
    assert.deepEqual(await transferCredits(L.client), []);
  });

  test('an approval stores both courses in the ledger: transferred in the audit, academic credits with their transfer link', async () => {
    const mark = await auditMark(w.city);
    const res = await decide(w.staff, cetItem.id, { decision: 'approve' });
    assertStatus(res, 200);
    assert.deepEqual(res.json, { id: cetItem.id, status: 'approved' });
    const trail = (await auditSince(w.city, mark)).filter((r) => r.action.startsWith('transfer.'));
    assert.deepEqual(trail.map((r) => [r.action, r.target_id, r.actor_id]), [['transfer.approve', cetItem.id, w.staff.user.id]]);

    const report = await audit(L.client, p.programme.id);
    for (const code of ['00012', '00015']) {
      assert.equal(course(report, code).status, 'transferred', code);
      assert.equal(course(report, code).transfer_id, cetItem.id, code);
    }
    assert.equal(report.credits.transfer_milli, 6000);
    assert.equal(report.credits.earned_milli, 6000);
    assert.equal(report.credits.pending_milli, 1000);
    assert.equal(report.credits.transfer_pending_milli, 1000);

    const credits = await transferCredits(L.client);
    assert.deepEqual(credits.map((c) => c.code).sort(), ['00012', '00015']);
    for (const c of credits) {
      assert.equal(c.kind, 'academic_credit');
      assert.equal(c.status, 'stored');
      assert.equal(c.credits_milli, 3000);
      assert.equal(c.result, 'pass');
      assert.equal(c.institution.id, w.university.id);
      assert.deepEqual(c.transfer, { item_id: cetItem.id, rule_id: p.cetRule, rule_version: 1, sources: [L.cert] });
    }
    assert.equal(credits.find((c) => c.code === '00012').title, '英语(一)');

    // The ledger entry is of canonical version 2 and its hash recomputes from its bytes.
    const got = await L.client.get(`/api/v1/ledger/entries/${credits[0].entry_id}`);
    assertStatus(got, 200);
    const e = got.json.entry;
    assert.equal(e.v, 2);
    assert.equal(e.op, 'deposit');
    assert.equal(e.kind, 'academic_credit');
    assert.equal(e.transfer_item_id, cetItem.id);
    assert.equal(e.transfer_rule_id, p.cetRule);
    assert.equal(e.transfer_rule_version, 1);
    assert.deepEqual(e.transfer_sources, [L.cert]);
    assert.equal(leafHash(canonicalBytes(e)).toString('hex'), e.entry_hash, `canonical bytes: ${canonicalBytes(e).toString()}`);
    // The transfer fields are covered by the hash.
    assert.notEqual(leafHash(canonicalBytes({ ...e, transfer_rule_version: 2 })).toString('hex'), e.entry_hash);
    assert.notEqual(leafHash(canonicalBytes({ ...e, transfer_sources: [] })).toString('hex'), e.entry_hash);

    const listed = (await mine(L.client)).find((i) => i.id === cetItem.id);
    assert.equal(listed.status, 'approved');
    assert.ok(listed.decided_at);
    assert.ok(!(await queue(w.staff)).some((i) => i.id === cetItem.id));
    assert.ok((await queue(w.staff, '?status=approved')).some((i) => i.id === cetItem.id));
  });

  test('deciding an approved item again is 409 not_pending and stores no more credit', async () => {
    assertError(await decide(w.staff, cetItem.id, { decision: 'approve' }), 409, 'not_pending');
    assertError(await decide(w.admin, cetItem.id, { decision: 'reject', reason: '重复' }), 409, 'not_pending');
    assert.equal((await transferCredits(L.client)).length, 2);
    assert.equal((await mine(L.client)).find((i) => i.id === cetItem.id).status, 'approved');
  });

  test('two decisions on one item at once: exactly one 200 and one 409 not_pending, and the credit matches the winner', async () => {
    const replies = await Promise.all([
      decide(w.staff, groupItem.id, { decision: 'approve' }),
      decide(w.admin, groupItem.id, { decision: 'reject', reason: '材料不全' }),
    ]);
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 409], replies.map((r) => r.text).join('; '));
    assertError(replies.find((r) => r.status === 409), 409, 'not_pending');
    const won = replies.find((r) => r.status === 200).json.status;
    assert.equal((await mine(L.client)).find((i) => i.id === groupItem.id).status, won);
    const groupCredits = (await transferCredits(L.client)).filter((c) => c.transfer.item_id === groupItem.id);
    if (won === 'approved') {
      assert.equal(groupCredits.length, 1);
      assert.equal(groupCredits[0].credits_milli, 1000);
      assert.equal(groupCredits[0].code, null);
      assert.equal((await audit(L.client, p.programme.id)).credits.transfer_milli, 7000);
    } else {
      assert.deepEqual(groupCredits, []);
      assert.equal((await audit(L.client, p.programme.id)).group_credits[0].status, 'available');
    }
  });
});

describe('rejecting and revoked sources', () => {
  let w, p;
  before(async () => {
    w = await world();
    p = await overpass(w);
  });

  test('a rejection needs a reason; afterwards the outcomes are free and a new application succeeds', async () => {
    const L = await learner(w);
    const first = (await applyOk(L.client, p.programme.id, [{ course: '00012' }, { course: '00015' }])).items[0];
    assertError(await decide(w.staff, first.id, { decision: 'reject' }), 400, 'missing_field', 'reason');
    assertError(await decide(w.staff, first.id, { decision: 'reject', reason: '' }), 400, 'missing_field', 'reason');
    assert.equal((await mine(L.client))[0].status, 'pending');
    assert.ok((await queue(w.staff)).some((i) => i.id === first.id));

    const res = await decide(w.staff, first.id, { decision: 'reject', reason: '证书编号无法核验' });
    assertStatus(res, 200);
    assert.deepEqual(res.json, { id: first.id, status: 'rejected' });
    const report = await audit(L.client, p.programme.id);
    for (const code of ['00012', '00015']) {
      assert.equal(course(report, code).status, 'available', code);
      assert.deepEqual(course(report, code).outcome_ids, [L.cert], code);
      assert.equal(course(report, code).transfer_id, undefined, code);
    }
    assert.equal(report.credits.pending_milli, 0);
    assert.deepEqual(await transferCredits(L.client), []);

    const again = (await applyOk(L.client, p.programme.id, [{ course: '00015' }, { course: '00012' }])).items[0];
    assert.notEqual(again.id, first.id);
    assert.equal(again.status, 'pending');
    assert.deepEqual(again.sources, [L.cert]);
    assert.deepEqual(again.grants.map((g) => g.course).sort(), ['00012', '00015']);

    // The learner follows both, newest first, the rejected one with its reason.
    const items = await mine(L.client);
    assert.deepEqual(items.map((i) => [i.id, i.status, i.reason]), [[again.id, 'pending', null], [first.id, 'rejected', '证书编号无法核验']]);
    const rejected = items[1];
    assert.equal(rejected.programme_id, p.programme.id);
    assert.equal(rejected.programme_name, p.programme.name);
    assert.equal(rejected.rule_id, p.cetRule);
    assert.equal(rejected.rule_name, CET4_RULE.name);
    assert.deepEqual(rejected.sources, [L.cert]);
    assert.equal(rejected.credits_milli, 6000);
    assert.ok(rejected.decided_at);
    assertError(await decide(w.staff, first.id, { decision: 'approve' }), 409, 'not_pending');
    // Nobody else sees them.
    const stranger = await registerCitizen();
    assert.deepEqual(await mine(stranger.client), []);
  });

  test('an approval after a source outcome was revoked is 409 revoked, and the item stays pending', async () => {
    const L = await learner(w);
    const item = (await applyOk(L.client, p.programme.id, [{ course: '00012' }, { course: '00015' }])).items[0];
    const revoked = await w.collegeStaff.post(`/api/v1/ledger/outcomes/${L.cert}/revocation`, { reason: '证书系伪造' });
    assertStatus(revoked, 201);
    assertError(await decide(w.staff, item.id, { decision: 'approve' }), 409, 'revoked');
    assert.equal((await mine(L.client)).find((i) => i.id === item.id).status, 'pending');
    const waiting = (await queue(w.staff)).find((i) => i.id === item.id);
    assert.ok(waiting, 'the item is still in the queue');
    assert.equal(waiting.status, 'pending');
    assert.deepEqual(waiting.source_outcomes, [{ outcome_id: L.cert, is_revoked: true }]);
    assert.deepEqual(await transferCredits(L.client), []);
    // It can still be rejected.
    assertStatus(await decide(w.staff, item.id, { decision: 'reject', reason: '来源成果已撤销' }), 200);
    assert.equal((await mine(L.client)).find((i) => i.id === item.id).status, 'rejected');
  });
});

describe('certification units', () => {
  let w;
  before(async () => {
    w = await world();
  });

  const unit = (over = {}) => ({
    code: `CU-${crypto.randomBytes(4).toString('hex').toUpperCase()}`, name: '低压电工作业', name_en: 'Low-voltage electrical work',
    level: 4, credits_milli: 2000,
    outcomes: ['能按规程完成低压配电线路的安装与检修', '能识别并排除常见电气安全隐患'],
    assessment: '理论考试（闭卷，60 分及格）与实操考核', ...over,
  });

  async function codes(client, q) {
    const res = await client.get(`${UNITS}?q=${encodeURIComponent(q)}`);
    assertStatus(res, 200);
    return res.json.items.map((u) => [u.code, u.status]);
  }

  test('staff publish a unit: 201 pending; the same code again is 409 conflict on code; outcomes [] is refused', async () => {
    const body = unit();
    const mark = await auditMark(w.city);
    const res = await w.staff.post(UNITS, body);
    assertStatus(res, 201);
    assert.match(res.json.id, UUID);
    assert.equal(res.json.status, 'pending');
    assert.equal(res.json.institution_id, w.university.id);
    assert.equal(res.json.institution_name, w.university.name);
    for (const k of ['code', 'name', 'name_en', 'level', 'credits_milli', 'assessment']) assert.equal(res.json[k], body[k], k);
    assert.deepEqual(res.json.outcomes, body.outcomes);
    const trail = (await auditSince(w.city, mark)).filter((r) => r.action.startsWith('cert_unit.'));
    assert.deepEqual(trail.map((r) => [r.action, r.target_id]), [['cert_unit.publish', res.json.id]]);

    assertError(await w.admin.post(UNITS, unit({ code: body.code, name: '另一单元' })), 409, 'conflict', 'code');
    // Unique in the city, not per institution.
    assertError(await w.collegeStaff.post(UNITS, unit({ code: body.code })), 409, 'conflict', 'code');
    const empty = unit({ outcomes: [] });
    assertError(await w.staff.post(UNITS, empty), 400, 'missing_field', 'outcomes');
    assert.deepEqual(await codes(w.city, empty.code), []);
    assertError(await w.staff.post(UNITS, unit({ level: 0 })), 400, 'out_of_range', 'level');
    assertError(await w.staff.post(UNITS, { ...unit(), colour: 'red' }), 400, 'unknown_field', 'colour');
    const noAssessment = unit();
    delete noAssessment.assessment;
    assertError(await w.staff.post(UNITS, noAssessment), 400, 'missing_field', 'assessment');
    assert.deepEqual(await codes(w.city, body.code), [[body.code, 'pending']]);
  });

  test('a code no rule could name, an empty name or assessment, a blank or overlong outcome: 400 at the field, nothing stored', async () => {
    const cases = [
      [{ code: 'A B*' }, 'invalid_value', 'code'],
      [{ code: '' }, 'invalid_value', 'code'],
      [{ name: '' }, 'missing_field', 'name'],
      [{ assessment: '' }, 'missing_field', 'assessment'],
      [{ outcomes: ['能完成配电线路的安装', '   '] }, 'invalid_value', 'outcomes[1]'],
      [{ outcomes: ['长'.repeat(201)] }, 'too_long', 'outcomes[0]'],
    ];
    const before = (await w.city.get(UNITS)).json.items.length;
    for (const [over, code, field] of cases) assertError(await w.staff.post(UNITS, unit(over)), 400, code, field);
    assert.equal((await w.city.get(UNITS)).json.items.length, before, 'nothing stored');
    // 200 characters is the most an outcome may have.
    assertStatus(await w.staff.post(UNITS, unit({ outcomes: ['长'.repeat(200)] })), 201);
  });

  test('?institution= keeps to one publisher\'s units', async () => {
    const mine = await w.staff.post(UNITS, unit());
    const theirs = await w.collegeStaff.post(UNITS, unit());
    assertStatus(mine, 201);
    assertStatus(theirs, 201);
    const ids = async (client, institution) =>
      (await client.get(`${UNITS}?institution=${institution}`)).json.items.map((u) => u.id);
    const university = await ids(w.city, w.university.id);
    assert.ok(university.includes(mine.json.id));
    assert.ok(!university.includes(theirs.json.id));
    assert.ok((await ids(w.city, w.college.id)).includes(theirs.json.id));
    // Staff still see only approved units of another institution.
    assert.ok(!(await ids(w.staff, w.college.id)).includes(theirs.json.id));
  });

  test('a citizen may not publish (403); nothing is stored', async () => {
    const citizen = (await registerCitizen()).client;
    const body = unit();
    assertError(await citizen.post(UNITS, body), 403, 'forbidden');
    assertError(await w.city.post(UNITS, body), 403, 'forbidden');
    assert.deepEqual(await codes(w.city, body.code), []);
  });

  test('a unit is public only once the city approves it; until then its institution and the city see it pending', async () => {
    const body = unit();
    const published = await w.staff.post(UNITS, body);
    assertStatus(published, 201);
    const id = published.json.id;
    const citizen = (await registerCitizen()).client;
    assert.deepEqual(await codes(citizen, body.code), []);
    assert.deepEqual(await codes(w.collegeStaff, body.code), []);
    assert.deepEqual(await codes(w.staff, body.code), [[body.code, 'pending']]);
    assert.deepEqual(await codes(w.city, body.code), [[body.code, 'pending']]);
    assertError(await w.staff.post(`${UNITS}/${id}/decision`, { decision: 'approve' }), 403, 'forbidden');
    assert.deepEqual(await codes(citizen, body.code), []);

    const res = await w.city.post(`${UNITS}/${id}/decision`, { decision: 'approve' });
    assertStatus(res, 200);
    assert.deepEqual(res.json, { id, status: 'approved' });
    assert.deepEqual(await codes(citizen, body.code), [[body.code, 'approved']]);
    assert.deepEqual(await codes(w.collegeStaff, body.code), [[body.code, 'approved']]);
    const listed = (await citizen.get(`${UNITS}?q=${body.code}`)).json.items[0];
    assert.equal(listed.id, id);
    assert.deepEqual(listed.outcomes, body.outcomes);
    assert.ok(listed.decided_at);
    // By a part of the name as well.
    assert.ok((await citizen.get(`${UNITS}?q=${encodeURIComponent('低压电工')}`)).json.items.some((u) => u.id === id));
    assert.ok((await citizen.get(`${UNITS}?status=approved`)).json.items.some((u) => u.id === id));
    assertError(await citizen.get(`${UNITS}?status=maybe`), 400, 'bad_query', 'status');
    assertError(await w.city.post(`${UNITS}/${id}/decision`, { decision: 'approve' }), 409, 'not_pending');
    assertError(await w.city.post(`${UNITS}/${id}/decision`, { decision: 'reject', reason: '重复' }), 409, 'not_pending');
  });

  test('a rejection needs a reason; a rejected unit stays out of the public list; deciding it again is 409 not_pending', async () => {
    const body = unit();
    const published = await w.staff.post(UNITS, body);
    assertStatus(published, 201);
    const id = published.json.id;
    assertError(await w.city.post(`${UNITS}/${id}/decision`, { decision: 'reject' }), 400, 'missing_field', 'reason');
    assert.deepEqual(await codes(w.city, body.code), [[body.code, 'pending']]);
    const res = await w.city.post(`${UNITS}/${id}/decision`, { decision: 'reject', reason: '考核方式不明确' });
    assertStatus(res, 200);
    assert.deepEqual(res.json, { id, status: 'rejected' });
    const own = (await w.staff.get(`${UNITS}?q=${body.code}`)).json.items;
    assert.deepEqual(own.map((u) => [u.id, u.status, u.reason]), [[id, 'rejected', '考核方式不明确']]);
    const citizen = (await registerCitizen()).client;
    assert.deepEqual(await codes(citizen, body.code), []);
    assertError(await w.city.post(`${UNITS}/${id}/decision`, { decision: 'approve' }), 409, 'not_pending');
    assertError(await w.city.post(`${UNITS}/${crypto.randomUUID()}/decision`, { decision: 'approve' }), 404, 'not_found');
  });
});

describe('the city\'s statistics', () => {
  let w;
  before(async () => {
    w = await world();
  });

  async function stats(client) {
    const res = await client.get('/api/v1/transfer/stats');
    assertStatus(res, 200);
    return res.json;
  }
  const kindCount = (s, kind) => s.kinds.find((k) => k.kind === kind) ?? { kind, approved_items: 0, outcomes: 0 };

  test('items by programme and status, and approved ones by the kind of outcome they used; staff get 403', async () => {
    const p = await overpass(w);
    const before = await stats(w.city);
    assert.ok(!before.programmes.some((x) => x.id === p.programme.id));

    // Learner A: both items approved. Learner B: the course item waits, the group item is rejected.
    const A = await learner(w);
    const B = await learner(w);
    const a1 = (await applyOk(A.client, p.programme.id, [{ course: '00012' }, { course: '00015' }])).items[0];
    const a2 = (await applyOk(A.client, p.programme.id, [{ group: 'elective', rule_id: p.communityRule }])).items[0];
    await applyOk(B.client, p.programme.id, [{ course: '00012' }, { course: '00015' }]);
    const b2 = (await applyOk(B.client, p.programme.id, [{ group: 'elective', rule_id: p.communityRule }])).items[0];
    assertStatus(await decide(w.staff, a1.id, { decision: 'approve' }), 200);
    assertStatus(await decide(w.staff, a2.id, { decision: 'approve' }), 200);
    assertStatus(await decide(w.staff, b2.id, { decision: 'reject', reason: '学时证明不清' }), 200);

    const after = await stats(w.city);
    const mineNow = after.programmes.find((x) => x.id === p.programme.id);
    assert.ok(mineNow, JSON.stringify(after.programmes));
    assert.equal(mineNow.name, p.programme.name);
    assert.equal(mineNow.institution_name, w.university.name);
    assert.match(w.university.name_en, /^Open University /);
    assert.equal(mineNow.institution_name_en, w.university.name_en);
    assert.deepEqual(mineNow.items, {
      approved: { count: 2, credits_milli: 7000 },
      pending: { count: 1, credits_milli: 6000 },
      rejected: { count: 1, credits_milli: 1000 },
    });
    assert.deepEqual(mineNow.kinds, { community_education: 1, vocational_certificate: 1 });
    const delta = (kind) => {
      const x = kindCount(after, kind), y = kindCount(before, kind);
      return [x.approved_items - y.approved_items, x.outcomes - y.outcomes];
    };
    assert.deepEqual(delta('vocational_certificate'), [1, 1]);
    assert.deepEqual(delta('community_education'), [1, 2]);
    assert.deepEqual(delta('academic_credit'), [0, 0]);

    // The auditor reads the same figures; nobody else does.
    assert.deepEqual(await stats(w.auditor), after);
    assertError(await w.staff.get('/api/v1/transfer/stats'), 403, 'forbidden');
    assertError(await w.admin.get('/api/v1/transfer/stats'), 403, 'forbidden');
    assertError(await A.client.get('/api/v1/transfer/stats'), 403, 'forbidden');
  });
});
