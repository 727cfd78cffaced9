// Shared helpers of the API scenarios: requests as an anonymous, cookie-signed-in or bearer
// caller (cookie and CSRF token kept per caller), valid GB 11643 ID numbers, unique logins and
// phone numbers, and a small world of institutions and users of every role. Every error reply
// any scenario receives is checked against the error table (src/base/ll_err.def) here, so that
// a wrongly shaped error fails whichever test met it. Every secret the suite sends or receives
// (passwords, session cookies, CSRF and API tokens, ID and phone numbers) is written to
// LIFELONG_SECRETS_FILE, which the access-log scenario greps the log for.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const BASE = (process.env.LIFELONG_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const ROOT = process.env.LIFELONG_SOURCE_ROOT || path.resolve(here, '../..');
export const ROLES = ['citizen', 'staff', 'institution_admin', 'reviewer', 'district_admin', 'city_admin', 'auditor'];
export const XUHUI = '310104000000';
export const CHANGNING = '310105000000';
export const XUHUI_COMMITTEE = '310104003001'; // 天平路街道 上海新村居委会
export const CHANGNING_COMMITTEE = '310105001001'; // 华阳路街道 华一居委会
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_COOKIE = 'll_session';

// Stable error name -> HTTP status, read from the one error table of the server.
export const ERROR_STATUS = (() => {
  const text = fs.readFileSync(path.join(ROOT, 'src/base/ll_err.def'), 'utf8');
  const map = new Map();
  for (const m of text.matchAll(/^LL_ERR\(\s*\w+\s*,\s*\d+\s*,\s*(\d+)\s*,\s*\d+\s*,\s*"([a-z_]+)"/gm))
    map.set(m[2], Number(m[1]));
  if (map.size < 10) throw new Error('cannot read the error table from src/base/ll_err.def');
  return map;
})();

export function fixtures() {
  const file = process.env.LIFELONG_FIXTURES;
  if (!file) throw new Error('LIFELONG_FIXTURES is not set; run the suite with tests/api/run.sh');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// --- secrets ---------------------------------------------------------------------------------

const SECRET_KEYS = new Set(['password', 'current_password', 'new_password', 'id_number', 'phone', 'token', 'csrf_token']);

export function remember(...values) {
  const file = process.env.LIFELONG_SECRETS_FILE;
  const lines = values.filter((v) => typeof v === 'string' && v.length >= 8 && !v.includes('*'));
  if (file && lines.length) fs.appendFileSync(file, lines.join('\n') + '\n');
}

function rememberIn(value) {
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEYS.has(k) && typeof v === 'string') remember(v);
    else if (v && typeof v === 'object') rememberIn(v);
  }
}

export function secrets() {
  const file = process.env.LIFELONG_SECRETS_FILE;
  if (!file || !fs.existsSync(file)) return [];
  return [...new Set(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean))];
}

// --- error replies ---------------------------------------------------------------------------

// Asserts the one error shape: exactly {"error":{"code","message"[,"field"]}}, with the status
// the error table gives the code.
export function checkErrorShape(res, what = '') {
  const where = `${what} -> ${res.status} ${res.text.slice(0, 300)}`;
  assert.ok(res.json && typeof res.json === 'object' && !Array.isArray(res.json), `error body is not a JSON object: ${where}`);
  assert.deepEqual(Object.keys(res.json), ['error'], `error body must hold only "error": ${where}`);
  const e = res.json.error;
  assert.ok(e && typeof e === 'object', `"error" must be an object: ${where}`);
  const keys = Object.keys(e).sort();
  assert.ok(
    JSON.stringify(keys) === '["code","message"]' || JSON.stringify(keys) === '["code","field","message"]',
    `error keys must be code, message[, field]; got ${keys}: ${where}`,
  );
  assert.equal(typeof e.code, 'string', where);
  assert.equal(typeof e.message, 'string', where);
  assert.ok(e.message.length > 0, `empty message: ${where}`);
  if ('field' in e) assert.ok(typeof e.field === 'string' && e.field.length > 0, `field must be a non-empty string: ${where}`);
  assert.ok(ERROR_STATUS.has(e.code), `unknown error code ${e.code}: ${where}`);
  assert.equal(res.status, ERROR_STATUS.get(e.code), `status does not match code ${e.code}: ${where}`);
}

