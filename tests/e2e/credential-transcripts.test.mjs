// Transcripts (成果记录, CLR 2.0 ClrCredential) in the portal: a citizen chooses two outcomes on
// 我的凭证 (/me/credentials) and issues a transcript (none chosen is stopped at the field; the
// outcomes go in the order listed), sees it listed as 成果记录 beside its badges (单项凭证), opens
// it (its name, holder, account number, date, how many records, each record's title, institution,
// kind, credits and date) and downloads it; on 验证凭证 (/verify) it is 有效 with its own checks and
// each embedded record's verdict and checks; a tampered copy is 无效 and shows no record as
// checked; once one of its outcomes is revoked it is 无效, that record's status failed and the
// other record still valid; an outcome revoked while the form is open is said at the field. On the
// transcript page (/me/transcript) each current row's 签发凭证 opens /me/credentials with that
// outcome chosen, a revoked row has none, and the institution's archive page has no such button.
// English; the pages at 390px in elder mode.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, openBrowser, shot, signIn, uniqueSuffix, until, waitForPath } from './lib.mjs';
import { apiSignIn, call, cityAdmin, setupLedger, textBelow, controlsBelow } from './ledger-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
let ctx, citizenSession, credit, training, extra;
const tag = uniqueSuffix();
const T = { credit: '数据结构 ' + tag, training: '家政服务员培训 ' + tag, extra: '大学英语 ' + tag };
const CHECKS = ['format', 'signature', 'validity', 'status', 'ledger'];

before(async () => {
  if (skip) return;
  // An open university deposits two course credits and a training for the citizen (林学员).
  ctx = await setupLedger();
  credit = await ctx.deposit({ kind: 'academic_credit', title: T.credit, code: 'CS2003', credits_milli: 4000, result_kind: 'score', result: '92', awarded_on: '2024-01-12' });
  training = await ctx.deposit({ kind: 'non_degree_training', title: T.training, hours_milli: 40000, started_on: '2024-04-01', awarded_on: '2024-04-30' });
  extra = await ctx.deposit({ kind: 'academic_credit', title: T.extra, code: 'EN1001', credits_milli: 1000, result_kind: 'score', result: '80', awarded_on: '2023-06-30' });
  for (const d of [credit, training, extra]) assert.equal(d.status, 'stored');
  citizenSession = await apiSignIn(ctx.citizen.login, ctx.citizen.password);
});

const issueTranscriptByApi = (ids) => call('POST', '/api/v1/me/credentials', { outcome_ids: ids }, citizenSession);
const revoke = (outcomeId) => call('POST', `/api/v1/ledger/outcomes/${outcomeId}/revocation`, { reason: '存入有误' }, ctx.staffSession);

// The JWS with one character in the middle of its payload changed, such that the payload still
// decodes to JSON: the credential still reads, but not as it was signed.
function tamper(jws) {
  const [h, p, s] = jws.split('.');
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  for (let i = Math.floor(p.length / 2); i < p.length - 4; i++) {
    const q = p.slice(0, i) + A[A.indexOf(p[i]) ^ 1] + p.slice(i + 1);
    try {
      JSON.parse(utf8.decode(Buffer.from(q, 'base64url')));
      return [h, q, s].join('.');
    } catch {
      // that change breaks the JSON: try the next character
    }
  }
  throw new Error('no character of the payload changes it into other JSON');
}

async function openCredentials(page) {
  await signIn(page, ctx.citizen.login, ctx.citizen.password);
  await waitForPath(page, '/me');
  await page.locator('[data-test=nav-credentials]').click();
  await waitForPath(page, '/me/credentials');
  await page.locator('[data-test=cred-transcript] [data-test=cred-transcript-outcome]').first().waitFor();
}

async function openTranscript(page) {
  await signIn(page, ctx.citizen.login, ctx.citizen.password);
  await waitForPath(page, '/me');
  await page.locator('[data-test=nav-transcript]').click();
  await waitForPath(page, '/me/transcript');
  await page.locator('[data-test=outcome-item]').first().waitFor();
}

