// The credit bank, depositing: staff of an open university deposit learning outcomes into a
// person's account; kinds the entry standard accepts automatically are stored at once, deposits
// are idempotent by external_id, every check that fails leaves nothing behind, and the kinds an
// institution may deposit follow its type. Evidence files are uploaded, hashed and downloaded
// only by those who may see them.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  BASE, CHANGNING, SESSION_COOKIE, XUHUI, accountNo, anon, assertError, assertStatus, checkErrorShape, createInstitution,
  createStaff, registerCitizen, signInFixture,
} from './lib.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// A date n days from today as China counts days (the server's dates are China time).
const chinaDay = (n = 0) => new Date(Date.now() + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);

// Outcome bodies of each kind an open university may deposit, valid against the default standards.
const credit = (acct, over = {}) => ({
  account_no: acct, kind: 'academic_credit', title: '高等数学（一）', code: 'MATH101', credits_milli: 4000,
  result_kind: 'grade', result: 'A', awarded_on: '2024-06-30', ...over,
});
const training = (acct, over = {}) => ({
  account_no: acct, kind: 'non_degree_training', title: '人工智能通识培训', hours_milli: 32000, started_on: '2024-03-01',
  awarded_on: '2024-05-20', ...over,
});
const community = (acct, over = {}) => ({
  account_no: acct, kind: 'community_education', title: '社区书法班', hours_milli: 24000, awarded_on: '2023-12-15', ...over,
});
const qualification = (acct, evidenceId, over = {}) => ({
  account_no: acct, kind: 'academic_qualification', title: '计算机科学与技术（本科）', code: '080901', level: 7,
  started_on: '2020-09-01', certificate_no: 'C' + crypto.randomInt(1e9), evidence_id: evidenceId, awarded_on: '2024-06-30', ...over,
});

// A small PDF with bytes of every value, so that a body that is not binary-safe shows.
function pdfBytes() {
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  return Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'), all, crypto.randomBytes(64), Buffer.from('\n%%EOF\n')]);
}
const sha256hex = (b) => crypto.createHash('sha256').update(b).digest('hex');

async function upload(client, bytes, contentType = 'application/pdf', name = 'certificate.pdf') {
  const q = name ? `?name=${encodeURIComponent(name)}` : '';
  return client.request('POST', `/api/v1/ledger/evidence${q}`, { body: bytes, contentType });
}