// Asserts an error reply with status, code and (when given) field.
export function assertError(res, status, code, field) {
  const what = `${res.method} ${res.path}`;
  assert.equal(res.status, status, `${what}: want ${status} ${code}, got ${res.status} ${res.text.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') || '', /^application\/json/, `${what}: error must be JSON`);
  checkErrorShape(res, what);
  assert.equal(res.json.error.code, code, `${what}: ${res.text}`);
  if (field !== undefined) assert.equal(res.json.error.field, field, `${what}: ${res.text}`);
}

export function assertStatus(res, status) {
  assert.equal(res.status, status, `${res.method} ${res.path}: want ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
}

// --- callers ---------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { sleep };

// A loopback port nothing listens on at the moment (for a server a scenario starts itself).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export class Client {
  constructor({ cookie = null, csrf = null, bearer = null, user = null, login = null, password = null, basic = null } = {}) {
    this.basic = basic; // { key, secret }: an xAPI client's HTTP Basic credentials
    this.cookie = cookie;
    this.csrf = csrf;
    this.bearer = bearer;
    this.user = user;
    this.login = login;
    this.password = password;
  }

  get role() {
    return this.user ? this.user.role : null;
  }

  // opts: json (encoded as the body), body (raw), headers, csrf (false: leave the CSRF header
  // out), contentType.
  async request(method, p, opts = {}) {
    const headers = { ...(opts.headers || {}) };
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (this.basic) headers.authorization = `Basic ${Buffer.from(`${this.basic.key}:${this.basic.secret}`).toString('base64')}`;
    if (this.cookie) headers.cookie = `${SESSION_COOKIE}=${this.cookie}`;
    const isWrite = method !== 'GET' && method !== 'HEAD';
    if (isWrite && this.csrf && opts.csrf !== false) headers[CSRF_HEADER] = this.csrf;
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      rememberIn(opts.json);
      headers['content-type'] = opts.contentType || 'application/json';
    } else if (opts.contentType) {
      headers['content-type'] = opts.contentType;
    }
    const res = await fetch(BASE + p, { method, headers, body, redirect: 'manual', ...(opts.fetch || {}) });
    const text = await res.text();
    const out = { method, path: p, status: res.status, headers: res.headers, text, json: null };
    if (/^application\/json/.test(res.headers.get('content-type') || '') && text) out.json = JSON.parse(text);
    if (out.json) rememberIn(out.json);
    for (const c of res.headers.getSetCookie()) remember(c.split(';')[0].split('=').slice(1).join('='));
    if (res.status >= 400 && out.json) checkErrorShape(out, `${method} ${p}`);
    return out;
  }

  get(p, opts) {
    return this.request('GET', p, opts);
  }
  post(p, json, opts = {}) {
    return this.request('POST', p, { ...opts, json });
  }
  put(p, json, opts = {}) {
    return this.request('PUT', p, { ...opts, json });
  }
  del(p, opts) {
    return this.request('DELETE', p, opts);
  }
}

export const anon = () => new Client();

// Signs in; returns the reply (with .client when it succeeded). Retries while the server's
// password gate says it is busy, as a real client would after Retry-After.
export async function trySignIn(login, password) {
  for (let i = 0; ; i++) {
    const res = await anon().post('/api/v1/session', { login, password });
    if (res.status === 503 && i < 40) {
      await sleep(250);
      continue;
    }
    if (res.status === 200) {
      const setCookie = res.headers.getSetCookie().find((c) => c.startsWith(SESSION_COOKIE + '='));
      const cookie = setCookie.split(';')[0].slice(SESSION_COOKIE.length + 1);
      res.setCookie = setCookie;
      res.client = new Client({ cookie, csrf: res.json.csrf_token, user: res.json.user, login, password });
    }
    return res;
  }
}

