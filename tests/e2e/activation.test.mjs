// Accounts an institution opens: a staff member registers a learner on /institution (no
// password), the learner activates the account on /activate with their ID number and signs in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, creds, fontSize, makeIdNumber, openBrowser, shot, signIn, signOut, uniqueSuffix, waitForPath } from './lib.mjs';

const instAdmin = creds('LIFELONG_INSTITUTION_ADMIN');
const needAdmin = { skip: !instAdmin && 'LIFELONG_INSTITUTION_ADMIN not set' };

// Opens an Element Plus select and picks its n-th option, in the dropdown that this select
// controls (another select's dropdown may still be fading out).
async function choose(page, selectTestId, n = 0) {
  const select = page.locator(`[data-test=${selectTestId}]`);
  const id = await select.locator('input[aria-controls]').getAttribute('aria-controls');
  const list = page.locator(`[id="${id}"]`);
  await select.click();
  const option = list.locator('.el-select-dropdown__item').nth(n);
  await option.waitFor();
  const label = (await option.innerText()).trim();
  await option.click();
  await list.waitFor({ state: 'hidden' });
  return label;
}

const fieldError = (page, field) => page.locator(`[data-field=${field}] .el-form-item__error`);

// Fills and sends the "register a learner" form; returns the account number shown (digits).
async function registerLearner(page, { name, id, phone }) {
  await page.locator('[data-test=learner-name]').fill(name);
  await page.locator('[data-test=learner-id]').fill(id);
  if (phone) await page.locator('[data-test=learner-phone]').fill(phone);
  await choose(page, 'learner-district', 0);
  await choose(page, 'learner-subdistrict', 0);
  await choose(page, 'learner-committee', 0);
  await page.locator('[data-test=learner-submit]').click();
  const shown = page.locator('[data-test=learner-account]');
  await shown.waitFor();
  const text = (await shown.innerText()).trim();
  assert.match(text, /^\d{4} \d{4} \d{4} \d{4}$/, `the account number is shown in groups of 4 (${text})`);
  return text.replace(/\s+/g, '');
}

async function fillActivation(page, { account, id, password }) {
  await page.locator('[data-test=act-account]').fill(account);
  await page.locator('[data-test=act-id]').fill(id);
  await page.locator('[data-test=act-password]').fill(password);
  await page.locator('[data-test=act-password2]').fill(password);
  await page.locator('[data-test=act-submit]').click();
}

