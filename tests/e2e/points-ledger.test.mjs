// The citizen's points (/me/points, from the account page): the points a deposited outcome earns,
// by education type and in total; redeeming an incentive after a confirmation (a fresh request_id
// each time), after which the balance drops, the voucher with its code appears under "my
// vouchers", the stock goes down and the statement shows the redemption; a voucher used at the
// provider and one past its expiry shown so; the refusals (not enough points, out of stock, no
// longer offered) in plain words, nothing taken; "load more" in the statement; English labels; the
// page and the confirmation at 390px in elder mode. Each run makes its own community school,
// citizen and incentives through the API (the city admin of LIFELONG_CITY_ADMIN).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, setupPoints, shot, until, waitForPath } from './lib.mjs';
import { call, cityAdmin } from './ledger-lib.mjs';
import { assertElder, elderOff, elderOn, signInAt } from './transfer-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let w, start; // start: the citizen's community points before any redemption

// An incentive of the school's, paid with community points, made by the city admin.
const incentive = (name, o = {}) =>
  call(
    'POST',
    '/api/v1/incentives',
    { kind: 'course_voucher', name: `${name} ${w.tag}`, name_en: `${o.en || 'Voucher'} ${w.tag}`, description: '凭券到本校参加一次体验课', institution_id: w.inst.id, edu_type: 'community', cost: 1, stock: 5, ...o, en: undefined },
    w.city,
  );
const community = async () => (await w.balances()).balances.community;
const redeemByApi = (inc, requestId) => call('POST', '/api/v1/me/redemptions', { incentive_id: inc.id, request_id: requestId }, w.citizenSession);

before(async () => {
  if (skip) return;
  w = await setupPoints();
  // Two outcomes deposited in the credit bank: the default rule awards each its points.
  await w.deposit();
  await w.deposit();
  start = await until(async () => {
    const b = await w.balances();
    return b.balances.community >= 20 && b.balances.community;
  }, 'the deposits to earn community points');
  // The worker may still be awarding the second: wait until the balance holds still.
  for (let last = -1; last !== start; ) {
    last = start;
    await new Promise((r) => setTimeout(r, 1500));
    start = await community();
  }
});

const card = (page, inc) => page.locator(`[data-test=incentive][data-id="${inc.id}"]`);
const voucher = (page, code) => page.locator(`[data-test=voucher][data-code="${code}"]`);
const num = async (loc) => Number(await loc.getAttribute('data-value'));

async function openPoints(page, who = w.citizen) {
  await signInAt(page, who, '/me');
  await page.locator('[data-test=points-link]').click();
  await waitForPath(page, '/me/points');
  await page.locator('[data-test=balance-total]').waitFor();
  await page.locator('[data-test=incentive-list], [data-test=incentives-empty]').first().waitFor();
}

async function redeemInPage(page, inc) {
  await card(page, inc).locator('[data-test=redeem]').click();
  const dialog = page.locator('[data-test=redeem-dialog]');
  await dialog.locator('[data-test=redeem-confirm]').waitFor();
  const res = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/redemptions') && r.request().method() === 'POST');
  await dialog.locator('[data-test=redeem-confirm]').click();
  return res;
}

