// The credit bank, corrections and revocations: a stored outcome is never changed in place. Its
// depositor submits a corrected version with a reason, which becomes a new ledger entry that
// supersedes the current one; a revocation is an entry too, hiding the outcome from the
// transcript unless revoked outcomes are asked for. Only the depositor (or a reviewer, for
// revocations) may touch an outcome; everyone else is told it does not exist.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  CHANGNING, XUHUI, assertError, assertStatus, createInstitution, createStaff, registerCitizen, signInFixture,
} from './lib.mjs';

const credit = (acct, over = {}) => ({
  account_no: acct, kind: 'academic_credit', title: '大学英语（二）', code: 'ENG102', credits_milli: 3000,
  result_kind: 'score', result: '78', awarded_on: '2024-01-15', ...over,
});

describe('corrections and revocations', () => {
  let city, ou, staff, staffOther, reviewer, citizen, other;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    ou = await createInstitution(city, XUHUI, 'open_university');
    staff = await createStaff(city, 'staff', ou.id);
    const second = await createInstitution(city, CHANGNING, 'university');
    staffOther = await createStaff(city, 'staff', second.id);
    reviewer = await createStaff(city, 'reviewer');
    citizen = await registerCitizen();
    other = await registerCitizen();
  });

  const acct = () => citizen.account.account_no;

  async function deposit(over = {}) {
    const res = await staff.post('/api/v1/ledger/outcomes', credit(acct(), over));
    assertStatus(res, 201);
    assert.equal(res.json.status, 'stored');
    return res.json;
  }

  async function transcript(query = '') {
    const res = await citizen.client.get(`/api/v1/me/transcript${query}`);
    assertStatus(res, 200);
    return res.json;
  }

  async function history(outcomeId, who = citizen.client) {
    const res = await who.get(`/api/v1/ledger/outcomes/${outcomeId}/history`);
    assertStatus(res, 200);
    return res.json.items;
  }

  test('a correction with a reason is a new entry that supersedes the stored one', async () => {
    const d = await deposit({ external_id: `eng-${crypto.randomUUID()}` });
    const res = await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`,
      { ...credit(acct(), { result: '87' }), reason: '成绩录入错误，复核后更正为87分' });
    assertStatus(res, 201);
    assert.equal(res.json.status, 'stored');
    assert.equal(res.json.outcome_id, d.outcome_id);
    assert.notEqual(res.json.entry_id, d.entry_id);
    assert.notEqual(res.json.submission_id, d.submission_id);
    const sub = await staff.get(`/api/v1/ledger/submissions/${res.json.submission_id}`);
    assertStatus(sub, 200);
    assert.equal(sub.json.op, 'correct');
    assert.equal(sub.json.reason, '成绩录入错误，复核后更正为87分');
    const entry = await staff.get(`/api/v1/ledger/entries/${res.json.entry_id}`);
    assertStatus(entry, 200);
    assert.equal(entry.json.entry.op, 'correct');
    assert.equal(entry.json.entry.supersedes, d.entry_id);
    // The correction keeps the outcome's external id.
    const first = await staff.get(`/api/v1/ledger/entries/${d.entry_id}`);
    assert.equal(entry.json.entry.external_id, first.json.entry.external_id);
  });

  test('the history lists every version oldest first; the transcript shows the corrected value as corrected', async () => {
    const d = await deposit({ title: '计算机应用基础', code: 'CS100' });
    const c = await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`,
      { ...credit(acct(), { title: '计算机应用基础', code: 'CS100', credits_milli: 3500 }), reason: '学分应为3.5' });
    assertStatus(c, 201);
    const items = await history(d.outcome_id);
    assert.deepEqual(items.map((e) => [e.id, e.op, e.supersedes]), [[d.entry_id, 'deposit', null], [c.json.entry_id, 'correct', d.entry_id]]);
    assert.deepEqual(items.map((e) => e.credits_milli), [3000, 3500]);
    assert.equal(items[1].reason, '学分应为3.5');
    assert.ok(items[0].seq < items[1].seq);
    assert.equal(items[1].person_seq, items[0].person_seq + 1);
    assert.equal(items[1].prev_hash, items[0].entry_hash, 'the person\'s chain links the versions');
    const t = await transcript();
    const shown = t.items.filter((i) => i.outcome_id === d.outcome_id);
    assert.equal(shown.length, 1, 'one line per outcome');
    assert.equal(shown[0].status, 'corrected');
    assert.equal(shown[0].entry_id, c.json.entry_id);
    assert.equal(shown[0].credits_milli, 3500);
    assert.equal(shown[0].reason, '学分应为3.5');
    // History by either entry id... it is keyed by the outcome; the depositor and reviewers read it too.
    assert.deepEqual((await history(d.outcome_id, staff)).map((e) => e.id), items.map((e) => e.id));
    assert.deepEqual((await history(d.outcome_id, reviewer)).map((e) => e.id), items.map((e) => e.id));
  });

  test('a correction needs a reason (400 missing_field) and may not move the outcome to another account', async () => {
    const d = await deposit();
    assertError(await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`, credit(acct(), { result: '90' })), 400, 'missing_field', 'reason');
    assertError(await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`,
      { ...credit(other.account.account_no), reason: '换人' }), 400, 'invalid_value', 'account_no');
    assertError(await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`,
      { ...credit(acct(), { result: 'Q' }), reason: '成绩' }), 400, 'invalid_result', 'result');
    assert.equal((await history(d.outcome_id)).length, 1);
    assertError(await staff.post(`/api/v1/ledger/outcomes/${crypto.randomUUID()}/corrections`, { ...credit(acct()), reason: 'x' }), 404, 'not_found');
  });

  test('a revocation hides the outcome unless include_revoked=true, where it is revoked', async () => {
    const d = await deposit({ title: '思想道德与法治', code: 'POL101' });
    assert.ok((await transcript()).items.some((i) => i.outcome_id === d.outcome_id));
    const totalsBefore = (await transcript()).totals;
    const res = await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '重复存入' });
    assertStatus(res, 201);
    assert.equal(res.json.outcome_id, d.outcome_id);
    assert.notEqual(res.json.entry_id, d.entry_id);
    const t = await transcript();
    assert.ok(!t.items.some((i) => i.outcome_id === d.outcome_id), 'hidden by default');
    assert.equal(t.totals.count, totalsBefore.count - 1);
    assert.equal(t.totals.credits_milli, totalsBefore.credits_milli - 3000);
    const all = await transcript('?include_revoked=true');
    const shown = all.items.find((i) => i.outcome_id === d.outcome_id);
    assert.equal(shown.status, 'revoked');
    assert.equal(shown.entry_id, res.json.entry_id);
    assert.equal(shown.reason, '重复存入');
    // A revoked outcome counts in no total.
    assert.deepEqual(all.totals, t.totals);
    const h = await history(d.outcome_id);
    assert.deepEqual(h.map((e) => e.op), ['deposit', 'revoke']);
    assert.equal(h[1].supersedes, d.entry_id);
    // It repeats the content it revokes.
    assert.equal(h[1].title, '思想道德与法治');
  });

  test('revoking again is 409 revoked, and so is correcting a revoked outcome', async () => {
    const d = await deposit();
    assertStatus(await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '错误存入' }), 201);
    assertError(await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '再次撤销' }), 409, 'revoked');
    assertError(await reviewer.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '再次撤销' }), 409, 'revoked');
    assertError(await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`, { ...credit(acct()), reason: '更正' }), 409, 'revoked');
    assert.equal((await history(d.outcome_id)).length, 2);
  });

  test('a revocation needs a reason (400); an outcome id of nothing is 404', async () => {
    const d = await deposit();
    assertError(await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, {}), 400, 'missing_field', 'reason');
    assertError(await staff.post(`/api/v1/ledger/outcomes/${crypto.randomUUID()}/revocation`, { reason: 'x' }), 404, 'not_found');
    assert.equal((await history(d.outcome_id)).length, 1);
  });

  test('another institution can neither correct nor revoke (404), nor read the history or entry (404)', async () => {
    const d = await deposit();
    assertError(await staffOther.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`, { ...credit(acct(), { result: '99' }), reason: '篡改' }), 404, 'not_found');
    assertError(await staffOther.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '篡改' }), 404, 'not_found');
    assertError(await staffOther.get(`/api/v1/ledger/outcomes/${d.outcome_id}/history`), 404, 'not_found');
    assertError(await staffOther.get(`/api/v1/ledger/entries/${d.entry_id}`), 404, 'not_found');
    assertError(await other.client.get(`/api/v1/ledger/outcomes/${d.outcome_id}/history`), 404, 'not_found');
    const h = await history(d.outcome_id);
    assert.deepEqual(h.map((e) => e.op), ['deposit']);
    assert.equal(h[0].result, '78');
  });

  test('a reviewer may revoke any institution\'s outcome, but not correct it (403)', async () => {
    const d = await deposit();
    assertError(await reviewer.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`, { ...credit(acct()), reason: 'x' }), 403, 'forbidden');
    const res = await reviewer.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '经核查为虚假成绩' });
    assertStatus(res, 201);
    const h = await history(d.outcome_id);
    assert.equal(h[1].op, 'revoke');
    assert.equal(h[1].actor_id, reviewer.user.id);
    assertError(await citizen.client.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '我不想要' }), 403, 'forbidden');
  });

  test('a correction of a reviewed kind waits for review and supersedes only once approved', async () => {
    const up = await staff.request('POST', '/api/v1/ledger/evidence', { body: Buffer.from('%PDF-1.4\n' + crypto.randomUUID()), contentType: 'application/pdf' });
    assertStatus(up, 201);
    const q = {
      account_no: acct(), kind: 'academic_qualification', title: '法学（本科）', code: '030101K', level: 7,
      started_on: '2019-09-01', certificate_no: 'L' + crypto.randomInt(1e9), evidence_id: up.json.id, awarded_on: '2023-06-30',
    };
    const dep = await staff.post('/api/v1/ledger/outcomes', q);
    assertStatus(dep, 201);
    const ok = await reviewer.post(`/api/v1/ledger/submissions/${dep.json.submission_id}/decision`, { decision: 'approve' });
    assertStatus(ok, 200);
    const outcome = ok.json.outcome_id;
    const corr = await staff.post(`/api/v1/ledger/outcomes/${outcome}/corrections`, { ...q, started_on: '2019-09-10', reason: '入学日期更正' });
    assertStatus(corr, 201);
    assert.equal(corr.json.status, 'pending');
    assert.equal(corr.json.outcome_id, outcome);
    assert.equal(corr.json.entry_id, null);
    assert.equal((await history(outcome)).length, 1);
    assert.equal((await transcript()).items.find((i) => i.outcome_id === outcome).started_on, '2019-09-01');
    const approve = await reviewer.post(`/api/v1/ledger/submissions/${corr.json.submission_id}/decision`, { decision: 'approve' });
    assertStatus(approve, 200);
    const h = await history(outcome);
    assert.deepEqual(h.map((e) => e.op), ['deposit', 'correct']);
    assert.equal(h[1].supersedes, h[0].id);
    assert.equal(h[1].reason, '入学日期更正');
    const shown = (await transcript()).items.find((i) => i.outcome_id === outcome);
    assert.equal(shown.status, 'corrected');
    assert.equal(shown.started_on, '2019-09-10');
  });
});
