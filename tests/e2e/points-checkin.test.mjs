// Learning check-ins (/me/checkin, and /checkin where a learning site's QR code lands): the
// citizen, from the account page, checks in with today's big button and a note, and the calendar
// marks today (by hand), the streak counts it, and it stays after a reload; a course a platform
// reports over xAPI marks its own day (a learning record); the previous and next months; a
// signed-out citizen scanning a site's QR code signs in, comes back to the site, checks in there
// and today is marked as scanned too; a wrong code, an unknown site and a retired site are said in
// plain words; English labels; the page and the QR landing at 390px in elder mode. Each run makes
// its own community school (with a learning site and xAPI credentials) and citizens through the
// API (the city admin of LIFELONG_CITY_ADMIN).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, openBrowser, registerCitizenByApi, setupPoints, shot, until, waitForPath } from './lib.mjs';
import { apiSignIn, call, cityAdmin } from './ledger-lib.mjs';
import { assertElder, elderOff, elderOn, signInAt } from './transfer-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
const HOME_PAGE = 'https://lifelong.sh.cn'; // the server's --home-page default, as run.sh starts it

// A day in Beijing as "2026-11-24".
const beijingDay = (d) => new Date(d.getTime() + 8 * 3600000).toISOString().slice(0, 10);
const TODAY = () => beijingDay(new Date());
const YESTERDAY = () => beijingDay(new Date(Date.now() - 86400000));
const shiftMonth = (m, delta) => {
  const [y, mo] = m.split('-').map(Number);
  const i = y * 12 + mo - 1 + delta;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
};

let w, site, retired, other;
// Today's code of the site and the path its QR code opens, as a staff member reads them.
const todaysCode = () => call('GET', `/api/v1/checkin-sites/${site.id}/code`, undefined, w.staffSession);

before(async () => {
  if (skip) return;
  w = await setupPoints();
  site = await call('POST', '/api/v1/checkin-sites', { name: `社区学校一楼阅览室 ${w.tag}`, name_en: 'Reading room, ground floor', address: '徐汇区漕溪北路 100 号' }, w.adminSession);
  retired = await call('POST', '/api/v1/checkin-sites', { name: `旧址学习点 ${w.tag}`, address: '徐汇区天钥桥路 1 号' }, w.adminSession);
  await call('DELETE', `/api/v1/checkin-sites/${retired.id}`, undefined, w.adminSession);
  const { account, password } = await registerCitizenByApi('施学员');
  other = { login: account.account_no, password, account };
});

const cell = (page, date) => page.locator(`[data-test=cal-day][data-date="${date}"]`);
const sourcesOf = async (page, date) => ((await cell(page, date).getAttribute('data-sources')) || '').split(' ').filter(Boolean);
const value = async (page, name) => Number(await page.locator(`[data-test=${name}]`).getAttribute('data-value'));

async function openCheckin(page, who) {
  await signInAt(page, who, '/me');
  await page.locator('[data-test=checkin-link]').click();
  await waitForPath(page, '/me/checkin');
  await page.locator('[data-test=calendar]').waitFor();
}

