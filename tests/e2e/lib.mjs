// Shared helpers of the browser tests: a fresh headless Debian chromium per test, the server's
// address and the demo credentials from the environment, screenshots, and test data.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const BASE = (process.env.LIFELONG_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const SHOTS = path.join(here, 'screenshots');

const CHROMIUM = process.env.LIFELONG_CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

// "login:password" from an environment variable, or null when it is not set.
export function creds(name) {
  const v = process.env[name];
  if (!v) return null;
  const i = v.indexOf(':');
  if (i <= 0) throw new Error(`${name} must be login:password`);
  return { login: v.slice(0, i), password: v.slice(i + 1) };
}

// Starts chromium with a fresh profile; returns { context, page, close }.
// viewport: a phone by default, as most citizens use one.
export async function openBrowser({ viewport = { width: 1280, height: 900 }, locale = 'zh-CN' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifelong-e2e-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    locale,
    timezoneId: 'Asia/Shanghai',
  });
  context.setDefaultTimeout(30000);
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    // A script or style the server's Content-Security-Policy refused is a bug of the portal.
    if (/Content.Security.Policy/i.test(m.text())) errors.push(new Error(m.text()));
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true, animations: 'disabled' });
}

export async function signIn(page, login, password) {
  await page.goto(BASE + '/login');
  await page.locator('[data-test=login]').fill(login);
  await page.locator('[data-test=password]').fill(password);
  await page.locator('[data-test=submit]').click();
}

export async function signOut(page) {
  await page.locator('[data-test=sign-out]').click();
  await page.waitForURL('**/login**');
}

// Waits until the app has left /login for a page of the given path.
export async function waitForPath(page, p) {
  await page.waitForURL((u) => new URL(u).pathname === p);
}

// A valid GB 11643 resident ID number of a Shanghai district: area code, birth date, a
// 3-digit sequence and the check character.
export function makeIdNumber({ area = '310104', birth, seq } = {}) {
  if (!birth) {
    const y = 1940 + Math.floor(Math.random() * 60);
    const m = 1 + Math.floor(Math.random() * 12);
    const d = 1 + Math.floor(Math.random() * 28);
    birth = `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`;
  }
  if (seq === undefined) seq = Math.floor(Math.random() * 1000);
  const first17 = area + birth + String(seq).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i];
  return first17 + '10X98765432'[s % 11];
}

export function uniqueSuffix() {
  return Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
}

// Registers a citizen through the public API (not the page) and returns { account, password }.
export async function registerCitizenByApi(name = '测试居民') {
  const divisions = async (parent) => {
    const r = await fetch(`${BASE}/api/v1/divisions?parent=${parent}`);
    if (!r.ok) throw new Error(`divisions ${parent}: HTTP ${r.status}`);
    return (await r.json()).items;
  };
  const [district] = await divisions('310000000000');
  const [sub] = await divisions(district.code);
  const [committee] = await divisions(sub.code);
  const password = 'Pw-' + uniqueSuffix() + '-x9';
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await fetch(`${BASE}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, id_number: makeIdNumber({ area: district.code.slice(0, 6) }), committee_code: committee.code, password }),
    });
    if (r.status === 201) return { account: await r.json(), password };
    const body = await r.text();
    if (r.status !== 409) throw new Error(`register: HTTP ${r.status} ${body}`);
  }
  throw new Error('register: duplicate ID numbers five times');
}

// The computed font size of an element, in CSS pixels.
export async function fontSize(page, selector) {
  return page.locator(selector).first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
}

// Polls fn until it returns something truthy (and returns that), for what the server does a
// moment later (the points a statement or a deposit earns); fails naming what after timeout ms.
export async function until(fn, what, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// The check-in and points tests' data (points-*.test.mjs), made through the API by the city admin
// of LIFELONG_CITY_ADMIN: a community school of the file's own with an institution admin and a
// staff member, and a self-registered citizen, each signed in over the API too. deposit() stores
// a community-education outcome for the citizen (which the default earning rules reward), and
// balances() reads the citizen's points.
export async function setupPoints(tag = uniqueSuffix()) {
  const { apiSignIn, call, cityAdmin } = await import('./ledger-lib.mjs');
  const city = await apiSignIn(cityAdmin.login, cityAdmin.password);
  const inst = await call(
    'POST',
    '/api/v1/institutions',
    { name: `徐汇区积分测试社区学校 ${tag}`, name_en: `Xuhui Points Test Community School ${tag}`, type: 'community_school', district_code: '310104000000' },
    city,
  );
  const admin = { login: 'ptadm-' + tag, password: 'Admin-' + uniqueSuffix() + '-1', name: '周校长' };
  const staff = { login: 'ptstaff-' + tag, password: 'Staff-' + uniqueSuffix() + '-1', name: '钱老师' };
  await call('POST', `/api/v1/institutions/${inst.id}/staff`, { login: admin.login, display_name: admin.name, password: admin.password, role: 'institution_admin' }, city);
  await call('POST', `/api/v1/institutions/${inst.id}/staff`, { login: staff.login, display_name: staff.name, password: staff.password, role: 'staff' }, city);
  const { account, password } = await registerCitizenByApi('何学员');
  const citizen = { login: account.account_no, password, account };
  const adminSession = await apiSignIn(admin.login, admin.password);
  const staffSession = await apiSignIn(staff.login, staff.password);
  const citizenSession = await apiSignIn(citizen.login, citizen.password);
  let n = 0;
  return {
    tag,
    call,
    city,
    inst,
    admin,
    staff,
    citizen,
    adminSession,
    staffSession,
    citizenSession,
    cityAdmin,
    balances: () => call('GET', '/api/v1/me/points', undefined, citizenSession),
    deposit: (o = {}) =>
      call(
        'POST',
        '/api/v1/ledger/outcomes',
        { account_no: account.account_no, kind: 'community_education', title: `社区书法班（第 ${++n} 期）${tag}`, hours_milli: 16000, awarded_on: '2025-06-15', ...o },
        staffSession,
      ),
  };
}
