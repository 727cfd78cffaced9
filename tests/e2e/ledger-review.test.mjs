// The review queue (/review): a reviewer approves, returns or bulk-approves pending submissions;
// an approved qualification reaches the citizen's learning record; a returned one goes back to
// the institution, whose staff correct and resubmit it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, shot, signIn, uniqueSuffix, waitForPath } from './lib.mjs';
import { choose, cityAdmin, qualification, setupLedger } from './ledger-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
let ctx;
before(async () => {
  if (!skip) ctx = await setupLedger();
});

// Signs the reviewer in (a reviewer lands on the queue) and keeps only this test's institution
// in it (a shared server may have other pending work).
async function openQueue(page) {
  await signIn(page, ctx.reviewer.login, ctx.reviewer.password);
  await waitForPath(page, '/review');
  const answer = page.waitForResponse((r) => r.url().includes('/api/v1/ledger/submissions') && r.url().includes('institution=' + ctx.inst.id));
  await choose(page, 'review-filter-institution', ctx.inst.name);
  await answer;
}

const item = (page, title) => page.locator(`[data-test=review-item][data-title="${title}"]`);

test('a reviewer approves a pending qualification and the citizen sees it on the transcript page with the chart', { skip }, async () => {
  const title = '行政管理（专科） ' + uniqueSuffix();
  const dep = await ctx.deposit(await qualification(ctx, title, { awarded_on: '2022-06-30', credits_milli: 80000 }));
  assert.equal(dep.status, 'pending');

  const b = await openBrowser();
  try {
    const { page } = b;
    await openQueue(page);
    const it = item(page, title);
    await it.waitFor();
    assert.match(await it.locator('[data-test=review-age]').innerText(), /已等 \d+ (分钟|小时|天)/);
    await it.locator('[data-test=review-details]').click();
    const detail = it.locator('[data-test=review-detail]');
    await detail.waitFor();
    assert.ok((await detail.innerText()).includes('080901'));
    const href = await it.locator('[data-test=review-evidence]').getAttribute('href');
    assert.match(href, /^\/api\/v1\/ledger\/evidence\//);
    const ev = await page.evaluate(async (h) => {
      const r = await fetch(h);
      return { status: r.status, type: r.headers.get('content-type') };
    }, href);
    assert.equal(ev.status, 200);
    assert.match(ev.type, /image\/png/);
    await shot(page, 'ledger-review');

    await it.locator('[data-test=review-approve]').click();
    await page.locator('[data-test=review-notice]', { hasText: '已通过' }).waitFor();
    await it.waitFor({ state: 'detached' });
    const sub = (await ctx.submissions('?status=stored')).items.find((s) => s.title === title);
    assert.ok(sub && sub.entry_id, 'the submission is stored in the ledger');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }

  const c = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = c;
    await signIn(page, ctx.citizen.login, ctx.citizen.password);
    await waitForPath(page, '/me');
    await page.locator('[data-test=transcript-link]').click();
    await waitForPath(page, '/me/transcript');
    const outcome = page.locator('[data-test=outcome-item]').filter({ has: page.locator('[data-test=outcome-title]', { hasText: title }) });
    await outcome.waitFor();
    assert.equal(await outcome.getAttribute('data-kind'), 'academic_qualification');
    assert.equal(await outcome.getAttribute('data-status'), 'stored');
    assert.match(await outcome.innerText(), /已入库/);
    assert.match(await outcome.innerText(), /80/);
    const canvas = page.locator('[data-test=chart] canvas');
    await canvas.first().waitFor();
    const box = await canvas.first().boundingBox();
    assert.ok(box.width > 200 && box.height > 150, `chart canvas is drawn (${box.width}x${box.height})`);
    await page.waitForTimeout(500);
    await shot(page, 'ledger-transcript-approved-phone');
    assert.deepEqual(c.errors, []);
  } finally {
    await c.close();
  }
});