test('the citizen checks in with the big button: today is marked on the calendar, the streak counts it, and it stays', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    const posts = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/me/checkins')) posts.push(r.postDataJSON());
    });
    await openCheckin(page, w.citizen);
    assert.equal((await page.locator('h1').innerText()).trim(), '学习打卡');
    const today = TODAY();
    assert.equal(await page.locator('[data-test=calendar]').getAttribute('data-month'), today.slice(0, 7));
    assert.match(await page.locator('[data-test=cal-month]').innerText(), new RegExp(`${Number(today.slice(0, 4))}年${Number(today.slice(5, 7))}月`));
    // Nothing yet: no streak, today not marked, the month's list empty, the button there.
    assert.equal(await value(page, 'streak-current'), 0);
    assert.equal((await page.locator('[data-test=streak-current]').innerText()).trim(), '0 天');
    assert.deepEqual(await sourcesOf(page, today), []);
    assert.match(await cell(page, today).getAttribute('aria-label'), /今天.*没有打卡/);
    await page.locator('[data-test=cal-empty]').waitFor();
    assert.equal(await page.locator('[data-test=today-card]').getAttribute('data-checked'), 'false');
    assert.equal((await page.locator('[data-test=checkin-button]').innerText()).trim(), '今日打卡');
    assert.equal(await page.locator('[data-test=cal-next]').isDisabled(), true, 'no month after this one');

    // Checked in by hand with a note.
    await page.locator('[data-test=checkin-note]').fill('上了一节书法课');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/checkins') && r.request().method() === 'POST');
    await page.locator('[data-test=checkin-button]').click();
    assert.equal((await answered).status(), 201);
    assert.deepEqual(posts, [{ note: '上了一节书法课' }]);
    const done = page.locator('[data-test=checkin-done]');
    await done.waitFor();
    assert.match(await done.innerText(), /打卡成功[\s\S]*连续学习 1 天/);
    await page.waitForFunction((d) => document.querySelector(`[data-test=cal-day][data-date="${d}"]`)?.dataset.sources === 'manual', today);
    assert.equal(await page.locator('[data-test=checkin-button]').count(), 0, 'no second manual check-in button today');
    assert.equal(await value(page, 'streak-current'), 1);
    assert.equal(await value(page, 'streak-longest'), 1);
    assert.equal(await value(page, 'streak-total'), 1);
    assert.match(await cell(page, today).getAttribute('aria-label'), /今天.*打卡方式：手动打卡/);
    const row = page.locator(`[data-test=cal-list-item][data-date="${today}"]`);
    assert.match(await row.innerText(), /今天 · [\s\S]*手动打卡[\s\S]*备注：上了一节书法课/);
    await shot(page, 'points-checkin');

    // The same after a reload, and the server agrees.
    await page.reload();
    await page.locator('[data-test=calendar]').waitFor();
    assert.deepEqual(await sourcesOf(page, today), ['manual']);
    assert.equal(await page.locator('[data-test=today-card]').getAttribute('data-checked'), 'true');
    assert.match(await page.locator('[data-test=today-checked]').innerText(), /今天已经打卡了[\s\S]*手动打卡/);
    assert.equal(await value(page, 'streak-current'), 1);
    const month = await call('GET', '/api/v1/me/checkins', undefined, w.citizenSession);
    assert.deepEqual(month.days.find((d) => d.date === today), { date: today, sources: ['manual'], note: '上了一节书法课', site: null });

    // The page links to the points the check-in earns.
    assert.equal(await page.locator('[data-test=to-points]').getAttribute('href'), '/me/points');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a course a platform reports marks its day as a learning record; the previous and next months', { skip }, async () => {
  // The school's learning platform reports that the citizen completed a course yesterday.
  const platform = await call('POST', '/api/v1/lrs/clients', { name: '社区学校在线课堂 ' + w.tag }, w.adminSession);
  const yesterday = YESTERDAY();
  const r = await fetch(BASE + '/xapi/statements', {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${platform.key}:${platform.secret}`).toString('base64'),
      'X-Experience-API-Version': '1.0.3',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      actor: { objectType: 'Agent', account: { homePage: HOME_PAGE, name: w.citizen.login } },
      verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'zh-CN': '完成' } },
      object: { objectType: 'Activity', id: `https://classroom.example.org/${w.tag}/tai-chi`, definition: { name: { 'zh-CN': '太极拳入门' } } },
      result: { completion: true },
      timestamp: yesterday + 'T10:00:00+08:00',
    }),
  });
  assert.equal(r.status, 200, await r.text());
  const month = yesterday.slice(0, 7);
  await until(async () => {
    const m = await call('GET', '/api/v1/me/checkins?month=' + month, undefined, w.citizenSession);
    return m.days.some((d) => d.date === yesterday && d.sources.includes('statement'));
  }, 'the statement to check the citizen in');

  const b = await openBrowser();
  try {
    const { page } = b;
    await openCheckin(page, w.citizen);
    if (month !== TODAY().slice(0, 7)) {
      // Yesterday was last month: go back to it.
      await page.locator('[data-test=cal-prev]').click();
      await page.locator(`[data-test=calendar][data-month="${month}"]`).waitFor();
    }
    assert.deepEqual(await sourcesOf(page, yesterday), ['statement']);
    assert.match(await cell(page, yesterday).getAttribute('aria-label'), /打卡方式：学习记录/);
    assert.match(await page.locator(`[data-test=cal-list-item][data-date="${yesterday}"]`).innerText(), /昨天 · [\s\S]*学习记录/);
    // Yesterday and today in a row.
    const streak = await call('GET', '/api/v1/me/checkins', undefined, w.citizenSession);
    assert.equal(streak.streak.current, 2);
    await page.reload();
    await page.locator('[data-test=calendar]').waitFor();
    assert.equal(await value(page, 'streak-current'), 2);
    assert.equal(await value(page, 'streak-total'), 2);

    // Back a month: an empty month; forward again: this month; no further.
    const now = TODAY().slice(0, 7);
    const prev = shiftMonth(now, -1);
    await page.locator('[data-test=cal-prev]').click();
    await page.locator(`[data-test=calendar][data-month="${prev}"]`).waitFor();
    assert.match(await page.locator('[data-test=cal-month]').innerText(), new RegExp(`${Number(prev.slice(0, 4))}年${Number(prev.slice(5, 7))}月`));
    const firstWeekday = (new Date(Date.UTC(+prev.slice(0, 4), +prev.slice(5, 7) - 1, 1)).getUTCDay() + 6) % 7;
    const cells = await page.locator('[data-test=calendar] tbody td').evaluateAll((tds) => tds.map((td) => td.querySelector('[data-test=cal-day]')?.dataset.date || ''));
    assert.equal(cells.indexOf(prev + '-01'), firstWeekday, 'the 1st under its weekday, Monday first');
    assert.equal(await page.locator('[data-test=cal-next]').isDisabled(), false);
    await page.locator('[data-test=cal-next]').click();
    await page.locator(`[data-test=calendar][data-month="${now}"]`).waitFor();
    assert.equal(await page.locator('[data-test=cal-next]').isDisabled(), true);
    assert.deepEqual(await sourcesOf(page, TODAY()), ['manual']);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a signed-out citizen scans a site\'s QR code, signs in, and checks in there', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    const code = await todaysCode();
    assert.equal(code.date, TODAY());
    assert.match(code.code, /^[0-9A-Z]{8}$/);
    // The QR code opens the portal at the path the server gives.
    assert.equal(code.path, `/checkin?site=${site.id}&code=${code.code}`);
    await page.goto(BASE + code.path);
    await page.waitForURL((u) => new URL(u).pathname === '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), code.path);
    await page.locator('[data-test=login]').fill(w.citizen.login);
    await page.locator('[data-test=password]').fill(w.citizen.password);
    await page.locator('[data-test=submit]').click();
    await page.waitForURL((u) => new URL(u).pathname === '/checkin' && new URL(u).searchParams.get('code') === code.code);

    const card = page.locator('[data-test=site-card]');
    await card.locator('[data-test=site-name]').waitFor();
    assert.equal((await card.locator('[data-test=site-name]').innerText()).trim(), site.name);
    assert.match(await card.innerText(), /徐汇区漕溪北路 100 号/);
    assert.match(await card.innerText(), new RegExp('由 徐汇区积分测试社区学校'));
    assert.match(await card.innerText(), /第一步[\s\S]*第二步/);
    const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/me/checkins'));
    await card.locator('[data-test=site-checkin]').click();
    assert.deepEqual((await posted).postDataJSON(), { site_id: site.id, code: code.code });
    const done = card.locator('[data-test=site-done]');
    await done.waitFor();
    assert.equal(await done.getAttribute('data-new'), 'true');
    assert.match(await done.innerText(), new RegExp(`已在“${site.name}”打卡成功`));
    await page.waitForFunction((d) => document.querySelector(`[data-test=cal-day][data-date="${d}"]`)?.dataset.sources === 'manual site', TODAY());
    assert.match(await page.locator(`[data-test=cal-list-item][data-date="${TODAY()}"]`).innerText(), new RegExp(`手动打卡、打卡点扫码[\\s\\S]*打卡点：${site.name}`));
    await shot(page, 'points-checkin-site-phone');

    // The same code again today: already checked in there.
    await page.reload();
    await card.locator('[data-test=site-checkin]').click();
    await card.locator('[data-test=site-done][data-new=false]').waitFor();
    assert.match(await card.locator('[data-test=site-done]').innerText(), /今天已经在“.*”打过卡了/);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a wrong code, an unknown site and a retired site are said in plain words', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await signInAt(page, other, '/me');
    const origin = new URL(page.url()).origin;

    // Yesterday's photo of the code, or a code mistyped: the server refuses it, the page says why.
    await page.goto(`${origin}/checkin?site=${site.id}&code=ABCD2345`);
    const card = page.locator('[data-test=site-card]');
    await card.locator('[data-test=site-name]').waitFor();
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/checkins') && r.request().method() === 'POST');
    await card.locator('[data-test=site-checkin]').click();
    const res = await refused;
    assert.equal(res.status(), 400);
    assert.equal((await res.json()).error.code, 'invalid_checkin_code');
    const failure = card.locator('[data-test=site-failure]');
    await failure.waitFor();
    assert.match(await failure.innerText(), /二维码不对或已过期[\s\S]*今天的二维码/);
    assert.ok(!/invalid_checkin_code|not today's code/.test(await page.locator('main').innerText()), 'no code or server wording shown');
    const month = await call('GET', '/api/v1/me/checkins', undefined, await apiSignIn(other.login, other.password));
    assert.deepEqual(month.days, [], 'nothing stored');
    assert.equal(await page.locator('[data-test=today-card]').getAttribute('data-checked'), 'false');

    // An unknown site: said at once, no button.
    await page.goto(`${origin}/checkin?site=01a20000-0000-7000-8000-000000000000&code=ABCD2345`);
    await card.locator('[data-test=site-error]').waitFor();
    assert.match(await card.locator('[data-test=site-error]').innerText(), /没有这个打卡点，或者它已经停用了/);
    assert.equal(await card.locator('[data-test=site-checkin]').count(), 0);

    // A retired site: its name, and that it cannot be used.
    await page.goto(`${origin}/checkin?site=${retired.id}&code=ABCD2345`);
    await card.locator('[data-test=site-error]').waitFor();
    assert.equal((await card.locator('[data-test=site-name]').innerText()).trim(), retired.name);
    assert.match(await card.locator('[data-test=site-error]').innerText(), /已经停用/);
    assert.equal(await card.locator('[data-test=site-checkin]').count(), 0);

    // In English.
    await page.locator('[data-test=lang-en]').click();
    try {
      await page.locator('h1', { hasText: 'Learning check-in' }).waitFor();
      assert.match(await card.locator('[data-test=site-error]').innerText(), /no such learning site, or it is no longer in use/);
      await page.goto(`${origin}/checkin?site=${site.id}&code=ABCD2345`);
      await card.locator('[data-test=site-checkin]').click();
      await card.locator('[data-test=site-failure]').waitFor();
      assert.match(await card.locator('[data-test=site-failure]').innerText(), /wrong or out of date[\s\S]*scan today's code/);
      assert.equal((await page.locator('[data-test=checkin-button]').innerText()).trim(), 'Check in today');
      assert.equal((await page.locator('[data-test=streak-current]').innerText()).trim(), '0 days');
      assert.match(await page.locator('[data-test=calendar] thead').innerText(), /Mon[\s\S]*Sun/);
      const body = (await page.locator('main').innerText()).replace(new RegExp(`${site.name}|徐汇区漕溪北路 100 号|徐汇区积分测试社区学校 ${w.tag}`, 'g'), '');
      assert.deepEqual(body.match(/[\u4e00-\u9fff]+/g), null, 'no Chinese left but the data');
      await shot(page, 'points-checkin-en');
    } finally {
      await page.locator('[data-test=lang-zh]').click();
      await page.locator('h1', { hasText: '学习打卡' }).waitFor();
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the check-in page and the QR landing at 390px in elder mode', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await signInAt(page, other, '/me');
    await page.locator('[data-test=checkin-link]').click();
    await page.locator('[data-test=calendar]').waitFor();
    await elderOn(page);
    try {
      await assertElder(page, 'the check-in page');
      const button = await page.locator('[data-test=checkin-button]').boundingBox();
      assert.ok(button.height >= 64, `the check-in button is ${button.height}px tall`);
      assert.ok(button.width >= 300, `the check-in button is ${button.width}px wide`);
      // A checked-in day is a big tick in elder mode, not small letters.
      await page.locator('[data-test=checkin-button]').click();
      await page.locator('[data-test=checkin-done]').waitFor();
      const tick = cell(page, TODAY()).locator('.cal-day__tick');
      await tick.waitFor();
      assert.ok(parseFloat(await tick.evaluate((el) => getComputedStyle(el).fontSize)) >= 22);
      assert.equal(await cell(page, TODAY()).locator('.cal-day__marks').isVisible(), false);
      await assertElder(page, 'the check-in page after checking in');
      await shot(page, 'points-checkin-elder-phone');

      // The QR landing, as an older learner sees it at the site.
      const code = await todaysCode();
      await page.goto(new URL(page.url()).origin + code.path);
      await page.locator('[data-test=site-checkin]').waitFor();
      await assertElder(page, 'the QR landing');
      assert.ok((await page.locator('[data-test=site-checkin]').boundingBox()).height >= 64);
      await page.locator('[data-test=site-checkin]').click();
      await page.locator('[data-test=site-done]').waitFor();
      await assertElder(page, 'the QR landing after checking in');
      await shot(page, 'points-checkin-site-elder-phone');
    } finally {
      await elderOff(page);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
