// The credit bank, transcripts: a citizen's own record as JSON (items, totals by kind, level and
// year that add up to the items) and as CSV (UTF-8 with a BOM, Chinese headings unless English is
// asked for), with filters; and a person's record as staff see it, which holds only what their
// institution deposited.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  BASE, CHANGNING, SESSION_COOKIE, XUHUI, anon, assertError, assertStatus, createInstitution, createStaff, registerCitizen, signInFixture,
} from './lib.mjs';

const HEAD_ZH = ['类别', '名称', '代码', '等级', '学分', '学时', '成绩', '获得日期', '存入机构', '证书编号', '状态', '成果编号', '记录编号'];
const HEAD_EN = ['kind', 'title', 'code', 'level', 'credits', 'hours', 'result', 'awarded_on', 'institution', 'certificate_no', 'status', 'outcome_id', 'entry_id'];
const BOM = '\ufeff';

// A CSV download as bytes and as text with its BOM kept (fetch's text() drops a BOM).
async function csvGet(client, p) {
  const res = await fetch(BASE + p, { headers: { cookie: `${SESSION_COOKIE}=${client.cookie}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
}

// RFC 4180 rows (CRLF, quotes doubled); the text must end with a line break.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += ch;
  }
  assert.equal(field + row.join(''), '', 'CSV must end with CRLF');
  return rows;
}

// Sums of the items the way the server's totals should add up.
function sums(items, key) {
  const out = new Map();
  for (const i of items) {
    const k = key(i);
    if (k === null || k === undefined) continue;
    const t = out.get(k) || { count: 0, credits_milli: 0, hours_milli: 0 };
    t.count++;
    t.credits_milli += i.credits_milli || 0;
    t.hours_milli += i.hours_milli || 0;
    out.set(k, t);
  }
  return out;
}

function assertTotalsMatch(t) {
  const live = t.items.filter((i) => i.status !== 'revoked');
  const all = sums(live, () => 'all').get('all') || { count: 0, credits_milli: 0, hours_milli: 0 };
  assert.deepEqual(t.totals, all, 'totals');
  const byKind = sums(live, (i) => i.kind);
  assert.deepEqual(t.by_kind.map((x) => x.kind).sort(), [...byKind.keys()].sort(), 'kinds in by_kind');
  for (const x of t.by_kind) assert.deepEqual({ count: x.count, credits_milli: x.credits_milli, hours_milli: x.hours_milli }, byKind.get(x.kind), `by_kind ${x.kind}`);
  const byLevel = sums(live, (i) => i.level);
  assert.deepEqual(t.by_level.map((x) => x.level), [...byLevel.keys()].sort((a, b) => a - b), 'levels ascending');
  for (const x of t.by_level) assert.deepEqual({ count: x.count, credits_milli: x.credits_milli, hours_milli: x.hours_milli }, byLevel.get(x.level), `by_level ${x.level}`);
  const byYear = sums(live, (i) => Number(i.awarded_on.slice(0, 4)));
  assert.deepEqual(t.by_year.map((x) => x.year), [...byYear.keys()].sort((a, b) => a - b), 'years ascending');
  for (const x of t.by_year) assert.deepEqual({ count: x.count, credits_milli: x.credits_milli, hours_milli: x.hours_milli }, byYear.get(x.year), `by_year ${x.year}`);
}

describe('transcripts', () => {
  let city, ou, school, staff, schoolStaff, unrelatedStaff, reviewer, xuhui, changning, auditor, citizen, other;
  const outcomes = {};
  before(async () => {
    city = await signInFixture('fx-city-admin');
    xuhui = await signInFixture('fx-xuhui-admin');
    changning = await signInFixture('fx-changning-admin');
    auditor = await signInFixture('fx-auditor');
    ou = await createInstitution(city, XUHUI, 'open_university');
    school = await createInstitution(city, CHANGNING, 'community_school');
    const unrelated = await createInstitution(city, XUHUI, 'university');
    staff = await createStaff(city, 'staff', ou.id);
    schoolStaff = await createStaff(city, 'staff', school.id);
    unrelatedStaff = await createStaff(city, 'staff', unrelated.id);
    reviewer = await createStaff(city, 'reviewer');
    citizen = await registerCitizen();
    other = await registerCitizen();
    const acct = citizen.account.account_no;
    const put = async (who, name, body) => {
      const res = await who.post('/api/v1/ledger/outcomes', { account_no: acct, ...body });
      assertStatus(res, 201);
      outcomes[name] = res.json;
      return res.json;
    };
    await put(staff, 'credit2023', { kind: 'academic_credit', title: '管理学原理', code: 'MGT101', level: 5, credits_milli: 4000, result_kind: 'grade', result: '良好', awarded_on: '2023-01-10' });
    await put(staff, 'credit2024', { kind: 'academic_credit', title: '微观经济学', code: 'ECO201', level: 6, credits_milli: 3000, result_kind: 'score', result: '91.5', awarded_on: '2024-06-30' });
    await put(staff, 'training', { kind: 'non_degree_training', title: '数据分析实务', level: 4, hours_milli: 32500, started_on: '2024-03-01', awarded_on: '2024-05-20' });
    await put(staff, 'community', { kind: 'community_education', title: '沪语入门', hours_milli: 24000, awarded_on: '2022-12-15' });
    await put(staff, 'revoked', { kind: 'academic_credit', title: '体育（一）', code: 'PE101', level: 5, credits_milli: 1000, result_kind: 'pass', result: 'pass', awarded_on: '2024-02-02' });
    assertStatus(await staff.post(`/api/v1/ledger/outcomes/${outcomes.revoked.outcome_id}/revocation`, { reason: '误存' }), 201);
    const up = await staff.request('POST', '/api/v1/ledger/evidence', { body: Buffer.from('%PDF-1.4\n' + crypto.randomUUID()), contentType: 'application/pdf' });
    assertStatus(up, 201);
    const q = await put(staff, 'qualification', { kind: 'academic_qualification', title: '工商管理（本科）', code: '120201K', level: 7, started_on: '2020-09-01', certificate_no: 'B' + crypto.randomInt(1e9), evidence_id: up.json.id, awarded_on: '2024-07-01' });
    const ok = await reviewer.post(`/api/v1/ledger/submissions/${q.submission_id}/decision`, { decision: 'approve' });
    assertStatus(ok, 200);
    outcomes.qualification = { ...q, outcome_id: ok.json.outcome_id, entry_id: ok.json.entry_id };
    await put(schoolStaff, 'schoolCommunity', { kind: 'community_education', title: '社区合唱团', level: 2, hours_milli: 10000, awarded_on: '2025-03-01' });
    await put(schoolStaff, 'elder', { kind: 'elder_education', title: '智能手机使用', hours_milli: 12000, awarded_on: '2021-10-01' });
  });

  const mine = async (query = '') => {
    const res = await citizen.client.get(`/api/v1/me/transcript${query}`);
    assertStatus(res, 200);
    return res.json;
  };

  test('the citizen\'s transcript lists each live outcome once, sorted by kind then newest, with the person', async () => {
    const t = await mine();
    assert.equal(t.person.id, citizen.account.id);
    assert.equal(t.person.account_no, citizen.account.account_no);
    assert.ok(t.generated_at);
    const ids = t.items.map((i) => i.outcome_id);
    const live = Object.entries(outcomes).filter(([k]) => k !== 'revoked').map(([, v]) => v.outcome_id);
    assert.deepEqual([...ids].sort(), [...live].sort());
    const order = t.items.map((i) => [i.kind, i.awarded_on]);
    const sorted = [...order].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
    assert.deepEqual(order, sorted, 'by kind, then awarded_on newest first');
    const credit = t.items.find((i) => i.outcome_id === outcomes.credit2024.outcome_id);
    assert.equal(credit.status, 'stored');
    assert.equal(credit.result_kind, 'score');
    assert.equal(credit.result, '91.5');
    assert.equal(credit.institution.id, ou.id);
    assert.equal(credit.institution.name, ou.name);
  });

  test('totals by kind, level and year add up to the items, and revoked outcomes count in none', async () => {
    const t = await mine();
    assertTotalsMatch(t);
    assert.deepEqual(t.totals, { count: 7, credits_milli: 7000, hours_milli: 32500 + 24000 + 10000 + 12000 });
    assert.deepEqual(t.by_year.map((y) => y.year), [2021, 2022, 2023, 2024, 2025]);
    const withRevoked = await mine('?include_revoked=true');
    assert.equal(withRevoked.items.length, 8);
    assert.equal(withRevoked.items.find((i) => i.outcome_id === outcomes.revoked.outcome_id).status, 'revoked');
    assertTotalsMatch(withRevoked);
    assert.deepEqual(withRevoked.totals, t.totals);
  });

  test('filters by kind, level and awarded_on range select the items, and the totals follow them', async () => {
    const byKind = await mine('?kind=academic_credit');
    assert.deepEqual(byKind.items.map((i) => i.outcome_id).sort(), [outcomes.credit2023.outcome_id, outcomes.credit2024.outcome_id].sort());
    assertTotalsMatch(byKind);
    assert.equal(byKind.totals.credits_milli, 7000);
    const byLevel = await mine('?level=6');
    assert.deepEqual(byLevel.items.map((i) => i.outcome_id), [outcomes.credit2024.outcome_id]);
    assertTotalsMatch(byLevel);
    const in2024 = await mine('?from=2024-01-01&to=2024-12-31');
    assert.deepEqual(in2024.items.map((i) => i.outcome_id).sort(),
      [outcomes.credit2024.outcome_id, outcomes.training.outcome_id, outcomes.qualification.outcome_id].sort());
    assert.ok(in2024.items.every((i) => i.awarded_on >= '2024-01-01' && i.awarded_on <= '2024-12-31'));
    assertTotalsMatch(in2024);
    // Bounds are inclusive.
    const day = await mine('?from=2024-06-30&to=2024-06-30');
    assert.deepEqual(day.items.map((i) => i.outcome_id), [outcomes.credit2024.outcome_id]);
    const since = await mine('?from=2024-07-01');
    assert.deepEqual(since.items.map((i) => i.outcome_id).sort(), [outcomes.qualification.outcome_id, outcomes.schoolCommunity.outcome_id].sort());
    const until = await mine('?to=2021-12-31');
    assert.deepEqual(until.items.map((i) => i.outcome_id), [outcomes.elder.outcome_id]);
    const both = await mine('?kind=academic_credit&from=2024-01-01&include_revoked=true');
    assert.deepEqual(both.items.map((i) => i.outcome_id).sort(), [outcomes.credit2024.outcome_id, outcomes.revoked.outcome_id].sort());
    const none = await mine('?kind=professional_qualification');
    assert.deepEqual(none.items, []);
    assert.deepEqual(none.totals, { count: 0, credits_milli: 0, hours_milli: 0 });
    assert.deepEqual([none.by_kind, none.by_level, none.by_year], [[], [], []]);
  });

  const BAD = [
    ['kind=casino', 'kind'],
    ['level=11', 'level'],
    ['level=0', 'level'],
    ['level=six', 'level'],
    ['from=2024/01/01', 'from'],
    ['to=20241231', 'to'],
    ['include_revoked=maybe', 'include_revoked'],
  ];
  for (const [q, field] of BAD)
    test(`a bad filter ?${q} is 400 bad_query on ${field}, for JSON and CSV`, async () => {
      assertError(await citizen.client.get(`/api/v1/me/transcript?${q}`), 400, 'bad_query', field);
      assertError(await citizen.client.get(`/api/v1/me/transcript.csv?${q}`), 400, 'bad_query', field);
      assertError(await staff.get(`/api/v1/accounts/${citizen.account.id}/transcript?${q}`), 400, 'bad_query', field);
    });

  test('a from or to that has the shape of a date but is none is 400 bad_query', async () => {
    for (const [q, field] of [['from=abcd-ef-gh', 'from'], ['to=2024-13-45', 'to'], ['from=2025-02-30', 'from']])
      assertError(await citizen.client.get(`/api/v1/me/transcript?${q}`), 400, 'bad_query', field);
  });

  test('the CSV starts with a UTF-8 BOM and Chinese headings, one row per item', async () => {
    const res = await csvGet(citizen.client, '/api/v1/me/transcript.csv');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
    assert.match(res.headers.get('content-disposition') || '', /attachment; filename="transcript\.csv"/);
    assert.deepEqual([...res.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte order mark');
    assert.ok(res.text.startsWith(BOM));
    const rows = parseCsv(res.text.slice(1));
    assert.deepEqual(rows[0], HEAD_ZH);
    const t = await mine();
    assert.equal(rows.length - 1, t.items.length);
    // Rows in the order of the items, each naming its outcome and entry.
    assert.deepEqual(rows.slice(1).map((r) => r[11]), t.items.map((i) => i.outcome_id));
    assert.deepEqual(rows.slice(1).map((r) => r[12]), t.items.map((i) => i.entry_id));
    const row = rows.find((r) => r[11] === outcomes.credit2024.outcome_id);
    assert.deepEqual(row.slice(0, 11), ['学历教育课程学分', '微观经济学', 'ECO201', '6', '3', '', '91.5', '2024-06-30', ou.name, '', '已入库']);
    const training = rows.find((r) => r[11] === outcomes.training.outcome_id);
    assert.equal(training[5], '32.5');
    assert.equal(training[0], '非学历培训');
  });

  test('?lang=en gives English headings, kind names and statuses; filters apply to the CSV too', async () => {
    const res = await csvGet(citizen.client, '/api/v1/me/transcript.csv?lang=en&include_revoked=true');
    assert.equal(res.status, 200);
    assert.ok(res.text.startsWith(BOM));
    const rows = parseCsv(res.text.slice(1));
    assert.deepEqual(rows[0], HEAD_EN);
    assert.equal(rows.length - 1, (await mine('?include_revoked=true')).items.length);
    const revoked = rows.find((r) => r[11] === outcomes.revoked.outcome_id);
    assert.equal(revoked[0], 'Academic course credit');
    assert.equal(revoked[10], 'revoked');
    const filtered = parseCsv((await csvGet(citizen.client, '/api/v1/me/transcript.csv?lang=en&kind=community_education')).text.slice(1));
    assert.deepEqual(filtered.slice(1).map((r) => r[11]).sort(), [outcomes.community.outcome_id, outcomes.schoolCommunity.outcome_id].sort());
    assert.ok(filtered.slice(1).every((r) => r[0] === 'Community education'));
  });

  test('without ?lang the CSV speaks the language the citizen chose', async () => {
    assertStatus(await other.client.put('/api/v1/me/preferences', { locale: 'en' }), 200);
    const en = await csvGet(other.client, '/api/v1/me/transcript.csv');
    assert.equal(en.status, 200);
    assert.deepEqual(parseCsv(en.text.slice(1)), [HEAD_EN]);
    const zh = await csvGet(other.client, '/api/v1/me/transcript.csv?lang=zh-CN');
    assert.deepEqual(parseCsv(zh.text.slice(1)), [HEAD_ZH]);
    assertStatus(await other.client.put('/api/v1/me/preferences', { locale: 'zh-CN' }), 200);
  });

  test('staff see a person\'s transcript with only their own institution\'s deposits', async () => {
    const res = await staff.get(`/api/v1/accounts/${citizen.account.id}/transcript`);
    assertStatus(res, 200);
    assert.equal(res.json.person.id, citizen.account.id);
    assert.ok(res.json.items.length > 0);
    assert.ok(res.json.items.every((i) => i.institution.id === ou.id));
    assert.deepEqual(res.json.items.map((i) => i.outcome_id).sort(),
      ['credit2023', 'credit2024', 'training', 'community', 'qualification'].map((k) => outcomes[k].outcome_id).sort());
    assertTotalsMatch(res.json);
    const theirs = await schoolStaff.get(`/api/v1/accounts/${citizen.account.id}/transcript`);
    assertStatus(theirs, 200);
    assert.deepEqual(theirs.json.items.map((i) => i.outcome_id).sort(), [outcomes.schoolCommunity.outcome_id, outcomes.elder.outcome_id].sort());
    assertTotalsMatch(theirs.json);
    const csv = await csvGet(schoolStaff, `/api/v1/accounts/${citizen.account.id}/transcript.csv?lang=en`);
    assert.equal(csv.status, 200);
    assert.ok(csv.text.startsWith(BOM));
    const rows = parseCsv(csv.text.slice(1));
    assert.deepEqual(rows[0], HEAD_EN);
    assert.deepEqual(rows.slice(1).map((r) => r[8]), [school.name, school.name]);
  });

  test('reviewers, the city admin, auditors and the person\'s district admin see every outcome', async () => {
    const all = (await mine()).items.map((i) => i.outcome_id).sort();
    for (const who of [reviewer, city, auditor, xuhui]) {
      const res = await who.get(`/api/v1/accounts/${citizen.account.id}/transcript`);
      assertStatus(res, 200);
      assert.deepEqual(res.json.items.map((i) => i.outcome_id).sort(), all, who.user.role);
    }
    assertError(await changning.get(`/api/v1/accounts/${citizen.account.id}/transcript`), 404, 'not_found');
    assertError(await reviewer.get(`/api/v1/accounts/${crypto.randomUUID()}/transcript`), 404, 'not_found');
  });

  test('citizens may not read a transcript by account id, not even another\'s (403); nobody signed in gets 401', async () => {
    assertError(await citizen.client.get(`/api/v1/accounts/${other.account.id}/transcript`), 403, 'forbidden');
    assertError(await citizen.client.get(`/api/v1/accounts/${other.account.id}/transcript.csv`), 403, 'forbidden');
    assertError(await other.client.get(`/api/v1/accounts/${citizen.account.id}/transcript`), 403, 'forbidden');
    assertError(await anon().get('/api/v1/me/transcript'), 401, 'unauthenticated');
    assertError(await staff.get('/api/v1/me/transcript'), 403, 'forbidden');
    // Another citizen's own transcript holds nothing of this one.
    const theirs = await other.client.get('/api/v1/me/transcript');
    assertStatus(theirs, 200);
    assert.deepEqual(theirs.json.items, []);
  });

  // ledger.h: "LL_NOT_FOUND when the caller may see nothing of the person"; and GET
  // /api/v1/accounts/{id} already hides persons from institutions that did not register them.
  test('staff of an institution that deposited nothing for the person get 404, not their name and account number', async () => {
    const res = await unrelatedStaff.get(`/api/v1/accounts/${citizen.account.id}/transcript`);
    assertError(res, 404, 'not_found');
    assertError(await unrelatedStaff.get(`/api/v1/accounts/${citizen.account.id}`), 404, 'not_found');
  });
});
