// Fills a fresh Lifelong server with the few users the browser tests need, through the API:
// an institution and its admin (made by the city admin given in LIFELONG_CITY_ADMIN) and a
// self-registered citizen whose data the city admin then looks at once, so that the citizen's
// "who looked at my data" list has a row. Prints shell `export` lines for the credentials.
import { BASE, creds, makeIdNumber, uniqueSuffix } from './lib.mjs';

const city = creds('LIFELONG_CITY_ADMIN');
if (!city) throw new Error('LIFELONG_CITY_ADMIN is not set');

async function call(method, path, body, session) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (session) {
    headers.Cookie = session.cookie;
    if (method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
  }
  const r = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${text}`);
  return { data, res: r };
}

async function signIn(login, password) {
  const { data, res } = await call('POST', '/api/v1/session', { login, password });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie, csrf: data.csrf_token };
}

const s = await signIn(city.login, city.password);
const suffix = uniqueSuffix();
const inst = (
  await call(
    'POST',
    '/api/v1/institutions',
    { name: `徐汇区社区学校 ${suffix}`, name_en: 'Xuhui Community School', type: 'community_school', district_code: '310104000000' },
    s,
  )
).data;
const instPassword = 'Inst-' + uniqueSuffix() + '-1';
const instLogin = 'inst-' + suffix;
await call(
  'POST',
  `/api/v1/institutions/${inst.id}/staff`,
  { login: instLogin, display_name: '李老师', password: instPassword, role: 'institution_admin' },
  s,
);

const citizenPassword = 'Citizen-' + uniqueSuffix() + '-1';
let account;
for (let i = 0; !account && i < 5; i++) {
  try {
    account = (
      await call('POST', '/api/v1/accounts', {
        name: '张三',
        id_number: makeIdNumber({ area: '310101', birth: '19560315' }),
        phone: '139' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0'),
        committee_code: '310101002001',
        password: citizenPassword,
      })
    ).data;
  } catch (e) {
    if (!/HTTP 409/.test(e.message)) throw e;
  }
}
await call('GET', `/api/v1/accounts/${account.id}?reveal=true&purpose=${encodeURIComponent('核对学习成果登记')}`, undefined, s);

const q = (v) => `'${v.replace(/'/g, "'\\''")}'`;
console.log(`export LIFELONG_INSTITUTION_ADMIN=${q(instLogin + ':' + instPassword)}`);
console.log(`export LIFELONG_CITIZEN=${q(account.account_no + ':' + citizenPassword)}`);