const tick = (page, outcomeId) => page.locator(`[data-test=cred-transcript-outcome][data-outcome="${outcomeId}"]`).click();

async function submitVerify(page) {
  const res = page.waitForResponse((r) => r.url().endsWith('/api/v1/verify') && r.request().method() === 'POST');
  await page.locator('[data-test=verify-submit]').click();
  return res;
}

// The checks of one part of the page (a locator) as { check, status }.
const checksIn = (loc) => loc.locator('[data-test=check]').evaluateAll((els) => els.map((e) => ({ check: e.dataset.check, status: e.dataset.status })));
const texts = async (loc) => (await loc.allInnerTexts()).map((s) => s.trim());

test('a citizen issues a transcript of two outcomes, sees it listed and opened with both records, and it verifies as 有效 record by record; a tampered copy is 无效', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openCredentials(page);
    const form = page.locator('[data-test=cred-transcript]');
    assert.match(await form.locator('h2').innerText(), /签发成果记录/);

    // Nothing chosen: stopped at the field, and nothing is sent.
    let posted = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/me/credentials') && r.method() === 'POST') posted++;
    });
    await form.locator('[data-test=cred-transcript-btn]').click();
    await form.locator('[data-field=outcome_ids] .el-form-item__error', { hasText: '请至少选择一项学习成果。' }).waitFor();
    assert.equal(posted, 0);

    // Tick the training, then the course credit: they go in the order the page lists them.
    await tick(page, training.outcome_id);
    await form.locator('[data-field=outcome_ids] .el-form-item__error').waitFor({ state: 'detached' }); // choosing clears the error
    await tick(page, credit.outcome_id);
    assert.equal((await form.locator('[data-test=cred-transcript-chosen]').innerText()).trim(), '已选 2 项');
    const listed = await form.locator('[data-test=cred-transcript-outcome]').evaluateAll((els) => els.map((e) => e.dataset.outcome));
    const order = listed.filter((id) => id === credit.outcome_id || id === training.outcome_id);
    const issued = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/credentials') && r.request().method() === 'POST');
    await form.locator('[data-test=cred-transcript-btn]', { hasText: '签发成果记录' }).click();
    const res = await issued;
    assert.equal(res.status(), 201);
    assert.deepEqual(JSON.parse(res.request().postData()), { outcome_ids: order });
    const c = await res.json();
    assert.equal(c.type, 'ClrCredential');
    assert.equal(c.title, '学习成果记录（2 项）');
    assert.deepEqual(c.items.map((i) => i.outcome_id), order);

    // Listed as a transcript, marked new; the badges issued for its records as 单项凭证.
    const item = page.locator(`[data-test=cred-item][data-id="${c.id}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-fresh'), 'true');
    assert.equal(await item.getAttribute('data-kind'), 'transcript');
    assert.equal((await item.locator('[data-test=cred-title]').innerText()).trim(), '学习成果记录（2 项）');
    assert.equal((await item.locator('[data-test=cred-kind]').innerText()).trim(), '成果记录');
    const badges = page.locator('[data-test=cred-item][data-kind=badge]');
    assert.equal(await badges.count(), 2);
    assert.deepEqual(await texts(badges.locator('[data-test=cred-kind]')), ['单项凭证', '单项凭证']);
    assert.deepEqual((await texts(badges.locator('[data-test=cred-title]'))).sort(), [T.credit, T.training].sort());
    const notice = page.locator('[data-test=cred-notice]');
    assert.equal(await notice.getAttribute('data-kind'), 'transcript-issued');
    assert.match(await notice.innerText(), /已签发成果记录：学习成果记录（2 项）/);
    assert.equal(await form.locator('[data-test=cred-transcript-chosen]').count(), 0, 'the choice is cleared');
    await page.waitForTimeout(300);
    await shot(page, 'credential-transcripts');

    // Its facts: name, holder, account number, issued, two records, each with its own facts.
    await item.locator('[data-test=cred-view]').click();
    const dialog = page.locator('[data-test=cred-dialog]');
    const facts = dialog.locator('[data-test=credential-facts]');
    await facts.waitFor();
    assert.match(await dialog.locator('.el-dialog__title').innerText(), /成果记录内容/);
    assert.equal(await facts.getAttribute('data-kind'), 'transcript');
    assert.equal((await facts.locator('[data-test=fact-title]').innerText()).trim(), '林学员的学习成果记录（2 项）');
    assert.equal((await facts.locator('[data-test=fact-holder]').innerText()).trim(), '林学员');
    assert.equal((await facts.locator('[data-test=fact-account]').innerText()).replace(/\s/g, ''), ctx.citizen.account.account_no);
    assert.match(await facts.locator('[data-test=fact-issued]').innerText(), /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}$/);
    assert.equal(await facts.locator('[data-test=fact-count]').getAttribute('data-count'), '2');
    assert.equal((await facts.locator('[data-test=fact-count]').innerText()).trim(), '2 项');
    const records = facts.locator('[data-test=transcript-record]');
    assert.equal(await records.count(), 2);
    const titleOf = { [credit.outcome_id]: T.credit, [training.outcome_id]: T.training };
    assert.deepEqual(await texts(records.locator('[data-test=record-title]')), order.map((id) => titleOf[id]));
    assert.deepEqual(await texts(records.locator('[data-test=record-institution]')), [ctx.inst.name, ctx.inst.name]);
    const cr = records.filter({ hasText: T.credit });
    assert.equal((await cr.locator('[data-test=record-type]').innerText()).trim(), '课程');
    assert.equal((await cr.locator('[data-test=record-credits]').innerText()).trim(), '4 学分');
    assert.equal(await cr.locator('[data-test=record-date]').getAttribute('data-day'), '2024-01-12');
    assert.equal((await cr.locator('[data-test=record-date]').innerText()).trim(), '2024/01/12');
    assert.equal(await records.filter({ hasText: T.training }).locator('[data-test=record-date]').getAttribute('data-day'), '2024-04-30');
    assert.equal(await dialog.locator('[data-test=cred-jws]').inputValue(), c.jws);
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.locator('[data-test=cred-dialog-download]').click()]);
    assert.equal(download.suggestedFilename(), '学习成果记录（2 项）.jwt');
    assert.equal(fs.readFileSync(await download.path(), 'utf8'), c.jws);
    await page.waitForTimeout(300);
    await shot(page, 'credential-transcripts-view');

    // To the verify page: 有效; its own five checks passed, then each record with its verdict and checks.
    await dialog.locator('[data-test=cred-dialog-verify]').click();
    await waitForPath(page, '/verify');
    const verdict = page.locator('[data-test=verdict]');
    await verdict.waitFor();
    assert.equal(await verdict.count(), 1, 'one overall verdict');
    assert.equal(await verdict.getAttribute('data-valid'), 'true');
    assert.equal((await verdict.locator('[data-test=verdict-word]').innerText()).trim(), '有效');
    assert.match(await verdict.locator('[data-test=verdict-body]').innerText(), /成果记录是真的/);
    const own = page.locator('[data-test=verify-checks]');
    assert.deepEqual(await checksIn(own), CHECKS.map((check) => ({ check, status: 'passed' })));
    assert.match(await own.locator('[data-test=check][data-check=ledger] [data-test=check-message]').innerText(), /每一份凭证都有效/);
    const embedded = page.locator('[data-test=verify-embedded]');
    assert.match(await embedded.locator('h2').innerText(), /成果记录中的每一项/);
    const rows = embedded.locator('[data-test=embedded-item]');
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await texts(rows.locator('[data-test=embedded-title]')), order.map((id) => titleOf[id]));
    for (let i = 0; i < 2; i++) {
      const row = rows.nth(i);
      assert.equal(await row.getAttribute('data-valid'), 'true');
      const v = row.locator('[data-test=embedded-verdict]');
      assert.equal(await v.getAttribute('data-valid'), 'true');
      assert.equal((await v.locator('[data-test=verdict-word]').innerText()).trim(), '这一项有效');
      assert.deepEqual(await checksIn(row), CHECKS.map((check) => ({ check, status: 'passed' })));
      assert.match(await row.locator('[data-test=check][data-check=ledger] [data-test=check-message]').innerText(), /账本/);
    }
    // A record's verdict is smaller than the overall one.
    const big = parseFloat(await verdict.locator('[data-test=verdict-word]').evaluate((el) => getComputedStyle(el).fontSize));
    const small = parseFloat(await rows.first().locator('[data-test=verdict-word]').evaluate((el) => getComputedStyle(el).fontSize));
    assert.ok(small < big, `a record's verdict (${small}px) is below the overall one (${big}px)`);
    // What the transcript says: its own facts; its records are those checked above, not listed twice.
    const details = page.locator('[data-test=verify-details]');
    assert.equal((await details.locator('[data-test=fact-title]').innerText()).trim(), '林学员的学习成果记录（2 项）');
    assert.equal(await details.locator('[data-test=fact-count]').getAttribute('data-count'), '2');
    assert.equal(await details.locator('[data-test=transcript-record]').count(), 0);
    assert.equal(await page.locator('[data-test=verify-issuer]').getAttribute('data-ours'), 'true');
    await page.waitForTimeout(300);
    await shot(page, 'verify-transcript-valid');

    // A tampered copy: 无效, the signature failed, no record checked; what it says is shown as unverified.
    await page.locator('[data-test=verify-input]').fill(tamper(c.jws));
    const r = await submitVerify(page);
    const report = await r.json();
    assert.equal(report.is_valid, false);
    await page.locator('[data-test=verdict][data-valid=false]').waitFor();
    assert.equal((await verdict.locator('[data-test=verdict-word]').innerText()).trim(), '无效');
    assert.match(await verdict.innerText(), /未通过：签名/);
    assert.deepEqual(await checksIn(own), report.checks.map(({ check, status }) => ({ check, status })));
    assert.equal(await own.locator('[data-test=check][data-status=failed]').getAttribute('data-check'), 'signature');
    assert.equal(await page.locator('[data-test=verify-embedded]').count(), 0);
    await page.locator('[data-test=verify-unverified]').waitFor();
    assert.equal(await details.locator('[data-test=transcript-record]').count(), 2, 'the records it claims are listed, unverified');
    await page.waitForTimeout(300);
    await shot(page, 'verify-transcript-tampered');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a transcript one of whose outcomes is revoked is 无效: its status failed, that record 无效 and the other still valid; an outcome revoked while the form is open is said at the field', { skip }, async () => {
  const d = await ctx.deposit({ kind: 'academic_credit', title: '操作系统 ' + tag, code: 'CS3001', credits_milli: 3000, result_kind: 'score', result: '85', awarded_on: '2024-01-15' });
  const c = await issueTranscriptByApi([d.outcome_id, extra.outcome_id]);
  await revoke(d.outcome_id);
  const b = await openBrowser();
  try {
    const { page } = b;
    await page.goto(BASE + '/verify');
    await page.locator('[data-test=verify-input]').fill(c.jws);
    const r = await submitVerify(page);
    const report = await r.json();
    assert.equal(report.is_valid, false);
    await page.locator('[data-test=verdict][data-valid=false]').waitFor();
    const own = page.locator('[data-test=verify-checks]');
    const shown = Object.fromEntries((await checksIn(own)).map((x) => [x.check, x.status]));
    assert.deepEqual(shown, { format: 'passed', signature: 'passed', validity: 'passed', status: 'failed', ledger: 'failed' });
    assert.match(await page.locator('[data-test=verdict]').innerText(), /撤销状态/);
    const rows = page.locator('[data-test=embedded-item]');
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.dataset.valid)), ['false', 'true']);
    const bad = rows.nth(0);
    assert.equal((await bad.locator('[data-test=embedded-title]').innerText()).trim(), '操作系统 ' + tag);
    assert.equal((await bad.locator('[data-test=verdict-word]').innerText()).trim(), '这一项无效');
    assert.match(await bad.locator('[data-test=verdict-body]').innerText(), /未通过：撤销状态/);
    assert.equal(await bad.locator('[data-test=check][data-status=failed]').getAttribute('data-check'), 'status');
    assert.deepEqual(await checksIn(bad), report.embedded[0].checks.map(({ check, status }) => ({ check, status })));
    assert.equal((await rows.nth(1).locator('[data-test=verdict-word]').innerText()).trim(), '这一项有效');
    assert.deepEqual(await checksIn(rows.nth(1)), CHECKS.map((check) => ({ check, status: 'passed' })));
    await page.waitForTimeout(300);
    await shot(page, 'verify-transcript-revoked');

    // The form open, an outcome chosen is revoked meanwhile: the server's 404 is said at the field,
    // and the outcomes are loaded again without it.
    const gone = await ctx.deposit({ kind: 'academic_credit', title: '线性代数 ' + tag, code: 'MA2001', credits_milli: 2000, result_kind: 'score', result: '88', awarded_on: '2024-02-01' });
    await openCredentials(page);
    const form = page.locator('[data-test=cred-transcript]');
    await tick(page, gone.outcome_id);
    await tick(page, credit.outcome_id);
    await revoke(gone.outcome_id);
    const res = page.waitForResponse((x) => x.url().endsWith('/api/v1/me/credentials') && x.request().method() === 'POST');
    await form.locator('[data-test=cred-transcript-btn]').click();
    assert.equal((await res).status(), 404);
    await form.locator('[data-field=outcome_ids] .el-form-item__error', { hasText: '所选成果中有已更正或撤销的，请重新选择。' }).waitFor();
    await form.locator(`[data-test=cred-transcript-outcome][data-outcome="${gone.outcome_id}"]`).waitFor({ state: 'detached' });
    assert.equal((await form.locator('[data-test=cred-transcript-chosen]').innerText()).trim(), '已选 1 项', 'the outcome still there stays chosen');
    assert.equal(await page.locator('[data-test=cred-notice]').count(), 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("a row's 签发凭证 on the transcript page opens my credentials with that outcome chosen; a revoked row has none, nor the archive page", { skip }, async () => {
  const d = await ctx.deposit({ kind: 'academic_credit', title: '计算机网络 ' + tag, code: 'CS3002', credits_milli: 3000, result_kind: 'score', result: '75', awarded_on: '2024-03-01' });
  await revoke(d.outcome_id);
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openTranscript(page);
    // Each current row has the button, after history and verify.
    const rows = page.locator('[data-test=outcome-item]');
    const n = await rows.count();
    assert.ok(n >= 3);
    assert.equal(await page.locator('[data-test=outcome-item] [data-test=issue-credential]').count(), n);
    const row = page.locator(`[data-test=outcome-item][data-outcome="${credit.outcome_id}"]`);
    assert.deepEqual(
      await row.locator('.outcome__actions > *').evaluateAll((els) => els.map((e) => e.dataset.test)),
      ['history-open', 'verify-open', 'issue-credential'],
    );
    const btn = row.locator('[data-test=issue-credential]');
    assert.equal((await btn.innerText()).trim(), '签发凭证');
    // The revoked row, shown on asking, has none.
    await page.locator('[data-test=filter-revoked]').click();
    const revoked = page.locator(`[data-test=outcome-item][data-outcome="${d.outcome_id}"]`);
    await revoked.waitFor();
    assert.equal(await revoked.getAttribute('data-status'), 'revoked');
    assert.equal(await revoked.locator('[data-test=issue-credential]').count(), 0);
    assert.equal(await page.locator('[data-test=outcome-item] [data-test=issue-credential]').count(), n);
    await page.waitForTimeout(300);
    await shot(page, 'transcript-issue-credential-phone');

    // The button leads to my credentials with the outcome chosen, ready to issue.
    await page.locator(`[data-test=outcome-item][data-outcome="${credit.outcome_id}"] [data-test=issue-credential]`).click();
    await waitForPath(page, '/me/credentials');
    assert.equal(new URL(page.url()).searchParams.get('outcome'), credit.outcome_id);
    const select = page.locator('[data-test=cred-issue] [data-test=cred-outcome]');
    await until(async () => (await select.innerText()).includes(T.credit), 'the outcome chosen in the select');
    const issued = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/credentials') && r.request().method() === 'POST');
    await page.locator('[data-test=cred-issue-btn]').click();
    const res = await issued;
    assert.equal(res.status(), 201);
    assert.deepEqual(JSON.parse(res.request().postData()), { outcome_id: credit.outcome_id });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }

  // The institution's archive page draws the same rows without the citizen's button.
  const s = await openBrowser();
  try {
    const { page } = s;
    await signIn(page, ctx.staff.login, ctx.staff.password);
    await page.waitForURL((u) => new URL(u).pathname !== '/login');
    await page.goto(`${BASE}/institution/archive/${ctx.citizen.account.id}`);
    const row = page.locator(`[data-test=outcome-item][data-outcome="${credit.outcome_id}"]`);
    await row.waitFor();
    assert.equal(await page.locator('[data-test=issue-credential]').count(), 0);
    assert.deepEqual(await row.locator('.outcome__actions > *').evaluateAll((els) => els.map((e) => e.dataset.test)), ['history-open', 'verify-open']);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('transcripts in English: issuing, the list, the facts, the verify page and the row button', { skip }, async () => {
  const c = await issueTranscriptByApi([credit.outcome_id, extra.outcome_id]);
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openCredentials(page);
    await page.locator('[data-test=lang-en]').click();
    try {
      await page.locator('h1', { hasText: 'My credentials' }).waitFor();
      const form = page.locator('[data-test=cred-transcript]');
      assert.equal((await form.locator('h2').innerText()).trim(), 'Issue a transcript');
      assert.equal((await form.locator('[data-test=cred-transcript-btn]').innerText()).trim(), 'Issue a transcript');
      await form.locator('[data-test=cred-transcript-btn]').click();
      await form.locator('.el-form-item__error', { hasText: 'Choose at least one outcome.' }).waitFor();
      await tick(page, credit.outcome_id);
      assert.equal((await form.locator('[data-test=cred-transcript-chosen]').innerText()).trim(), '1 chosen');
      const item = page.locator(`[data-test=cred-item][data-id="${c.id}"]`);
      assert.equal((await item.locator('[data-test=cred-title]').innerText()).trim(), 'Transcript of 2 records');
      assert.equal((await item.locator('[data-test=cred-kind]').innerText()).trim(), 'Transcript');
      assert.equal((await page.locator('[data-test=cred-item][data-kind=badge] [data-test=cred-kind]').first().innerText()).trim(), 'Badge');
      // No Chinese is left but the data: the outcomes' titles and the institution's name.
      const data = [T.credit, T.training, T.extra, '操作系统 ' + tag, '线性代数 ' + tag, '计算机网络 ' + tag, ctx.inst.name];
      const strip = (s) => s.replace(new RegExp(data.join('|'), 'g'), '');
      assert.deepEqual(strip(await page.locator('main').innerText()).match(/[\u4e00-\u9fff]+/g), null);
      await shot(page, 'credential-transcripts-en-phone');

      await item.locator('[data-test=cred-view]').click();
      const dialog = page.locator('[data-test=cred-dialog]');
      const facts = dialog.locator('[data-test=credential-facts]');
      await facts.waitFor();
      assert.match(await dialog.locator('.el-dialog__title').innerText(), /^Transcript$/);
      assert.equal((await facts.locator('[data-test=fact-count]').innerText()).trim(), '2 records');
      assert.match(await facts.innerText(), /Name[\s\S]*Holder[\s\S]*Lifelong learning account[\s\S]*Issued[\s\S]*Records[\s\S]*The outcomes it holds \(2\)/);
      const cr = facts.locator('[data-test=transcript-record]').filter({ hasText: T.credit });
      assert.equal((await cr.locator('[data-test=record-credits]').innerText()).trim(), '4 credits');
      assert.equal((await cr.locator('[data-test=record-type]').innerText()).trim(), 'Course');
      assert.equal((await cr.locator('[data-test=record-date]').innerText()).trim(), 'Jan 12, 2024');
      const er = facts.locator('[data-test=transcript-record]').filter({ hasText: T.extra });
      assert.equal((await er.locator('[data-test=record-credits]').innerText()).trim(), '1 credit');
      // The transcript's own signed name is data too.
      assert.deepEqual(strip(await dialog.locator('.el-dialog__body').innerText()).replace('林学员的学习成果记录（2 项）', '').replace('林学员', '').match(/[\u4e00-\u9fff]+/g), null);
      await shot(page, 'credential-transcripts-view-en-phone');

      await dialog.locator('[data-test=cred-dialog-verify]').click();
      await waitForPath(page, '/verify');
      await page.locator('[data-test=verdict][data-valid=true]').waitFor();
      assert.equal((await page.locator('[data-test=verdict] [data-test=verdict-word]').innerText()).trim(), 'Valid');
      assert.match(await page.locator('[data-test=verdict] [data-test=verdict-body]').innerText(), /This transcript is genuine/);
      const embedded = page.locator('[data-test=verify-embedded]');
      assert.equal((await embedded.locator('h2').innerText()).trim(), 'Each record in the transcript');
      assert.deepEqual(await texts(embedded.locator('[data-test=embedded-verdict] [data-test=verdict-word]')), ['This record is valid', 'This record is valid']);
      assert.deepEqual(
        await texts(embedded.locator('[data-test=embedded-item]').first().locator('[data-test=check-name]')),
        ['Format', 'Signature', 'Validity dates', 'Not revoked', 'Credit bank ledger'],
      );
      const report = await page.evaluate(async (credential) => (await fetch('/api/v1/verify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ credential }) })).json(), c.jws);
      assert.deepEqual(await texts(page.locator('[data-test=verify-checks] [data-test=check-message]')), report.checks.map((x) => x.message_en));
      assert.deepEqual(await texts(embedded.locator('[data-test=embedded-item]').nth(1).locator('[data-test=check-message]')), report.embedded[1].checks.map((x) => x.message_en));
      const body = strip(await page.locator('main').innerText()).replace('林学员的学习成果记录（2 项）', '').replace('林学员', '');
      assert.deepEqual(body.match(/[\u4e00-\u9fff]+/g), null);
      await page.waitForTimeout(300);
      await shot(page, 'verify-transcript-en-phone');

      await page.locator('[data-test=nav-transcript]').click();
      await waitForPath(page, '/me/transcript');
      const btn = page.locator(`[data-test=outcome-item][data-outcome="${credit.outcome_id}"] [data-test=issue-credential]`);
      assert.equal((await btn.innerText()).trim(), 'Issue credential');
    } finally {
      await page.locator('[data-test=lang-zh]').click();
      await page.locator('h1').filter({ hasText: /我的/ }).waitFor();
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('at 390px in elder mode the transcript form, its facts, its verification and the row button have text of at least 22px and buttons of at least 56px', { skip }, async () => {
  const c = await issueTranscriptByApi([training.outcome_id, credit.outcome_id]);
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await page.goto(BASE + '/login');
    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => document.documentElement.classList.contains('elder'));
    const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

    // The verify page with a transcript's result, each record's checks included.
    await page.locator('[data-test=verify-link]').click();
    await waitForPath(page, '/verify');
    await page.locator('[data-test=verify-input]').fill(c.jws);
    await submitVerify(page);
    await page.locator('[data-test=verdict][data-valid=true]').waitFor();
    await page.locator('[data-test=embedded-item]').nth(1).waitFor();
    await page.waitForTimeout(300);
    assert.deepEqual(await textBelow(page, 22), [], 'no text below 22px on the verify page');
    assert.deepEqual(await controlsBelow(page, 56), [], 'no button below 56px on the verify page');
    assert.ok(await noSideways(), 'no sideways scrolling on the verify page');
    assert.ok(parseFloat(await page.locator('[data-test=embedded-title]').first().evaluate((el) => getComputedStyle(el).fontSize)) >= 24);
    await shot(page, 'verify-transcript-elder-phone');

    // My credentials with the transcript form.
    await openCredentials(page);
    assert.ok(await page.evaluate(() => document.documentElement.classList.contains('elder')));
    await page.locator(`[data-test=cred-item][data-id="${c.id}"]`).waitFor();
    await tick(page, credit.outcome_id);
    await page.waitForTimeout(300);
    assert.deepEqual(await textBelow(page, 22), [], 'no text below 22px on my credentials');
    assert.deepEqual(await controlsBelow(page, 56), [], 'no button below 56px on my credentials');
    for (const box of await page.locator('[data-test=cred-transcript-outcome]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height))) {
      assert.ok(box >= 56, `an outcome to tick is ${box}px tall`);
    }
    assert.ok((await page.locator('[data-test=cred-transcript-btn]').boundingBox()).height >= 56);
    assert.ok(await noSideways(), 'no sideways scrolling on my credentials');
    await shot(page, 'credential-transcripts-elder-phone');

    // The transcript's facts in the dialog.
    await page.locator(`[data-test=cred-item][data-id="${c.id}"] [data-test=cred-view]`).click();
    const dialog = page.locator('[data-test=cred-dialog]');
    await dialog.locator('[data-test=transcript-record]').nth(1).waitFor();
    await page.waitForTimeout(400);
    assert.deepEqual(await textBelow(page, 22), [], 'no text below 22px in the dialog');
    for (const sel of ['[data-test=cred-copy]', '[data-test=cred-dialog-close]']) {
      const box = await dialog.locator(sel).boundingBox();
      assert.ok(box.height >= 56, `${sel} is ${box.height}px tall`);
    }
    assert.ok(await dialog.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), 'the dialog does not scroll sideways');
    await shot(page, 'credential-transcripts-view-elder-phone');
    await dialog.locator('[data-test=cred-dialog-close]').click();
    await dialog.waitFor({ state: 'hidden' });

    // The transcript page's row buttons.
    await page.locator('[data-test=nav-transcript]').click();
    await waitForPath(page, '/me/transcript');
    await page.locator('[data-test=issue-credential]').first().waitFor();
    await page.waitForTimeout(300);
    assert.deepEqual(await controlsBelow(page, 56), [], 'no button below 56px on the transcript page');
    const btn = await page.locator('[data-test=issue-credential]').first().boundingBox();
    assert.ok(btn.height >= 56, `签发凭证 is ${btn.height}px tall`);
    assert.ok(parseFloat(await page.locator('[data-test=issue-credential]').first().evaluate((el) => getComputedStyle(el).fontSize)) >= 22);
    assert.ok(await noSideways(), 'no sideways scrolling on the transcript page');

    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => !document.documentElement.classList.contains('elder'));
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
