import { test } from 'node:test';
import assert from 'node:assert/strict';
import { creds, openBrowser, shot, signIn, uniqueSuffix, waitForPath } from './lib.mjs';

const instAdmin = creds('LIFELONG_INSTITUTION_ADMIN');

test('the institution admin sees the institution and adds a staff member', { skip: !instAdmin && 'LIFELONG_INSTITUTION_ADMIN not set' }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await signIn(page, instAdmin.login, instAdmin.password);
    await waitForPath(page, '/institution');
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    await page.locator('[data-test=institution-name]', { hasText: me.institution.name }).waitFor();
    const table = page.locator('[data-test=staff-table]');
    await table.waitFor();
    await table.locator('td', { hasText: me.login }).first().waitFor();
    await shot(page, 'institution');

    const login = 'e2e-' + uniqueSuffix();
    await page.locator('[data-test=staff-name]').fill('测试员工');
    await page.locator('[data-test=staff-login]').fill(login);
    await page.locator('[data-test=staff-password]').fill('Staff-' + uniqueSuffix() + '!');
    await page.locator('[data-test=staff-role] label', { hasText: '机构工作人员' }).click();
    await page.locator('[data-test=staff-submit]').click();
    await page.locator('[data-test=add-staff-done]').waitFor();
    await table.locator('td', { hasText: login }).waitFor();
    const staff = await page.evaluate(
      async (id) => (await fetch(`/api/v1/institutions/${id}/staff`)).json(),
      me.institution.id,
    );
    const added = staff.items.find((s) => s.login === login);
    assert.ok(added, 'the new staff member is in the list');
    assert.equal(added.role, 'staff');
    await shot(page, 'institution-added');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
