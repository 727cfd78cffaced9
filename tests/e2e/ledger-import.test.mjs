// Bulk import of learning outcomes (/institution/imports): staff choose a CSV file (picker or drag
// and drop) and how rows with problems are handled, follow the job's progress to its end, read
// the rejected rows with their line, column and code, and download the error report; an
// all-or-nothing file with a bad row stores nothing; a file imported again finds every row already
// there; the page on a phone in elder mode and in English. Also: a reviewer lands on the review
// queue after signing in.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, fontSize, openBrowser, shot, signIn, uniqueSuffix, waitForPath } from './lib.mjs';
import { call, cityAdmin, setupLedger, textBelow, controlsBelow } from './ledger-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
let ctx;
before(async () => {
  if (!skip) ctx = await setupLedger();
});

// The Chinese headings of the portal's template, in its order.
const HEAD_ZH = ['学习账号', '类别', '名称', '获得日期', '代码', '等级', '学分', '学时', '成绩类型', '成绩', '开始日期', '证书编号', '外部编号'];
const HEAD_EN = ['account_no', 'kind', 'title', 'awarded_on', 'code', 'level', 'credits', 'hours', 'result_kind', 'result', 'started_on', 'certificate_no', 'external_id'];
const BOM = '\ufeff';

// A learning account number nobody has: the right form and check digit, a serial far above any
// server's.
function unknownAccount() {
  const body = '31' + String(9999999990000 + Math.floor(Math.random() * 9999)).padStart(13, '0');
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let v = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return body + String((10 - (sum % 10)) % 10);
}