test('the citizen redeems points for a voucher: the balance drops, the voucher and its code appear, the statement shows it', { skip }, async () => {
  const cost = Math.floor(start / 2) + 1;
  const big = await incentive('社区书法课体验券', { en: 'Calligraphy trial class', cost, stock: 3, expires_at: new Date(Date.now() + 30 * 86400000).toISOString() });
  const small = await incentive('社区图书馆讲座入场券', { en: 'Library talk ticket', kind: 'venue_visit', cost: 1, stock: 10 });
  const b = await openBrowser();
  try {
    const { page } = b;
    await openPoints(page);
    assert.equal((await page.locator('h1').innerText()).trim(), '我的积分');
    // The points the deposits earned: community only, and the total.
    assert.equal(await num(page.locator('[data-test=balance-community]')), start);
    assert.equal(await num(page.locator('[data-test=balance-total]')), start);
    for (const k of ['academic', 'vocational', 'elder']) assert.equal(await num(page.locator(`[data-test=balance-${k}]`)), 0);
    assert.match(await page.locator('[data-test=balances]').innerText(), /学历教育[\s\S]*职业教育[\s\S]*社区教育[\s\S]*老年教育/);
    const first = page.locator('[data-test=statement-line]').first();
    assert.match(await first.innerText(), /学习成果存入学分银行[\s\S]*社区教育[\s\S]*\+20/);

    // The incentive with its price, stock, provider and end date.
    const c = card(page, big);
    assert.equal((await c.locator('[data-test=incentive-name]').innerText()).trim(), big.name);
    assert.equal((await c.locator('[data-test=incentive-cost]').innerText()).trim(), `${cost} 分（社区教育）`);
    assert.equal(await num(c.locator('[data-test=incentive-stock]')), 3);
    assert.match(await c.innerText(), new RegExp(`提供单位[\\s\\S]*${w.inst.name}[\\s\\S]*兑换截止`));

    // Redeemed after the confirmation.
    const bodies = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/me/redemptions')) bodies.push(r.postDataJSON());
    });
    await c.locator('[data-test=redeem]').click();
    const dialog = page.locator('[data-test=redeem-dialog]');
    await dialog.locator('[data-test=redeem-confirm]').waitFor();
    assert.match(await dialog.innerText(), new RegExp(`${big.name}[\\s\\S]*将用去 ${cost} 分社区教育积分，兑换后剩 ${start - cost} 分`));
    // Going back sends nothing.
    await dialog.locator('[data-test=redeem-cancel]').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(bodies.length, 0);
    const res = await redeemInPage(page, big);
    assert.equal(res.status(), 201);
    const issued = await res.json();
    assert.equal(bodies.length, 1);
    assert.equal(bodies[0].incentive_id, big.id);
    assert.match(bodies[0].request_id, UUID);

    const done = page.locator('[data-test=redeem-done]');
    await done.waitFor();
    assert.equal((await done.locator('[data-test=redeem-code]').innerText()).trim(), issued.code);
    assert.match(await done.innerText(), new RegExp(`已兑换“${big.name}”`));
    // The balance dropped, the stock too, the voucher is listed, the statement has the redemption.
    await page.waitForFunction((v) => document.querySelector('[data-test=balance-community]').dataset.value === String(v), start - cost);
    assert.equal(await num(page.locator('[data-test=balance-total]')), start - cost);
    assert.equal(await num(c.locator('[data-test=incentive-stock]')), 2);
    const v = voucher(page, issued.code);
    await v.waitFor();
    assert.equal((await v.locator('[data-test=voucher-name]').innerText()).trim(), big.name);
    assert.equal((await v.locator('[data-test=voucher-code]').innerText()).trim(), issued.code);
    assert.equal((await v.locator('[data-test=voucher-status]').innerText()).trim(), '未使用');
    assert.match(await v.locator('[data-test=voucher-expires]').innerText(), /^\d{4}\/\d{2}\/\d{2}$/);
    const line = page.locator('[data-test=statement-line]').first();
    assert.equal(await line.getAttribute('data-points'), String(-cost));
    assert.equal(await line.getAttribute('data-event'), 'redemption');
    assert.equal((await line.locator('[data-test=statement-points]').innerText()).trim(), `−${cost}`);
    assert.match(await line.innerText(), new RegExp(`兑换激励[\\s\\S]*${big.name}`));
    // Not enough left for a second one: said, and the button is off.
    if (start - cost < cost) {
      assert.match(await c.locator('[data-test=incentive-short]').innerText(), new RegExp(`社区教育积分还差 ${cost - (start - cost)} 分`));
      assert.equal(await c.locator('[data-test=redeem]').isDisabled(), true);
    }
    await shot(page, 'points-ledger');

    // Another redemption: a request id of its own.
    assert.equal((await redeemInPage(page, small)).status(), 201);
    await page.waitForFunction((n) => document.querySelectorAll('[data-test=voucher]').length === n, 2);
    assert.equal(bodies.length, 2);
    assert.match(bodies[1].request_id, UUID);
    assert.notEqual(bodies[1].request_id, bodies[0].request_id);
    assert.equal(await num(page.locator('[data-test=balance-community]')), start - cost - 1);

    // After a reload, the same; and the server agrees.
    await page.reload();
    await voucher(page, issued.code).waitFor();
    assert.equal(await num(page.locator('[data-test=balance-community]')), start - cost - 1);
    assert.equal(await community(), start - cost - 1);
    assert.deepEqual(
      (await call('GET', '/api/v1/me/redemptions', undefined, w.citizenSession)).items.map((x) => x.code).sort(),
      (await page.locator('[data-test=voucher]').evaluateAll((els) => els.map((e) => e.dataset.code))).sort(),
    );
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a voucher used at the provider and one past its expiry are shown so', { skip }, async () => {
  const [used] = (await call('GET', '/api/v1/me/redemptions', undefined, w.citizenSession)).items.filter((x) => x.incentive.kind === 'venue_visit');
  await call('POST', '/api/v1/redemptions/use', { code: used.code }, w.staffSession);
  const soon = await incentive('夜校试听券', { en: 'Night school taster', cost: 1, stock: 1, expires_at: new Date(Date.now() + 4000).toISOString() });
  const late = await redeemByApi(soon, 'expiring-' + w.tag);
  await new Promise((r) => setTimeout(r, 4500));
  const b = await openBrowser();
  try {
    const { page } = b;
    await openPoints(page);
    const u = voucher(page, used.code);
    await u.waitFor();
    assert.equal(await u.getAttribute('data-status'), 'used');
    assert.equal((await u.locator('[data-test=voucher-status]').innerText()).trim(), '已使用');
    assert.match(await u.innerText(), /使用时间/);
    const e = voucher(page, late.code);
    assert.equal(await e.getAttribute('data-status'), 'expired');
    assert.equal((await e.locator('[data-test=voucher-status]').innerText()).trim(), '已过期');
    // The expired incentive is no longer offered.
    assert.equal(await card(page, soon).count(), 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('not enough points, out of stock and no longer offered are said in plain words, and nothing is taken', { skip }, async () => {
  const have = await community();
  assert.ok(have >= 2, `the citizen has ${have} community points left`);
  const last = await incentive('最后一张游泳馆体验券', { en: 'Last swimming pool visit', kind: 'venue_visit', cost: 1, stock: 1 });
  const off = await incentive('下架的茶艺课券', { en: 'Withdrawn tea class', cost: 1, stock: 5 });
  const all = await incentive('用光积分的读书会券', { en: 'Book club voucher', cost: have, stock: 5 });
  const b = await openBrowser();
  try {
    const { page } = b;
    await openPoints(page);
    const vouchersBefore = (await call('GET', '/api/v1/me/redemptions', undefined, w.citizenSession)).items.length;
    // Each time the page shows it on offer, and meanwhile something changes: the last one goes (the
    // city takes it back), one is withdrawn, the citizen spends every point on another device.
    const cases = [
      [last, () => call('POST', `/api/v1/incentives/${last.id}/stock`, { add: -1 }, w.city), 'out_of_stock', /这一项已经兑换完了/],
      [off, () => call('PUT', `/api/v1/incentives/${off.id}`, { kind: off.kind, name: off.name, institution_id: w.inst.id, edu_type: 'community', cost: 1, is_active: false }, w.city), 'incentive_unavailable', /这一项现在不能兑换了（已下架或已过期）/],
      [all, () => redeemByApi(all, 'other-device-' + w.tag), 'insufficient_points', /您的积分不够兑换这一项/],
    ];
    let spent = 0;
    for (const [inc, meanwhile, code, words] of cases) {
      await page.reload();
      await card(page, inc).waitFor();
      assert.equal(await card(page, inc).locator('[data-test=redeem]').isDisabled(), false, `${code}: on offer`);
      await meanwhile();
      if (code === 'insufficient_points') spent = 1;
      const res = await redeemInPage(page, inc);
      assert.equal(res.status(), 409);
      assert.equal((await res.json()).error.code, code);
      const err = page.locator('[data-test=redeem-error]');
      await err.waitFor();
      assert.match(await err.innerText(), words);
      assert.ok(!(await err.innerText()).includes(code), 'no code shown');
      assert.equal(await page.locator('[data-test=redeem-dialog] [data-test=redeem-confirm]').count(), 0, 'no second try of a refusal');
      await page.locator('[data-test=redeem-dialog] [data-test=redeem-cancel]').click();
      await page.locator('[data-test=redeem-dialog]').waitFor({ state: 'hidden' });
    }
    // Nothing was taken: no voucher but the other device's, the balance as that left it.
    assert.equal((await call('GET', '/api/v1/me/redemptions', undefined, w.citizenSession)).items.length, vouchersBefore + spent);
    assert.equal(await community(), 0);
    await page.reload();
    await page.locator('[data-test=balance-community][data-value="0"]').waitFor();
    // What the page says now: the last one is gone, the withdrawn one is not offered, too few points.
    assert.match(await card(page, last).locator('[data-test=incentive-gone]').innerText(), /已经兑换完了/);
    assert.equal(await card(page, last).locator('[data-test=redeem]').isDisabled(), true);
    assert.equal(await card(page, off).count(), 0);
    assert.match(await card(page, all).locator('[data-test=incentive-short]').innerText(), new RegExp(`还差 ${have} 分`));
    await shot(page, 'points-ledger-refusals');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the statement a page at a time, newest first', { skip }, async () => {
  // 25 more movements: 25 one-point redemptions after two deposits top the balance up.
  const cheap = await incentive('一分钱读报券', { en: 'One-point newspaper voucher', cost: 1, stock: 100 });
  const have = await community();
  await w.deposit({ title: `社区读报班 ${w.tag}` });
  await w.deposit({ title: `社区读报班（二）${w.tag}` });
  await until(async () => (await community()) >= have + 25, 'the deposits to earn 25 points');
  for (let i = 0; i < 25; i++) await redeemByApi(cheap, `paging-${i}-${w.tag}`);
  const all = [];
  for (let after = ''; ; ) {
    const p = await call('GET', `/api/v1/me/points/statement?limit=200${after ? '&after=' + after : ''}`, undefined, w.citizenSession);
    all.push(...p.items);
    if (!p.next) break;
    after = p.next;
  }
  const b = await openBrowser();
  try {
    const { page } = b;
    await openPoints(page);
    const lines = page.locator('[data-test=statement-line]');
    assert.equal(await lines.count(), 20, 'a page of 20');
    const more = page.locator('[data-test=statement-more]');
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/me/points/statement') && new URL(r.url()).searchParams.has('after'));
    await more.click();
    await asked;
    await page.waitForFunction((n) => document.querySelectorAll('[data-test=statement-line]').length === n, Math.min(all.length, 40));
    while (await more.count()) {
      const n = await lines.count();
      await more.click();
      await page.waitForFunction((k) => document.querySelectorAll('[data-test=statement-line]').length > k, n);
    }
    await page.locator('[data-test=statement-end]').waitFor();
    assert.deepEqual(await lines.evaluateAll((els) => els.map((e) => e.dataset.id)), all.map((l) => l.id), 'every line once, newest first');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the points page in English', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openPoints(page);
    await page.locator('[data-test=lang-en]').click();
    try {
      await page.locator('h1', { hasText: 'My points' }).waitFor();
      assert.match(await page.locator('[data-test=balances]').innerText(), /Total points[\s\S]*Academic education[\s\S]*Vocational education[\s\S]*Community education[\s\S]*Education for older people/);
      assert.match(await page.locator('[data-test=incentives]').innerText(), /Rewards you can redeem/);
      assert.match(await page.locator('[data-test=vouchers]').innerText(), /My vouchers[\s\S]*Voucher code[\s\S]*(Unused|Used|Expired)/);
      // The incentives' English names, the statement's English descriptions.
      assert.match(await page.locator('[data-test=vouchers]').innerText(), new RegExp(`Calligraphy trial class ${w.tag}`));
      assert.match(await page.locator('[data-test=statement]').innerText(), /Points statement[\s\S]*Redeemed an incentive[\s\S]*Community education/);
      await shot(page, 'points-ledger-en-phone');
    } finally {
      await page.locator('[data-test=lang-zh]').click();
      await page.locator('h1', { hasText: '我的积分' }).waitFor();
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the points page and the confirmation at 390px in elder mode', { skip }, async () => {
  const offer = await incentive('长者手机课券', { en: 'Smartphone class for older people', cost: 1, stock: 5 });
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openPoints(page);
    await elderOn(page);
    try {
      await assertElder(page, 'the points page');
      await shot(page, 'points-ledger-elder-phone');
      await card(page, offer).locator('[data-test=redeem]').click();
      const dialog = page.locator('[data-test=redeem-dialog]');
      await dialog.locator('[data-test=redeem-confirm]').waitFor();
      await page.waitForTimeout(400);
      await assertElder(page, 'the confirmation');
      for (const k of ['redeem-confirm', 'redeem-cancel']) {
        const box = await dialog.locator(`[data-test=${k}]`).boundingBox();
        assert.ok(box.height >= 56, `${k} is ${box.height}px tall`);
      }
      await shot(page, 'points-ledger-confirm-elder-phone');
      await dialog.locator('[data-test=redeem-confirm]').click();
      await page.locator('[data-test=redeem-done]').waitFor();
      await assertElder(page, 'the points page after redeeming');
    } finally {
      await elderOff(page);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
