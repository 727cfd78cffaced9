// Applying for a credit transfer: what the citizen's learning counts toward across the
// programmes; the citizen chooses the courses their audit finds available
// (the server adds the other courses the same rule grants), sees them under review in the audit
// and on "我的转换申请"; the open university's staff find them in the review queue, cannot reject
// without a reason, and approve them, after which the audit shows them transferred (and the
// programme's list of learners opens the learner's audit); the
// applications page in English; the applications page and the review queue at 390px in elder
// mode.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, registerCitizenByApi, shot, waitForPath } from './lib.mjs';
import { apiSignIn, call } from './ledger-lib.mjs';
import { assertElder, cityAdmin, depositLearning, elderCheck, elderOff, openPath, openTransferItems, setupTransfer, signInAt, viaNav } from './transfer-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
let ctx;
before(async () => {
  if (skip) return;
  ctx = await setupTransfer();
  await depositLearning(ctx);
  const me = await apiSignIn(ctx.citizen.login, ctx.citizen.password);
  await call('POST', '/api/v1/me/programmes', { programme_id: ctx.programme.id }, me);
});

const course = (page, code) => page.locator(`[data-test=audit-course][data-code="${code}"]`).filter({ visible: true });
const mine = (page) => page.locator(`[data-test=transfer-item][data-account="${ctx.citizen.account.account_no}"]`);

const openAudit = (page) => openPath(page, `/me/programmes/${ctx.programme.id}`, 'audit-report');
const openItems = (page) => openTransferItems(page, ctx.staff);

test('a citizen applies for the available courses, sees them under review, and staff approve them', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await signInAt(page, ctx.citizen, '/me');
    // What the learning counts toward across the programmes, the most available first.
    await viaNav(page, 'myProgrammes', '/me/programmes');
    await page.locator('[data-test=option]').first().waitFor();
    const option = page.locator(`[data-test=option][data-id="${ctx.programme.id}"]`);
    if (!(await option.count())) await page.locator('[data-test=options-more]').click();
    assert.equal((await option.locator('[data-test=option-summary]').innerText()).trim(), '可申请转换 25 学分，已获得 8 学分（共需 70 学分）');
    assert.equal((await option.locator('[data-test=option-courses]').innerText()).trim(), '可申请转换 4 门课程');
    await option.locator('[data-test=option-open]').click();
    await waitForPath(page, `/me/programmes/${ctx.programme.id}`);
    await page.locator('[data-test=audit-report]').waitFor();
    assert.equal(await page.locator('[data-test=apply-submit]').isDisabled(), true, 'nothing chosen, nothing to send');
    // Nothing to choose where nothing is available.
    assert.equal(await course(page, '00058').locator('[data-test=audit-course-choose]').count(), 0);
    await course(page, '00012').locator('[data-test=audit-course-choose]').click();
    await course(page, '00051').locator('[data-test=audit-course-choose]').click();
    assert.match(await page.locator('[data-test=apply-submit]').innerText(), /已选 2 项/);
    await page.locator('[data-test=apply-submit]').click();

    // The server adds the other course of each rule: English II and the practice course.
    const result = page.locator('[data-test=apply-result]');
    await result.waitFor();
    const lines = await result.locator('[data-test=apply-result-item]').allInnerTexts();
    assert.equal(lines.length, 2, lines.join(' / '));
    const all = lines.join(' ');
    for (const code of ['00012', '00015', '00051', '00052']) assert.ok(all.includes(code), `${code} in ${all}`);
    for (const code of ['00012', '00015', '00051', '00052']) {
      await page.locator(`[data-test=audit-course][data-code="${code}"][data-status=pending]`).filter({ visible: true }).waitFor();
      assert.match(await course(page, code).locator('[data-test=audit-course-status]').innerText(), /审核中/);
    }
    await shot(page, 'transfer-apply-audit');

    // Applying again for a course under review is refused.
    const me = await apiSignIn(ctx.citizen.login, ctx.citizen.password);
    await assert.rejects(call('POST', `/api/v1/me/programmes/${ctx.programme.id}/applications`, { items: [{ course: '00012' }] }, me), /HTTP 409/);

    await result.locator('[data-test=apply-result-link]').click();
    await waitForPath(page, '/me/applications');
    const apps = page.locator('[data-test=application-item]');
    await apps.first().waitFor();
    assert.equal(await apps.count(), 2);
    for (const s of await page.locator('[data-test=application-status]').allInnerTexts()) assert.equal(s.trim(), '审核中');
    assert.ok((await page.locator('[data-test=applications-list]').innerText()).includes('工商企业管理（专科）'));
    await shot(page, 'transfer-applications');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }

  // The staff of the open university decide.
  const s = await openBrowser();
  try {
    const { page } = s;
    await openItems(page);
    await mine(page).first().waitFor();
    assert.equal(await mine(page).count(), 2);
    const first = mine(page).first();
    const text = await first.innerText();
    assert.ok(text.includes('孙学员'), text);
    assert.ok(text.includes('工商企业管理（专科）'), text);
    const sources = await page.locator('[data-test=item-source]').allInnerTexts();
    assert.ok(sources.some((x) => x.includes('大学英语四级（CET-4）')), sources.join(' / '));
    assert.ok(sources.some((x) => x.includes('全国计算机等级考试二级')), sources.join(' / '));

    // No rejection without a reason.
    await first.locator('[data-test=item-reject]').click();
    await first.locator('[data-test=item-reject-confirm]').click();
    const err = first.locator('[data-field=reason] .el-form-item__error');
    await err.waitFor();
    assert.equal((await err.innerText()).trim(), '驳回须写明理由。');
    assert.equal(await mine(page).count(), 2, 'nothing was decided');
    await first.locator('[data-test=item-reject-cancel]').click();

    for (let n = 2; n > 0; n--) {
      await mine(page).first().locator('[data-test=item-approve]').click();
      await page.locator('[data-test=items-notice]', { hasText: '已批准' }).waitFor();
      await page.waitForFunction(([k, left]) => document.querySelectorAll(`[data-test=transfer-item][data-account="${k}"]`).length === left, [ctx.citizen.account.account_no, n - 1]);
      assert.equal(await mine(page).count(), n - 1);
    }
    await page.locator('[data-test=items-empty]').waitFor();

    // The programme lists its learners, each opening their audit.
    await openPath(page, `/institution/programmes/${ctx.programme.id}`);
    const learner = page.locator(`[data-test=learner][data-account="${ctx.citizen.account.account_no}"]`);
    await learner.waitFor();
    assert.ok((await learner.innerText()).includes('孙学员'));
    await learner.locator('[data-test=learner-audit]').click();
    await waitForPath(page, `/institution/programmes/${ctx.programme.id}/audits/${ctx.citizen.account.account_no}`);
    await page.locator('[data-test=audit-report]').waitFor();
    assert.equal(await course(page, '00012').getAttribute('data-status'), 'transferred');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }

  // The citizen's audit shows them transferred, and the applications approved.
  const c = await openBrowser();
  try {
    const { page } = c;
    await signInAt(page, ctx.citizen, '/me');
    await openAudit(page);
    for (const code of ['00012', '00015', '00051', '00052']) {
      assert.equal(await course(page, code).getAttribute('data-status'), 'transferred', code);
      assert.equal((await course(page, code).locator('[data-test=audit-course-status]').innerText()).trim(), '已转换');
    }
    await page.locator('[data-test=audit-applications]').click();
    await waitForPath(page, '/me/applications');
    await page.locator('[data-test=application-item]').first().waitFor();
    for (const st of await page.locator('[data-test=application-status]').allInnerTexts()) assert.equal(st.trim(), '已批准');
    assert.deepEqual(c.errors, []);
  } finally {
    await c.close();
  }
});