export async function signIn(login, password) {
  const res = await trySignIn(login, password);
  assertStatus(res, 200);
  return res.client;
}

export async function signInFixture(name) {
  const f = fixtures()[name];
  assert.ok(f, `no fixture user ${name}`);
  return signIn(f.login, f.password);
}

// --- test data -------------------------------------------------------------------------------

let seq = 0;
const rnd = (n) => crypto.randomBytes(n).toString('hex');

// A login nobody has used: lowercase, 3-64 of [a-z0-9._-@].
export function uniqueLogin(prefix = 'u') {
  return `${prefix}-${process.pid.toString(36)}-${(++seq).toString(36)}${rnd(3)}`.toLowerCase();
}

export function uniqueName(prefix) {
  return `${prefix} ${process.pid.toString(36)}-${(++seq).toString(36)}${rnd(3)}`;
}

// A password the policy accepts (letters, digits and other characters, 8+ characters).
export function password() {
  const p = `Pw-${rnd(8)}-7`;
  remember(p);
  return p;
}

// GB 11643: weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2 over the first 17 digits; check
// character "10X98765432"[sum % 11].
export function idCheckChar(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * w[i];
  return '10X98765432'[sum % 11];
}

const usedIds = new Set();
// A valid ID number for region (6 digits) and birth date (YYYYMMDD); random when not given.
export function idNumber({ region = '310104', birth } = {}) {
  for (;;) {
    let b = birth;
    if (!b) {
      const d = new Date(Date.UTC(1940, 0, 1) + crypto.randomInt(0, 65 * 365) * 86400000);
      b = d.toISOString().slice(0, 10).replaceAll('-', '');
    }
    const first17 = region + b + String(crypto.randomInt(0, 1000)).padStart(3, '0');
    const id = first17 + idCheckChar(first17);
    if (usedIds.has(id)) continue;
    usedIds.add(id);
    remember(id);
    return id;
  }
}

// A mainland mobile number (11 digits, 13x-19x).
export function phone() {
  const p = '13' + String(crypto.randomInt(0, 1e9)).padStart(9, '0');
  remember(p);
  return p;
}

// --- the world -------------------------------------------------------------------------------

export async function createInstitution(admin, district = XUHUI, type = 'community_school', nameEn = undefined) {
  const res = await admin.post('/api/v1/institutions', { name: uniqueName('机构'), name_en: nameEn, type, district_code: district });
  assertStatus(res, 201);
  return res.json;
}

// Creates a staff user with the given client (city admin: POST /users or the staff route;
// institution admin: the staff route) and signs them in.
export async function createStaff(creator, role, institutionId) {
  const login = uniqueLogin(role.replace('_', ''));
  const pw = password();
  let res;
  for (let i = 0; i < 40; i++) {
    if (institutionId)
      res = await creator.post(`/api/v1/institutions/${institutionId}/staff`, { login, display_name: `${role} ${login}`, password: pw, role });
    else res = await creator.post('/api/v1/users', { login, display_name: `${role} ${login}`, password: pw, role });
    if (res.status !== 503) break;
    await sleep(250);
  }
  assertStatus(res, 201);
  return signIn(login, pw);
}

// Registers a person as themself (with a password) and signs them in by account number.
export async function registerCitizen({ committee = XUHUI_COMMITTEE, withPhone = true } = {}) {
  const id = idNumber({ region: committee.slice(0, 6) });
  const ph = withPhone ? phone() : undefined;
  const pw = password();
  const body = { name: '市民' + rnd(2), id_number: id, committee_code: committee, password: pw };
  if (ph) body.phone = ph;
  let res;
  for (let i = 0; i < 40; i++) {
    res = await anon().post('/api/v1/accounts', body);
    if (res.status !== 503) break;
    await sleep(250);
  }
  assertStatus(res, 201);
  const client = await signIn(res.json.account_no, pw);
  return { client, account: res.json, idNumber: id, phone: ph, password: pw };
}

