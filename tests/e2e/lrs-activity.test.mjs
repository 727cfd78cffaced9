// The citizen's learning activity (/me/activity): what learning platforms report over xAPI, in
// words and grouped by day in Beijing time (whatever the device's time zone); not a statement
// that was voided, not another person's; "load more" past a page; the English page; a phone in
// elder mode; and the explanation a citizen without activity sees. Each run makes its own
// institution, institution admin, xAPI credentials and citizens through the API (the city admin
// of LIFELONG_CITY_ADMIN), and sends the statements from node as a platform does.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { BASE, openBrowser, registerCitizenByApi, shot, uniqueSuffix } from './lib.mjs';
import { apiSignIn, call, cityAdmin } from './ledger-lib.mjs';
import { assertElder, elderOff, elderOn, signInAt, viaNav } from './transfer-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
const HOME_PAGE = 'https://lifelong.sh.cn'; // the server's --home-page default, as run.sh starts it
const VERB = 'http://adlnet.gov/expapi/verbs/';
const tag = uniqueSuffix();
const SITE = `https://classroom.example.org/${tag}`;

const PLATFORM = '老年大学在线课堂 ' + tag; // the name the institution gives the credentials
const COURSE = { 'zh-CN': '太极拳入门 ' + tag, 'en-US': 'Tai chi for beginners ' + tag };
const QUIZ = { 'zh-CN': '智能手机使用测验 ' + tag, 'en-US': 'Smartphone quiz ' + tag };
const LIVE = '书法直播课 ' + tag; // a name in Chinese only
const VOIDED = '误报的课程 ' + tag;
const OTHERS = '别人学的课程 ' + tag;
const lesson = (i) => `第 ${i} 课 ${tag}`;

// A day ago, as a platform in Beijing writes it: local time with its +08:00 offset.
const yesterday = new Date(Date.now() - 86400000);
const beijing = new Date(yesterday.getTime() + 8 * 3600000).toISOString().slice(0, 19);
const YESTERDAY_TS = beijing + '+08:00';
const YESTERDAY_TIME = beijing.slice(11, 16);

let platform, learner, busy, idle;

const actor = (accountNo) => ({ objectType: 'Agent', account: { homePage: HOME_PAGE, name: accountNo } });
const activity = (path, name) => ({ objectType: 'Activity', id: `${SITE}/${path}`, definition: { name } });

