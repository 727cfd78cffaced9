// Language and elder mode: switched once, kept across reloads and sign-ins. These tests use a
// citizen they register themselves, so the demo users' preferences stay as they were.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, fontSize, openBrowser, registerCitizenByApi, shot, signIn, waitForPath } from './lib.mjs';

let user;
before(async () => {
  user = await registerCitizenByApi('偏好测试');
});

const brand = (page) => page.locator('.brand__name').innerText();

test('the language switch changes the text to English and back, and persists', async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await page.goto(BASE + '/login');
    assert.equal(await brand(page), '上海终身学习平台');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');

    await page.locator('[data-test=lang-en]').click();
    assert.equal(await brand(page), 'Shanghai Lifelong Learning');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.locator('h1', { hasText: 'Sign in' }).waitFor();
    await shot(page, 'login-en');

    await page.reload();
    assert.equal(await brand(page), 'Shanghai Lifelong Learning', 'English survives a reload');

    // Signed in, the choice is saved with the account (it was made before sign-in).
    await signIn(page, user.account.account_no, user.password);
    await waitForPath(page, '/me');
    await page.locator('h1', { hasText: 'My lifelong learning account' }).waitFor();
    let me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(me.locale, 'en');
    await shot(page, 'me-en');

    await page.locator('[data-test=lang-zh]').click();
    await page.locator('h1', { hasText: '我的终身学习账户' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.reload();
    await page.locator('h1', { hasText: '我的终身学习账户' }).waitFor();
    me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(me.locale, 'zh-CN');

    // English again, then a new browser: the server's value wins over the empty local state.
    await page.locator('[data-test=lang-en]').click();
    await page.locator('h1', { hasText: 'My lifelong learning account' }).waitFor();
    await page.waitForFunction(async () => (await (await fetch('/api/v1/me')).json()).locale === 'en');
  } finally {
    await b.close();
  }
  const b2 = await openBrowser();
  try {
    const { page } = b2;
    await signIn(page, user.account.account_no, user.password);
    await waitForPath(page, '/me');
    await page.locator('h1', { hasText: 'My lifelong learning account' }).waitFor();
    assert.equal(await brand(page), 'Shanghai Lifelong Learning');
    await page.locator('[data-test=lang-zh]').click();
    await page.locator('h1', { hasText: '我的终身学习账户' }).waitFor();
    await page.waitForFunction(async () => (await (await fetch('/api/v1/me')).json()).locale === 'zh-CN');
    assert.deepEqual(b2.errors, []);
  } finally {
    await b2.close();
  }
});

test('elder mode enlarges the page and persists across reload and sign out/in', async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await signIn(page, user.account.account_no, user.password);
    await waitForPath(page, '/me');
    await page.locator('[data-test=account-no]').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('elder')), false);
    const before = await fontSize(page, 'body');
    assert.ok(before < 22);

    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => document.documentElement.classList.contains('elder'));
    assert.ok((await fontSize(page, 'body')) >= 22, 'body text is at least 22px');
    assert.ok((await fontSize(page, '[data-test=account-name]')) >= 22);
    const btn = await page.locator('[data-test=password-open]').boundingBox();
    assert.ok(btn.height >= 56, `buttons are at least 56px tall (${btn.height})`);
    await page.waitForFunction(async () => (await (await fetch('/api/v1/me')).json()).elder_mode === true);
    await shot(page, 'me-elder');

    await page.reload();
    await page.locator('[data-test=account-no]').waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.classList.contains('elder')), 'kept after reload');
    assert.ok((await fontSize(page, 'body')) >= 22);

    await page.locator('[data-test=sign-out]').click();
    await page.waitForURL('**/login**');
    assert.ok(await page.evaluate(() => document.documentElement.classList.contains('elder')), 'kept after sign-out');
    assert.ok((await fontSize(page, '[data-test=submit]')) >= 22);
    await shot(page, 'login-elder');

    // Forget the local copy: after sign-in the server's value puts it back.
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('elder')), false);
    await signIn(page, user.account.account_no, user.password);
    await waitForPath(page, '/me');
    await page.waitForFunction(() => document.documentElement.classList.contains('elder'));
    assert.ok((await fontSize(page, 'body')) >= 22);

    // And off again.
    await page.locator('[data-test=elder-toggle]').click();
    await page.waitForFunction(() => !document.documentElement.classList.contains('elder'));
    await page.waitForFunction(async () => (await (await fetch('/api/v1/me')).json()).elder_mode === false);
    assert.ok((await fontSize(page, 'body')) < 22);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
