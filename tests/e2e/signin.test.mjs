import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, creds, openBrowser, shot, signIn, waitForPath } from './lib.mjs';

const citizen = creds('LIFELONG_CITIZEN');
const instAdmin = creds('LIFELONG_INSTITUTION_ADMIN');
const cityAdmin = creds('LIFELONG_CITY_ADMIN');

test('a page that needs sign-in sends a visitor to /login and back after', { skip: !citizen && 'LIFELONG_CITIZEN not set' }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await page.goto(BASE + '/me');
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === '/me');
    await page.locator('[data-test=login]').fill(citizen.login);
    await page.locator('[data-test=password]').fill(citizen.password);
    await page.locator('[data-test=submit]').click();
    await waitForPath(page, '/me');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a wrong password shows the error and stays on the sign-in page', { skip: !citizen && 'LIFELONG_CITIZEN not set' }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await page.goto(BASE + '/login');
    await shot(page, 'login');
    await signIn(page, citizen.login, citizen.password + '-wrong');
    const alert = page.locator('[data-test=login-error]');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /登录失败|错误/);
    assert.equal(new URL(page.url()).pathname, '/login');
    await shot(page, 'login-error');
    // The right password then works (and clears the failure count).
    await page.locator('[data-test=password]').fill(citizen.password);
    await page.locator('[data-test=submit]').click();
    await waitForPath(page, '/me');
  } finally {
    await b.close();
  }
});

for (const [who, c, path] of [
  ['citizen', citizen, '/me'],
  ['institution admin', instAdmin, '/institution'],
  ['city admin', cityAdmin, '/city'],
]) {
  test(`the ${who} lands on ${path} with name and role in the header`, { skip: !c && 'credentials not set' }, async () => {
    const b = await openBrowser();
    try {
      const { page } = b;
      await signIn(page, c.login, c.password);
      await waitForPath(page, path);
      const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
      await assert.doesNotReject(page.locator('[data-test=user-name]').filter({ hasText: me.display_name }).waitFor());
      assert.ok((await page.locator('[data-test=user-role]').innerText()).trim().length > 0);
      // Signing out returns to the sign-in page and the session is gone.
      await page.locator('[data-test=sign-out]').click();
      await page.waitForURL('**/login**');
      const status = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
      assert.equal(status, 401);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
}
