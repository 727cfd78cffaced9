// The credit bank, review: kinds whose entry standard says "manual" wait as pending submissions
// until a reviewer approves (stored in the ledger), rejects or returns them (with a reason);
// a returned one is corrected and resubmitted by its depositor. Decisions are made once, one at a
// time or many at once, and only by reviewers.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  CHANGNING, XUHUI, assertError, assertStatus, createInstitution, createStaff, registerCitizen, signInFixture, sleep,
} from './lib.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const pdf = () => Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(200), Buffer.from('\n%%EOF\n')]);

async function uploadEvidence(staff) {
  const res = await staff.request('POST', '/api/v1/ledger/evidence?name=diploma.pdf', { body: pdf(), contentType: 'application/pdf' });
  assertStatus(res, 201);
  return res.json;
}

// An academic qualification (manual review, evidence required by the default standard).
const qualification = (acct, evidenceId, over = {}) => ({
  account_no: acct, kind: 'academic_qualification', title: '行政管理（专科）', code: '590201', level: 6,
  started_on: '2021-09-01', certificate_no: 'D' + crypto.randomInt(1e9), evidence_id: evidenceId, awarded_on: '2024-07-01', ...over,
});

describe('reviewing submissions', () => {
  let city, ou, staff, staffOther, reviewer, citizen, evidence;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    ou = await createInstitution(city, XUHUI, 'open_university');
    staff = await createStaff(city, 'staff', ou.id);
    const second = await createInstitution(city, CHANGNING, 'university');
    staffOther = await createStaff(city, 'staff', second.id);
    reviewer = await createStaff(city, 'reviewer');
    citizen = await registerCitizen();
    evidence = await uploadEvidence(staff);
  });

  const acct = () => citizen.account.account_no;

  async function depositPending(over = {}) {
    const res = await staff.post('/api/v1/ledger/outcomes', qualification(acct(), evidence.id, over));
    assertStatus(res, 201);
    assert.equal(res.json.status, 'pending');
    assert.equal(res.json.entry_id, null);
    assert.equal(res.json.outcome_id, null);
    return res.json.submission_id;
  }

  async function pendingQueue() {
    const res = await reviewer.get(`/api/v1/ledger/submissions?status=pending&institution=${ou.id}&limit=500`);
    assertStatus(res, 200);
    return res.json.items;
  }

  async function transcript() {
    const res = await citizen.client.get('/api/v1/me/transcript?include_revoked=true');
    assertStatus(res, 200);
    return res.json.items;
  }

  const get = async (id, who = reviewer) => {
    const res = await who.get(`/api/v1/ledger/submissions/${id}`);
    assertStatus(res, 200);
    return res.json;
  };

  test('an academic qualification waits as pending; the reviewer\'s queue lists it oldest first with age_s', async () => {
    const ids = [await depositPending(), await depositPending(), await depositPending()];
    const queue = await pendingQueue();
    const mine = queue.filter((s) => ids.includes(s.id));
    assert.deepEqual(mine.map((s) => s.id), ids, 'oldest first');
    for (const s of queue) {
      assert.equal(s.status, 'pending');
      assert.equal(s.institution.id, ou.id);
      assert.ok(Number.isInteger(s.age_s) && s.age_s >= 0, `age_s ${s.age_s}`);
    }
    const at = queue.map((s) => Date.parse(s.submitted_at));
    assert.deepEqual(at, [...at].sort((a, b) => a - b), 'submitted_at ascending');
    const one = await get(ids[0]);
    assert.equal(one.kind, 'academic_qualification');
    assert.equal(one.evidence_sha256, evidence.sha256);
    assert.equal(one.person.account_no, acct());
    // Nothing is in the ledger yet.
    assert.ok(!(await transcript()).some((i) => i.kind === 'academic_qualification' && ids.includes(i.entry_id)));
  });

  test('approving stores it: status stored, an entry, and the outcome in the citizen\'s transcript', async () => {
    const id = await depositPending({ title: '会计（专科）', code: '530302' });
    const res = await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'approve' });
    assertStatus(res, 200);
    assert.equal(res.json.id, id);
    assert.equal(res.json.status, 'stored');
    assert.match(res.json.entry_id, UUID);
    assert.equal(res.json.outcome_id, res.json.entry_id);
    assert.equal(res.json.decided_by, reviewer.user.id);
    assert.ok(res.json.decided_at);
    const item = (await transcript()).find((i) => i.outcome_id === res.json.outcome_id);
    assert.ok(item, 'the approved outcome is in the transcript');
    assert.equal(item.status, 'stored');
    assert.equal(item.title, '会计（专科）');
    assert.equal(item.evidence_sha256, evidence.sha256);
    assert.ok(!(await pendingQueue()).some((s) => s.id === id));
    const entry = await citizen.client.get(`/api/v1/ledger/entries/${res.json.entry_id}`);
    assertStatus(entry, 200);
    assert.equal(entry.json.entry.submission_id, id);
    assert.equal(entry.json.entry.op, 'deposit');
  });

  test('rejecting needs a reason (400 missing_field reason); with one it is rejected and stays out of the ledger', async () => {
    const id = await depositPending();
    assertError(await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'reject' }), 400, 'missing_field', 'reason');
    assert.equal((await get(id)).status, 'pending');
    const before = await transcript();
    const res = await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'reject', reason: '证书编号与学信网记录不符' });
    assertStatus(res, 200);
    assert.equal(res.json.status, 'rejected');
    assert.equal(res.json.decision_reason, '证书编号与学信网记录不符');
    assert.equal(res.json.entry_id, null);
    assert.deepEqual(await transcript(), before);
    assert.ok(!(await pendingQueue()).some((s) => s.id === id));
  });

  test('returning needs a reason; the depositor resubmits with PUT and it is pending again, then approved', async () => {
    const id = await depositPending({ title: '工商管理（专科）' });
    assertError(await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'return' }), 400, 'missing_field', 'reason');
    const ret = await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'return', reason: '证书扫描件不清晰' });
    assertStatus(ret, 200);
    assert.equal(ret.json.status, 'returned');
    assert.equal(ret.json.decision_reason, '证书扫描件不清晰');
    assert.ok(!(await pendingQueue()).some((s) => s.id === id));
    // The depositor sees it returned, with the reason.
    const seen = await get(id, staff);
    assert.equal(seen.status, 'returned');
    assert.equal(seen.decision_reason, '证书扫描件不清晰');
    const clearer = await uploadEvidence(staff);
    const res = await staff.put(`/api/v1/ledger/submissions/${id}`, qualification(acct(), clearer.id, { title: '工商管理（专科）' }));
    assertStatus(res, 200);
    assert.equal(res.json.submission_id, id);
    assert.equal(res.json.status, 'pending');
    const again = await get(id);
    assert.equal(again.status, 'pending');
    assert.equal(again.evidence_id, clearer.id);
    assert.equal(again.evidence_sha256, clearer.sha256);
    assert.equal(again.decision_reason, null);
    assert.ok((await pendingQueue()).some((s) => s.id === id));
    const ok = await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'approve' });
    assertStatus(ok, 200);
    assert.equal(ok.json.status, 'stored');
    const item = (await transcript()).find((i) => i.outcome_id === ok.json.outcome_id);
    assert.equal(item.evidence_sha256, clearer.sha256);
  });

  test('only a returned submission can be resubmitted (409 not_pending), and only by its institution (404)', async () => {
    const id = await depositPending();
    assertError(await staff.put(`/api/v1/ledger/submissions/${id}`, qualification(acct(), evidence.id)), 409, 'not_pending');
    assertStatus(await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'return', reason: '请补充材料' }), 200);
    const theirs = await uploadEvidence(staffOther);
    assertError(await staffOther.put(`/api/v1/ledger/submissions/${id}`, qualification(acct(), theirs.id)), 404, 'not_found');
    assertError(await staffOther.get(`/api/v1/ledger/submissions/${id}`), 404, 'not_found');
    // A resubmission is checked like a deposit; one that fails leaves the submission returned.
    assertError(await staff.put(`/api/v1/ledger/submissions/${id}`, qualification(acct(), evidence.id, { awarded_on: '2024-02-30' })), 400, 'invalid_date', 'awarded_on');
    assertError(await staff.put(`/api/v1/ledger/submissions/${id}`, qualification(acct(), evidence.id, { level: 2 })), 400, 'out_of_range', 'level');
    const before = await get(id);
    assert.equal(before.status, 'returned');
    assert.equal(before.decision_reason, '请补充材料');
  });

  test('a submission is decided once: deciding it again is 409 not_pending', async () => {
    const id = await depositPending();
    assertStatus(await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'approve' }), 200);
    const stored = await get(id);
    for (const d of [{ decision: 'approve' }, { decision: 'reject', reason: 'x' }, { decision: 'return', reason: 'x' }])
      assertError(await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, d), 409, 'not_pending');
    assert.deepEqual({ ...(await get(id)), age_s: 0 }, { ...stored, age_s: 0 });
    const rejected = await depositPending();
    assertStatus(await reviewer.post(`/api/v1/ledger/submissions/${rejected}/decision`, { decision: 'reject', reason: '重复提交' }), 200);
    assertError(await reviewer.post(`/api/v1/ledger/submissions/${rejected}/decision`, { decision: 'approve' }), 409, 'not_pending');
    assertError(await reviewer.post(`/api/v1/ledger/submissions/${crypto.randomUUID()}/decision`, { decision: 'approve' }), 404, 'not_found');
    assertError(await reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'maybe' }), 400, 'invalid_value', 'decision');
  });

  test('bulk decisions decide several and report per item; one already decided is ok:false not_pending', async () => {
    const a = await depositPending(), b = await depositPending(), c = await depositPending(), done = await depositPending();
    assertStatus(await reviewer.post(`/api/v1/ledger/submissions/${done}/decision`, { decision: 'approve' }), 200);
    const nobody = crypto.randomUUID();
    const res = await reviewer.post('/api/v1/ledger/submissions/decisions', { ids: [a, done, b, nobody, c], decision: 'approve' });
    assertStatus(res, 200);
    assert.equal(res.json.decided, 3);
    assert.deepEqual(res.json.items.map((i) => [i.id, i.ok]), [[a, true], [done, false], [b, true], [nobody, false], [c, true]]);
    const failed = res.json.items.find((i) => i.id === done);
    assert.equal(failed.error.code, 'not_pending');
    assert.equal(typeof failed.error.message, 'string');
    assert.equal(res.json.items.find((i) => i.id === nobody).error.code, 'not_found');
    for (const id of [a, b, c]) assert.equal((await get(id)).status, 'stored');
    const outcomes = new Set((await transcript()).map((i) => i.outcome_id));
    for (const id of [a, b, c]) assert.ok(outcomes.has((await get(id)).outcome_id));
  });

  test('bulk rejection without a reason is 400 missing_field reason and decides nothing', async () => {
    const a = await depositPending(), b = await depositPending();
    assertError(await reviewer.post('/api/v1/ledger/submissions/decisions', { ids: [a, b], decision: 'reject' }), 400, 'missing_field', 'reason');
    assert.equal((await get(a)).status, 'pending');
    assert.equal((await get(b)).status, 'pending');
    const res = await reviewer.post('/api/v1/ledger/submissions/decisions', { ids: [a, b], decision: 'reject', reason: '材料不全' });
    assertStatus(res, 200);
    assert.equal(res.json.decided, 2);
    assert.equal((await get(a)).status, 'rejected');
    assert.equal((await get(b)).decision_reason, '材料不全');
  });

  test('staff, institution admins and citizens cannot decide (403); the city admin can', async () => {
    const id = await depositPending();
    const admin = await createStaff(city, 'institution_admin', ou.id);
    for (const who of [staff, admin, citizen.client]) {
      assertError(await who.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'approve' }), 403, 'forbidden');
      assertError(await who.post('/api/v1/ledger/submissions/decisions', { ids: [id], decision: 'approve' }), 403, 'forbidden');
    }
    assert.equal((await get(id)).status, 'pending');
    const res = await city.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'approve' });
    assertStatus(res, 200);
    assert.equal(res.json.status, 'stored');
    assert.equal(res.json.decided_by, city.user.id);
  });

  test('the submissions list is scoped: depositors see their own institution\'s, a bad status is 400 bad_query', async () => {
    await depositPending();
    const mine = await staff.get('/api/v1/ledger/submissions?limit=500');
    assertStatus(mine, 200);
    assert.ok(mine.json.items.length > 0);
    assert.ok(mine.json.items.every((s) => s.institution.id === ou.id));
    const theirs = await staffOther.get('/api/v1/ledger/submissions?limit=500');
    assertStatus(theirs, 200);
    assert.ok(theirs.json.items.every((s) => s.institution.id !== ou.id));
    const own = await citizen.client.get('/api/v1/ledger/submissions?limit=500');
    // Citizens are not among the roles of the list; the route table says so.
    assertError(own, 403, 'forbidden');
    assertError(await reviewer.get('/api/v1/ledger/submissions?status=waiting'), 400, 'bad_query', 'status');
    assertError(await reviewer.get('/api/v1/ledger/submissions?kind=casino'), 400, 'bad_query', 'kind');
  });

  test('the list pages with ?after=next: every submission once, in the same order as one long page', async () => {
    for (let i = 0; i < 5; i++) await depositPending();
    for (const status of ['pending', '']) {
      const q = `institution=${ou.id}${status ? `&status=${status}` : ''}`;
      const whole = await reviewer.get(`/api/v1/ledger/submissions?${q}&limit=500`);
      assertStatus(whole, 200);
      assert.ok(whole.json.items.length >= 5);
      const seen = [];
      let next = null;
      for (let page = 0; page < 100; page++) {
        const res = await reviewer.get(`/api/v1/ledger/submissions?${q}&limit=2${next ? `&after=${next}` : ''}`);
        assertStatus(res, 200);
        assert.ok(res.json.items.length <= 2);
        seen.push(...res.json.items.map((s) => s.id));
        next = res.json.next;
        if (!next) break;
      }
      assert.deepEqual(seen, whole.json.items.map((s) => s.id), `paging ${status || 'all'}`);
    }
    assertError(await reviewer.get('/api/v1/ledger/submissions?limit=0'), 400, 'bad_query', 'limit');
    assertError(await reviewer.get('/api/v1/ledger/submissions?limit=501'), 400, 'bad_query', 'limit');
  });

  test('the person a submission names sees it; another citizen gets 404', async () => {
    const id = await depositPending();
    const own = await citizen.client.get(`/api/v1/ledger/submissions/${id}`);
    assertStatus(own, 200);
    assert.equal(own.json.status, 'pending');
    const stranger = await registerCitizen();
    assertError(await stranger.client.get(`/api/v1/ledger/submissions/${id}`), 404, 'not_found');
    assertError(await reviewer.get(`/api/v1/ledger/submissions/${crypto.randomUUID()}`), 404, 'not_found');
  });

  test('a returned correction is resubmitted, and once approved supersedes the stored version', async () => {
    const dep = await depositPending({ title: '市场营销（专科）' });
    const ok = await reviewer.post(`/api/v1/ledger/submissions/${dep}/decision`, { decision: 'approve' });
    assertStatus(ok, 200);
    const outcome = ok.json.outcome_id;
    const corr = await staff.post(`/api/v1/ledger/outcomes/${outcome}/corrections`,
      { ...qualification(acct(), evidence.id, { title: '市场营销（专科）', level: 5 }), reason: '等级有误' });
    assertStatus(corr, 201);
    assert.equal(corr.json.status, 'pending');
    assertStatus(await reviewer.post(`/api/v1/ledger/submissions/${corr.json.submission_id}/decision`, { decision: 'return', reason: '等级应为6' }), 200);
    const re = await staff.put(`/api/v1/ledger/submissions/${corr.json.submission_id}`, qualification(acct(), evidence.id, { title: '市场营销（专科）', level: 6, certificate_no: 'M-1' }));
    assertStatus(re, 200);
    assert.equal(re.json.status, 'pending');
    assert.equal(re.json.outcome_id, outcome);
    const sub = await get(corr.json.submission_id);
    assert.equal(sub.op, 'correct');
    assert.equal(sub.reason, '等级有误');
    const done = await reviewer.post(`/api/v1/ledger/submissions/${corr.json.submission_id}/decision`, { decision: 'approve' });
    assertStatus(done, 200);
    const item = (await transcript()).find((i) => i.outcome_id === outcome);
    assert.equal(item.status, 'corrected');
    assert.equal(item.certificate_no, 'M-1');
    assert.equal(item.entry_id, done.json.entry_id);
    const h = await citizen.client.get(`/api/v1/ledger/outcomes/${outcome}/history`);
    assert.deepEqual(h.json.items.map((e) => [e.op, e.supersedes]), [['deposit', null], ['correct', ok.json.entry_id]]);
  });

  // The queue exists so that the longest-waiting item is decided first. A submission that was
  // returned and resubmitted waits from its resubmission (its age_s counts from then), so it
  // belongs behind submissions that have waited longer.
  test('a resubmitted submission queues by its resubmission time: the queue stays ordered by submitted_at', async () => {
    const first = await depositPending();
    assertStatus(await reviewer.post(`/api/v1/ledger/submissions/${first}/decision`, { decision: 'return', reason: '补充入学日期' }), 200);
    await sleep(20);
    const second = await depositPending();
    await sleep(20);
    const res = await staff.put(`/api/v1/ledger/submissions/${first}`, qualification(acct(), evidence.id));
    assertStatus(res, 200);
    assert.equal(res.json.status, 'pending');
    const queue = await pendingQueue();
    const at = queue.map((s) => Date.parse(s.submitted_at));
    const ages = queue.map((s) => s.age_s);
    assert.ok(queue.findIndex((s) => s.id === second) < queue.findIndex((s) => s.id === first),
      `the submission waiting longer (${second}) must come before the resubmitted one (${first}): ${queue.map((s) => `${s.id} ${s.submitted_at}`).join(', ')}`);
    assert.deepEqual(at, [...at].sort((x, y) => x - y), 'submitted_at ascending');
    assert.deepEqual(ages, [...ages].sort((x, y) => y - x), 'age_s descending');
  });
});
