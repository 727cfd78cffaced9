// The citizen's learning record (/me/transcript): outcomes grouped by kind with totals, filters,
// each outcome's history, the in-browser check that an entry is in the ledger, the CSV download,
// a phone in elder mode, and the English page.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fontSize, openBrowser, shot, signIn, uniqueSuffix, waitForPath } from './lib.mjs';
import { call, choose, cityAdmin, setupLedger, textBelow, controlsBelow } from './ledger-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
let ctx;
const tag = uniqueSuffix();
const T = {
  math: '线性代数 ' + tag,
  english: '大学英语（二） ' + tag,
  training: '养老护理员培训 ' + tag,
  community: '社区书法班 ' + tag,
};

before(async () => {
  if (skip) return;
  ctx = await setupLedger();
  // Course credits, training hours and a community class, in different years; all of these kinds
  // are stored at once.
  const math = await ctx.deposit({ kind: 'academic_credit', title: T.math, code: 'MATH2002', level: 5, credits_milli: 3000, hours_milli: 48000, result_kind: 'score', result: '86', awarded_on: '2023-01-10' });
  await ctx.deposit({ kind: 'academic_credit', title: T.english, code: 'ENG1002', level: 5, credits_milli: 2500, hours_milli: 40000, result_kind: 'grade', result: '良好', awarded_on: '2024-06-20' });
  await ctx.deposit({ kind: 'non_degree_training', title: T.training, hours_milli: 120000, started_on: '2024-03-01', awarded_on: '2024-05-31', result_kind: 'pass', result: 'pass' });
  await ctx.deposit({ kind: 'community_education', title: T.community, hours_milli: 24000, awarded_on: '2025-01-15' });
  assert.equal(math.status, 'stored');
  // A correction of the course credit (its standard stores it at once too): the history has two versions.
  await call(
    'POST',
    `/api/v1/ledger/outcomes/${math.outcome_id}/corrections`,
    { account_no: ctx.citizen.account.account_no, kind: 'academic_credit', title: T.math, code: 'MATH2002', level: 5, credits_milli: 3000, hours_milli: 48000, result_kind: 'score', result: '88', awarded_on: '2023-01-10', reason: '成绩复核后更正' },
    ctx.staffSession,
  );
});

async function openTranscript(page) {
  await signIn(page, ctx.citizen.login, ctx.citizen.password);
  await waitForPath(page, '/me');
  await page.locator('[data-test=nav-transcript]').click();
  await waitForPath(page, '/me/transcript');
  await page.locator('[data-test=outcome-item]').first().waitFor();
}

const outcome = (page, title) => page.locator('[data-test=outcome-item]').filter({ has: page.locator('[data-test=outcome-title]', { hasText: title }) });

