// Test data of the credit-bank browser tests, made through the API with the city admin of
// LIFELONG_CITY_ADMIN: an open university of its own (it may deposit course credits and
// academic qualifications), a staff member of it, a reviewer, and a self-registered citizen.
// Each test file makes its own, so that the files do not depend on each other or on demo data,
// and filters the review queue by its own institution.
import { BASE, creds, registerCitizenByApi, uniqueSuffix } from './lib.mjs';

export const cityAdmin = creds('LIFELONG_CITY_ADMIN');

export async function call(method, path, body, session, { contentType } = {}) {
  const headers = { Accept: 'application/json' };
  const raw = contentType !== undefined;
  if (body !== undefined) headers['Content-Type'] = raw ? contentType : 'application/json';
  if (session) {
    headers.Cookie = session.cookie;
    if (method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
  }
  const r = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : raw ? body : JSON.stringify(body) });
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${text}`);
  return data;
}

export async function apiSignIn(login, password) {
  const r = await fetch(BASE + '/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  const data = await r.json();
  if (!r.ok) throw new Error(`sign-in ${login}: HTTP ${r.status} ${JSON.stringify(data)}`);
  const cookie = r.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie, csrf: data.csrf_token, user: data.user };
}

// A tiny valid PNG (1x1 pixel), as an evidence file.
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b5e1c70000000049454e44ae426082',
  'hex',
);

export async function setupLedger() {
  const city = await apiSignIn(cityAdmin.login, cityAdmin.password);
  const suffix = uniqueSuffix();
  const inst = await call(
    'POST',
    '/api/v1/institutions',
    { name: `上海开放大学测试分校 ${suffix}`, name_en: 'Open University Test Branch', type: 'open_university', district_code: '310104000000' },
    city,
  );
  const staff = { login: 'staff-' + suffix, password: 'Staff-' + uniqueSuffix() + '-1' };
  await call('POST', `/api/v1/institutions/${inst.id}/staff`, { login: staff.login, display_name: '陈老师', password: staff.password, role: 'staff' }, city);
  const reviewer = { login: 'review-' + suffix, password: 'Review-' + uniqueSuffix() + '-1' };
  await call('POST', '/api/v1/users', { login: reviewer.login, display_name: '顾审核', password: reviewer.password, role: 'reviewer' }, city);
  const { account, password } = await registerCitizenByApi('林学员');
  const citizen = { login: account.account_no, password, account };
  const staffSession = await apiSignIn(staff.login, staff.password);
  const reviewerSession = await apiSignIn(reviewer.login, reviewer.password);

  return {
    inst,
    staff,
    reviewer,
    citizen,
    city,
    staffSession,
    reviewerSession,
    // Deposits an outcome for the citizen as the staff member; returns the Deposit.
    deposit: (o) => call('POST', '/api/v1/ledger/outcomes', { account_no: account.account_no, ...o }, staffSession),
    evidence: (name = 'certificate.png') => call('POST', '/api/v1/ledger/evidence?name=' + encodeURIComponent(name), PNG, staffSession, { contentType: 'image/png' }),
    submissions: (query = '') => call('GET', '/api/v1/ledger/submissions' + query, undefined, staffSession),
    decide: (id, decision, reason) => call('POST', `/api/v1/ledger/submissions/${id}/decision`, { decision, reason }, reviewerSession),
  };
}

// An academic qualification: its standard wants a review, a level of 4 to 10, a code, a start
// date, a certificate number and an evidence file.
export async function qualification(ctx, title, extra = {}) {
  const ev = await ctx.evidence();
  return {
    kind: 'academic_qualification',
    title,
    code: '080901',
    level: 6,
    credits_milli: 120000,
    started_on: '2019-09-01',
    awarded_on: '2023-07-01',
    certificate_no: 'ZS-' + uniqueSuffix(),
    evidence_id: ev.id,
    ...extra,
  };
}

// Picks the option of an Element Plus select whose text is exactly `text`. `select` is a locator
// or a data-test name; the options open in a list at the end of the page.
export async function choose(page, select, text) {
  const sel = typeof select === 'string' ? page.locator(`[data-test=${select}]`) : select;
  await sel.click();
  const option = page
    .locator('.el-select-dropdown:visible .el-select-dropdown__item')
    .filter({ has: page.getByText(text, { exact: true }) })
    .first();
  await option.waitFor();
  await option.click();
  await page.locator('.el-select-dropdown:visible').waitFor({ state: 'hidden' }).catch(() => {});
}

// Visible text on the page whose font is smaller than px (elder mode's floor), as "text (size)".
export async function textBelow(page, px) {
  return page.evaluate((min) => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const el = n.parentElement;
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (!r.width || !r.height || cs.visibility === 'hidden' || el.closest('.visually-hidden, .skip-link, [aria-hidden=true]')) continue;
      if (parseFloat(cs.fontSize) < min) out.push(`${n.textContent.trim().slice(0, 30)} (${cs.fontSize})`);
    }
    return out;
  }, px);
}

// Buttons, button-like links, selects and inputs in the main area lower than px.
export async function controlsBelow(page, px) {
  return page.evaluate((min) =>
    [...document.querySelectorAll('main button, main a.el-button, main .el-select__wrapper, main input:not([type=file]):not(.el-select__input)')]
      .filter((el) => el.getBoundingClientRect().width > 0 && !el.closest('.el-switch'))
      .map((el) => ({ text: (el.innerText || el.value || el.className).trim().slice(0, 30), h: el.getBoundingClientRect().height }))
      .filter((x) => x.h < min), px);
}
