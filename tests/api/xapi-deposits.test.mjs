// Completions of certification units deposited in the credit bank (docs/lrs.md, "Completions
// deposited in the credit bank"; src/lrs/deposit_db.c): a completed or passed statement from a
// trusted client, about a person with a lifelong account, whose activity is HOME/units/CODE for an
// approved unit of the client's own institution, becomes that institution's outcome (code, name,
// level, credits, hours of the duration, the score or a pass, China dates, external id
// xapi:<statement id>) through the entry standard of its kind, a moment later by the background
// worker. Every such statement's fate (stored, pending, refused with the code) is listed at
// GET /api/v1/lrs/deposits for the institution's staff; what does not qualify (an untrusted
// client, another verb or activity, an unlinked actor, voiding) is neither listed nor deposited,
// and the same statement again deposits nothing more. This file turns the elder_education
// standard to manual review for one test and puts it back as it found it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  ADL, CHANGNING, XUHUI, accountActor, anon, assertError, assertStatus, createInstitution, createStaff, registerCitizen,
  signInFixture, waitFor,
} from './lib.mjs';
import { Xapi } from './xapi-lib.mjs';

const HOME = 'https://lifelong.sh.cn';
const UNITS = '/api/v1/transfer/units';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const ELDER = 'elder_education';

const unitIri = (code) => `${HOME}/units/${code}`;

// A statement that the learner (account number) did verb to the activity; result as given.
function statement(acct, activity, { verb = 'completed', result, timestamp = '2025-03-10T17:30:00Z', actor } = {}) {
  const s = {
    id: crypto.randomUUID(),
    actor: actor ?? accountActor(acct),
    verb: { id: `${ADL}${verb}`, display: { 'en-US': verb } },
    object: { objectType: 'Activity', id: activity, definition: { name: { 'zh-CN': '认证单元' } } },
    timestamp,
  };
  if (result) s.result = result;
  return s;
}

async function send(xapi, list) {
  const res = await xapi.post('/xapi/statements', list);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, list.map((s) => s.id));
}

// The institution's list of completions and what each gave.
async function deposits(staff) {
  const res = await staff.get('/api/v1/lrs/deposits');
  assertStatus(res, 200);
  assert.deepEqual(Object.keys(res.json), ['items'], res.text);
  return res.json.items;
}

const listed = (staff, id) =>
  waitFor(`statement ${id} in the deposits list`, async () => (await deposits(staff)).find((d) => d.statement_id === id));

async function transcript(citizen) {
  const res = await citizen.get('/api/v1/me/transcript?include_revoked=true');
  assertStatus(res, 200);
  return res.json.items;
}

// Every submission the institution's staff see, with its external id.
async function submissions(staff, query = '') {
  const res = await staff.get(`/api/v1/ledger/submissions?limit=500${query}`);
  assertStatus(res, 200);
  assert.equal(res.json.next ?? null, null, 'more submissions than one page holds');
  return res.json.items;
}

const ext = (id) => `xapi:${id}`;

// Asserts that no statement of ids left anything in any of the institutions' submissions.
async function assertNoSubmissions(staffs, ids) {
  const want = new Set(ids.map(ext));
  for (const staff of staffs) {
    const found = (await submissions(staff)).filter((s) => want.has(s.external_id));
    assert.deepEqual(found.map((s) => s.external_id), [], 'submissions of statements that should have deposited nothing');
  }
}

