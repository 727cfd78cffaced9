// The credit bank, bulk imports: an institution's staff upload a file of outcomes (CSV with
// English or Chinese headings, UTF-8 with or without a BOM, GB18030 as Excel saves it, or JSON
// Lines) and the server's worker reads it as a background job, which the uploader follows until
// it is done, rejected or failed. Good rows become submissions and entries like single deposits;
// each bad row is reported with its line, field and code (as JSON and as a CSV report) and
// leaves nothing behind; all-or-nothing jobs store nothing when a row fails; a file imported
// again stores nothing new; external ids are each institution's own; and only the importing
// institution and the credit bank's own staff see a job.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  BASE, CHANGNING, SESSION_COOKIE, XUHUI, accountNo, anon, assertError, assertStatus, checkErrorShape, createInstitution,
  createStaff, registerCitizen, registerPerson, signInFixture, sleep,
} from './lib.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEAD = ['account_no', 'kind', 'title', 'code', 'level', 'credits', 'hours', 'result_kind', 'result', 'started_on', 'awarded_on', 'certificate_no', 'external_id'];
const HEAD_ZH = ['学习账号', '类别', '名称', '代码', '等级', '学分', '学时', '成绩类型', '成绩', '开始日期', '获得日期', '证书编号', '外部编号'];
const ERRORS_HEAD_ZH = ['行号', '字段', '错误代码', '说明'];
const ERRORS_HEAD_EN = ['line', 'field', 'code', 'message'];
const BOM = '\ufeff';
const OVER = ['done', 'rejected', 'failed'];

// Rows as objects with the English column names; an open university may deposit all three
// kinds, and the default standards accept them at once.
const credit = (acct, over = {}) => ({
  account_no: acct, kind: 'academic_credit', title: '高等数学', code: 'MATH101', credits: '4', result_kind: 'grade', result: 'A',
  awarded_on: '2024-06-30', ...over,
});
const training = (acct, over = {}) => ({
  account_no: acct, kind: 'non_degree_training', title: '人工智能通识培训', hours: '32', started_on: '2024-03-01', awarded_on: '2024-05-20', ...over,
});
const community = (acct, over = {}) => ({
  account_no: acct, kind: 'community_education', title: '社区书法班', hours: '24', awarded_on: '2023-12-15', ...over,
});

// A CSV value, quoted when it has to be.
const cell = (v) => (v === undefined || v === null ? '' : /[",\r\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
// Rows (objects with English column names) under the given headings, in HEAD's order.
function csvOf(rows, { head = HEAD, eol = '\r\n' } = {}) {
  return [head.join(','), ...rows.map((r) => HEAD.map((k) => cell(r[k])).join(','))].join(eol) + eol;
}
const jsonl = (objs) => objs.map((o) => JSON.stringify(o)).join('\n') + '\n';
// A short tag that keeps the titles of one scenario apart from every other's.
const tag = () => crypto.randomBytes(3).toString('hex');

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

// Text in GB18030, as Excel in China saves a CSV: through glibc's iconv, and checked by decoding
// it back with node's own GB18030 decoder.
function gb18030(text) {
  const bytes = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: Buffer.from(text, 'utf8') });
  assert.equal(new TextDecoder('gb18030').decode(bytes), text, 'iconv wrote GB18030');
  assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'the GB18030 bytes are not UTF-8');
  return bytes;
}

async function upload(client, body, query = '', contentType = 'text/csv; charset=utf-8') {
  return client.request('POST', `/api/v1/ledger/imports${query}`, { body, contentType });
}

// Polls the job until the worker has finished it.
async function finished(client, id) {
  for (let i = 0; i < 1200; i++) {
    const res = await client.get(`/api/v1/ledger/imports/${id}`);
    assertStatus(res, 200);
    if (OVER.includes(res.json.status)) return res.json;
    assert.ok(['queued', 'validating', 'writing'].includes(res.json.status), `status ${res.json.status}`);
    await sleep(50);
  }
  throw new Error(`import ${id} did not finish in a minute`);
}