// GET returning the body as bytes (the shared client reads text).
async function rawGet(client, p) {
  const headers = {};
  if (client.cookie) headers.cookie = `${SESSION_COOKIE}=${client.cookie}`;
  const res = await fetch(BASE + p, { headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  const out = { method: 'GET', path: p, status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8'), json: null };
  if (/^application\/json/.test(res.headers.get('content-type') || '')) out.json = JSON.parse(out.text);
  if (res.status >= 400 && out.json) checkErrorShape(out, `GET ${p}`);
  return out;
}

async function transcriptItems(citizen) {
  const res = await citizen.get('/api/v1/me/transcript?include_revoked=true');
  assertStatus(res, 200);
  return res.json.items;
}

async function submissionIds(staff) {
  const res = await staff.get('/api/v1/ledger/submissions?limit=500');
  assertStatus(res, 200);
  return res.json.items.map((s) => s.id).sort();
}

describe('depositing learning outcomes', () => {
  let city, ou, staff, reviewer, citizen, other, staffB, evidenceB;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    ou = await createInstitution(city, XUHUI, 'open_university');
    staff = await createStaff(city, 'staff', ou.id);
    reviewer = await createStaff(city, 'reviewer');
    citizen = await registerCitizen();
    other = await registerCitizen();
    const school = await createInstitution(city, CHANGNING, 'community_school');
    staffB = await createStaff(city, 'staff', school.id);
    const ev = await upload(staffB, pdfBytes());
    assertStatus(ev, 201);
    evidenceB = ev.json.id;
  });

  const acct = () => citizen.account.account_no;

  test('auto-stored kinds of an open university are 201 stored with submission, entry and outcome ids', async () => {
    const before = (await transcriptItems(citizen.client)).length;
    for (const body of [credit(acct()), training(acct()), community(acct())]) {
      const res = await staff.post('/api/v1/ledger/outcomes', body);
      assertStatus(res, 201);
      assert.equal(res.json.status, 'stored', body.kind);
      assert.equal(res.json.is_existing, false);
      assert.match(res.json.submission_id, UUID);
      assert.match(res.json.entry_id, UUID);
      // An outcome is named by its first entry.
      assert.equal(res.json.outcome_id, res.json.entry_id);
      const sub = await staff.get(`/api/v1/ledger/submissions/${res.json.submission_id}`);
      assertStatus(sub, 200);
      assert.equal(sub.json.status, 'stored');
      assert.equal(sub.json.kind, body.kind);
      assert.equal(sub.json.entry_id, res.json.entry_id);
      assert.equal(sub.json.person.account_no, acct());
      assert.equal(sub.json.institution.id, ou.id);
    }
    const items = await transcriptItems(citizen.client);
    assert.equal(items.length, before + 3);
    assert.deepEqual(items.filter((i) => i.institution.id === ou.id).map((i) => i.status), ['stored', 'stored', 'stored']);
  });

  test('the same body again with the same external_id is 200 is_existing and changes nothing', async () => {
    const body = credit(acct(), { title: '线性代数', code: 'MATH102', external_id: `ou-${crypto.randomUUID()}` });
    const first = await staff.post('/api/v1/ledger/outcomes', body);
    assertStatus(first, 201);
    assert.equal(first.json.is_existing, false);
    const items = await transcriptItems(citizen.client);
    const subs = await submissionIds(staff);
    const again = await staff.post('/api/v1/ledger/outcomes', body);
    assertStatus(again, 200);
    assert.deepEqual(again.json, { ...first.json, is_existing: true });
    assert.deepEqual(await transcriptItems(citizen.client), items);
    assert.deepEqual(await submissionIds(staff), subs);
  });

  // A client that retries a deposit it is unsure of must get the stored one back, however the
  // retries overlap; a few rounds, since a race may not show in one.
  test('the same body sent eight times at once with one external_id is stored once: one 201, the rest 200 is_existing', async () => {
    const before = (await transcriptItems(citizen.client)).length;
    for (let round = 0; round < 5; round++) {
      const body = community(acct(), { title: `社区太极拳 ${round}`, external_id: `ou-${crypto.randomUUID()}` });
      const replies = await Promise.all(Array.from({ length: 8 }, () => staff.post('/api/v1/ledger/outcomes', body)));
      assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 201],
        `round ${round}: ${replies.map((r) => `${r.status} ${r.json?.error ? `${r.json.error.code}: ${r.json.error.message}` : ''}`).join('; ')}`);
      const created = replies.find((r) => r.status === 201).json;
      for (const r of replies.filter((x) => x.status === 200)) assert.deepEqual(r.json, { ...created, is_existing: true });
    }
    assert.equal((await transcriptItems(citizen.client)).length, before + 5);
  });

  test('the same external_id with different content is 409 duplicate_external_id and changes nothing', async () => {
    const body = credit(acct(), { title: '概率论', code: 'MATH201', external_id: `ou-${crypto.randomUUID()}` });
    assertStatus(await staff.post('/api/v1/ledger/outcomes', body), 201);
    const items = await transcriptItems(citizen.client);
    const subs = await submissionIds(staff);
    assertError(await staff.post('/api/v1/ledger/outcomes', { ...body, result: 'B' }), 409, 'duplicate_external_id', 'external_id');
    assertError(await staff.post('/api/v1/ledger/outcomes', { ...body, account_no: other.account.account_no }), 409, 'duplicate_external_id', 'external_id');
    assert.deepEqual(await transcriptItems(citizen.client), items);
    assert.deepEqual(await transcriptItems(other.client), []);
    assert.deepEqual(await submissionIds(staff), subs);
  });

  test('external ids are the depositing institution\'s own: another institution may use the same one', async () => {
    const ext = `shared-${crypto.randomUUID()}`;
    const a = await staff.post('/api/v1/ledger/outcomes', community(acct(), { external_id: ext }));
    assertStatus(a, 201);
    const b = await staffB.post('/api/v1/ledger/outcomes', community(acct(), { external_id: ext }));
    assertStatus(b, 201);
    assert.equal(b.json.is_existing, false);
    assert.notEqual(b.json.submission_id, a.json.submission_id);
  });

  // Each bad body: the error, and afterwards nothing new in the transcript or the submissions.
  const BAD = [
    ['an unknown account number', () => credit(accountNo(9999999999990)), 'unknown_account', 'account_no'],
    ['a kind that does not exist', () => credit(acct(), { kind: 'casino' }), 'invalid_value', 'kind'],
    ['academic credit without a course code', () => { const b = credit(acct()); delete b.code; return b; }, 'missing_field', 'code'],
    ['academic credit without credits', () => { const b = credit(acct()); delete b.credits_milli; return b; }, 'missing_field', 'credits_milli'],
    ['credits above the standard\'s maximum', () => credit(acct(), { credits_milli: 25000 }), 'out_of_range', 'credits_milli'],
    ['credits below the standard\'s minimum', () => credit(acct(), { credits_milli: 100 }), 'out_of_range', 'credits_milli'],
    ['credits above what any outcome may carry', () => credit(acct(), { credits_milli: 300001 }), 'out_of_range', 'credits_milli'],
    ['hours below the standard\'s minimum', () => community(acct(), { hours_milli: 999 }), 'out_of_range', 'hours_milli'],
    ['a date that does not exist (2025-02-30)', () => credit(acct(), { awarded_on: '2025-02-30' }), 'invalid_date', 'awarded_on'],
    ['a date in the future', () => credit(acct(), { awarded_on: chinaDay(2) }), 'invalid_date', 'awarded_on'],
    ['a started_on after awarded_on', () => training(acct(), { started_on: '2024-06-01', awarded_on: '2024-05-20' }), 'invalid_date', 'started_on'],
    ['training older than its standard accepts (ten years)', () => training(acct(), { started_on: '2010-01-01', awarded_on: '2011-01-01' }), 'invalid_date', 'awarded_on'],
    ['a grade that is not a grade', () => credit(acct(), { result: 'Z' }), 'invalid_result', 'result'],
    ['a score above 1000', () => credit(acct(), { result_kind: 'score', result: '1000.5' }), 'invalid_result', 'result'],
    ['a score with two decimals', () => credit(acct(), { result_kind: 'score', result: '88.25' }), 'invalid_result', 'result'],
    ['a pass that is not "pass"', () => credit(acct(), { result_kind: 'pass', result: 'A' }), 'invalid_result', 'result'],
    ['a result kind that does not exist', () => credit(acct(), { result_kind: 'percent' }), 'invalid_value', 'result_kind'],
    ['a result without its result_kind', () => { const b = credit(acct()); delete b.result_kind; return b; }, 'missing_field', 'result_kind'],
    ['a field the API does not have', () => credit(acct(), { colour: 'red' }), 'unknown_field', 'colour'],
    ['a reason, which only corrections have', () => credit(acct(), { reason: 'why not' }), 'unknown_field', 'reason'],
    ['credits as a string', () => credit(acct(), { credits_milli: '4000' }), 'wrong_type', 'credits_milli'],
    ['an evidence id of nothing', () => qualification(acct(), crypto.randomUUID()), 'unknown_evidence', 'evidence_id'],
    ['evidence of another institution', () => qualification(acct(), evidenceB), 'unknown_evidence', 'evidence_id'],
    ['a qualification without its certificate scan', () => { const b = qualification(acct(), null); delete b.evidence_id; return b; }, 'evidence_required', 'evidence_id'],
  ];
  for (const [what, make, code, field] of BAD) {
    test(`${what}: 400 ${code} on ${field}, and nothing is stored`, async () => {
      const items = await transcriptItems(citizen.client);
      const subs = await submissionIds(staff);
      assertError(await staff.post('/api/v1/ledger/outcomes', make()), 400, code, field);
      assert.deepEqual(await transcriptItems(citizen.client), items);
      assert.deepEqual(await submissionIds(staff), subs);
    });
  }

  test('a kind an open university may not deposit (elder education) is 403 kind_not_allowed, nothing stored', async () => {
    const std = await anon().get('/api/v1/ledger/standards');
    assertStatus(std, 200);
    const rules = (k) => std.json.items.find((s) => s.kind === k).rules;
    // The pair is a real one: the published standards let no open university deposit these.
    for (const k of ['elder_education', 'enterprise_training', 'vocational_certificate'])
      assert.ok(!rules(k).institution_types.includes('open_university'), k);
    assert.ok(rules('community_education').institution_types.includes('open_university'));
    const items = await transcriptItems(citizen.client);
    const subs = await submissionIds(staff);
    assertError(await staff.post('/api/v1/ledger/outcomes', community(acct(), { kind: 'elder_education', title: '老年摄影班' })), 403, 'kind_not_allowed', 'kind');
    assertError(await staff.post('/api/v1/ledger/outcomes', community(acct(), { kind: 'enterprise_training', title: '岗位培训' })), 403, 'kind_not_allowed', 'kind');
    assertError(
      await staff.post('/api/v1/ledger/outcomes', { account_no: acct(), kind: 'vocational_certificate', title: '电工', code: '6-31-01-03', level: 4, certificate_no: 'V1', awarded_on: '2024-01-10' }),
      403, 'kind_not_allowed', 'kind',
    );
    // And the other way round: a community school may not deposit academic credit.
    assertError(await staffB.post('/api/v1/ledger/outcomes', credit(acct())), 403, 'kind_not_allowed', 'kind');
    assert.deepEqual(await transcriptItems(citizen.client), items);
    assert.deepEqual(await submissionIds(staff), subs);
  });

  test('a citizen, a reviewer and the city admin may not deposit (403); without credentials 401', async () => {
    const items = await transcriptItems(citizen.client);
    assertError(await citizen.client.post('/api/v1/ledger/outcomes', credit(acct())), 403, 'forbidden');
    assertError(await reviewer.post('/api/v1/ledger/outcomes', credit(acct())), 403, 'forbidden');
    assertError(await city.post('/api/v1/ledger/outcomes', credit(acct())), 403, 'forbidden');
    assertError(await anon().post('/api/v1/ledger/outcomes', credit(acct())), 401, 'unauthenticated');
    assert.deepEqual(await transcriptItems(citizen.client), items);
  });

  test('an institution admin deposits for their institution like its staff', async () => {
    const admin = await createStaff(city, 'institution_admin', ou.id);
    const res = await admin.post('/api/v1/ledger/outcomes', community(acct(), { title: '社区茶艺班' }));
    assertStatus(res, 201);
    assert.equal(res.json.status, 'stored');
    const sub = await staff.get(`/api/v1/ledger/submissions/${res.json.submission_id}`);
    assertStatus(sub, 200);
    assert.equal(sub.json.institution.id, ou.id);
  });
});