// One world for the file: a training institution T (non-degree training, accepted automatically)
// with a trusted and an untrusted client; another training institution B with a trusted client;
// an elder university E (elder education) with a trusted client; units of each, approved or not.
let worldPromise;
function world() {
  worldPromise ??= (async () => {
    const city = await signInFixture('fx-city-admin');
    const t = await createInstitution(city, XUHUI, 'training_institution');
    const b = await createInstitution(city, CHANGNING, 'training_institution');
    const e = await createInstitution(city, XUHUI, 'elder_university');
    const adminT = await createStaff(city, 'institution_admin', t.id);
    const staffT = await createStaff(adminT, 'staff', t.id);
    const adminB = await createStaff(city, 'institution_admin', b.id);
    const staffB = await createStaff(adminB, 'staff', b.id);
    const adminE = await createStaff(city, 'institution_admin', e.id);
    const staffE = await createStaff(adminE, 'staff', e.id);
    const reviewer = await createStaff(city, 'reviewer');

    const client = async (admin, name, isTrusted) => {
      const res = await admin.post('/api/v1/lrs/clients', isTrusted === undefined ? { name } : { name, is_trusted: isTrusted });
      assertStatus(res, 201);
      assert.equal(res.json.is_trusted, isTrusted === true, res.text);
      return new Xapi(res.json.key, res.json.secret);
    };
    const xT = await client(adminT, '职业培训学习平台', true);
    const untrustedT = await client(adminT, '职业培训试用平台', undefined);
    const falseT = await client(adminT, '职业培训另一平台', false);
    const xB = await client(adminB, '长宁培训学习平台', true);
    const xE = await client(adminE, '老年大学慕课', true);

    // Publishes a unit as staff; decision: 'approve', 'reject' or none (pending).
    const unit = async (staff, decision, over = {}) => {
      const body = {
        code: `CU-${crypto.randomBytes(4).toString('hex').toUpperCase()}`, name: '低压电工作业', name_en: 'Low-voltage electrical work',
        level: 4, credits_milli: 2000, outcomes: ['能按规程完成低压配电线路的安装与检修'], assessment: '理论考试与实操考核', ...over,
      };
      const res = await staff.post(UNITS, body);
      assertStatus(res, 201);
      if (decision) {
        const d = await city.post(`${UNITS}/${res.json.id}/decision`, decision === 'approve' ? { decision } : { decision, reason: '考核方式不明确' });
        assertStatus(d, 200);
      }
      return body;
    };
    const units = {
      t: await unit(staffT, 'approve', { name: '可编程控制器应用', level: 5, credits_milli: 2500 }),
      tPending: await unit(staffT, null),
      tRejected: await unit(staffT, 'reject'),
      b: await unit(staffB, 'approve', { name: '电工安全操作', level: 3, credits_milli: 1500 }),
      e: await unit(staffE, 'approve', { name: '老年人智能手机应用', level: 2, credits_milli: 1000 }),
    };
    const sentinel = await registerCitizen();
    return { city, t, b, e, adminT, staffT, adminB, staffB, adminE, staffE, reviewer, xT, untrustedT, falseT, xB, xE, units, sentinel };
  })();
  return worldPromise;
}

// Waits until the worker has looked at every statement stored before now: sends a completion
// the worker must list (refused: the learner did not succeed, so it deposits nothing) and waits
// for it. The worker takes statements in the order they were stored.
async function settle(w) {
  const s = statement(w.sentinel.account.account_no, unitIri(w.units.t.code), { result: { success: false, duration: 'PT2H' } });
  await send(w.xT, [s]);
  const d = await listed(w.staffT, s.id);
  assert.equal(d.error_code, 'not_succeeded');
}

