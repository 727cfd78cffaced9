import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, makeIdNumber, openBrowser, shot, waitForPath } from './lib.mjs';

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
  // The list re-renders when its options arrive from the server; a click that lands during that
  // can leave it open although the choice was made. The choice is what counts: close the list.
  try {
    await list.waitFor({ state: 'hidden', timeout: 3000 });
  } catch {
    await page.keyboard.press('Escape');
    await list.waitFor({ state: 'hidden' });
  }
  await page.waitForFunction(([testId, want]) => {
    const el = document.querySelector(`[data-test=${testId}]`);
    return el && el.innerText.includes(want);
  }, [selectTestId, label]);
  return label;
}

test('a citizen registers with a valid ID number and signs in with the new account number', async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await page.goto(BASE + '/login');
    await page.locator('[data-test=register-link]').click();
    await waitForPath(page, '/register');

    const id = makeIdNumber({ area: '310104' });
    const password = 'Learn-' + Date.now().toString(36) + '!';
    await page.locator('[data-test=reg-name]').fill('测试市民');

    // A wrong check character is caught next to the field before anything is sent.
    const bad = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    await page.locator('[data-test=reg-id]').fill(bad);
    await page.locator('[data-test=reg-submit]').click();
    await page.locator('[data-field=id_number] .el-form-item__error').waitFor();

    await page.locator('[data-test=reg-id]').fill(id);
    const district = await choose(page, 'reg-district', 1);
    const sub = await choose(page, 'reg-subdistrict', 0);
    const committee = await choose(page, 'reg-committee', 0);
    assert.ok(district && sub && committee);
    await page.locator('[data-test=reg-password]').fill(password);
    await page.locator('[data-test=reg-password2]').fill(password);
    await shot(page, 'register');
    await page.locator('[data-test=reg-submit]').click();

    // Back on the sign-in page, the account number is shown prominently and prefilled.
    await waitForPath(page, '/login');
    const banner = page.locator('[data-test=registered-account]');
    await banner.waitFor();
    const accountNo = (await banner.innerText()).replace(/\s+/g, '');
    assert.match(accountNo, /^\w{6,}$/);
    assert.equal(await page.locator('[data-test=login]').inputValue(), accountNo);
    await shot(page, 'registered');

    await page.locator('[data-test=password]').fill(password);
    await page.locator('[data-test=submit]').click();
    await waitForPath(page, '/me');
    const no = page.locator('[data-test=account-no]');
    await no.waitFor();
    assert.equal((await no.innerText()).replace(/\s+/g, ''), accountNo);
    assert.equal((await page.locator('[data-test=account-name]').innerText()).trim(), '测试市民');
    const masked = (await page.locator('[data-test=account-id-number]').innerText()).trim();
    assert.notEqual(masked, id, 'the ID number is not shown in full');
    assert.ok(masked.endsWith(id.slice(-1)), 'the masked ID number keeps its last character');
    const residence = await page.locator('[data-test=account-residence]').innerText();
    assert.ok(residence.includes(committee), 'the residence names the committee chosen');

    // Registering the same person again is refused, with the reason shown on the form.
    await page.locator('[data-test=sign-out]').click();
    await page.waitForURL('**/login**');
    await page.goto(BASE + '/register');
    await page.locator('[data-test=reg-name]').fill('测试市民');
    await page.locator('[data-test=reg-id]').fill(id);
    await choose(page, 'reg-district', 1);
    await choose(page, 'reg-subdistrict', 0);
    await choose(page, 'reg-committee', 0);
    await page.locator('[data-test=reg-password]').fill(password);
    await page.locator('[data-test=reg-password2]').fill(password);
    await page.locator('[data-test=reg-submit]').click();
    const error = page.locator('[data-field=id_number] .el-form-item__error, [data-test=register-error]');
    await error.first().waitFor();
    assert.equal(new URL(page.url()).pathname, '/register');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