// Sends one statement or an array of them to /xapi/statements with the platform's credentials.
async function xapi(body) {
  const r = await fetch(BASE + '/xapi/statements', {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${platform.key}:${platform.secret}`).toString('base64'),
      'X-Experience-API-Version': '1.0.3',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`POST /xapi/statements: HTTP ${r.status} ${text}`);
  return JSON.parse(text);
}

before(async () => {
  if (skip) return;
  const city = await apiSignIn(cityAdmin.login, cityAdmin.password);
  const inst = await call(
    'POST',
    '/api/v1/institutions',
    { name: `上海老年大学活动测试分校 ${tag}`, name_en: 'University for the Elderly Activity Test Branch', type: 'elder_university', district_code: '310104000000' },
    city,
  );
  const admin = { login: 'actadm-' + tag, password: 'Admin-' + uniqueSuffix() + '-1' };
  await call('POST', `/api/v1/institutions/${inst.id}/staff`, { login: admin.login, display_name: '周主任', password: admin.password, role: 'institution_admin' }, city);
  platform = await call('POST', '/api/v1/lrs/clients', { name: PLATFORM }, await apiSignIn(admin.login, admin.password));
  assert.ok(platform.key && platform.secret);

  const citizen = async (name) => {
    const { account, password } = await registerCitizenByApi(name);
    return { login: account.account_no, password, account };
  };
  learner = await citizen('郑学员');
  busy = await citizen('冯学员');
  idle = await citizen('褚学员');
  const me = actor(learner.login);

  // The learner's: a course completed (a display in Chinese and English; its time in UTC is
  // already the next day in Beijing), a quiz passed yesterday with a score and the time spent, a
  // course reported by mistake, and a live class attended now (a verb without a display).
  const ids = await xapi([
    {
      actor: me,
      verb: { id: VERB + 'completed', display: { 'zh-CN': '完成', 'en-US': 'completed' } },
      object: activity('courses/tai-chi', COURSE),
      result: { completion: true },
      timestamp: '2025-03-01T23:30:00Z',
    },
    {
      actor: me,
      verb: { id: VERB + 'passed', display: { 'zh-CN': '通过了', 'en-US': 'passed' } },
      object: activity('quizzes/smartphone', QUIZ),
      result: { success: true, score: { raw: 86, min: 0, max: 100 }, duration: 'PT1H30M' },
      timestamp: YESTERDAY_TS,
    },
    { actor: me, verb: { id: VERB + 'completed', display: { 'zh-CN': '完成' } }, object: activity('courses/mistake', { 'zh-CN': VOIDED }) },
    { actor: me, verb: { id: VERB + 'attended' }, object: activity('live/calligraphy', { 'zh-CN': LIVE }), context: { platform: '社区直播间' } },
  ]);
  assert.equal(ids.length, 4);
  // The platform takes the mistaken one back.
  await xapi({ actor: me, verb: { id: VERB + 'voided', display: { 'en-US': 'voided' } }, object: { objectType: 'StatementRef', id: ids[2] } });

  // Another person's: 25 lessons, then one course, more than a page of 20.
  const lessons = [];
  for (let i = 1; i <= 25; i++) {
    lessons.push({
      actor: actor(busy.login),
      verb: { id: VERB + 'experienced', display: { 'zh-CN': '学习了', 'en-US': 'experienced' } },
      object: activity(`lessons/${i}`, { 'zh-CN': lesson(i) }),
      result: { duration: 'PT25M' },
    });
  }
  await xapi(lessons);
  await xapi({ actor: actor(busy.login), verb: { id: VERB + 'completed' }, object: activity('courses/others', { 'zh-CN': OTHERS }), result: { completion: true } });
});

async function openActivity(page, who) {
  await signInAt(page, who, '/me');
  await viaNav(page, 'activity', '/me/activity', 'activity-page');
  await page.locator('[data-test=activity-list], [data-test=activity-empty]').first().waitFor();
}

const items = (page) => page.locator('[data-test=activity-item]');
const item = (page, name) => items(page).filter({ has: page.locator('[data-test=activity-name]', { hasText: name }) });
const texts = (loc) => loc.evaluateAll((els) => els.map((e) => e.innerText.trim()));

test('the citizen sees what the platforms reported, newest first and in words; not the voided statement nor another person\'s', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openActivity(page, learner);
    assert.equal((await page.locator('[data-test=nav-activity]').innerText()).trim(), '学习活动');
    assert.match(await page.locator('[data-test=main-nav]').innerText(), /我的学习成果[\s\S]*学习活动/);
    assert.equal((await page.locator('h1').innerText()).trim(), '我的学习活动');

    // Three entries, newest first, each on its day (in Beijing time).
    assert.deepEqual(await texts(page.locator('[data-test=activity-name]')), [LIVE, QUIZ['zh-CN'], COURSE['zh-CN']]);
    const headings = await texts(page.locator('[data-test=day-heading]'));
    assert.equal(headings.length, 3);
    assert.match(headings[0], /^今天 · /);
    assert.match(headings[1], /^昨天 · /);
    assert.match(headings[2], /^2025年3月2日/);

    // Completed: the platform's own Chinese display, the course, the result, the platform's name
    // as the institution registered it, the time in Beijing.
    const done = item(page, COURSE['zh-CN']);
    assert.equal((await done.locator('[data-test=activity-verb]').innerText()).trim(), '完成');
    assert.deepEqual(await texts(done.locator('[data-result]')), ['✓ 已完成']);
    assert.equal((await done.locator('[data-test=activity-platform]').innerText()).trim(), '来自：' + PLATFORM);
    assert.equal((await done.locator('[data-test=activity-time]').innerText()).trim(), '07:30');
    assert.equal(await done.locator('[data-test=activity-time]').getAttribute('datetime'), '2025-03-01T23:30:00.000Z');

    // Passed: the score out of its maximum and the time spent in hours and minutes.
    const quiz = item(page, QUIZ['zh-CN']);
    assert.equal((await quiz.locator('[data-test=activity-verb]').innerText()).trim(), '通过了');
    assert.deepEqual(await texts(quiz.locator('[data-result]')), ['✓ 通过', '成绩：86 / 100', '用时：1 小时 30 分钟']);
    assert.equal((await quiz.locator('[data-test=activity-time]').innerText()).trim(), YESTERDAY_TIME);

    // No display: the verb's friendly name; no result; the registered name, not the context's platform.
    const live = item(page, LIVE);
    assert.equal((await live.locator('[data-test=activity-verb]').innerText()).trim(), '参加了');
    assert.equal(await live.locator('[data-test=activity-result]').count(), 0);
    assert.equal((await live.locator('[data-test=activity-platform]').innerText()).trim(), '来自：' + PLATFORM);

    // Not the voided statement, nor the voiding one, nor another person's.
    const text = await page.locator('main').innerText();
    for (const s of [VOIDED, OTHERS, lesson(25), '作废', 'voided', '一条学习记录']) assert.ok(!text.includes(s), `"${s}" is not on the page`);
    const api = await page.evaluate(async () => (await fetch('/api/v1/me/activity')).json());
    assert.ok(!api.items.some((s) => s.object.id.endsWith('/courses/mistake')), 'the server leaves the voided statement out');

    // All of it on one page: no "load more", and the page says so.
    assert.equal(await page.locator('[data-test=activity-more]').count(), 0);
    await page.locator('[data-test=activity-end]').waitFor();
    assert.equal(await page.locator('[data-test=activity-transcript-link]').getAttribute('href'), '/me/transcript');
    await shot(page, 'lrs-activity');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('on a device set to another time zone the days and times are still Beijing\'s', { skip }, async () => {
  // openBrowser's devices are all in Beijing: this one is in Los Angeles, where it is still 1 March.
  const browser = await chromium.launch({
    executablePath: process.env.LIFELONG_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  try {
    const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'America/Los_Angeles', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    await openActivity(page, learner);
    assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'America/Los_Angeles');
    const headings = await texts(page.locator('[data-test=day-heading]'));
    assert.match(headings[1], /^昨天 · /);
    assert.match(headings[2], /^2025年3月2日/);
    assert.equal((await item(page, COURSE['zh-CN']).locator('[data-test=activity-time]').innerText()).trim(), '07:30');
    assert.equal((await item(page, QUIZ['zh-CN']).locator('[data-test=activity-time]').innerText()).trim(), YESTERDAY_TIME);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('"load more" brings the next page until there is no more', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openActivity(page, busy);
    assert.equal(await items(page).count(), 20, 'a page of 20');
    let names = await texts(page.locator('[data-test=activity-name]'));
    assert.deepEqual(names.slice(0, 3), [OTHERS, lesson(25), lesson(24)]);
    assert.equal(names[19], lesson(7));
    assert.equal((await item(page, lesson(25)).locator('[data-test=activity-verb]').innerText()).trim(), '学习了');
    assert.deepEqual(await texts(item(page, lesson(25)).locator('[data-result]')), ['用时：25 分钟']);
    assert.equal(await page.locator('[data-test=activity-end]').count(), 0);

    const more = page.locator('[data-test=activity-more]');
    assert.equal((await more.innerText()).trim(), '加载更多');
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/me/activity') && new URL(r.url()).searchParams.has('after'));
    await more.click();
    await asked;
    await page.waitForFunction(() => document.querySelectorAll('[data-test=activity-item]').length === 26);
    names = await texts(page.locator('[data-test=activity-name]'));
    assert.deepEqual(names.slice(19), [7, 6, 5, 4, 3, 2, 1].map(lesson));
    assert.equal(new Set(await items(page).evaluateAll((els) => els.map((e) => e.dataset.id))).size, 26, 'no entry twice');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.id), await items(page).nth(20).getAttribute('data-id'), 'the first new entry has the focus');
    await page.locator('[data-test=activity-end]').waitFor();
    assert.equal(await more.count(), 0, 'no "load more" at the end');
    for (const s of [COURSE['zh-CN'], LIVE]) assert.ok(!(await page.locator('main').innerText()).includes(s), 'not the other learner\'s');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the English page: English labels and the platforms\' English displays', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openActivity(page, learner);
    await page.locator('[data-test=lang-en]').click();
    await page.locator('h1', { hasText: 'My learning activity' }).waitFor();
    try {
      assert.match(await page.locator('[data-test=main-nav]').innerText(), /My learning record[\s\S]*Learning activity/);
      assert.deepEqual(await texts(page.locator('[data-test=activity-verb]')), ['attended', 'passed', 'completed']);
      assert.deepEqual(await texts(page.locator('[data-test=activity-name]')), [LIVE, QUIZ['en-US'], COURSE['en-US']]);
      const headings = await texts(page.locator('[data-test=day-heading]'));
      assert.match(headings[0], /^Today · /);
      assert.match(headings[1], /^Yesterday · /);
      assert.match(headings[2], /^Sunday,? 2 March 2025$/);
      assert.deepEqual(await texts(item(page, QUIZ['en-US']).locator('[data-result]')), ['✓ Passed', 'Score: 86 / 100', 'Time spent: 1 hour 30 minutes']);
      assert.deepEqual(await texts(item(page, COURSE['en-US']).locator('[data-result]')), ['✓ Completed']);
      assert.equal((await item(page, LIVE).locator('[data-test=activity-platform]').innerText()).trim(), 'From ' + PLATFORM);
      assert.equal((await page.locator('[data-test=activity-end]').innerText()).trim(), 'That is all your learning activity.');
      assert.match(await page.locator('[data-test=activity-page]').innerText(), /online classrooms, live classes, MOOCs for older learners[\s\S]*does not count as credits/);
      // No Chinese is left but the data: the names of the live class and of the platform.
      const body = (await page.locator('main').innerText()).replace(new RegExp([LIVE, PLATFORM].join('|'), 'g'), '');
      assert.deepEqual(body.match(/[\u4e00-\u9fff]+/g), null);
      await shot(page, 'lrs-activity-en-phone');
    } finally {
      await page.locator('[data-test=lang-zh]').click();
      await page.locator('h1', { hasText: '我的学习活动' }).waitFor();
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the activity page at 390px in elder mode, before and after "load more"', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openActivity(page, busy);
    await elderOn(page);
    try {
      await assertElder(page, 'the activity page');
      const more = await page.locator('[data-test=activity-more]').boundingBox();
      assert.ok(more.height >= 56, `"load more" is ${more.height}px tall`);
      await shot(page, 'lrs-activity-elder-phone');
      await page.locator('[data-test=activity-more]').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-test=activity-item]').length === 26);
      await assertElder(page, 'the activity page with every entry');
    } finally {
      await elderOff(page);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a citizen without activity is told where it comes from', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openActivity(page, idle);
    const empty = page.locator('[data-test=activity-empty]');
    assert.match(await empty.innerText(), /还没有学习活动[\s\S]*学校和培训机构[\s\S]*在线课堂、直播课堂、老年慕课[\s\S]*16 位终身学习账号/);
    assert.equal(await items(page).count(), 0);
    assert.equal(await page.locator('[data-test=activity-more]').count(), 0);
    await elderOn(page);
    try {
      await assertElder(page, 'the empty activity page');
      await shot(page, 'lrs-activity-empty-elder-phone');
    } finally {
      await elderOff(page);
    }
    await page.locator('[data-test=lang-en]').click();
    try {
      await empty.locator('h2', { hasText: 'No learning activity yet' }).waitFor();
      assert.match(await empty.innerText(), /schools and training institutions connect their learning platforms[\s\S]*16-digit lifelong learning account number/);
    } finally {
      await page.locator('[data-test=lang-zh]').click();
      await page.locator('h1', { hasText: '我的学习活动' }).waitFor();
    }
    await empty.locator('[data-test=activity-account-link]').click();
    await page.waitForURL((u) => new URL(u).pathname === '/me');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