describe('completions of certification units deposited in the credit bank', () => {
  let w, elderOriginal;
  before(async () => {
    w = await world();
  });
  after(async () => {
    if (!elderOriginal) return;
    const now = (await anon().get(`/api/v1/ledger/standards/${ELDER}`)).json.items[0];
    if (JSON.stringify(now.rules) !== JSON.stringify(elderOriginal.rules))
      assertStatus(await w.city.put(`/api/v1/ledger/standards/${ELDER}`, elderOriginal.rules), 201);
  });

  test('a trusted client\'s completion of its approved unit is stored as a non-degree training with the unit, hours, score and China dates', async () => {
    const learner = await registerCitizen();
    const acct = learner.account.account_no;
    // 17:30 UTC is 01:30 the next day in China; less 2 h 30 min it is still the day before there.
    const s = statement(acct, unitIri(w.units.t.code), {
      result: { success: true, completion: true, score: { scaled: 0.86 }, duration: 'PT2H30M' }, timestamp: '2025-03-10T17:30:00Z',
    });
    await send(w.xT, [s]);
    const d = await waitFor('the completion stored', async () => {
      const x = (await deposits(w.staffT)).find((i) => i.statement_id === s.id);
      return x && x.status !== 'pending' ? x : null;
    });
    assert.deepEqual(Object.keys(d).sort(), ['created_at', 'detail', 'error_code', 'outcome_id', 'person', 'statement_id', 'status', 'unit_code']);
    assert.equal(d.status, 'stored', JSON.stringify(d));
    assert.equal(d.unit_code, w.units.t.code);
    assert.equal(d.error_code, null);
    assert.equal(d.detail, null);
    assert.match(d.outcome_id, UUID);
    assert.match(d.created_at, RFC3339);
    assert.deepEqual(d.person, { account_no: acct, name: learner.account.name });
    // The institution admin sees the same list as its staff.
    assert.deepEqual((await deposits(w.adminT)).find((i) => i.statement_id === s.id), d);

    // The learner's transcript holds it, as the institution's outcome.
    const items = await transcript(learner.client);
    assert.equal(items.length, 1, JSON.stringify(items));
    const o = items[0];
    assert.equal(o.outcome_id, d.outcome_id);
    assert.equal(o.status, 'stored');
    assert.equal(o.kind, 'non_degree_training');
    assert.equal(o.title, '可编程控制器应用');
    assert.equal(o.code, w.units.t.code);
    assert.equal(o.level, 5);
    assert.equal(o.credits_milli, 2500);
    assert.equal(o.hours_milli, 2500);
    assert.equal(o.result_kind, 'score');
    assert.equal(o.result, '86.0');
    assert.equal(o.started_on, '2025-03-10');
    assert.equal(o.awarded_on, '2025-03-11');
    assert.equal(o.institution.id, w.t.id);
    assert.equal(o.institution.name, w.t.name);

    // The institution's view: the person's transcript as its staff see it, the entry and the submission.
    const staffView = await w.staffT.get(`/api/v1/accounts/${learner.account.id}/transcript`);
    assertStatus(staffView, 200);
    assert.deepEqual(staffView.json.items.map((i) => i.outcome_id), [d.outcome_id]);
    const entry = await w.staffT.get(`/api/v1/ledger/entries/${d.outcome_id}`);
    assertStatus(entry, 200);
    assert.equal(entry.json.entry.external_id, ext(s.id));
    assert.equal(entry.json.entry.institution_id, w.t.id);
    assert.equal(entry.json.entry.kind, 'non_degree_training');
    const subs = (await submissions(w.staffT)).filter((x) => x.external_id === ext(s.id));
    assert.equal(subs.length, 1);
    const sub = subs[0];
    assert.equal(sub.status, 'stored');
    assert.equal(sub.outcome_id, d.outcome_id);
    assert.equal(sub.institution.id, w.t.id);
    assert.equal(sub.person.account_no, acct);
    assert.deepEqual(
      [sub.kind, sub.title, sub.code, sub.level, sub.credits_milli, sub.hours_milli, sub.result_kind, sub.result, sub.started_on, sub.awarded_on],
      ['non_degree_training', '可编程控制器应用', w.units.t.code, 5, 2500, 2500, 'score', '86.0', '2025-03-10', '2025-03-11'],
    );
    // Another institution, which deposited nothing for the person, sees nothing of them.
    assertError(await w.staffB.get(`/api/v1/accounts/${learner.account.id}/transcript`), 404, 'not_found');
  });

  test('passed without a score deposits a pass; a scaled score is a percentage with one decimal; dates follow the timestamp\'s offset', async () => {
    const learner = await registerCitizen();
    const acct = learner.account.account_no;
    // 00:30 in China on 1 June, less 1 h 30 min: 31 May there (16:30 UTC on 31 May, 23:00 China).
    const pass = statement(acct, unitIri(w.units.t.code), { verb: 'passed', result: { duration: 'PT1H30M' }, timestamp: '2025-06-01T00:30:00+08:00' });
    const score = statement(acct, unitIri(w.units.t.code), {
      result: { success: true, score: { scaled: 0.8567, raw: 85.67, min: 0, max: 100 }, duration: 'PT16H' }, timestamp: '2025-09-20T04:00:00Z',
    });
    await send(w.xT, [pass, score]);
    const dPass = await listed(w.staffT, pass.id);
    const dScore = await listed(w.staffT, score.id);
    assert.equal(dPass.status, 'stored', JSON.stringify(dPass));
    assert.equal(dScore.status, 'stored', JSON.stringify(dScore));
    const items = await transcript(learner.client);
    assert.deepEqual(items.map((i) => i.outcome_id).sort(), [dPass.outcome_id, dScore.outcome_id].sort());
    const p = items.find((i) => i.outcome_id === dPass.outcome_id);
    assert.deepEqual(
      [p.kind, p.code, p.credits_milli, p.hours_milli, p.result_kind, p.result, p.started_on, p.awarded_on],
      ['non_degree_training', w.units.t.code, 2500, 1500, 'pass', 'pass', '2025-05-31', '2025-06-01'],
    );
    const sc = items.find((i) => i.outcome_id === dScore.outcome_id);
    assert.deepEqual(
      [sc.hours_milli, sc.result_kind, sc.result, sc.started_on, sc.awarded_on],
      [16000, 'score', '85.7', '2025-09-19', '2025-09-20'],
    );
    for (const [d, s] of [[dPass, pass], [dScore, score]]) {
      const entry = await w.staffT.get(`/api/v1/ledger/entries/${d.outcome_id}`);
      assertStatus(entry, 200);
      assert.equal(entry.json.entry.external_id, ext(s.id));
    }
  });

  test('the same statement sent again (same id) deposits nothing more', async () => {
    const learner = await registerCitizen();
    const s = statement(learner.account.account_no, unitIri(w.units.t.code), { result: { success: true, duration: 'PT3H' } });
    await send(w.xT, [s]);
    const d = await listed(w.staffT, s.id);
    assert.equal(d.status, 'stored', JSON.stringify(d));
    const before = await transcript(learner.client);
    assert.equal(before.length, 1);

    const again = await w.xT.post('/xapi/statements', [s]);
    assert.ok(again.status === 204 || again.status === 200, `${again.status} ${again.text}`);
    assert.equal((await w.xT.put(`/xapi/statements?statementId=${s.id}`, s)).status, 204);
    await settle(w);
    assert.deepEqual((await deposits(w.staffT)).filter((i) => i.statement_id === s.id), [d]);
    assert.deepEqual(await transcript(learner.client), before);
    assert.equal((await submissions(w.staffT)).filter((x) => x.external_id === ext(s.id)).length, 1);
  });

  test('result.success false is refused with not_succeeded, and nothing is deposited', async () => {
    const learner = await registerCitizen();
    const s = statement(learner.account.account_no, unitIri(w.units.t.code), {
      result: { success: false, score: { scaled: 0.35 }, duration: 'PT2H' },
    });
    await send(w.xT, [s]);
    const d = await listed(w.staffT, s.id);
    assert.equal(d.status, 'refused');
    assert.equal(d.error_code, 'not_succeeded');
    assert.equal(typeof d.detail, 'string');
    assert.ok(d.detail.length > 0);
    assert.equal(d.outcome_id, null);
    assert.equal(d.unit_code, w.units.t.code);
    assert.deepEqual(d.person, { account_no: learner.account.account_no, name: learner.account.name });
    assert.deepEqual(await transcript(learner.client), []);
    await assertNoSubmissions([w.staffT], [s.id]);
  });

  test('a unit not yet approved, a rejected one, an unknown code and another institution\'s approved unit are refused with not_found; nothing is deposited', async () => {
    const learner = await registerCitizen();
    const acct = learner.account.account_no;
    const result = { success: true, score: { scaled: 0.9 }, duration: 'PT4H' };
    const unknown = `CU-NONE${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
    const cases = [
      [w.units.tPending.code, statement(acct, unitIri(w.units.tPending.code), { result })],
      [w.units.tRejected.code, statement(acct, unitIri(w.units.tRejected.code), { result })],
      [unknown, statement(acct, unitIri(unknown), { result })],
      [w.units.b.code, statement(acct, unitIri(w.units.b.code), { result })],
    ];
    await send(w.xT, cases.map(([, s]) => s));
    for (const [code, s] of cases) {
      const d = await listed(w.staffT, s.id);
      assert.equal(d.status, 'refused', `${code}: ${JSON.stringify(d)}`);
      assert.equal(d.error_code, 'not_found', code);
      assert.equal(d.unit_code, code);
      assert.equal(d.outcome_id, null, code);
      assert.equal(typeof d.detail, 'string', code);
      assert.ok(d.detail.length > 0, code);
    }
    assert.deepEqual(await transcript(learner.client), []);
    const ids = cases.map(([, s]) => s.id);
    await assertNoSubmissions([w.staffT, w.staffB], ids);
    // The unit's own institution lists nothing of another's client.
    assert.deepEqual((await deposits(w.staffB)).filter((i) => ids.includes(i.statement_id)), []);
  });

  test('a non-degree training without result.duration is refused by the entry standard (hours required) with its error code', async () => {
    const learner = await registerCitizen();
    const noDuration = statement(learner.account.account_no, unitIri(w.units.t.code), { result: { success: true, score: { scaled: 0.9 } } });
    const noResult = statement(learner.account.account_no, unitIri(w.units.t.code), { verb: 'passed' });
    await send(w.xT, [noDuration, noResult]);
    for (const s of [noDuration, noResult]) {
      const d = await listed(w.staffT, s.id);
      assert.equal(d.status, 'refused', JSON.stringify(d));
      assert.equal(d.error_code, 'missing_field', JSON.stringify(d));
      assert.match(d.detail, /hours_milli/);
      assert.equal(d.outcome_id, null);
    }
    // The same outcome deposited by hand without hours is refused with the same code and field.
    const byHand = await w.staffT.post('/api/v1/ledger/outcomes', {
      account_no: learner.account.account_no, kind: 'non_degree_training', title: '可编程控制器应用', started_on: '2025-03-10', awarded_on: '2025-03-10',
    });
    assertError(byHand, 400, 'missing_field', 'hours_milli');
    assert.deepEqual(await transcript(learner.client), []);
    await assertNoSubmissions([w.staffT], [noDuration.id, noResult.id]);
  });

  test('under a standard with manual review the completion waits as pending (elder education of an elder university) until a reviewer approves it', async () => {
    const std = await anon().get(`/api/v1/ledger/standards/${ELDER}`);
    assertStatus(std, 200);
    elderOriginal = std.json.items[0];
    assert.ok(elderOriginal.rules.institution_types.includes('elder_university'));
    assertStatus(await w.city.put(`/api/v1/ledger/standards/${ELDER}`, { ...elderOriginal.rules, review: 'manual' }), 201);

    const learner = await registerCitizen();
    const acct = learner.account.account_no;
    const s = statement(acct, unitIri(w.units.e.code), { result: { completion: true, duration: 'PT12H' }, timestamp: '2025-11-03T02:00:00Z' });
    await send(w.xE, [s]);
    const d = await listed(w.staffE, s.id);
    assert.equal(d.status, 'pending', JSON.stringify(d));
    assert.equal(d.error_code, null);
    assert.equal(d.outcome_id, null);
    assert.equal(d.unit_code, w.units.e.code);
    // Back to how it was before anything else deposits elder education.
    assertStatus(await w.city.put(`/api/v1/ledger/standards/${ELDER}`, elderOriginal.rules), 201);

    assert.deepEqual(await transcript(learner.client), []);
    const pending = (await submissions(w.staffE, '&status=pending')).filter((x) => x.external_id === ext(s.id));
    assert.equal(pending.length, 1);
    const sub = pending[0];
    assert.deepEqual(
      [sub.status, sub.kind, sub.title, sub.code, sub.level, sub.credits_milli, sub.hours_milli, sub.result_kind, sub.result, sub.started_on, sub.awarded_on],
      ['pending', ELDER, '老年人智能手机应用', w.units.e.code, 2, 1000, 12000, 'pass', 'pass', '2025-11-02', '2025-11-03'],
    );
    assert.equal(sub.person.account_no, acct);
    assert.equal(sub.institution.id, w.e.id);

    const ok = await w.reviewer.post(`/api/v1/ledger/submissions/${sub.id}/decision`, { decision: 'approve' });
    assertStatus(ok, 200);
    const items = await transcript(learner.client);
    assert.equal(items.length, 1);
    assert.deepEqual([items[0].kind, items[0].code, items[0].institution.id, items[0].result], [ELDER, w.units.e.code, w.e.id, 'pass']);
    // The list follows the review: the completion is stored now, with its outcome.
    const after = (await deposits(w.staffE)).find((x) => x.statement_id === s.id);
    assert.equal(after.status, 'stored', JSON.stringify(after));
    assert.equal(after.outcome_id, items[0].outcome_id ?? items[0].id);
  });

  test('untrusted clients, other verbs, other activities, unlinked actors and voiding are not listed and deposit nothing', async () => {
    const learner = await registerCitizen();
    const acct = learner.account.account_no;
    const iri = unitIri(w.units.t.code);
    const result = { success: true, score: { scaled: 0.9 }, duration: 'PT2H' };
    const target = statement(acct, `https://learn.shlll.cn/live/${crypto.randomUUID()}`, { verb: 'experienced' });
    const voidedCompletion = statement(acct, iri, { result });
    const cases = {
      // The same institution's clients that were not marked trusted.
      untrusted: [w.untrustedT, statement(acct, iri, { result })],
      notTrusted: [w.falseT, statement(acct, iri, { verb: 'passed', result })],
      experienced: [w.xT, statement(acct, iri, { verb: 'experienced', result })],
      attended: [w.xT, statement(acct, iri, { verb: 'attended', result })],
      otherActivity: [w.xT, statement(acct, `https://learn.shlll.cn/units/${w.units.t.code}`, { result })],
      courseActivity: [w.xT, statement(acct, `${HOME}/courses/${w.units.t.code}`, { result })],
      // IRIs are case-sensitive: the unit's IRI in capitals is another activity, on both engines.
      upperCaseActivity: [w.xT, statement(acct, `${HOME.toUpperCase()}/UNITS/${w.units.t.code}`, { result })],
      // A lesson of the unit is a part of it, not the unit.
      lessonOfUnit: [w.xT, statement(acct, `${HOME}/units/${w.units.t.code}/lesson-1`, { result })],
      mbox: [w.xT, statement(acct, iri, { result, actor: { objectType: 'Agent', mbox: `mailto:li-${crypto.randomBytes(4).toString('hex')}@example.cn` } })],
      otherHomePage: [w.xT, statement(acct, iri, { result, actor: { objectType: 'Agent', account: { homePage: 'https://learn.shlll.cn', name: acct } } })],
      unknownAccount: [w.xT, statement(acct, iri, { result, actor: accountActor(`${acct.slice(0, -4)}0000`) })],
      experiencedTarget: [w.xT, target],
      voiding: [w.xT, {
        id: crypto.randomUUID(), actor: accountActor(acct), verb: { id: `${ADL}voided`, display: { 'en-US': 'voided' } },
        object: { objectType: 'StatementRef', id: target.id },
      }],
    };
    // A completion voided in the batch that stores it is never looked at either.
    const voidingOfCompletion = {
      id: crypto.randomUUID(), actor: accountActor(acct), verb: { id: `${ADL}voided`, display: { 'en-US': 'voided' } },
      object: { objectType: 'StatementRef', id: voidedCompletion.id },
    };
    for (const [name, [xapi, s]] of Object.entries(cases)) {
      const res = await xapi.post('/xapi/statements', [s]);
      assert.equal(res.status, 200, `${name}: ${res.text}`);
    }
    await send(w.xT, [voidedCompletion, voidingOfCompletion]);
    const voided = await w.xT.get(`/xapi/statements?voidedStatementId=${voidedCompletion.id}`);
    assertStatus(voided, 200);

    await settle(w);
    const ids = [...Object.values(cases).map(([, s]) => s.id), voidedCompletion.id, voidingOfCompletion.id];
    for (const staff of [w.staffT, w.staffB, w.staffE])
      assert.deepEqual((await deposits(staff)).filter((i) => ids.includes(i.statement_id)).map((i) => i.statement_id), []);
    assert.deepEqual(await transcript(learner.client), []);
    await assertNoSubmissions([w.staffT], ids);
  });

  test('each institution lists only its own completions: another institution\'s staff see none of them', async () => {
    const learner = await registerCitizen();
    const acct = learner.account.account_no;
    const mine = statement(acct, unitIri(w.units.t.code), { result: { success: true, duration: 'PT2H' } });
    const theirs = statement(acct, unitIri(w.units.b.code), { result: { success: true, duration: 'PT5H' } });
    await send(w.xT, [mine]);
    await send(w.xB, [theirs]);
    const dMine = await listed(w.staffT, mine.id);
    const dTheirs = await listed(w.staffB, theirs.id);
    assert.equal(dMine.status, 'stored', JSON.stringify(dMine));
    assert.equal(dTheirs.status, 'stored', JSON.stringify(dTheirs));
    assert.equal(dTheirs.unit_code, w.units.b.code);

    const listT = await deposits(w.staffT);
    const listB = await deposits(w.staffB);
    const listE = await deposits(w.staffE);
    const idsT = new Set(listT.map((i) => i.statement_id));
    const idsB = new Set(listB.map((i) => i.statement_id));
    assert.ok(listT.length >= 10, `T lists the completions of its client (${listT.length})`);
    assert.ok(!idsT.has(theirs.id));
    assert.ok(!idsB.has(mine.id));
    assert.deepEqual(listB.filter((i) => idsT.has(i.statement_id)), [], 'B sees none of T\'s completions');
    assert.deepEqual(listE.filter((i) => idsT.has(i.statement_id) || idsB.has(i.statement_id)), [], 'E sees none of T\'s or B\'s');
    // Newest first.
    const times = listT.map((i) => i.created_at);
    assert.deepEqual(times, [...times].sort().reverse());

    // Each institution's outcome is its own in the learner's transcript.
    const items = await transcript(learner.client);
    assert.deepEqual(
      items.map((i) => [i.outcome_id, i.institution.id, i.code, i.hours_milli]).sort(),
      [[dMine.outcome_id, w.t.id, w.units.t.code, 2000], [dTheirs.outcome_id, w.b.id, w.units.b.code, 5000]].sort(),
    );
  });

  test('a citizen gets 403 and nobody signed in 401', async () => {
    assertError(await w.sentinel.client.get('/api/v1/lrs/deposits'), 403, 'forbidden');
    assertError(await anon().get('/api/v1/lrs/deposits'), 401, 'unauthenticated');
  });
});