// Rows as objects with the English column names -> a UTF-8 CSV with a BOM and Chinese headings,
// as the template and Excel make it.
function csvOf(rows) {
  const cell = (v) => (v === undefined || v === null ? '' : /[",\r\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  return BOM + [HEAD_ZH.join(','), ...rows.map((r) => HEAD_EN.map((k) => cell(r[k])).join(','))].join('\r\n') + '\r\n';
}
const community = (acct, title, over = {}) => ({ account_no: acct, kind: '社区教育', title, hours: '24', awarded_on: '2024-03-15', ...over });
const training = (acct, title, over = {}) => ({ account_no: acct, kind: '非学历培训', title, hours: '32', started_on: '2024-03-01', awarded_on: '2024-05-20', ...over });
const credit = (acct, title, over = {}) => ({ account_no: acct, kind: '学历教育课程学分', title, code: 'MATH101', credits: '4', result_kind: '等级', result: 'A', awarded_on: '2024-06-30', ...over });

// Good rows on lines 2 and 4, bad ones on 3 (no such date), 5 (no such account) and 6 (credits
// above the standard's 20).
function mixedFile(tag) {
  const acct = ctx.citizen.account.account_no;
  const titles = { good: [`社区书法班 ${tag}`, `摄影基础 ${tag}`], bad: [`高等数学 ${tag}`, `无此账号 ${tag}`, `学分超出 ${tag}`] };
  const text = csvOf([
    community(acct, titles.good[0], { external_id: `mix-1-${tag}` }),
    credit(acct, titles.bad[0], { awarded_on: '2024-02-30', external_id: `mix-2-${tag}` }),
    training(acct, titles.good[1], { external_id: `mix-3-${tag}` }),
    community(unknownAccount(), titles.bad[1], { external_id: `mix-4-${tag}` }),
    credit(acct, titles.bad[2], { credits: '25', external_id: `mix-5-${tag}` }),
  ]);
  return { text, titles, want: [[3, 'awarded_on', 'invalid_date'], [5, 'account_no', 'unknown_account'], [6, 'credits', 'out_of_range']] };
}

// The citizen's current outcomes, as the city admin sees them.
async function titlesOf() {
  const r = await call('GET', `/api/v1/accounts/${ctx.citizen.account.id}/transcript`, undefined, ctx.city);
  return r.items.map((i) => i.title);
}

async function openImports(page, { viaDeposit = false } = {}) {
  await signIn(page, ctx.staff.login, ctx.staff.password);
  await waitForPath(page, '/institution');
  if (viaDeposit) {
    await page.locator('[data-test=nav-outcomes]').click();
    await waitForPath(page, '/institution/outcomes');
    await page.locator('[data-test=imports-link]').click();
  } else {
    await page.locator('[data-test=nav-imports]').click();
  }
  await waitForPath(page, '/institution/imports');
  await page.locator('[data-test=jobs-card] [data-test=jobs-list]').waitFor({ state: 'attached' });
}

const isUpload = (r) => r.url().includes('/api/v1/ledger/imports?') && r.request().method() === 'POST';

// Picks the file, starts the import and waits until the job is over; returns its id and the
// upload's request.
async function importThrough(page, name, text, { mode } = {}) {
  await page.locator('[data-test=import-file-input]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
  await page.locator('[data-test=import-file]', { hasText: name }).waitFor();
  if (mode) await page.locator(`[data-test=import-mode] [data-mode=${mode}]`).click();
  const answer = page.waitForResponse(isUpload);
  await page.locator('[data-test=import-start]').click();
  const res = await answer;
  assert.equal(res.status(), 202);
  const { id } = await res.json();
  const card = page.locator(`[data-test=job-card][data-id="${id}"]`);
  await card.locator('[data-test=job-result]').waitFor();
  return { id, card, request: res.request() };
}

const counts = async (card) => {
  const out = {};
  for (const k of ['read', 'stored', 'pending', 'existing', 'rejected']) out[k] = Number((await card.locator(`[data-test=count-${k}]`).innerText()).replace(/[,\s]/g, ''));
  return out;
};

test('staff import a CSV with good and bad rows in partial mode: the progress reaches 100%, the counts and the rejected rows show, and the report downloads', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openImports(page, { viaDeposit: true });
    const tag = uniqueSuffix();
    const file = mixedFile(tag);
    const name = `成绩-${tag}.csv`;

    // The page asks the server about the job until it is over.
    const polls = [];
    page.on('response', (r) => {
      if (/\/api\/v1\/ledger\/imports\/[0-9a-f-]{36}$/.test(new URL(r.url()).pathname) && r.request().method() === 'GET') polls.push(r.url());
    });
    assert.equal(await page.locator('[data-test=mode-partial]').isChecked(), true, 'partial is the default');
    const { id, card, request } = await importThrough(page, name, file.text);
    const url = new URL(request.url());
    assert.equal(url.searchParams.get('name'), name);
    assert.equal(url.searchParams.get('mode'), 'partial');
    assert.match(request.headers()['content-type'], /^text\/csv/);
    assert.ok(request.headers()['x-csrf-token'], 'the upload carries the CSRF token');
    assert.ok(polls.length >= 1, 'the job was polled');

    assert.equal(await card.getAttribute('data-status'), 'done');
    assert.equal(await card.locator('[data-test=job-status]').getAttribute('data-status'), 'done');
    assert.match(await card.locator('[data-test=job-status]').innerText(), /已完成/);
    assert.equal((await card.locator('[data-test=job-percent]').innerText()).trim(), '100%');
    assert.equal(await card.locator('[data-test=job-progress]').getAttribute('aria-valuenow'), '100');
    assert.deepEqual(await counts(card), { read: 5, stored: 2, pending: 0, existing: 0, rejected: 3 });
    const result = card.locator('[data-test=job-result]');
    assert.equal(await result.getAttribute('data-result'), 'partial');
    assert.match(await result.innerText(), /3 行有问题/);

    // The rejected rows, in line order, with their column and code.
    const rows = card.locator('[data-test=error-row]');
    await rows.nth(2).waitFor();
    const got = await rows.evaluateAll((els) => els.map((e) => [Number(e.dataset.line), e.dataset.field, e.dataset.code]));
    assert.deepEqual(got, file.want);
    const first = rows.nth(0);
    assert.equal((await first.locator('[data-test=error-line]').innerText()).trim(), '3');
    assert.equal((await first.locator('[data-test=error-field]').innerText()).trim(), '获得日期');
    assert.equal((await first.locator('[data-test=error-code]').innerText()).trim(), 'invalid_date');
    assert.match(await first.locator('[data-test=error-message]').innerText(), /日期不对/);
    assert.equal((await rows.nth(1).locator('[data-test=error-field]').innerText()).trim(), '学习账号');
    assert.equal((await rows.nth(2).locator('[data-test=error-field]').innerText()).trim(), '学分');
    await shot(page, 'ledger-import-partial');

    // The report: the same rows as a CSV file with a BOM and Chinese headings.
    const [download] = await Promise.all([page.waitForEvent('download'), card.locator('[data-test=errors-csv]').click()]);
    const report = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(report.startsWith(BOM), 'the report starts with a BOM');
    const lines = report.slice(1).trim().split(/\r?\n/);
    assert.equal(lines[0], '行号,字段,错误代码,说明');
    assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(0, 3)), file.want.map((w) => w.map(String)));

    // The job is first among the earlier imports, and the good rows are in the learner's record.
    const listed = page.locator('[data-test=job-item]').first();
    await page.locator(`[data-test=job-item][data-id="${id}"][data-status=done]`).waitFor();
    assert.equal(await listed.getAttribute('data-id'), id);
    const titles = await titlesOf();
    for (const t of file.titles.good) assert.ok(titles.includes(t), `${t} is stored`);
    for (const t of file.titles.bad) assert.ok(!titles.includes(t), `${t} is not stored`);
    // The job stays on the page's address: a reload shows it again.
    assert.equal(new URL(page.url()).searchParams.get('job'), id);
    await page.reload();
    await page.locator(`[data-test=job-card][data-id="${id}"] [data-test=error-row]`).nth(2).waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the help panel lists the columns and downloads a template with Chinese headings', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openImports(page);
    const help = page.locator('[data-test=import-help]');
    const columns = await help.locator('[data-test=column-item]').evaluateAll((els) => els.map((e) => [e.dataset.column, e.dataset.required]));
    assert.deepEqual(columns.map((c) => c[0]), HEAD_EN);
    assert.deepEqual(columns.filter((c) => c[1] === 'true').map((c) => c[0]), ['account_no', 'kind', 'title', 'awarded_on']);
    const kind = help.locator('[data-test=column-item][data-column=kind]');
    assert.match(await kind.innerText(), /类别[\s\S]*kind[\s\S]*必填/);
    assert.match(await help.locator('[data-test=column-item][data-column=external_id]').innerText(), /外部编号[\s\S]*选填[\s\S]*不会重复存入/);

    const [download] = await Promise.all([page.waitForEvent('download'), help.locator('[data-test=template-download]').click()]);
    assert.equal(download.suggestedFilename(), '学习成果导入模板.csv');
    const bytes = fs.readFileSync(await download.path());
    assert.equal(bytes.subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 with a BOM');
    assert.equal(bytes.subarray(3).toString('utf8'), HEAD_ZH.join(',') + '\r\n');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('an all-or-nothing file with one bad row, dropped on the page, stores nothing', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openImports(page);
    const tag = uniqueSuffix();
    const acct = ctx.citizen.account.account_no;
    const titles = [`全部或无 一 ${tag}`, `全部或无 二 ${tag}`, `全部或无 三 ${tag}`];
    const text = csvOf([
      community(acct, titles[0], { external_id: `aon-1-${tag}` }),
      community(acct, titles[1], { awarded_on: '2023-02-30', external_id: `aon-2-${tag}` }),
      training(acct, titles[2], { external_id: `aon-3-${tag}` }),
    ]);
    const name = `全部或无-${tag}.csv`;
    const subsBefore = (await ctx.submissions('?limit=500')).items.length;

    // Drag and drop instead of the picker.
    const drop = page.locator('[data-test=import-drop]');
    const dt = await page.evaluateHandle(({ text, name }) => {
      const d = new DataTransfer();
      d.items.add(new File([text], name, { type: 'text/csv' }));
      return d;
    }, { text, name });
    await drop.dispatchEvent('dragenter', { dataTransfer: dt });
    await drop.dispatchEvent('dragover', { dataTransfer: dt });
    await drop.dispatchEvent('drop', { dataTransfer: dt });
    await page.locator('[data-test=import-file]', { hasText: name }).waitFor();
    await page.locator('[data-test=import-mode] [data-mode=all_or_nothing]').click();
    assert.equal(await page.locator('[data-test=mode-all_or_nothing]').isChecked(), true);

    const answer = page.waitForResponse(isUpload);
    await page.locator('[data-test=import-start]').click();
    const res = await answer;
    assert.equal(new URL(res.url()).searchParams.get('mode'), 'all_or_nothing');
    const { id } = await res.json();
    const card = page.locator(`[data-test=job-card][data-id="${id}"]`);
    await card.locator('[data-test=job-result]').waitFor();
    assert.equal(await card.getAttribute('data-status'), 'rejected');
    assert.match(await card.locator('[data-test=job-status]').innerText(), /未存入/);
    assert.equal(await card.locator('[data-test=job-result]').getAttribute('data-result'), 'rejected');
    assert.match(await card.locator('[data-test=job-result]').innerText(), /整个文件都没有存入/);
    assert.equal((await card.locator('[data-test=job-percent]').innerText()).trim(), '100%');
    const c = await counts(card);
    assert.equal(c.stored, 0);
    assert.equal(c.rejected, 1);
    const rows = await card.locator('[data-test=error-row]').evaluateAll((els) => els.map((e) => [Number(e.dataset.line), e.dataset.field, e.dataset.code]));
    assert.deepEqual(rows, [[3, 'awarded_on', 'invalid_date']]);
    await shot(page, 'ledger-import-all-or-nothing');

    // Nothing reached the learner's record or the institution's submissions.
    const stored = await titlesOf();
    for (const t of titles) assert.ok(!stored.includes(t), `${t} is not stored`);
    assert.equal((await ctx.submissions('?limit=500')).items.length, subsBefore);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('importing the same file again reports every row already there and stores nothing new', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openImports(page);
    const tag = uniqueSuffix();
    const acct = ctx.citizen.account.account_no;
    const text = csvOf([
      community(acct, `再次导入 一 ${tag}`, { external_id: `again-1-${tag}` }),
      training(acct, `再次导入 二 ${tag}`, { external_id: `again-2-${tag}` }),
      credit(acct, `再次导入 三 ${tag}`, { external_id: `again-3-${tag}` }),
    ]);
    const name = `再次-${tag}.csv`;
    const first = await importThrough(page, name, text);
    assert.equal(await first.card.getAttribute('data-status'), 'done');
    assert.deepEqual(await counts(first.card), { read: 3, stored: 3, pending: 0, existing: 0, rejected: 0 });
    assert.equal(await first.card.locator('[data-test=job-result]').getAttribute('data-result'), 'done');
    const before = await titlesOf();

    const second = await importThrough(page, name, text);
    assert.notEqual(second.id, first.id);
    assert.equal(await second.card.getAttribute('data-status'), 'done');
    assert.deepEqual(await counts(second.card), { read: 3, stored: 0, pending: 0, existing: 3, rejected: 0 });
    const result = second.card.locator('[data-test=job-result]');
    assert.equal(await result.getAttribute('data-result'), 'allExisting');
    assert.match(await result.innerText(), /以前都已导入过/);
    assert.equal(await second.card.locator('[data-test=job-errors]').count(), 0, 'no rejected rows to show');
    await shot(page, 'ledger-import-again');
    assert.deepEqual((await titlesOf()).sort(), before.sort(), 'nothing new in the record');
    // Both jobs are listed, newest first.
    await page.locator(`[data-test=job-item][data-id="${second.id}"]`).waitFor();
    const ids = await page.locator('[data-test=job-item]').evaluateAll((els) => els.map((e) => e.dataset.id));
    assert.ok(ids.indexOf(second.id) < ids.indexOf(first.id));
    // An earlier job opens again from the list.
    await page.locator(`[data-test=job-item][data-id="${first.id}"] [data-test=job-open]`).click();
    await page.locator(`[data-test=job-card][data-id="${first.id}"] [data-test=job-result][data-result=done]`).waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the import page at 390px in elder mode has text of at least 22px and buttons of at least 56px', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openImports(page);
    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => document.documentElement.classList.contains('elder'));
    const tag = uniqueSuffix();
    const { card } = await importThrough(page, `长者-${tag}.csv`, mixedFile(tag).text);
    await card.locator('[data-test=error-row]').nth(2).waitFor();
    await page.waitForTimeout(300);

    const small = await textBelow(page, 22);
    assert.deepEqual(small, [], 'no text below 22px in the page');
    assert.ok((await fontSize(page, '[data-test=error-code]')) >= 22);
    assert.ok((await fontSize(page, '[data-test=count-read]')) >= 22);

    const low = await controlsBelow(page, 56);
    assert.deepEqual(low, [], 'no button below 56px');
    for (const sel of ['[data-test=import-pick]', '[data-test=import-start]', '[data-test=errors-csv]', '[data-test=template-download]', '[data-test=import-mode] [data-mode=partial]']) {
      const box = await page.locator(sel).first().boundingBox();
      assert.ok(box.height >= 56, `${sel} is ${box.height}px tall`);
    }
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling');
    await shot(page, 'ledger-import-elder-phone');

    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => !document.documentElement.classList.contains('elder'));
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the English import page shows English labels and downloads an English report', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openImports(page);
    await page.locator('[data-test=lang-en]').click();
    try {
      await page.locator('h1', { hasText: 'Bulk import of learning outcomes' }).waitFor();
      assert.match(await page.locator('[data-test=main-nav]').innerText(), /Deposit outcomes[\s\S]*Bulk import[\s\S]*Learning archive/);
      assert.match(await page.locator('[data-test=import-mode]').innerText(), /Store the good rows[\s\S]*All or nothing/);
      assert.equal((await page.locator('[data-test=import-start]').innerText()).trim(), 'Start the import');
      assert.match(await page.locator('[data-test=import-help]').innerText(), /The file format[\s\S]*Required[\s\S]*Optional/);
      assert.match(await page.locator('[data-test=template-download]').innerText(), /Download the import template/);

      const tag = uniqueSuffix();
      const { card } = await importThrough(page, `english-${tag}.csv`, mixedFile(tag).text);
      assert.match(await card.locator('[data-test=job-status]').innerText(), /Done/);
      assert.match(await card.locator('[data-test=job-counts]').innerText(), /Rows read[\s\S]*Stored[\s\S]*Awaiting review[\s\S]*Already there[\s\S]*Rejected/);
      assert.match(await card.locator('[data-test=job-result]').innerText(), /3 rows have problems/);
      assert.match(await card.locator('[data-test=errors-table] thead').innerText(), /Line[\s\S]*Column[\s\S]*Code[\s\S]*Problem/);
      const first = card.locator('[data-test=error-row]').first();
      assert.equal((await first.locator('[data-test=error-field]').innerText()).trim(), 'awarded_on');
      assert.match(await first.locator('[data-test=error-message]').innerText(), /The date is wrong/);
      // Nothing Chinese in the job's card but the data of the file (its name).
      const text = (await card.innerText()).replaceAll(`english-${tag}.csv`, '');
      assert.deepEqual(text.match(/[\u4e00-\u9fff]+/g), null);

      const link = card.locator('[data-test=errors-csv]');
      assert.match(await link.getAttribute('href'), /errors\.csv\?lang=en$/);
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      const report = fs.readFileSync(await download.path(), 'utf8');
      assert.equal(report.slice(1).split(/\r?\n/)[0], 'line,field,code,message');
      await shot(page, 'ledger-import-en');
    } finally {
      await page.locator('[data-test=lang-zh]').click();
      await page.locator('h1', { hasText: '批量导入学习成果' }).waitFor();
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a reviewer lands on the review queue after signing in', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await signIn(page, ctx.reviewer.login, ctx.reviewer.password);
    await waitForPath(page, '/review');
    await page.locator('[data-test=review-page]').waitFor();
    // The home page of the portal sends the reviewer there too.
    await page.goto(BASE + '/');
    await waitForPath(page, '/review');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
