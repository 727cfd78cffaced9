// Depositing learning outcomes through the institution's form (/institution/outcomes): the entry
// standard of the chosen kind marks the required fields; an outcome that passes it is stored at
// once or waits for review; an error of the server shows at its field and stores nothing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, shot, signIn, uniqueSuffix, waitForPath } from './lib.mjs';
import { PNG, choose, cityAdmin, setupLedger } from './ledger-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
let ctx;
before(async () => {
  if (!skip) ctx = await setupLedger();
});

async function openDepositPage(page) {
  await signIn(page, ctx.staff.login, ctx.staff.password);
  await waitForPath(page, '/institution');
  await page.locator('[data-test=nav-outcomes]').click();
  await waitForPath(page, '/institution/outcomes');
  return page.locator('[data-test=deposit-card]');
}

test('staff deposit a course credit through the form and see it stored', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    const card = await openDepositPage(page);
    const title = '高等数学（一） ' + uniqueSuffix();

    await choose(page, card.locator('[data-test=of-kind]'), '学历教育课程学分');
    // The standard of the kind is shown, and marks what it requires.
    const standard = card.locator('[data-test=of-standard]');
    await standard.waitFor();
    assert.match(await standard.locator('[data-test=standard-review]').innerText(), /自动入库/);
    assert.match(await standard.locator('[data-test=standard-required]').innerText(), /代码.*学分.*成绩/);
    assert.equal(await card.locator('[data-field=credits]').getAttribute('data-required'), 'true');
    assert.equal(await card.locator('[data-field=code]').getAttribute('data-required'), 'true');
    assert.equal(await card.locator('[data-field=started_on]').getAttribute('data-required'), 'false');
    assert.ok(await card.locator('[data-field=credits].is-required').count(), 'credits carry the required mark');

    await card.locator('[data-test=of-account]').fill(ctx.citizen.account.account_no);
    await card.locator('[data-test=of-title]').fill(title);
    await card.locator('[data-test=of-code]').fill('MATH1001');
    await card.locator('[data-test=of-credits]').fill('4.5');
    await card.locator('[data-test=of-hours]').fill('72');
    await card.locator('[data-test=of-result-kind] label', { hasText: '等级' }).click();
    await choose(page, card.locator('[data-test=of-result]'), '优秀');
    await card.locator('[data-test=of-awarded]').fill('2024-01-15');
    await shot(page, 'ledger-deposit-form');
    await card.locator('[data-test=of-submit]').click();

    const result = card.locator('[data-test=deposit-result]');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-status'), 'stored');
    assert.match(await result.innerText(), /已入库/);
    assert.ok((await result.innerText()).includes(title));
    // The form is empty again for the next one, with the same kind.
    assert.equal(await card.locator('[data-test=of-title]').inputValue(), '');

    const item = page.locator(`[data-test=sub-item][data-title="${title}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-status'), 'stored');
    await item.locator('[data-test=sub-revoke]').waitFor();

    const stored = (await ctx.submissions('?status=stored')).items.find((s) => s.title === title);
    assert.ok(stored, 'the API lists it as stored');
    assert.equal(stored.credits_milli, 4500);
    assert.equal(stored.hours_milli, 72000);
    assert.equal(stored.result, '优秀');
    assert.equal(stored.person.account_no, ctx.citizen.account.account_no);
    await shot(page, 'ledger-deposit-stored');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a credits value outside the standard shows at the credits field and nothing is stored', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    const card = await openDepositPage(page);
    const title = '超范围课程 ' + uniqueSuffix();
    const before = (await ctx.submissions()).items.length;

    await choose(page, card.locator('[data-test=of-kind]'), '学历教育课程学分');
    await card.locator('[data-test=of-account]').fill(ctx.citizen.account.account_no);
    await card.locator('[data-test=of-title]').fill(title);
    await card.locator('[data-test=of-code]').fill('BIG100');
    await card.locator('[data-test=of-credits]').fill('30'); // the standard allows 0.5 to 20
    await card.locator('[data-test=of-result-kind] label', { hasText: '分数' }).click();
    await card.locator('[data-test=of-result]').fill('88');
    await card.locator('[data-test=of-awarded]').fill('2024-01-15');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/ledger/outcomes') && r.request().method() === 'POST');
    await card.locator('[data-test=of-submit]').click();
    const res = await answer;
    assert.equal(res.status(), 400);
    assert.equal((await res.json()).error.field, 'credits_milli');

    const err = card.locator('[data-field=credits] .el-form-item__error');
    await err.waitFor();
    assert.match(await err.innerText(), /0\.5.*20/);
    assert.equal(await card.locator('[data-field=title] .el-form-item__error').count(), 0, 'only the credits are marked');
    await card.locator('[data-test=form-error]').waitFor();
    assert.equal(await card.locator('[data-test=deposit-result]').count(), 0);
    await shot(page, 'ledger-deposit-error');

    const after = (await ctx.submissions()).items;
    assert.equal(after.length, before, 'nothing was stored');
    assert.ok(!after.some((s) => s.title === title));

    // Changing the value clears the error.
    await card.locator('[data-test=of-credits]').fill('3');
    await card.locator('[data-field=credits] .el-form-item__error').waitFor({ state: 'detached' });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a qualification with an uploaded evidence file waits for review', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    const card = await openDepositPage(page);
    const title = '计算机科学与技术（本科） ' + uniqueSuffix();

    await choose(page, card.locator('[data-test=of-kind]'), '学历');
    assert.match(await card.locator('[data-test=standard-review]').innerText(), /人工审核/);
    assert.equal(await card.locator('[data-field=evidence]').getAttribute('data-required'), 'true');
    await card.locator('[data-test=of-account]').fill(ctx.citizen.account.account_no);
    await card.locator('[data-test=of-title]').fill(title);

    // Without the fields the standard requires, the form names each of them.
    await card.locator('[data-test=of-submit]').click();
    for (const f of ['code', 'level', 'started_on', 'certificate_no', 'evidence', 'awarded_on']) {
      await card.locator(`[data-field=${f}] .el-form-item__error`).waitFor();
    }

    await card.locator('[data-test=of-code]').fill('080901');
    await choose(page, card.locator('[data-test=of-level]'), '六级');
    await card.locator('[data-test=of-started]').fill('2019-09-01');
    await card.locator('[data-test=of-awarded]').fill('2023-07-01');
    await card.locator('[data-test=of-certificate]').fill('ZS-' + uniqueSuffix());
    const upload = page.waitForResponse((r) => r.url().includes('/api/v1/ledger/evidence') && r.request().method() === 'POST');
    await card.locator('[data-test=of-evidence-input]').setInputFiles({ name: '毕业证书.png', mimeType: 'image/png', buffer: PNG });
    const up = await upload;
    assert.equal(up.status(), 201);
    assert.equal(up.request().headers()['content-type'], 'image/png');
    assert.match(up.url(), /name=/);
    await card.locator('[data-test=of-evidence-done]', { hasText: '毕业证书.png' }).waitFor();
    await shot(page, 'ledger-deposit-qualification-phone');
    await card.locator('[data-test=of-submit]').click();

    const result = card.locator('[data-test=deposit-result]');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-status'), 'pending');
    assert.match(await result.innerText(), /等待学分银行审核/);
    const pending = (await ctx.submissions('?status=pending')).items.find((s) => s.title === title);
    assert.ok(pending, 'the API lists it as pending');
    assert.ok(pending.evidence_id && /^[0-9a-f]{64}$/.test(pending.evidence_sha256), 'the evidence file is attached');
    assert.equal(pending.level, 6);
    await page.locator(`[data-test=sub-item][data-title="${title}"][data-status=pending]`).waitFor();
    // The page fits the phone: nothing sticks out sideways.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