test('an institution registers a learner, who activates the account and signs in', needAdmin, async () => {
  const id = makeIdNumber({ area: '310104' });
  const name = '开户学员';
  let accountNo;

  const staff = await openBrowser();
  try {
    const { page } = staff;
    await signIn(page, instAdmin.login, instAdmin.password);
    await waitForPath(page, '/institution');
    await page.locator('[data-test=learner-card]').waitFor();
    accountNo = await registerLearner(page, { name, id });
    const done = await page.locator('[data-test=learner-done]').innerText();
    assert.ok(done.includes(name), 'the banner names the learner');
    assert.ok(done.includes(BASE + '/activate'), 'the banner tells where to activate');
    // The form is empty again, for the next learner.
    assert.equal(await page.locator('[data-test=learner-id]').inputValue(), '');
    await shot(page, 'institution-learner');

    // The same person a second time is refused, next to the ID number.
    await page.locator('[data-test=learner-name]').fill(name);
    await page.locator('[data-test=learner-id]').fill(id);
    await choose(page, 'learner-district', 0);
    await choose(page, 'learner-subdistrict', 0);
    await choose(page, 'learner-committee', 0);
    await page.locator('[data-test=learner-submit]').click();
    await fieldError(page, 'id_number').waitFor();
    assert.match(await fieldError(page, 'id_number').innerText(), /已经有终身学习账户/);
    assert.equal(await page.locator('[data-test=learner-done]').count(), 0);
    assert.deepEqual(staff.errors, []);
  } finally {
    await staff.close();
  }

  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await page.goto(BASE + '/login');
    await page.locator('[data-test=activate-link]').click();
    await waitForPath(page, '/activate');
    await page.locator('h1', { hasText: '激活账户' }).waitFor();

    // The number is grouped as it is typed, whatever spaces the person types.
    const input = page.locator('[data-test=act-account]');
    await input.pressSequentially(accountNo.slice(0, 6) + '  ' + accountNo.slice(6, 11));
    assert.equal(await input.inputValue(), `${accountNo.slice(0, 4)} ${accountNo.slice(4, 8)} ${accountNo.slice(8, 11)}`);
    await input.pressSequentially(' ' + accountNo.slice(11) + '9');
    assert.equal(await input.inputValue(), accountNo.replace(/(\d{4})(?=\d)/g, '$1 '), 'at most 16 digits, grouped');

    // A mistyped digit is caught before anything is sent.
    const typo = accountNo.slice(0, 10) + ((+accountNo[10] + 1) % 10) + accountNo.slice(11);
    const password = 'Act-' + uniqueSuffix() + '-9';
    await fillActivation(page, { account: typo, id, password });
    await fieldError(page, 'account_no').waitFor();

    // Someone else's ID number: the server says the two do not belong together.
    const wrongId = makeIdNumber({ area: '310105', birth: '19700101' });
    await fillActivation(page, { account: accountNo, id: wrongId, password });
    await fieldError(page, 'id_number').waitFor();
    assert.match(await fieldError(page, 'id_number').innerText(), /对不上/);
    assert.equal(new URL(page.url()).pathname, '/activate');
    await shot(page, 'activate-wrong-id');

    // A password the server finds too weak is shown next to the password.
    await fillActivation(page, { account: accountNo, id, password: 'aaaaaaaaaa' });
    await fieldError(page, 'password').waitFor();
    assert.match(await fieldError(page, 'password').innerText(), /密码/);

    // The right ID number: on to the sign-in page, number prefilled, with a success message.
    await fillActivation(page, { account: accountNo, id, password });
    await waitForPath(page, '/login');
    const banner = page.locator('[data-test=registered-banner]');
    await banner.waitFor();
    assert.match(await banner.innerText(), /账户已激活/);
    assert.equal((await page.locator('[data-test=registered-account]').innerText()).replace(/\s+/g, ''), accountNo);
    assert.equal(await page.locator('[data-test=login]').inputValue(), accountNo);
    await shot(page, 'activated');

    await page.locator('[data-test=password]').fill(password);
    await page.locator('[data-test=submit]').click();
    await waitForPath(page, '/me');
    const no = page.locator('[data-test=account-no]');
    await no.waitFor();
    assert.equal((await no.innerText()).replace(/\s+/g, ''), accountNo);
    assert.equal((await page.locator('[data-test=account-name]').innerText()).trim(), name);
    assert.equal((await page.locator('[data-test=account-status]').innerText()).trim(), '已激活');
    assert.match(await page.locator('[data-test=account-activation]').innerText(), /激活于/);
    await shot(page, 'activated-me');

    // Activating again is refused with the way to sign in.
    await signOut(page);
    await page.goto(BASE + '/activate');
    await fillActivation(page, { account: accountNo, id, password: 'Other-' + uniqueSuffix() + '-1' });
    const already = page.locator('[data-test=activate-already]');
    await already.waitFor();
    assert.match(await already.innerText(), /已经激活/);
    await shot(page, 'activate-already');
    await already.locator('[data-test=activate-to-login]').click();
    await waitForPath(page, '/login');
    assert.equal(await page.locator('[data-test=login]').inputValue(), accountNo);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a staff member (not an admin) registers a learner too', needAdmin, async () => {
  const login = 'e2e-staff-' + uniqueSuffix();
  const password = 'Staff-' + uniqueSuffix() + '-1';
  const admin = await openBrowser();
  try {
    const { page } = admin;
    await signIn(page, instAdmin.login, instAdmin.password);
    await waitForPath(page, '/institution');
    const status = await page.evaluate(
      async ({ login, password }) => {
        const me = await (await fetch('/api/v1/me')).json();
        const r = await fetch(`/api/v1/institutions/${me.institution.id}/staff`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
          body: JSON.stringify({ login, display_name: '前台老师', password, role: 'staff' }),
        });
        return r.status;
      },
      { login, password },
    );
    assert.equal(status, 201);
  } finally {
    await admin.close();
  }

  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await signIn(page, login, password);
    await waitForPath(page, '/institution');
    await page.locator('[data-test=learner-card]').waitFor();
    assert.equal(await page.locator('[data-test=add-staff-card]').count(), 0, 'staff cannot add staff');
    const accountNo = await registerLearner(page, {
      name: '前台学员',
      id: makeIdNumber({ area: '310104' }),
      phone: '138' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0'),
    });
    assert.equal(accountNo.length, 16);
    await shot(page, 'institution-learner-phone');
    // The number fits in its banner on a phone, in elder mode too.
    const fits = () =>
      page.locator('[data-test=learner-done]').evaluate((el) => el.scrollWidth <= el.clientWidth);
    assert.ok(await fits(), 'the account number fits on a phone');
    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => document.documentElement.classList.contains('elder'));
    assert.ok((await fontSize(page, '[data-test=learner-account]')) >= 22);
    assert.ok(await fits(), 'the account number fits on a phone in elder mode');
    await shot(page, 'institution-learner-elder');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the activation page in elder mode and in English', async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await page.goto(BASE + '/activate');
    await page.locator('[data-test=act-submit]').waitFor();
    assert.ok((await fontSize(page, 'body')) < 22);

    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => document.documentElement.classList.contains('elder'));
    assert.ok((await fontSize(page, 'body')) >= 22, 'body text is at least 22px');
    assert.ok((await fontSize(page, '[data-field=account_no] .el-form-item__label')) >= 22, 'labels are at least 22px');
    assert.ok((await fontSize(page, '[data-test=act-account]')) >= 22, 'typed text is at least 22px');
    const btn = await page.locator('[data-test=act-submit]').boundingBox();
    assert.ok(btn.height >= 56, `the button is at least 56px tall (${btn.height})`);
    const field = await page.locator('[data-field=account_no] .el-input__wrapper').boundingBox();
    assert.ok(field.height >= 54, `the input is large (${field.height})`);
    // An error in elder mode is large too.
    await page.locator('[data-test=act-submit]').click();
    await fieldError(page, 'account_no').waitFor();
    assert.ok((await fontSize(page, '[data-field=account_no] .el-form-item__error')) >= 20);
    await shot(page, 'activate-elder');

    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => !document.documentElement.classList.contains('elder'));
    await page.locator('[data-test=lang-en]').click();
    await page.locator('h1', { hasText: 'Activate your account' }).waitFor();
    assert.equal((await page.locator('[data-field=account_no] .el-form-item__label').innerText()).trim(), 'Account number');
    assert.equal((await page.locator('[data-field=id_number] .el-form-item__label').innerText()).trim(), 'Your resident ID number');
    assert.equal((await page.locator('[data-field=password] .el-form-item__label').innerText()).trim(), 'Choose a password');
    assert.equal((await page.locator('[data-test=act-submit]').innerText()).trim(), 'Activate');
    assert.equal(await page.title(), 'Activate your account · Shanghai Lifelong Learning');
    await shot(page, 'activate-en');

    await page.goto(BASE + '/login');
    assert.equal((await page.locator('[data-test=activate-link]').innerText()).trim(), 'Activate it');
    assert.match(await page.locator('.below-form', { has: page.locator('[data-test=activate-link]') }).innerText(), /An institution opened my account\?/);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