test('my applications in English', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await signInAt(page, ctx.citizen, '/me');
    await viaNav(page, 'myProgrammes', '/me/programmes');
    await page.locator('[data-test=my-applications-link]').click();
    await waitForPath(page, '/me/applications');
    await page.locator('[data-test=lang-en]').click();
    await page.locator('h1', { hasText: 'My transfer applications' }).waitFor();
    await page.locator('[data-test=application-item], [data-test=applications-empty]').first().waitFor();
    assert.match(await page.title(), /^My transfer applications · /);
    await shot(page, 'transfer-applications-en');
    await page.locator('[data-test=lang-zh]').click();
    await page.locator('h1', { hasText: '我的转换申请' }).waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('my applications and the review queue at 390px in elder mode', { skip }, async () => {
  // A second learner with an application waiting, so that the queue has an item.
  const other = await registerCitizenByApi('周学员');
  await depositLearning(ctx, other.account.account_no);
  const me = await apiSignIn(other.account.account_no, other.password);
  await call('POST', `/api/v1/me/programmes/${ctx.programme.id}/applications`, { items: [{ course: '00012' }] }, me);

  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await signInAt(page, { login: other.account.account_no, password: other.password }, '/me');
    await openPath(page, '/me/applications');
    await page.locator('[data-test=application-item]').first().waitFor();
    await elderCheck(page, 'my applications');
    await shot(page, 'transfer-applications-elder-phone');
    await elderOff(page);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }

  const s = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = s;
    await openItems(page);
    const it = page.locator(`[data-test=transfer-item][data-account="${other.account.account_no}"]`);
    await it.waitFor();
    await elderCheck(page, 'the review queue');
    await it.locator('[data-test=item-reject]').click();
    await it.locator('[data-test=item-reject-confirm]').click();
    await it.locator('[data-field=reason] .el-form-item__error').waitFor();
    await assertElder(page, 'the review queue with the reason form open');
    await shot(page, 'transfer-items-elder-phone');
    await elderOff(page);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});