test('the citizen filters by kind, opens the history and sees the in-browser inclusion check pass', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openTranscript(page);
    const transcript = await page.evaluate(async () => (await fetch('/api/v1/me/transcript')).json());

    // Grouped by kind, with totals.
    const kinds = await page.locator('[data-test=kind-group]').evaluateAll((els) => els.map((e) => e.dataset.kind));
    assert.deepEqual(kinds, ['academic_credit', 'non_degree_training', 'community_education']);
    assert.match(await page.locator('[data-test=kind-group][data-kind=academic_credit] h2').innerText(), /学历教育课程学分/);
    assert.equal((await page.locator('[data-test=total-credits]').innerText()).trim(), '5.5');
    assert.equal((await page.locator('[data-test=total-hours]').innerText()).trim(), '232');
    assert.equal(transcript.totals.hours_milli, 232000);
    const byKind = await page.locator('[data-test=by-kind-table] tbody tr').count();
    assert.equal(byKind, 3);
    await page.locator('[data-test=by-level-table]').waitFor();
    const m = outcome(page, T.math);
    assert.match(await m.innerText(), /88/);
    assert.equal(await m.getAttribute('data-status'), 'corrected');
    assert.match(await m.locator('[data-test=outcome-status]').innerText(), /已更正/);
    await page.locator('[data-test=chart] canvas').first().waitFor();
    await page.waitForTimeout(500);
    await shot(page, 'ledger-transcript');

    // Filter by kind: only course credits are left, and the totals follow.
    await choose(page, 'filter-kind', '非学历培训');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-test=kind-group]')].map((e) => e.dataset.kind).join() === 'non_degree_training');
    assert.equal(await page.locator('[data-test=outcome-item]').count(), 1);
    assert.equal((await page.locator('[data-test=total-hours]').innerText()).trim(), '120');
    await choose(page, 'filter-kind', '学历教育课程学分');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-test=kind-group]')].map((e) => e.dataset.kind).join() === 'academic_credit');
    assert.equal(await page.locator('[data-test=outcome-item]').count(), 2);
    assert.equal((await page.locator('[data-test=total-credits]').innerText()).trim(), '5.5');
    // A date range that leaves one of them out.
    await page.locator('[data-test=filter-from]').fill('2024-01-01');
    await page.locator('[data-test=filter-from]').blur();
    await page.waitForFunction(() => document.querySelectorAll('[data-test=outcome-item]').length === 1);
    await outcome(page, T.english).waitFor();
    await page.locator('[data-test=filter-clear]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-test=outcome-item]').length === 4);
    await choose(page, 'filter-kind', '学历教育课程学分');
    await page.waitForFunction(() => document.querySelectorAll('[data-test=outcome-item]').length === 2);

    // History: the deposit and the correction with its reason.
    await m.locator('[data-test=history-open]').click();
    const hist = page.locator('[data-test=history-dialog]');
    await hist.locator('[data-test=history-item]').nth(1).waitFor();
    const ops = await hist.locator('[data-test=history-item]').evaluateAll((els) => els.map((e) => e.dataset.op));
    assert.deepEqual(ops, ['deposit', 'correct']);
    assert.match(await hist.locator('[data-test=history-item]').nth(0).innerText(), /存入/);
    assert.match(await hist.locator('[data-test=history-item]').nth(1).innerText(), /更正/);
    assert.match(await hist.locator('[data-test=history-reason]').innerText(), /成绩复核后更正/);
    assert.match(await hist.locator('[data-test=history-item]').nth(1).innerText(), /86 → 88/);
    await shot(page, 'ledger-history');
    await hist.locator('.el-dialog__footer button').click();
    await hist.waitFor({ state: 'hidden' });

    // Verify: the browser recomputes the leaf hash and walks the inclusion proof to the root.
    await m.locator('[data-test=verify-open]').click();
    const ver = page.locator('[data-test=verify-dialog]');
    const result = ver.locator('[data-test=verify-result]');
    await result.waitFor();
    assert.equal(await ver.locator('[data-test=verify-hash]').getAttribute('data-ok'), 'true');
    assert.equal(await ver.locator('[data-test=verify-inclusion]').getAttribute('data-ok'), 'true');
    const sig = await ver.locator('[data-test=verify-signature]').getAttribute('data-ok');
    assert.ok(sig === 'true' || sig === 'null', `the signature is valid or not checked (${sig})`);
    if (sig === 'null') assert.match(await ver.locator('[data-test=verify-signature]').innerText(), /未检查/);
    assert.equal(await result.getAttribute('data-ok'), 'true');
    assert.match(await result.innerText(), /核验通过/);
    const head = await page.evaluate(async () => (await fetch('/api/v1/ledger/tree-head')).json());
    const size = Number((await ver.locator('[data-test=verify-tree-size]').innerText()).replace(/[,\s]/g, ''));
    assert.ok(size >= 1 && size <= head.tree_size);
    assert.match(await ver.locator('[data-test=verify-root]').innerText(), /^[0-9a-f]{16}…$/);
    assert.ok((await ver.locator('[data-test=verify-signed-at]').innerText()).trim().length > 0);
    await shot(page, 'ledger-verify');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the CSV download contains the outcomes, with English headings in English', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openTranscript(page);
    let [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=csv-download]').click()]);
    let text = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(text.includes(T.math) && text.includes(T.community), 'the CSV lists the outcomes');
    assert.ok(text.includes('学历教育课程学分'));

    await page.locator('[data-test=lang-en]').click();
    await page.locator('h1', { hasText: 'My learning record' }).waitFor();
    assert.match(await page.locator('[data-test=csv-download]').getAttribute('href'), /lang=en/);
    [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=csv-download]').click()]);
    text = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(text.includes(T.training));
    assert.match(text.split('\n')[0], /title/);
    assert.ok(text.includes('Academic course credit'));
    await page.locator('[data-test=lang-zh]').click();
    await page.locator('h1', { hasText: '我的学习成果' }).waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the transcript page at 390px in elder mode has text of at least 22px and buttons of at least 56px', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openTranscript(page);
    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => document.documentElement.classList.contains('elder'));
    await page.locator('[data-test=chart] canvas').first().waitFor();
    await page.waitForTimeout(400);

    // Every piece of text on the page (header included) is at least 22px.
    const small = await textBelow(page, 22);
    assert.deepEqual(small, [], 'no text below 22px in the page');
    assert.ok((await fontSize(page, '[data-test=outcome-title]')) >= 22);
    assert.ok((await fontSize(page, '[data-test=total-credits]')) >= 22);

    // Every button and button-like link is at least 56px tall.
    const low = await controlsBelow(page, 56);
    assert.deepEqual(low, [], 'no button below 56px');
    const history = await page.locator('[data-test=history-open]').first().boundingBox();
    assert.ok(history.height >= 56);
    const sw = await page.locator('[data-test=filter-revoked]').boundingBox();
    assert.ok(sw.height >= 44, `the switch is easy to hit (${sw.height})`);
    // Nothing sticks out sideways on the phone.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling');
    await shot(page, 'ledger-transcript-elder-phone');

    // The dialogs too.
    await page.locator('[data-test=verify-open]').first().click();
    const ver = page.locator('[data-test=verify-dialog]');
    await ver.locator('[data-test=verify-result]').waitFor();
    assert.ok((await fontSize(page, '[data-test=verify-dialog] [data-test=verify-inclusion]')) >= 22);
    const close = await ver.locator('.el-dialog__footer button').boundingBox();
    assert.ok(close.height >= 56);
    await shot(page, 'ledger-verify-elder-phone');
    await ver.locator('.el-dialog__footer button').click();

    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => !document.documentElement.classList.contains('elder'));
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the English page shows English labels', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openTranscript(page);
    await page.locator('[data-test=lang-en]').click();
    await page.locator('h1', { hasText: 'My learning record' }).waitFor();
    assert.match(await page.locator('[data-test=kind-group][data-kind=academic_credit] h2').innerText(), /Academic course credit/);
    assert.match(await page.locator('[data-test=kind-group][data-kind=non_degree_training] h2').innerText(), /Non-degree training/);
    const m = outcome(page, T.math);
    assert.match(await m.locator('[data-test=outcome-status]').innerText(), /Corrected/);
    assert.match(await m.innerText(), /Credits/);
    assert.match(await m.innerText(), /Awarded on/);
    assert.equal((await m.locator('[data-test=history-open]').innerText()).trim(), 'History');
    assert.equal((await m.locator('[data-test=verify-open]').innerText()).trim(), 'Verify');
    assert.match(await page.locator('[data-test=csv-download]').innerText(), /Download transcript/);
    assert.match(await page.locator('[data-test=main-nav]').innerText(), /My account[\s\S]*My learning record/);
    // No Chinese is left but the data: titles, the institution's name, the grade 良好 and the reason of a correction.
    const body = (await page.locator('main').innerText()).replace(new RegExp([...Object.values(T), ctx.inst.name, '良好', '成绩复核后更正'].join('|'), 'g'), '');
    assert.deepEqual(body.match(/[\u4e00-\u9fff]+/g), null);
    await m.locator('[data-test=verify-open]').click();
    await page.locator('[data-test=verify-result]', { hasText: 'Verified' }).waitFor();
    await shot(page, 'ledger-transcript-en-phone');
    await page.locator('[data-test=verify-dialog] .el-dialog__footer button').click();
    await page.locator('[data-test=lang-zh]').click();
    await page.locator('h1', { hasText: '我的学习成果' }).waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
