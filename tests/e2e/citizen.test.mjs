import { test } from 'node:test';
import assert from 'node:assert/strict';
import { creds, openBrowser, shot, signIn, waitForPath } from './lib.mjs';

const citizen = creds('LIFELONG_CITIZEN');

test('the citizen account page shows the account number, masked ID and access log', { skip: !citizen && 'LIFELONG_CITIZEN not set' }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await signIn(page, citizen.login, citizen.password);
    await waitForPath(page, '/me');
    const account = await page.evaluate(async () => (await fetch('/api/v1/me/account')).json());

    const no = page.locator('[data-test=account-no]');
    await no.waitFor();
    const shown = (await no.innerText()).trim();
    assert.equal(shown.replace(/\s+/g, ''), account.account_no);
    // Groups of four characters separated by spaces.
    assert.match(shown, /^(\S{4} )+\S{1,4}$/);

    const id = (await page.locator('[data-test=account-id-number]').innerText()).trim();
    assert.equal(id, account.id_number);
    assert.match(id, /\*{4,}/, 'the ID number is masked');
    assert.equal((await page.locator('[data-test=account-name]').innerText()).trim(), account.name);

    const table = page.locator('[data-test=access-log-table]');
    await table.waitFor();
    assert.ok(await table.locator('th').count() >= 6, 'the access-log table has its columns');
    const header = await table.locator('thead').innerText();
    for (const col of ['时间', '查看人', '角色', '机构', '查看内容', '用途']) assert.ok(header.includes(col), `column ${col}`);
    await shot(page, 'me');

    // On a phone the same page reads as a list.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('[data-test=access-log-list]').waitFor();
    await shot(page, 'me-phone');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