// Registers a person as staff (no password: not yet activated).
export async function registerPerson(staff, { committee = XUHUI_COMMITTEE } = {}) {
  const id = idNumber({ region: committee.slice(0, 6) });
  const ph = phone();
  const res = await staff.post('/api/v1/accounts', { name: '学员' + rnd(2), id_number: id, phone: ph, committee_code: committee });
  assertStatus(res, 201);
  return { account: res.json, idNumber: id, phone: ph };
}

// Institution A in 徐汇区 and B in 长宁区, a signed-in user of every role (staff, institution
// admin and reviewer of A; staff of B; the district admin of 徐汇区), and one citizen of 徐汇区.
export async function makeWorld() {
  const city = await signInFixture('fx-city-admin');
  const auditor = await signInFixture('fx-auditor');
  const xuhui = await signInFixture('fx-xuhui-admin');
  const changning = await signInFixture('fx-changning-admin');
  const instA = await createInstitution(city, XUHUI);
  const instB = await createInstitution(city, CHANGNING);
  const instAdminA = await createStaff(city, 'institution_admin', instA.id);
  const staffA = await createStaff(instAdminA, 'staff', instA.id);
  const reviewer = await createStaff(city, 'reviewer');
  const instAdminB = await createStaff(city, 'institution_admin', instB.id);
  const staffB = await createStaff(instAdminB, 'staff', instB.id);
  const citizen = await registerCitizen();
  return {
    city, auditor, xuhui, changning, instA, instB, instAdminA, staffA, reviewer, instAdminB, staffB, citizen,
    byRole: {
      citizen: citizen.client,
      staff: staffA,
      institution_admin: instAdminA,
      reviewer,
      district_admin: xuhui,
      city_admin: city,
      auditor,
    },
  };
}

// The city admin's view of how many accounts exist and are activated.
export async function activationStats(city) {
  const res = await city.get('/api/v1/stats/activations');
  assertStatus(res, 200);
  return res.json;
}

// Audit rows newer than the RFC 3339 time after (all when null), newest first.
export async function auditSince(city, after, query = '') {
  const res = await city.get('/api/v1/audit?limit=500' + query);
  assertStatus(res, 200);
  return res.json.items.filter((r) => !after || r.at > after);
}

// The time of the newest audit row, to diff against later.
export async function auditMark(city) {
  const res = await city.get('/api/v1/audit?limit=1');
  assertStatus(res, 200);
  return res.json.items.length ? res.json.items[0].at : null;
}

// An account number for a serial: "31", 13 digits, and a Luhn check digit (as the server makes).
export function accountNo(serial) {
  const body = '31' + String(serial).padStart(13, '0');
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let v = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return body + String((10 - (sum % 10)) % 10);
}

// --- check-ins and points --------------------------------------------------------------------

// The Beijing date (UTC+8, as the server counts days) n days from the day of the time t.
export const beijingDate = (n = 0, t = Date.now()) => new Date(t + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);
// The UTC time (RFC 3339) of a Beijing date and time of day: beijingTime('2026-11-24', '01:30:00').
export const beijingTime = (date, time = '12:00:00') => new Date(`${date}T${time}+08:00`).toISOString();

