import { test } from 'node:test';
import assert from 'node:assert/strict';
import { creds, openBrowser, shot, signIn, waitForPath } from './lib.mjs';

const cityAdmin = creds('LIFELONG_CITY_ADMIN');

test('the city admin sees totals, an ECharts bar chart and the district table', { skip: !cityAdmin && 'LIFELONG_CITY_ADMIN not set' }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await signIn(page, cityAdmin.login, cityAdmin.password);
    await waitForPath(page, '/city');
    const stats = await page.evaluate(async () => (await fetch('/api/v1/stats/activations')).json());

    const canvas = page.locator('[data-test=chart] canvas');
    await canvas.first().waitFor();
    const box = await canvas.first().boundingBox();
    assert.ok(box.width > 200 && box.height > 200, `chart canvas is drawn (${box.width}x${box.height})`);
    assert.ok(await page.locator('[data-test=chart]').evaluate((el) => !!el.getAttribute('_echarts_instance_')));

    const total = (await page.locator('[data-test=total-accounts]').innerText()).replace(/[,\s]/g, '');
    assert.equal(total, String(stats.total_accounts));
    assert.match(await page.locator('[data-test=activation-rate]').innerText(), /%/);

    const rows = page.locator('[data-test=district-table] .el-table__body tr');
    assert.equal(await rows.count(), stats.districts.length);
    await page.waitForTimeout(600); // let the bars finish growing for the screenshot
    await shot(page, 'city');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