describe('evidence files', () => {
  let city, staff, staffOther, reviewer, citizen, stranger;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    const ou = await createInstitution(city, XUHUI, 'open_university');
    staff = await createStaff(city, 'staff', ou.id);
    const second = await createInstitution(city, CHANGNING, 'university');
    staffOther = await createStaff(city, 'staff', second.id);
    reviewer = await createStaff(city, 'reviewer');
    citizen = await registerCitizen();
    stranger = await registerCitizen();
  });

  test('a PDF upload is 201 with the SHA-256 of its bytes, its size, type and name', async () => {
    const bytes = pdfBytes();
    const res = await upload(staff, bytes, 'application/pdf', '毕业证书.pdf');
    assertStatus(res, 201);
    assert.match(res.json.id, UUID);
    assert.equal(res.json.sha256, sha256hex(bytes));
    assert.equal(res.json.size, bytes.length);
    assert.equal(res.json.media_type, 'application/pdf');
    assert.equal(res.json.name, '毕业证书.pdf');
  });

  test('a body that is not PDF, PNG, JPEG or WebP is 415', async () => {
    const bytes = pdfBytes();
    assertError(await upload(staff, bytes, 'text/plain'), 415, 'unsupported_media_type');
    assertError(await upload(staff, bytes, 'application/json'), 415, 'unsupported_media_type');
    assertError(await upload(staff, bytes, 'application/pdfx'), 415, 'unsupported_media_type');
    assertError(await staff.request('POST', '/api/v1/ledger/evidence', { body: bytes }), 415, 'unsupported_media_type');
  });

  test('an empty file is 400, a name over 200 characters too; citizens and reviewers may not upload (403)', async () => {
    assertError(await upload(staff, Buffer.alloc(0)), 400, 'missing_field', 'file');
    assertError(await upload(staff, pdfBytes(), 'application/pdf', '证'.repeat(201) + '.pdf'), 400, 'bad_query', 'name');
    assertError(await upload(citizen.client, pdfBytes()), 403, 'forbidden');
    assertError(await upload(reviewer, pdfBytes()), 403, 'forbidden');
  });

  test('the depositor downloads the same bytes; another institution\'s staff get 404', async () => {
    const bytes = pdfBytes();
    const up = await upload(staff, bytes);
    assertStatus(up, 201);
    const mine = await rawGet(staff, `/api/v1/ledger/evidence/${up.json.id}`);
    assertStatus(mine, 200);
    assert.match(mine.headers.get('content-type'), /^application\/pdf/);
    assert.ok(mine.bytes.equals(bytes), 'the downloaded bytes differ from the uploaded ones');
    const theirs = await rawGet(staffOther, `/api/v1/ledger/evidence/${up.json.id}`);
    assertError(theirs, 404, 'not_found');
    assertError(await rawGet(staff, `/api/v1/ledger/evidence/${crypto.randomUUID()}`), 404, 'not_found');
    // A reviewer checks evidence of every institution.
    const rev = await rawGet(reviewer, `/api/v1/ledger/evidence/${up.json.id}`);
    assertStatus(rev, 200);
    assert.ok(rev.bytes.equals(bytes));
  });

  test('a PNG is accepted too, and its bytes come back as image/png', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), crypto.randomBytes(100)]);
    const up = await upload(staff, png, 'image/png', 'scan.png');
    assertStatus(up, 201);
    assert.equal(up.json.sha256, sha256hex(png));
    const got = await rawGet(staff, `/api/v1/ledger/evidence/${up.json.id}`);
    assertStatus(got, 200);
    assert.match(got.headers.get('content-type'), /^image\/png/);
    assert.ok(got.bytes.equals(png));
  });

  test('the person a submission names sees its evidence; another citizen gets 404', async () => {
    const bytes = pdfBytes();
    const up = await upload(staff, bytes);
    assertStatus(up, 201);
    assertError(await rawGet(citizen.client, `/api/v1/ledger/evidence/${up.json.id}`), 404, 'not_found');
    const dep = await staff.post('/api/v1/ledger/outcomes', qualification(citizen.account.account_no, up.json.id));
    assertStatus(dep, 201);
    assert.equal(dep.json.status, 'pending');
    const own = await rawGet(citizen.client, `/api/v1/ledger/evidence/${up.json.id}`);
    assertStatus(own, 200);
    assert.ok(own.bytes.equals(bytes));
    assertError(await rawGet(stranger.client, `/api/v1/ledger/evidence/${up.json.id}`), 404, 'not_found');
    // The submission carries the file's hash.
    const sub = await staff.get(`/api/v1/ledger/submissions/${dep.json.submission_id}`);
    assertStatus(sub, 200);
    assert.equal(sub.json.evidence_id, up.json.id);
    assert.equal(sub.json.evidence_sha256, sha256hex(bytes));
  });
});
