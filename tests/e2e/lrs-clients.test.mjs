// xAPI credentials (/institution/xapi-clients): an institution admin issues credentials to a
// learning platform through the form and sees the secret once; a platform stores a statement
// with them over xAPI; the admin revokes them and xAPI refuses them. A staff member reads the
// list only. The page in English and at 390px in elder mode. The completions of the institution's
// certification units that a trusted platform reported, and what depositing each gave: one
// stored, two refused with their reasons (a unit the city has not approved, a learner who did not
// succeed), with the rule that decides it, in Chinese, in English and in elder mode. Each run makes
// its own institution, admin, staff member, learner and units through the API (the city admin of
// LIFELONG_CITY_ADMIN).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { BASE, openBrowser, registerCitizenByApi, shot, uniqueSuffix } from './lib.mjs';
import { apiSignIn, call, cityAdmin } from './ledger-lib.mjs';
import { assertElder, elderOff, elderOn, signInAt, viaNav } from './transfer-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
const HOME_PAGE = 'https://lifelong.sh.cn'; // the server's --home-page default, as run.sh starts it
const tag = uniqueSuffix();
let inst, admin, staff, adminSession, learner, live, city;

before(async () => {
  if (skip) return;
  city = await apiSignIn(cityAdmin.login, cityAdmin.password);
  inst = await call(
    'POST',
    '/api/v1/institutions',
    { name: `上海老年大学接入测试分校 ${tag}`, name_en: 'University for the Elderly xAPI Test Branch', type: 'elder_university', district_code: '310104000000' },
    city,
  );
  admin = { login: 'lrsadm-' + tag, password: 'Admin-' + uniqueSuffix() + '-1' };
  staff = { login: 'lrsstaff-' + tag, password: 'Staff-' + uniqueSuffix() + '-1' };
  await call('POST', `/api/v1/institutions/${inst.id}/staff`, { login: admin.login, display_name: '周主任', password: admin.password, role: 'institution_admin' }, city);
  await call('POST', `/api/v1/institutions/${inst.id}/staff`, { login: staff.login, display_name: '钱老师', password: staff.password, role: 'staff' }, city);
  adminSession = await apiSignIn(admin.login, admin.password);
  learner = (await registerCitizenByApi('吴学员')).account;
});

const listByApi = async () => (await call('GET', '/api/v1/lrs/clients', undefined, adminSession)).items;