// Uploads and waits: the finished job.
async function importFile(client, body, query = '', contentType) {
  const res = await upload(client, body, query, contentType);
  assertStatus(res, 202);
  assert.match(res.json.id, UUID);
  assert.ok(['queued', 'validating', 'writing', ...OVER].includes(res.json.status), res.text);
  return finished(client, res.json.id);
}

// A download as bytes and as text with its BOM kept (fetch's text() drops a BOM).
async function rawGet(client, p) {
  const res = await fetch(BASE + p, { headers: { cookie: `${SESSION_COOKIE}=${client.cookie}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  const out = { method: 'GET', path: p, status: res.status, headers: res.headers, bytes, json: null,
    text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
  if (/^application\/json/.test(res.headers.get('content-type') || '')) out.json = JSON.parse(out.text);
  if (res.status >= 400 && out.json) checkErrorShape(out, `GET ${p}`);
  return out;
}

describe('importing outcome files', () => {
  let city, ou, staff, ou2, staff2, reviewer, citizen;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    ou = await createInstitution(city, XUHUI, 'open_university');
    staff = await createStaff(city, 'staff', ou.id);
    ou2 = await createInstitution(city, CHANGNING, 'open_university');
    staff2 = await createStaff(city, 'staff', ou2.id);
    reviewer = await createStaff(city, 'reviewer');
    citizen = await registerCitizen();
  });

  // A new person, registered by staff, for a scenario of its own.
  const person = async () => (await registerPerson(staff)).account;

  // The person's current outcomes as the city admin sees them (every institution's).
  async function transcript(p) {
    const res = await city.get(`/api/v1/accounts/${p.id}/transcript`);
    assertStatus(res, 200);
    return res.json.items;
  }
  const titles = async (p) => (await transcript(p)).map((i) => i.title).sort();

  async function submissions(client = staff) {
    const res = await client.get('/api/v1/ledger/submissions?limit=500');
    assertStatus(res, 200);
    assert.equal(res.json.next, null, 'the scenario fits one page of submissions');
    return res.json.items;
  }
  const submissionIds = async (client) => (await submissions(client)).map((s) => s.id).sort();

  async function errorsOf(client, id, query = '') {
    const res = await client.get(`/api/v1/ledger/imports/${id}/errors${query}`);
    assertStatus(res, 200);
    return res.json;
  }

  test('a UTF-8 CSV with English headings stores every row, as the job counts and the transcripts show', async () => {
    const t = tag();
    const p = await person();
    const acct = citizen.account.account_no;
    const rows = [
      credit(acct, { title: `高等数学 ${t}`, credits: '2.5', level: '6', result_kind: 'score', result: '88.5' }),
      training(acct, { title: `人工智能通识培训 ${t}` }),
      community(p.account_no, { title: `社区书法班 ${t}`, external_id: `en-${t}` }),
    ];
    const body = csvOf(rows);
    const job = await importFile(staff, body, `?name=${encodeURIComponent(`成果 ${t}.csv`)}`);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.format, 'csv');
    assert.equal(job.mode, 'partial');
    assert.equal(job.filename, `成果 ${t}.csv`);
    assert.equal(job.institution.id, ou.id);
    assert.equal(job.institution.name, ou.name);
    for (const [k, v] of Object.entries({ rows_read: 3, rows_stored: 3, rows_pending: 0, rows_existing: 0, rows_rejected: 0 }))
      assert.equal(job[k], v, k);
    assert.equal(job.total_bytes, Buffer.byteLength(body));
    assert.equal(job.bytes_done, job.total_bytes);
    assert.equal(job.percent, 100);
    assert.ok(Number.isInteger(job.rows_per_s) && job.rows_per_s >= 0, `rows_per_s ${job.rows_per_s}`);
    assert.ok(job.created_at && job.started_at && job.finished_at, 'times of the job');
    assert.deepEqual((await errorsOf(staff, job.id)).items, []);

    // The citizen sees their two outcomes with the values of the file.
    const mine = await citizen.client.get('/api/v1/me/transcript');
    assertStatus(mine, 200);
    const byTitle = new Map(mine.json.items.map((i) => [i.title, i]));
    const c = byTitle.get(`高等数学 ${t}`);
    assert.ok(c, 'the credit row is in the citizen\'s transcript');
    assert.deepEqual(
      { kind: c.kind, code: c.code, level: c.level, credits_milli: c.credits_milli, result_kind: c.result_kind, result: c.result, awarded_on: c.awarded_on, status: c.status, institution: c.institution.id },
      { kind: 'academic_credit', code: 'MATH101', level: 6, credits_milli: 2500, result_kind: 'score', result: '88.5', awarded_on: '2024-06-30', status: 'stored', institution: ou.id },
    );
    const tr = byTitle.get(`人工智能通识培训 ${t}`);
    assert.ok(tr, 'the training row is in the citizen\'s transcript');
    assert.deepEqual({ kind: tr.kind, hours_milli: tr.hours_milli, started_on: tr.started_on }, { kind: 'non_degree_training', hours_milli: 32000, started_on: '2024-03-01' });
    // The other person's, through the accounts route.
    const theirs = await transcript(p);
    assert.deepEqual(theirs.map((i) => [i.title, i.kind, i.hours_milli]), [[`社区书法班 ${t}`, 'community_education', 24000]]);
    // The job is listed for its institution, newest first.
    const list = await staff.get('/api/v1/ledger/imports');
    assertStatus(list, 200);
    assert.equal(list.json.items[0].id, job.id);
  });

  test('a CSV with Chinese headings and Chinese kind labels stores its rows', async () => {
    const t = tag();
    const p = await person();
    const rows = [
      credit(p.account_no, { kind: '学历教育课程学分', title: `线性代数 ${t}`, result_kind: '等级', result: 'B' }),
      training(p.account_no, { kind: '非学历培训', title: `数据分析培训 ${t}` }),
      community(p.account_no, { kind: '社区教育', title: `社区茶艺班 ${t}`, result: '合格' }),
    ];
    const job = await importFile(staff, csvOf(rows, { head: HEAD_ZH }));
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.rows_stored, 3);
    assert.equal(job.rows_rejected, 0);
    const items = await transcript(p);
    assert.deepEqual(items.map((i) => [i.title, i.kind]).sort(), [
      [`数据分析培训 ${t}`, 'non_degree_training'], [`社区茶艺班 ${t}`, 'community_education'], [`线性代数 ${t}`, 'academic_credit'],
    ].sort());
    const la = items.find((i) => i.kind === 'academic_credit');
    assert.deepEqual([la.result_kind, la.result], ['grade', 'B']);
    const tea = items.find((i) => i.kind === 'community_education');
    assert.deepEqual([tea.result_kind, tea.result], ['pass', 'pass']);
  });

  test('a UTF-8 CSV with a byte order mark (and LF line ends) stores its rows', async () => {
    const t = tag();
    const p = await person();
    const body = BOM + csvOf([community(p.account_no, { title: `社区合唱团 ${t}` }), training(p.account_no, { title: `摄影基础 ${t}` })], { head: HEAD_ZH, eol: '\n' });
    assert.equal(Buffer.from(body, 'utf8').subarray(0, 3).toString('hex'), 'efbbbf');
    const job = await importFile(staff, Buffer.from(body, 'utf8'));
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.rows_read, 2);
    assert.equal(job.rows_stored, 2);
    assert.deepEqual(await titles(p), [`摄影基础 ${t}`, `社区合唱团 ${t}`].sort());
  });

  test('a GB18030 CSV as Excel saves it stores its rows with the Chinese text intact', async () => {
    const t = tag();
    const p = await person();
    // Characters outside GBK's two-byte range too (four-byte GB18030 sequences: 𠀀 and €).
    const rows = [
      credit(p.account_no, { kind: '学历教育课程学分', title: `计算机应用基础（一）${t}`, result: 'A' }),
      community(p.account_no, { kind: '社区教育', title: `𠀀字书法·欣赏 ${t}` }),
      training(p.account_no, { kind: '非学历培训', title: `会计实务€ ${t}` }),
    ];
    const bytes = gb18030(csvOf(rows, { head: HEAD_ZH }));
    const job = await importFile(staff, bytes, '?name=excel.csv', 'text/csv');
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.rows_stored, 3);
    assert.equal(job.rows_rejected, 0);
    assert.equal(job.total_bytes, bytes.length);
    assert.deepEqual(await titles(p), rows.map((r) => r.title).sort());
  });

  test('JSON Lines, chosen by ?format=jsonl, by a .jsonl name or by Content-Type application/x-ndjson, takes numbers as numbers or strings', async () => {
    const t = tag();
    const p = await person();
    const ways = [
      ['?format=jsonl', 'text/plain'],
      ['?name=outcomes.jsonl', 'application/octet-stream'],
      ['', 'application/x-ndjson'],
    ];
    const want = [];
    for (const [i, [query, type]] of ways.entries()) {
      const objs = [
        // Numbers as JSON numbers...
        { account_no: p.account_no, kind: 'academic_credit', title: `离散数学 ${i} ${t}`, code: 'MATH201', level: 6, credits: 2.5, result_kind: 'score', result: 91, awarded_on: '2024-01-15' },
        // ... and as strings, with the Chinese keys.
        { 学习账号: p.account_no, 类别: '社区教育', 名称: `社区舞蹈 ${i} ${t}`, 学时: '12.5', 获得日期: '2024-02-01', 外部编号: `jl-${i}-${t}` },
        { account_no: p.account_no, kind: 'non_degree_training', title: `Python 入门 ${i} ${t}`, hours: 40, started_on: '2024-01-01', awarded_on: '2024-03-01', level: null },
      ];
      const job = await importFile(staff, jsonl(objs), query, type);
      assert.equal(job.status, 'done', `${query} ${type}: ${JSON.stringify(job)}`);
      assert.equal(job.format, 'jsonl', `${query} ${type}`);
      assert.equal(job.rows_read, 3);
      assert.equal(job.rows_stored, 3, `${query} ${type}`);
      want.push(...objs.map((o) => o.title || o['名称']));
    }
    const items = await transcript(p);
    assert.deepEqual(items.map((i) => i.title).sort(), want.sort());
    const math = items.find((i) => i.title === `离散数学 0 ${t}`);
    assert.deepEqual([math.level, math.credits_milli, math.result_kind, math.result], [6, 2500, 'score', '91']);
    assert.equal(items.find((i) => i.title === `社区舞蹈 1 ${t}`).hours_milli, 12500);
    assert.equal(items.find((i) => i.title === `Python 入门 2 ${t}`).hours_milli, 40000);
  });

  describe('a file with bad rows', () => {
    const t = tag();
    let p, job, subsBefore, subsAfter;
    // Each bad row with what must be reported about it: [line, field, code], the field named as
    // the file names its column. Line 1 is the header; lines 2, 9 and 14 are good; 9's external
    // id comes back on line 10 with other content.
    let lines, want;
    before(async () => {
      p = await person();
      const a = p.account_no;
      const good = (title, over = {}) => csvOf([community(a, { title, ...over })]).split('\r\n')[1];
      lines = [
        HEAD.join(','),
        good(`好行 A ${t}`),                                                                                           // 2
        `${a},community_education,"坏引号 ${t}"x,,,,24,,,,2023-12-15,,`,                                                   // 3 text after a closing quote
        `${a},community_education,列数不对 ${t},,,,24,,,,2023-12-15`,                                                      // 4 two values short
        csvOf([credit(a, { title: `日期不存在 ${t}`, awarded_on: '2025-02-30' })]).split('\r\n')[1],                      // 5
        csvOf([credit(a, { title: `学分超出标准 ${t}`, credits: '25' })]).split('\r\n')[1],                               // 6 the standard's maximum is 20
        csvOf([credit(a, { title: `学分超出上限 ${t}`, credits: '301' })]).split('\r\n')[1],                              // 7 no outcome carries more than 300
        good(`无此账号 ${t}`, { account_no: accountNo(9999999999990) }),                                                // 8
        good(`外部编号首次 ${t}`, { external_id: `dup-${t}` }),                                                          // 9
        good(`外部编号再次不同 ${t}`, { external_id: `dup-${t}` }),                                                      // 10
        good(`老年教育 ${t}`, { kind: 'elder_education' }),                                                            // 11 not an open university's kind
        csvOf([credit(a, { title: `成绩不对 ${t}`, result: 'Z' })]).split('\r\n')[1],                                     // 12
        good(`学时低于标准 ${t}`, { hours: '0.5' }),                                                                     // 13 the standard's minimum is 1
        good(`好行 B ${t}`),                                                                                           // 14
      ];
      want = [
        [3, null, 'csv_bad_quote'],
        [4, null, 'csv_column_count'],
        [5, 'awarded_on', 'invalid_date'],
        [6, 'credits', 'out_of_range'],
        [7, 'credits', 'out_of_range'],
        [8, 'account_no', 'unknown_account'],
        [10, 'external_id', 'duplicate_external_id'],
        [11, 'kind', 'kind_not_allowed'],
        [12, 'result', 'invalid_result'],
        [13, 'hours', 'out_of_range'],
      ];
      subsBefore = await submissionIds();
      job = await importFile(staff, lines.join('\r\n') + '\r\n', '?name=bad.csv');
      subsAfter = await submissions();
    });

    test('partial mode: the job is done, with every row counted as stored or rejected', () => {
      assert.equal(job.status, 'done', JSON.stringify(job));
      assert.equal(job.rows_read, 13);
      assert.equal(job.rows_stored, 3);
      assert.equal(job.rows_rejected, want.length);
      assert.equal(job.rows_existing, 0);
      assert.equal(job.percent, 100);
    });

    test('GET .../errors reports each bad row with its line, field, code and a message, in line order', async () => {
      const page = await errorsOf(staff, job.id);
      assert.deepEqual(page.items.map((e) => [e.line, e.field, e.code]), want);
      for (const e of page.items) assert.ok(typeof e.message === 'string' && e.message.length > 0, JSON.stringify(e));
      assert.equal(page.next, null);
    });

    // Lines 6 and 13 break the entry standard's range, 7 the import's own cap: all three name the
    // column as the file does (credits, hours), not as the API's credits_milli and hours_milli,
    // which no file has, and say so in the file's units.
    test('a value outside the entry standard\'s range is reported under the file\'s column (credits, hours)', async () => {
      const page = await errorsOf(staff, job.id);
      const got = page.items.filter((e) => [6, 7, 13].includes(e.line));
      assert.deepEqual(got.map((e) => [e.line, e.field, e.code]), want.filter((w) => [6, 7, 13].includes(w[0])));
      for (const e of got) assert.doesNotMatch(e.message, /_milli/, `the message speaks of the file's column: ${e.message}`);
    });

    test('the errors page by line with after and limit', async () => {
      const first = await errorsOf(staff, job.id, '?limit=4');
      assert.deepEqual(first.items.map((e) => e.line), [3, 4, 5, 6]);
      assert.equal(String(first.next), '6');
      const rest = await errorsOf(staff, job.id, `?after=${first.next}&limit=100`);
      assert.deepEqual(rest.items.map((e) => e.line), want.slice(4).map((w) => w[0]));
      assert.equal(rest.next, null);
      assertError(await staff.get(`/api/v1/ledger/imports/${job.id}/errors?limit=0`), 400, 'bad_query', 'limit');
    });

    test('GET .../errors.csv has a BOM, the heading 行号,字段,错误代码,说明 and one row per error; ?lang=en has English headings', async () => {
      const json = (await errorsOf(staff, job.id)).items;
      for (const [query, head] of [['', ERRORS_HEAD_ZH], ['?lang=en', ERRORS_HEAD_EN]]) {
        const res = await rawGet(staff, `/api/v1/ledger/imports/${job.id}/errors.csv${query}`);
        assertStatus(res, 200);
        assert.match(res.headers.get('content-type'), /^text\/csv/);
        assert.match(res.headers.get('content-disposition') || '', /attachment/);
        assert.equal(res.bytes.subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 BOM');
        const rows = parseCsv(res.text.slice(1));
        assert.deepEqual(rows[0], head);
        assert.deepEqual(rows.slice(1), json.map((e) => [String(e.line), e.field ?? '', e.code, e.message]));
      }
    });

    test('no bad row left a submission or an entry; the good rows are stored', async () => {
      assert.deepEqual(await titles(p), [`外部编号首次 ${t}`, `好行 A ${t}`, `好行 B ${t}`].sort());
      const added = subsAfter.filter((s) => !subsBefore.includes(s.id));
      assert.deepEqual(added.map((s) => s.title).sort(), [`外部编号首次 ${t}`, `好行 A ${t}`, `好行 B ${t}`].sort());
      assert.deepEqual(added.map((s) => s.status), ['stored', 'stored', 'stored']);
      // Nor did any bad row reach another institution's view, or the city's.
      const all = await city.get(`/api/v1/ledger/submissions?institution=${ou.id}&limit=500`);
      assertStatus(all, 200);
      for (const bad of ['坏引号', '列数不对', '日期不存在', '学分超出', '无此账号', '外部编号再次不同', '老年教育', '成绩不对', '学时低于'])
        assert.ok(!all.json.items.some((s) => s.title.startsWith(bad) && s.title.endsWith(t)), bad);
    });

    test('all_or_nothing with one bad row stores nothing: status rejected, the row reported, transcript unchanged', async () => {
      const q = await person();
      const rows = [
        community(q.account_no, { title: `全部或无 1 ${t}` }),
        community(q.account_no, { title: `全部或无 2 ${t}`, awarded_on: '2023-02-30' }),
        community(q.account_no, { title: `全部或无 3 ${t}` }),
      ];
      const subs = await submissionIds();
      const res = await upload(staff, csvOf(rows), '?mode=all_or_nothing');
      assertStatus(res, 202);
      assert.equal(res.json.mode, 'all_or_nothing');
      const j = await finished(staff, res.json.id);
      assert.equal(j.status, 'rejected', JSON.stringify(j));
      assert.equal(j.mode, 'all_or_nothing');
      assert.equal(j.rows_stored, 0);
      assert.equal(j.rows_rejected, 1);
      assert.equal(j.rows_read, 3);
      assert.equal(j.percent, 100);
      assert.ok(typeof j.error === 'string' && j.error.length > 0, 'the job says why');
      assert.deepEqual((await errorsOf(staff, j.id)).items.map((e) => [e.line, e.field, e.code]), [[3, 'awarded_on', 'invalid_date']]);
      assert.deepEqual(await transcript(q), []);
      assert.deepEqual(await submissionIds(), subs);
    });

    test('all_or_nothing with no bad row stores every row', async () => {
      const q = await person();
      const rows = [1, 2, 3, 4].map((i) => community(q.account_no, { title: `全部 ${i} ${t}` }));
      const j = await importFile(staff, csvOf(rows), '?mode=all_or_nothing');
      assert.equal(j.status, 'done', JSON.stringify(j));
      assert.equal(j.rows_stored, 4);
      assert.equal(j.rows_rejected, 0);
      assert.deepEqual(await titles(q), rows.map((r) => r.title).sort());
    });
  });

  // A rejected row stored nothing under its external id, so the id is still free: a row that
  // repeats the bad content is rejected for the same reason (not counted as already there), and
  // a corrected row with the id is stored.
  test('an external id whose row was rejected stays free: its repetition is rejected again and its correction stored', async () => {
    const t = tag();
    const p = await person();
    const bad = community(p.account_no, { title: `先错后改 ${t}`, awarded_on: '2023-02-30', external_id: `fix-${t}` });
    const body = csvOf([bad, bad, { ...bad, awarded_on: '2023-02-28' }]);
    const job = await importFile(staff, body);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.deepEqual({
      errors: (await errorsOf(staff, job.id)).items.map((e) => [e.line, e.field, e.code]),
      counts: { stored: job.rows_stored, existing: job.rows_existing, rejected: job.rows_rejected },
      transcript: (await transcript(p)).map((i) => [i.title, i.awarded_on]),
    }, {
      errors: [[2, 'awarded_on', 'invalid_date'], [3, 'awarded_on', 'invalid_date']],
      counts: { stored: 1, existing: 0, rejected: 2 },
      transcript: [[`先错后改 ${t}`, '2023-02-28']],
    });
  });

  test('the same file imported twice: the second job finds every row already there and stores nothing', async () => {
    const t = tag();
    const p = await person();
    const rows = [
      credit(p.account_no, { title: `再导入 1 ${t}`, external_id: `again-1-${t}` }),
      community(p.account_no, { title: `再导入 2 ${t}`, external_id: `again-2-${t}` }),
      training(p.account_no, { title: `再导入 3 ${t}`, external_id: `again-3-${t}` }),
    ];
    const body = csvOf(rows);
    const first = await importFile(staff, body);
    assert.equal(first.rows_stored, 3, JSON.stringify(first));
    const items = await transcript(p);
    const subs = await submissionIds();
    const second = await importFile(staff, body);
    assert.equal(second.status, 'done', JSON.stringify(second));
    assert.equal(second.rows_read, 3);
    assert.equal(second.rows_existing, 3);
    assert.equal(second.rows_stored, 0);
    assert.equal(second.rows_rejected, 0);
    assert.deepEqual(await transcript(p), items);
    assert.deepEqual(await submissionIds(), subs);
  });

  test('another institution\'s file with the same external ids does not collide with this one\'s', async () => {
    const t = tag();
    const p = await person();
    const rows = [1, 2].map((i) => community(p.account_no, { title: `同编号 ${i} ${t}`, external_id: `same-${i}-${t}` }));
    const mine = await importFile(staff, csvOf(rows));
    assert.equal(mine.rows_stored, 2, JSON.stringify(mine));
    const theirs = await importFile(staff2, csvOf(rows));
    assert.equal(theirs.status, 'done', JSON.stringify(theirs));
    assert.equal(theirs.rows_stored, 2);
    assert.equal(theirs.rows_existing, 0);
    assert.equal(theirs.rows_rejected, 0);
    const items = await transcript(p);
    assert.deepEqual(items.map((i) => i.institution.id).sort(), [ou.id, ou.id, ou2.id, ou2.id].sort());
  });

  test('an unknown ?format or ?mode is 400 bad_query and an empty body 400 missing_field; no job is made', async () => {
    const jobsBefore = (await staff.get('/api/v1/ledger/imports?limit=500')).json.items.map((j) => j.id);
    const body = csvOf([community(citizen.account.account_no)]);
    assertError(await upload(staff, body, '?format=xlsx'), 400, 'bad_query', 'format');
    assertError(await upload(staff, body, '?mode=some'), 400, 'bad_query', 'mode');
    assertError(await upload(staff, Buffer.alloc(0)), 400, 'missing_field', 'file');
    assertError(await upload(staff, Buffer.alloc(0), '?format=jsonl', 'application/x-ndjson'), 400, 'missing_field', 'file');
    const jobsAfter = (await staff.get('/api/v1/ledger/imports?limit=500')).json.items.map((j) => j.id);
    assert.deepEqual(jobsAfter, jobsBefore);
  });

  test('citizens and reviewers may not upload (403), nor anyone signed out (401)', async () => {
    const body = csvOf([community(citizen.account.account_no, { title: '不应存入' })]);
    const items = await transcript(citizen.account);
    assertError(await upload(citizen.client, body), 403, 'forbidden');
    assertError(await upload(reviewer, body), 403, 'forbidden');
    assertError(await anon().request('POST', '/api/v1/ledger/imports', { body, contentType: 'text/csv' }), 401, 'unauthenticated');
    assert.deepEqual(await transcript(citizen.account), items);
  });

  test('another institution\'s staff get 404 for a job and its errors; reviewers and the city admin read it', async () => {
    const p = await person();
    const job = await importFile(staff, csvOf([community(p.account_no, { title: `可见性 ${tag()}` }), community(accountNo(9999999999990))]));
    assert.equal(job.rows_rejected, 1, JSON.stringify(job));
    for (const suffix of ['', '/errors', '/errors.csv'])
      assertError(await rawGet(staff2, `/api/v1/ledger/imports/${job.id}${suffix}`), 404, 'not_found');
    assert.ok(!(await staff2.get('/api/v1/ledger/imports?limit=500')).json.items.some((j) => j.id === job.id), 'not in their list');
    assertError(await staff.get(`/api/v1/ledger/imports/${crypto.randomUUID()}`), 404, 'not_found');
    for (const who of [city, reviewer]) {
      const got = await who.get(`/api/v1/ledger/imports/${job.id}`);
      assertStatus(got, 200);
      assert.equal(got.json.id, job.id);
      assert.equal(got.json.rows_rejected, 1);
      assert.equal((await errorsOf(who, job.id)).items.length, 1);
      assertStatus(await rawGet(who, `/api/v1/ledger/imports/${job.id}/errors.csv`), 200);
      assert.ok((await who.get('/api/v1/ledger/imports?limit=500')).json.items.some((j) => j.id === job.id), 'in the list');
    }
    assertError(await citizen.client.get(`/api/v1/ledger/imports/${job.id}`), 403, 'forbidden');
  });

  test('progress: a larger file is followed to percent 100 with rows per second as a number', async () => {
    const t = tag();
    const people = [await person(), await person()];
    const rows = Array.from({ length: 3000 }, (_, i) => community(people[i % 2].account_no, { title: `进度 ${i} ${t}`, external_id: `prog-${i}-${t}` }));
    const body = csvOf(rows);
    const res = await upload(staff, body);
    assertStatus(res, 202);
    const seen = [];
    let job;
    for (let i = 0; i < 1200; i++) {
      job = (await staff.get(`/api/v1/ledger/imports/${res.json.id}`)).json;
      seen.push(job.percent);
      assert.ok(Number.isInteger(job.percent) && job.percent >= 0 && job.percent <= 100, `percent ${job.percent}`);
      assert.ok(Number.isInteger(job.rows_per_s) && job.rows_per_s >= 0, `rows_per_s ${job.rows_per_s}`);
      if (OVER.includes(job.status)) break;
      await sleep(20);
    }
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.rows_stored, 3000);
    assert.equal(job.percent, 100);
    assert.equal(job.bytes_done, Buffer.byteLength(body));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `percent never goes back: ${seen}`);
    assert.equal((await transcript(people[0])).length, 1500);
  });

  test('a value a spreadsheet would run as a formula comes back in errors.csv as text: quoted, with a leading apostrophe', async () => {
    const p = await person();
    // An unknown key is reported under its own name, which is the file's text.
    const formula = '=HYPERLINK("http://example.com/x","点我")';
    const body = jsonl([
      { account_no: p.account_no, kind: 'community_education', title: `公式 ${tag()}`, hours: 2, awarded_on: '2024-01-01', [formula]: 1 },
      { account_no: p.account_no, kind: 'community_education', title: `+1 ${tag()}`, hours: 2, awarded_on: '2024-01-01', '@SUM(A1)': 'x', '-2+3': 'y' },
    ]);
    const job = await importFile(staff, body, '?format=jsonl');
    assert.equal(job.rows_rejected, 2, JSON.stringify(job));
    const json = (await errorsOf(staff, job.id)).items;
    assert.deepEqual(json.map((e) => [e.line, e.code]), [[1, 'csv_unknown_column'], [2, 'csv_unknown_column']]);
    assert.equal(json[0].field, formula);
    const res = await rawGet(staff, `/api/v1/ledger/imports/${job.id}/errors.csv?lang=en`);
    assertStatus(res, 200);
    // The value as written: quoted, the apostrophe first, inner quotes doubled.
    assert.ok(res.text.includes(`,"'=HYPERLINK(""http://example.com/x"",""点我"")",`), res.text);
    const rows = parseCsv(res.text.slice(1));
    assert.deepEqual(rows.slice(1).map((r) => r[1]), [`'${formula}`, `'${json[1].field}`]);
    // Nothing of the file's text starts a value in the report without the apostrophe.
    for (const r of rows.slice(1)) for (const v of r) assert.ok(!/^[=+\-@]/.test(v), `a bare formula in the report: ${v}`);
  });
});