test('bulk approval decides the selected submissions and reports each one that failed', { skip }, async () => {
  const tag = uniqueSuffix();
  const titles = ['学历甲 ' + tag, '学历乙 ' + tag, '学历丙 ' + tag];
  const ids = [];
  for (const t of titles) ids.push((await ctx.deposit(await qualification(ctx, t))).submission_id);

  const b = await openBrowser();
  try {
    const { page } = b;
    await openQueue(page);
    for (const t of titles) await item(page, t).waitFor();
    const count = await page.locator('[data-test=review-item]').count();
    await page.locator('[data-test=select-all]').click();
    const bulk = page.locator('[data-test=bulk-approve]');
    assert.match(await bulk.innerText(), new RegExp(`（${count} 条）`));
    await bulk.click();
    await page.locator('[data-test=bulk-confirm]').waitFor();

    // Meanwhile another reviewer rejects one of them: the bulk approval reports it.
    await ctx.decide(ids[1], 'reject', '证书编号与学籍库不符');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/ledger/submissions/decisions'));
    await page.locator('[data-test=bulk-confirm]').click();
    const res = await answer;
    const body = await res.json();
    assert.equal(body.decided, count - 1);

    const notice = page.locator('[data-test=review-notice]');
    await notice.waitFor();
    assert.ok((await notice.innerText()).includes(`已通过 ${count - 1} 条，共 ${count} 条`));
    const failures = page.locator('[data-test=review-failures] li');
    assert.equal(await failures.count(), 1);
    assert.match(await failures.first().innerText(), new RegExp(`${titles[1]}.*已经有人处理过`));
    await page.locator('[data-test=review-empty]').waitFor();
    await shot(page, 'ledger-review-bulk');

    const stored = (await ctx.submissions('?status=stored')).items.map((s) => s.title);
    assert.ok(stored.includes(titles[0]) && stored.includes(titles[2]));
    const rejected = (await ctx.submissions('?status=rejected')).items.map((s) => s.title);
    assert.ok(rejected.includes(titles[1]));
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a returned submission is corrected and resubmitted by the institution staff', { skip }, async () => {
  const title = '工商管理（本科） ' + uniqueSuffix();
  const dep = await ctx.deposit(await qualification(ctx, title, { certificate_no: 'WRONG-1' }));
  const reason = '证书编号有误，请核对后重新提交';

  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openQueue(page);
    const it = item(page, title);
    await it.locator('[data-test=review-return]').click();
    const dialog = page.locator('[data-test=decide-dialog]');
    await dialog.waitFor();
    // The reason is needed.
    await dialog.locator('[data-test=decide-submit]').click();
    await dialog.locator('[data-field=reason] .el-form-item__error').waitFor();
    await dialog.locator('[data-test=decide-reason]').fill(reason);
    await dialog.locator('[data-test=decide-submit]').click();
    await page.locator('[data-test=review-notice]', { hasText: '已退回修改' }).waitFor();
    await it.waitFor({ state: 'detached' });
    await shot(page, 'ledger-review-returned-phone');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }

  const s = await openBrowser();
  try {
    const { page } = s;
    await signIn(page, ctx.staff.login, ctx.staff.password);
    await waitForPath(page, '/institution');
    await page.locator('[data-test=nav-outcomes]').click();
    await waitForPath(page, '/institution/outcomes');
    await page.locator('[data-test=subs-status] label', { hasText: '退回修改' }).click();
    const sub = page.locator(`[data-test=sub-item][data-id="${dep.submission_id}"]`);
    await sub.waitFor();
    assert.equal(await sub.getAttribute('data-status'), 'returned');
    assert.equal((await sub.locator('[data-test=sub-decision-reason]').innerText()).trim(), reason);

    await sub.locator('[data-test=sub-resubmit]').click();
    const dialog = page.locator('[data-test=edit-dialog]');
    await dialog.locator('[data-test=outcome-form]').waitFor();
    assert.ok((await dialog.innerText()).includes(reason), 'the reviewer’s reason is shown');
    assert.equal(await dialog.locator('[data-test=of-title]').inputValue(), title, 'the form holds the submission');
    assert.equal(await dialog.locator('[data-test=of-certificate]').inputValue(), 'WRONG-1');
    assert.ok(await dialog.locator('[data-test=of-account]').isDisabled(), 'the account cannot change');
    await dialog.locator('[data-test=of-evidence-done]').waitFor();
    await dialog.locator('[data-test=of-certificate]').fill('ZS-RIGHT-2');
    await shot(page, 'ledger-resubmit');
    await dialog.locator('[data-test=of-submit]').click();
    await page.locator('[data-test=subs-notice][data-status=pending]').waitFor();
    await dialog.waitFor({ state: 'hidden' });

    const now = (await ctx.submissions('?status=pending')).items.find((x) => x.id === dep.submission_id);
    assert.ok(now, 'the submission waits for review again');
    assert.equal(now.certificate_no, 'ZS-RIGHT-2');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});