// Polls fn (async, returning a value or null/false) until it returns something truthy; fails with
// what after timeoutMs. Awards and check-ins made from statements and deposits come from the
// server's background worker, a moment after the request.
export async function waitFor(what, fn, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

// A learning platform's statement actor for a lifelong account (the server's default homePage).
export const accountActor = (accountNo, homePage = 'https://lifelong.sh.cn') => ({ objectType: 'Agent', account: { homePage, name: accountNo } });
export const ADL = 'http://adlnet.gov/expapi/verbs/';

// Every earning rule (city admin or auditor).
export async function pointsRules(client) {
  const res = await client.get('/api/v1/points/rules');
  assertStatus(res, 200);
  return res.json.items;
}

// A rule as PUT takes it: the listed rule without its id.
export const ruleBody = (rule, over = {}) => {
  const { id, ...body } = rule;
  return { ...body, ...over };
};

// Makes the earning rules a scenario's own for the length of a test file: deactivates every
// active rule (the defaults and any left over), and gives back create(body) for the file's own
// rules and restore(), which deactivates those and reactivates the ones it found active. Test
// files run one after another, so no other scenario sees the rules meanwhile.
export async function ownPointsRules(city) {
  const found = (await pointsRules(city)).filter((r) => r.is_active);
  for (const r of found) assertStatus(await city.put(`/api/v1/points/rules/${r.id}`, ruleBody(r, { is_active: false })), 200);
  const mine = [];
  return {
    async create(body) {
      const res = await city.post('/api/v1/points/rules', { name_en: body.name, ...body });
      assertStatus(res, 201);
      mine.push(res.json);
      return res.json;
    },
    async restore() {
      for (const r of mine) assertStatus(await city.put(`/api/v1/points/rules/${r.id}`, ruleBody(r, { is_active: false })), 200);
      for (const r of found) assertStatus(await city.put(`/api/v1/points/rules/${r.id}`, ruleBody(r, { is_active: true })), 200);
    },
  };
}

// The caller's balances, flattened: { academic, vocational, community, elder, total } (the
// reply is {"balances":{type:n,...},"total":n}).
export async function pointsBalances(citizen) {
  const res = await citizen.get('/api/v1/me/points');
  assertStatus(res, 200);
  assert.deepEqual(Object.keys(res.json).sort(), ['balances', 'total'], res.text);
  assert.deepEqual(Object.keys(res.json.balances).sort(), ['academic', 'community', 'elder', 'vocational'], res.text);
  return { ...res.json.balances, total: res.json.total };
}

// Every line of the caller's points statement, newest first, following its pages.
export async function pointsLines(citizen) {
  const lines = [];
  let after = '';
  for (let i = 0; i < 100; i++) {
    const res = await citizen.get(`/api/v1/me/points/statement?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    assertStatus(res, 200);
    lines.push(...res.json.items);
    if (!res.json.next) return lines;
    after = res.json.next;
  }
  assert.fail('the points statement does not end');
}

// The days of the caller's check-ins in the month of date (YYYY-MM-DD or YYYY-MM), by date.
export async function checkinMonth(citizen, date) {
  const res = await citizen.get(`/api/v1/me/checkins${date ? `?month=${date.slice(0, 7)}` : ''}`);
  assertStatus(res, 200);
  return res.json;
}

// The sources the caller checked in from on date ([] when none).
export async function checkinSources(citizen, date) {
  const m = await checkinMonth(citizen, date);
  const day = m.days.find((d) => d.date === date);
  return day ? [...day.sources].sort() : [];
}

// A session at another Lifelong node (a demo city's user, whose password the demo sets):
// request(method, path, json) → {status, text, json}, with the session's cookie and CSRF token.
export async function signInAt(base, login, password = 'Demo-2026!') {
  for (let i = 0; i < 40; i++) {
    const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
    if (res.status === 503) {
      await sleep(250);
      continue;
    }
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const body = JSON.parse(text);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ll_session=')).split(';')[0];
    const csrf = body.csrf_token || body.user.csrf_token;
    return async (method, p, json) => {
      const r = await fetch(base + p, { method, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
      const t = await r.text();
      return { status: r.status, text: t, json: t ? JSON.parse(t) : null };
    };
  }
  throw new Error('sign-in stayed busy');
}
