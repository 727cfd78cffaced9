// The city's approval queue of conversion rules (/city/transfer-rules): each pending rule in plain
// words with its programme, institution and publisher; a rejection needs a reason (the page
// refuses one without, and nothing is decided); approving takes the rule off the queue and puts it
// in effect; a rejection with a reason reaches the institution's page. The queue in English, and
// at 390px in elder mode.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, shot, uniqueSuffix } from './lib.mjs';
import { PROGRAMME, assertElder, cityAdmin, elderCheck, elderOff, openPath, openRuleQueue, setupTransfer, signInAt } from './transfer-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
let ctx;
before(async () => {
  if (skip) return;
  ctx = await setupTransfer();
});

// A pending rule of the test's programme: community volunteering of 40 hours or more, one
// elective credit.
async function pendingRule(label) {
  const name = `${label} ${uniqueSuffix()}`;
  const r = await ctx.publish({
    name,
    name_en: `Volunteering counts as an elective credit (${name})`,
    effective_from: '2025-01-01',
    conditions: [{ kind: 'community_education', code: 'ZYFW*', min_hours_milli: 40000, within_years: 3 }],
    grants: [{ group: 'elective', credits_milli: 1000 }],
  });
  return { ...r, name };
}

async function status(rule) {
  const v = (await ctx.ruleVersions()).items.find((x) => x.id === rule.id && x.version === rule.version);
  return v;
}

const item = (page, rule) => page.locator(`[data-test=queue-item][data-rule="${rule.id}"][data-version="${rule.version}"]`);

test('the city sees a pending rule in plain words, cannot reject it without a reason, and approving takes it off the queue', { skip }, async () => {
  const a = await pendingRule('社区志愿服务 40 学时认定选修 1 学分');
  const r = await pendingRule('社区志愿服务认定选修学分（待驳回）');
  const b = await openBrowser();
  try {
    const { page } = b;
    await openRuleQueue(page);
    const it = item(page, a);
    await it.waitFor();
    const text = await it.innerText();
    assert.ok(text.includes(a.name));
    assert.ok((await it.locator('[data-test=queue-programme]').innerText()).includes(`${PROGRAMME.name} · ${ctx.ou.name}`));
    assert.match(await it.locator('[data-test=queue-published]').innerText(), /^陈老师 于 .+ 发布$/);
    assert.ok(text.includes('一项社区教育，代码以 ZYFW 开头，学时不少于 40，3 年内取得'), text);
    assert.ok(text.includes('“选修课” 1 学分'), text);
    assert.ok(text.includes('自 2025/01/01 起生效'), text);
    assert.ok(text.includes('新规则'));
    // The oldest first.
    const order = await page.locator('[data-test=queue-item]').evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')));
    assert.ok(order.indexOf(a.id) < order.indexOf(r.id), 'published earlier, listed earlier');
    await shot(page, 'transfer-queue');

    // A rejection without a reason is stopped at the reason, and nothing is decided.
    await it.locator('[data-test=queue-reject]').click();
    await it.locator('[data-test=queue-reject-confirm]').click();
    const reasonError = it.locator('[data-field=reason] .el-form-item__error');
    await reasonError.waitFor();
    assert.equal((await reasonError.innerText()).trim(), '驳回须写明理由。');
    assert.equal((await status(a)).status, 'pending');
    await it.locator('[data-test=queue-reject-cancel]').click();

    // Approved: off the queue, and in effect.
    await it.locator('[data-test=queue-approve]').click();
    await page.locator('[data-test=queue-notice]', { hasText: `已批准“${a.name}”` }).waitFor();
    await it.waitFor({ state: 'detached' });
    assert.equal((await status(a)).status, 'approved');

    // Rejected with a reason, which the institution sees.
    const ri = item(page, r);
    await ri.locator('[data-test=queue-reject]').click();
    await ri.locator('[data-test=queue-reason]').fill('与“十门社区教育课程”规则重复，请合并');
    await ri.locator('[data-test=queue-reject-confirm]').click();
    await ri.waitFor({ state: 'detached' });
    const rejected = await status(r);
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.reason, '与“十门社区教育课程”规则重复，请合并');

    // After a reload the decided rules stay off the queue.
    await page.reload();
    await page.locator('[data-test=rule-queue-page]').waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal(await item(page, a).count(), 0);
    assert.equal(await item(page, r).count(), 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }

  const s = await openBrowser();
  try {
    const { page } = s;
    await signInAt(page, ctx.staff, '/institution');
    await openPath(page, `/institution/programmes/${ctx.programme.id}`);
    const rr = page.locator(`[data-test=rule-item][data-rule="${r.id}"]`);
    await rr.waitFor();
    assert.equal(await rr.getAttribute('data-status'), 'rejected');
    assert.equal((await rr.locator('[data-test=rule-reason]').innerText()).trim(), '驳回理由：与“十门社区教育课程”规则重复，请合并');
    assert.equal(await page.locator(`[data-test=rule-item][data-rule="${a.id}"]`).getAttribute('data-status'), 'approved');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('the queue speaks English', { skip }, async () => {
  const a = await pendingRule('社区志愿服务认定选修学分（英文）');
  const b = await openBrowser();
  try {
    const { page } = b;
    await openRuleQueue(page);
    const it = item(page, a);
    await it.waitFor();
    await page.locator('[data-test=lang-en]').click();
    await page.locator('h1', { hasText: 'Conversion rules to approve' }).waitFor();
    assert.ok((await it.innerText()).includes(`Volunteering counts as an elective credit (${a.name})`));
    assert.ok((await it.innerText()).includes('an outcome of kind Community education, code starting with ZYFW, at least 40 hours, awarded within the last 3 years'));
    assert.ok((await it.innerText()).includes('1 credit of "Electives"'));
    assert.equal((await it.locator('[data-test=queue-approve]').innerText()).trim(), 'Approve');
    assert.match(await page.locator('[data-test=main-nav]').innerText(), /City overview[\s\S]*Rule approvals/);
    await shot(page, 'transfer-queue-en');
    await page.locator('[data-test=lang-zh]').click();
    await page.locator('h1', { hasText: '转换规则审批' }).waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the queue at 390px in elder mode has text of at least 22px and buttons of at least 56px', { skip }, async () => {
  const a = await pendingRule('社区志愿服务认定选修学分（长者模式）');
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openRuleQueue(page);
    await item(page, a).waitFor();
    await elderCheck(page, 'the queue');
    // The reason form too.
    await item(page, a).locator('[data-test=queue-reject]').click();
    await item(page, a).locator('[data-test=queue-reject-confirm]').click();
    await item(page, a).locator('[data-field=reason] .el-form-item__error').waitFor();
    await assertElder(page, 'the queue with the reason form open');
    await shot(page, 'transfer-queue-elder-phone');
    await elderOff(page);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