// A statement about the learner, as a platform sends it to /xapi/statements with key and secret.
function sendStatement(key, secret) {
  const statement = {
    actor: { account: { homePage: HOME_PAGE, name: learner.account_no } },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'zh-CN': '完成', 'en-US': 'completed' } },
    object: { objectType: 'Activity', id: `https://classroom.example.org/courses/tai-chi-${tag}`, definition: { name: { 'zh-CN': '太极拳入门' } } },
  };
  return fetch(BASE + '/xapi/statements', {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${key}:${secret}`).toString('base64'),
      'X-Experience-API-Version': '1.0.3',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(statement),
  });
}

async function openPage(page, who) {
  await signInAt(page, who, '/institution');
  await viaNav(page, 'xapiClients', '/institution/xapi-clients', 'lrs-page');
  await page.locator('[data-test=lrs-clients] [data-test=lrs-list], [data-test=lrs-clients] [data-test=lrs-empty]').first().waitFor();
}

const item = (page, key) => page.locator(`[data-test=client-item][data-key="${key}"]`);

test('an institution admin issues credentials and sees the secret once; a platform stores a statement with them; revoked, xAPI refuses them', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    const posts = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/lrs/clients')) posts.push(r);
    });
    await openPage(page, admin);
    const origin = new URL(page.url()).origin;

    // What a platform needs: the endpoint, the version header, and how to name a learner.
    assert.equal((await page.locator('[data-test=lrs-endpoint]').innerText()).trim(), origin + '/xapi');
    assert.match(await page.locator('[data-test=lrs-connect]').innerText(), new RegExp(`${origin}/xapi/statements`));
    assert.match(await page.locator('[data-test=lrs-version]').innerText(), /X-Experience-API-Version: 1\.0\.3/);
    assert.equal((await page.locator('[data-test=lrs-home-page]').innerText()).trim(), HOME_PAGE);
    const actor = JSON.parse(await page.locator('[data-test=lrs-actor]').innerText());
    assert.equal(actor.account.homePage, HOME_PAGE);
    assert.match(actor.account.name, /^\d{16}$/);
    assert.match(await page.locator('[data-test=lrs-page]').innerText(), /在线课堂[\s\S]*直播课堂[\s\S]*老年慕课/);
    await page.locator('[data-test=lrs-empty]').waitFor();
    assert.equal(await page.locator('[data-test=lrs-readonly]').count(), 0, 'an admin is not told the list is read-only');

    // An empty name (or only spaces) is refused at the field, and nothing is sent or stored.
    const form = page.locator('[data-test=lrs-issue-card]');
    await form.locator('[data-test=issue-submit]').click();
    const nameError = form.locator('[data-field=name] .el-form-item__error');
    await nameError.waitFor();
    assert.match(await nameError.innerText(), /请填写/);
    await form.locator('[data-test=issue-name]').fill('   ');
    await form.locator('[data-test=issue-submit]').click();
    await nameError.waitFor();
    await page.waitForTimeout(300);
    assert.equal(posts.length, 0, 'nothing was sent');
    assert.deepEqual(await listByApi(), [], 'nothing was stored');
    assert.match(await form.innerText(), /可信平台报告的、本机构认证单元的完成记录，会自动作为学习成果存入学分银行/, 'the trusted box says what it does');
    assert.ok(!(await form.innerText()).includes('尚未开通'), 'no longer "not active yet"');

    // Issued: the secret in the dialog, with the warning that it is shown once.
    const name = '老年大学在线课堂 ' + tag;
    await form.locator('[data-test=issue-name]').fill(name);
    await form.locator('[data-test=issue-trusted]').click();
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/lrs/clients') && r.request().method() === 'POST');
    await form.locator('[data-test=issue-submit]').click();
    const res = await created;
    assert.equal(res.status(), 201);
    assert.deepEqual(JSON.parse(res.request().postData()), { name, is_trusted: true });
    const reply = await res.json();
    const dialog = page.locator('[data-test=lrs-secret-dialog]');
    await dialog.locator('[data-test=secret-value]').waitFor();
    const key = (await dialog.locator('[data-test=secret-key]').innerText()).trim();
    const secret = (await dialog.locator('[data-test=secret-value]').innerText()).trim();
    assert.equal(key, reply.key);
    assert.equal(secret, reply.secret);
    assert.ok(secret.length >= 32, 'a secret of some length');
    assert.equal((await dialog.locator('[data-test=secret-client-name]').innerText()).trim(), name);
    assert.match(await dialog.locator('[data-test=secret-warning]').innerText(), /只显示这一次[\s\S]*无法再看到/);
    assert.match(await dialog.innerText(), new RegExp(`${origin}/xapi/statements`));
    // The copy button puts the secret on the clipboard.
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await dialog.locator('[data-test=copy-secret]').click();
    await dialog.locator('[data-test=secret-copied][data-ok=true]').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await page.evaluate(() => navigator.clipboard.writeText(''));
    await shot(page, 'lrs-secret');

    // Closed, the secret is nowhere: not on the page, not in its storage.
    await dialog.locator('[data-test=secret-done]').click();
    await page.locator('[data-test=lrs-secret-dialog]').waitFor({ state: 'detached' });
    assert.ok(!(await page.content()).includes(secret), 'the secret is not in the page');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    assert.ok(!stored.includes(secret), 'the secret is not in the browser storage');
    const row = item(page, key);
    await row.waitFor();
    assert.equal((await row.locator('[data-test=client-name]').innerText()).trim(), name);
    assert.equal((await row.locator('[data-test=client-key]').innerText()).trim(), key);
    assert.equal((await row.locator('[data-test=client-statements]').innerText()).trim(), '0');
    await row.locator('[data-test=client-trusted]').waitFor();
    await row.locator('[data-test=client-active]').waitFor();
    assert.equal(await page.locator('[data-test=lrs-notice]').getAttribute('data-kind'), 'issued');
    assert.ok(!(await page.content()).includes(secret), 'the secret is still not in the page');

    // A platform stores a statement with the key and secret read from the dialog.
    const sent = await sendStatement(key, secret);
    assert.equal(sent.status, 200, 'the statement is stored');
    const ids = await sent.json();
    assert.equal(ids.length, 1);
    await page.reload();
    await item(page, key).waitFor();
    assert.equal((await item(page, key).locator('[data-test=client-statements]').innerText()).trim(), '1');
    await shot(page, 'lrs-clients');

    // Revoked after the confirmation: shown as revoked, and xAPI refuses the key.
    await item(page, key).locator('[data-test=client-revoke]').click();
    const confirm = page.locator('[data-test=revoke-dialog]');
    await confirm.locator('[data-test=revoke-confirm]').waitFor();
    assert.match(await confirm.innerText(), new RegExp(name));
    assert.match(await confirm.innerText(), /不能再发送/);
    const revoked = page.waitForResponse((r) => r.url().endsWith(`/api/v1/lrs/clients/${reply.id}`) && r.request().method() === 'DELETE');
    await confirm.locator('[data-test=revoke-confirm]').click();
    assert.equal((await revoked).status(), 204);
    await page.locator(`[data-test=client-item][data-key="${key}"][data-revoked=true]`).waitFor();
    await item(page, key).locator('[data-test=client-revoked]').waitFor();
    await item(page, key).locator('[data-test=client-revoked-at]').waitFor();
    assert.equal(await item(page, key).locator('[data-test=client-revoke]').count(), 0, 'no revoke button on revoked credentials');
    assert.equal((await item(page, key).locator('[data-test=client-statements]').innerText()).trim(), '1', 'the statements received are kept');
    assert.equal(await page.locator('[data-test=lrs-notice]').getAttribute('data-kind'), 'revoked');
    const [after] = await listByApi();
    assert.ok(after.revoked_at, 'revoked in the store');
    const refused = await sendStatement(key, secret);
    assert.equal(refused.status, 401, 'xAPI refuses revoked credentials');
    await shot(page, 'lrs-clients-revoked');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a staff member sees the credentials but cannot issue or revoke them', { skip }, async () => {
  live = await call('POST', '/api/v1/lrs/clients', { name: '社区直播课堂 ' + tag }, adminSession);
  const b = await openBrowser();
  try {
    const { page } = b;
    await openPage(page, staff);
    await item(page, live.key).waitFor();
    assert.equal((await item(page, live.key).locator('[data-test=client-name]').innerText()).trim(), live.name);
    await item(page, live.key).locator('[data-test=client-untrusted]').waitFor();
    await item(page, live.key).locator('[data-test=client-active]').waitFor();
    assert.equal(await page.locator('[data-test=client-item]').count(), 2, 'the revoked credentials are listed too');
    await page.locator('[data-test=lrs-readonly]').waitFor();
    assert.equal(await page.locator('[data-test=lrs-issue-card]').count(), 0, 'no form');
    assert.equal(await page.locator('[data-test=issue-submit]').count(), 0, 'no issue button');
    assert.equal(await page.locator('[data-test=client-revoke]').count(), 0, 'no revoke button');
    assert.equal((await page.locator('[data-test=lrs-endpoint]').innerText()).trim(), new URL(page.url()).origin + '/xapi');
    await shot(page, 'lrs-clients-staff');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the credentials page in English', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openPage(page, admin);
    await page.locator('[data-test=lang-en]').click();
    await page.locator('h1', { hasText: 'xAPI credentials' }).waitFor();
    try {
      assert.match(await page.locator('[data-test=main-nav]').innerText(), /Certification units[\s\S]*xAPI access[\s\S]*Entry standards/);
      const text = await page.locator('[data-test=lrs-page]').innerText();
      for (const s of ['How a platform connects', 'xAPI endpoint', 'homePage of learner accounts', 'Issued credentials', 'Issue new credentials', 'online classrooms, live classes and MOOCs for older learners']) {
        assert.ok(text.includes(s), `"${s}" on the page`);
      }
      const row = item(page, live.key);
      assert.match(await row.innerText(), /Key \(user name\)[\s\S]*Statements received[\s\S]*Issued/);
      assert.equal((await row.locator('[data-test=client-active]').innerText()).trim(), 'In use');
      assert.equal((await row.locator('[data-test=client-untrusted]').innerText()).trim(), 'Ordinary platform');
      assert.equal((await page.locator('[data-test=client-revoked]').innerText()).trim(), 'Revoked');
      assert.equal((await row.locator('[data-test=client-revoke]').innerText()).trim(), 'Revoke');
      assert.equal(await row.locator('[data-test=client-revoke]').getAttribute('aria-label'), `Revoke the credentials of “${live.name}”`);
      const form = page.locator('[data-test=lrs-issue-card]');
      assert.match(await form.innerText(), /Platform name[\s\S]*Trusted platform[\s\S]*deposited in the credit bank as learning outcomes by themselves/);
      assert.equal((await form.locator('[data-test=issue-submit]').innerText()).trim(), 'Issue credentials');
      assert.equal(await page.locator('label[for=lrs-name]').innerText(), 'Platform name', 'the name field has its label');
      await form.locator('[data-test=issue-submit]').click();
      assert.equal((await form.locator('[data-field=name] .el-form-item__error').innerText()).trim(), 'Please fill this in');
      await shot(page, 'lrs-clients-en');
    } finally {
      await page.locator('[data-test=lang-zh]').click();
      await page.locator('h1', { hasText: 'xAPI 接入凭据' }).waitFor();
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the credentials page, the secret and the revoke confirmation at 390px in elder mode', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openPage(page, admin);
    await elderOn(page);
    try {
      await item(page, live.key).waitFor();
      await assertElder(page, 'the credentials page');
      await shot(page, 'lrs-clients-elder-phone');

      // The refused empty name, in elder mode.
      const form = page.locator('[data-test=lrs-issue-card]');
      await form.locator('[data-test=issue-submit]').click();
      await form.locator('[data-field=name] .el-form-item__error').waitFor();
      await assertElder(page, 'the form with its error');

      // The secret, full screen, with big buttons and nothing sideways.
      await form.locator('[data-test=issue-name]').fill('老年慕课 ' + tag);
      await form.locator('[data-test=issue-submit]').click();
      const dialog = page.locator('[data-test=lrs-secret-dialog]');
      await dialog.locator('[data-test=secret-value]').waitFor();
      await page.waitForTimeout(400);
      await assertElder(page, 'the secret dialog');
      for (const sel of ['[data-test=copy-key]', '[data-test=copy-secret]', '[data-test=secret-done]']) {
        const box = await dialog.locator(sel).boundingBox();
        assert.ok(box.height >= 56, `${sel} is ${box.height}px tall`);
        assert.ok(box.x >= 0 && box.x + box.width <= 390 + 1, `${sel} fits the screen`);
      }
      const value = await dialog.locator('[data-test=secret-value]').boundingBox();
      assert.ok(value.x + value.width <= 390 + 1, 'the secret wraps within the screen');
      await shot(page, 'lrs-secret-elder-phone');
      await dialog.locator('[data-test=secret-done]').click();
      await page.locator('[data-test=lrs-secret-dialog]').waitFor({ state: 'detached' });

      // The revoke confirmation, and going back revokes nothing.
      await item(page, live.key).locator('[data-test=client-revoke]').click();
      const confirm = page.locator('[data-test=revoke-dialog]');
      await confirm.locator('[data-test=revoke-confirm]').waitFor();
      await page.waitForTimeout(400);
      await assertElder(page, 'the revoke confirmation');
      for (const sel of ['[data-test=revoke-confirm]', '[data-test=revoke-cancel]']) {
        const box = await confirm.locator(sel).boundingBox();
        assert.ok(box.height >= 56, `${sel} is ${box.height}px tall`);
      }
      await shot(page, 'lrs-revoke-elder-phone');
      await confirm.locator('[data-test=revoke-cancel]').click();
      await confirm.waitFor({ state: 'hidden' });
      assert.equal(await item(page, live.key).getAttribute('data-revoked'), 'false', 'going back revokes nothing');
      assert.equal((await listByApi()).find((c) => c.id === live.id).revoked_at, null);
    } finally {
      await elderOff(page);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

// ---- Completions deposited ----

// Polls fn every 250 ms until it gives something truthy (the background worker deposits a moment
// after a statement is stored); fails naming what after timeout ms.
async function poll(fn, what, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('the completions a trusted platform reported: one stored, the refused ones with their reasons, and the rule', { skip }, async () => {
  // A unit the institution published and the city approved, and one still waiting for the city.
  const staffSession = await apiSignIn(staff.login, staff.password);
  const unit = (code, name) =>
    call('POST', '/api/v1/transfer/units', { code, name, name_en: 'Smartphones for older people', level: 2, credits_milli: 1000, outcomes: ['能用智能手机视频通话和扫码支付'], assessment: '实操考核' }, staffSession);
  const approved = await unit(`CU-${tag.toUpperCase()}`, '老年人智能手机应用');
  await call('POST', `/api/v1/transfer/units/${approved.id}/decision`, { decision: 'approve' }, city);
  const waiting = await unit(`CU-${tag.toUpperCase()}-W`, '老年人防诈骗常识');
  const trusted = await call('POST', '/api/v1/lrs/clients', { name: '老年大学学习平台 ' + tag, is_trusted: true }, adminSession);
  assert.equal(trusted.is_trusted, true);

  // The trusted platform reports: the approved unit completed with a score and the time spent; the
  // waiting unit completed; the approved unit passed by someone who did not succeed.
  const completion = (code, result) => ({
    id: crypto.randomUUID(),
    actor: { account: { homePage: HOME_PAGE, name: learner.account_no } },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'zh-CN': '完成' } },
    object: { objectType: 'Activity', id: `${HOME_PAGE}/units/${code}`, definition: { name: { 'zh-CN': '认证单元' } } },
    result,
    timestamp: '2025-03-10T09:30:00+08:00',
  });
  const stored = completion(approved.code, { completion: true, success: true, score: { scaled: 0.86 }, duration: 'PT2H' });
  const notApproved = completion(waiting.code, { completion: true, success: true });
  const failed = { ...completion(approved.code, { completion: true, success: false }), id: crypto.randomUUID() };
  const sent = await fetch(BASE + '/xapi/statements', {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${trusted.key}:${trusted.secret}`).toString('base64'),
      'X-Experience-API-Version': '1.0.3',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify([stored, notApproved, failed]),
  });
  assert.equal(sent.status, 200, await sent.text());
  const ids = [stored.id, notApproved.id, failed.id];
  const byId = await poll(async () => {
    const items = (await call('GET', '/api/v1/lrs/deposits', undefined, staffSession)).items;
    return ids.every((id) => items.some((d) => d.statement_id === id)) && Object.fromEntries(items.map((d) => [d.statement_id, d]));
  }, 'the three completions in the deposits list');
  assert.equal(byId[stored.id].status, 'stored', JSON.stringify(byId[stored.id]));
  assert.equal(byId[notApproved.id].error_code, 'not_found');
  assert.equal(byId[failed.id].error_code, 'not_succeeded');

  const account = learner.account_no.replace(/(.{4})(?=.)/g, '$1 ');
  const b = await openBrowser();
  try {
    const { page } = b;
    await openPage(page, staff);
    const card = page.locator('[data-test=lrs-deposits]');
    await card.locator('[data-test=deposits-table]').waitFor();
    assert.equal((await card.locator('h2').innerText()).trim(), '课程完成自动存入');
    // The rule: a trusted platform, a lifelong account, completed or passed, exactly this activity,
    // an approved unit of this institution.
    const rule = await card.locator('[data-test=deposits-rule]').innerText();
    assert.match(rule, /可信平台[\s\S]*终身学习账号[\s\S]*completed[\s\S]*passed[\s\S]*一字不差[\s\S]*本机构发布、并已通过市级审核的认证单元/);
    assert.equal((await card.locator('[data-test=deposits-iri]').innerText()).trim(), `${HOME_PAGE}/units/<认证单元代码>`);
    assert.match(await card.innerText(), /准入标准[\s\S]*等待审核/);

    const row = (id) => card.locator(`[data-test=deposit-row][data-statement="${id}"]`);
    assert.equal(await card.locator('[data-test=deposit-row]').count(), 3);
    // Stored: the learner by name and account number, the unit, a green tag, no reason.
    const ok = row(stored.id);
    assert.equal((await ok.locator('[data-test=deposit-name]').innerText()).trim(), '吴学员');
    assert.equal((await ok.locator('[data-test=deposit-account]').innerText()).trim(), account);
    assert.equal((await ok.locator('[data-test=deposit-unit]').innerText()).trim(), approved.code);
    assert.equal((await ok.locator('[data-test=deposit-status]').innerText()).trim(), '已存入');
    assert.match(await ok.locator('[data-test=deposit-status]').getAttribute('class'), /el-tag--success/);
    assert.equal(await ok.locator('[data-test=deposit-reason]').count(), 0);
    assert.match(await ok.locator('[data-test=deposit-at]').innerText(), /^\d{4}\/\d\d\/\d\d \d\d:\d\d$/);
    // Refused: a red tag, the reason in words and the server's detail.
    const unknown = row(notApproved.id);
    assert.equal((await unknown.locator('[data-test=deposit-unit]').innerText()).trim(), waiting.code);
    assert.equal((await unknown.locator('[data-test=deposit-status]').innerText()).trim(), '未存入');
    assert.match(await unknown.locator('[data-test=deposit-status]').getAttribute('class'), /el-tag--danger/);
    assert.match(await unknown.locator('[data-test=deposit-reason]').innerText(), /本机构没有这个代码的、已通过审核的认证单元/);
    assert.equal((await unknown.locator('[data-test=deposit-detail]').innerText()).trim(), byId[notApproved.id].detail);
    assert.match(await row(failed.id).locator('[data-test=deposit-reason]').innerText(), /平台报告学员没有通过/);
    assert.equal((await row(failed.id).locator('[data-test=deposit-status]').innerText()).trim(), '未存入');
    // The platform is listed as trusted.
    await item(page, trusted.key).locator('[data-test=client-trusted]').waitFor();
    assert.equal((await item(page, trusted.key).locator('[data-test=client-trusted]').innerText()).trim(), '可信平台');
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'lrs-deposits');

    // The stored one is in the credit bank, as the institution's outcome of the unit.
    const outcome = (await call('GET', '/api/v1/ledger/submissions?limit=50', undefined, staffSession)).items.find((x) => x.external_id === 'xapi:' + stored.id);
    assert.ok(outcome, 'the completion is a submission of the institution');

    // In English.
    await page.locator('[data-test=lang-en]').click();
    await page.locator('h1', { hasText: 'xAPI credentials' }).waitFor();
    try {
      assert.equal((await card.locator('h2').innerText()).trim(), 'Completions deposited');
      assert.match(await card.locator('[data-test=deposits-rule]').innerText(), /trusted platform[\s\S]*lifelong learning account[\s\S]*completed or passed[\s\S]*exactly[\s\S]*published and the city approved/);
      assert.equal((await card.locator('[data-test=deposits-iri]').innerText()).trim(), `${HOME_PAGE}/units/<unit code>`);
      assert.match(await card.locator('thead').innerText(), /Learner[\s\S]*Unit code[\s\S]*Result[\s\S]*Why it was not deposited[\s\S]*Time/);
      assert.equal((await row(stored.id).locator('[data-test=deposit-status]').innerText()).trim(), 'Stored');
      assert.equal((await row(notApproved.id).locator('[data-test=deposit-status]').innerText()).trim(), 'Not deposited');
      assert.match(await row(notApproved.id).locator('[data-test=deposit-reason]').innerText(), /no approved certification unit with this code/);
      assert.match(await row(failed.id).locator('[data-test=deposit-reason]').innerText(), /did not succeed/);
      assert.equal((await item(page, trusted.key).locator('[data-test=client-trusted]').innerText()).trim(), 'Trusted platform');
      await shot(page, 'lrs-deposits-en');
    } finally {
      await page.locator('[data-test=lang-zh]').click();
      await page.locator('h1', { hasText: 'xAPI 接入凭据' }).waitFor();
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }

  // At 390px in elder mode: a card for each, with the same words.
  const phone = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = phone;
    await openPage(page, admin);
    await elderOn(page);
    try {
      const card = page.locator('[data-test=lrs-deposits]');
      await card.locator('[data-test=deposits-list]').waitFor();
      assert.equal(await card.locator('[data-test=deposits-table]').isVisible(), false, 'no table on a phone in elder mode');
      const cards = card.locator('[data-test=deposit-item]');
      assert.equal(await cards.count(), 3);
      const unknown = card.locator(`[data-test=deposit-item][data-statement="${notApproved.id}"]`);
      assert.equal((await unknown.locator('[data-test=deposit-name]').innerText()).trim(), '吴学员');
      assert.equal((await unknown.locator('[data-test=deposit-account]').innerText()).trim(), account);
      assert.equal((await unknown.locator('[data-test=deposit-status]').innerText()).trim(), '未存入');
      assert.match(await unknown.locator('[data-test=deposit-reason]').innerText(), /本机构没有这个代码的、已通过审核的认证单元/);
      assert.equal((await card.locator(`[data-test=deposit-item][data-statement="${stored.id}"] [data-test=deposit-status]`).innerText()).trim(), '已存入');
      await assertElder(page, 'the credentials page with the completions deposited');
      await card.scrollIntoViewIfNeeded();
      await shot(page, 'lrs-deposits-elder-phone');
    } finally {
      await elderOff(page);
    }
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.close();
  }
});
