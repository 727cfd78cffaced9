// Learning check-ins (学习打卡): a person checks in by hand once a day, at a learning site by
// scanning the code it shows that day, and by learning on a connected platform (an xAPI
// statement with a qualifying verb, on the statement's Beijing day); the month view gives the
// days and the streak. Sites are an institution's: its admin creates and retires them, its staff
// show their daily code and QR code. docs/points.md is the specification.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  ADL, BASE, CHANGNING, SESSION_COOKIE, XUHUI, accountActor, anon, assertError, assertStatus, beijingDate, beijingTime,
  checkinMonth, checkinSources, createInstitution, createStaff, registerCitizen, signInFixture, waitFor,
} from './lib.mjs';
import { Xapi } from './xapi-lib.mjs';

const statement = (accountNo, over = {}) => ({
  actor: accountActor(accountNo),
  verb: { id: `${ADL}attended`, display: { 'zh-CN': '参加' } },
  object: { objectType: 'Activity', id: `https://learn.shlll.cn/live/${crypto.randomUUID()}`, definition: { name: { 'zh-CN': '直播课：家庭急救' } } },
  ...over,
});

let w;
async function world() {
  w ??= (async () => {
    const city = await signInFixture('fx-city-admin');
    const inst = await createInstitution(city, XUHUI, 'community_school', 'Tianping Community School');
    const admin = await createStaff(city, 'institution_admin', inst.id);
    const staff = await createStaff(admin, 'staff', inst.id);
    const other = await createInstitution(city, CHANGNING, 'community_school', 'Huayang Community School');
    const otherAdmin = await createStaff(city, 'institution_admin', other.id);
    const otherStaff = await createStaff(otherAdmin, 'staff', other.id);
    const issued = await admin.post('/api/v1/lrs/clients', { name: '社区学习网' });
    assertStatus(issued, 201);
    return { city, inst, admin, staff, other, otherAdmin, otherStaff, xapi: new Xapi(issued.json.key, issued.json.secret) };
  })();
  return w;
}

async function sendStatements(xapi, list) {
  const res = await xapi.post('/xapi/statements', list);
  assert.equal(res.status, 200, res.text);
  return res.json;
}

// Waits until the worker has checked the person in from a statement on date.
const statementCheckin = (citizen, date) =>
  waitFor(`a statement check-in on ${date}`, async () => (await checkinSources(citizen, date)).includes('statement'));

describe('manual check-ins', () => {
  test('the first of the day is 201 is_new; the same day again is 200 is_new false; the month view shows the day', async () => {
    const me = await registerCitizen();
    const today = beijingDate();
    const empty = await checkinMonth(me.client);
    assert.equal(empty.today, today);
    assert.equal(empty.month, today.slice(0, 7));
    assert.deepEqual(empty.days, []);
    assert.deepEqual(empty.streak, { current: 0, longest: 0, total_days: 0, is_checked_in_today: false });

    const first = await me.client.post('/api/v1/me/checkins', { note: '今天学了太极拳' });
    assertStatus(first, 201);
    assert.equal(first.json.date, today);
    assert.equal(first.json.source, 'manual');
    assert.equal(first.json.is_new, true);
    assert.equal(first.json.site, null);

    const again = await me.client.post('/api/v1/me/checkins', {});
    assertStatus(again, 200);
    assert.equal(again.json.date, today);
    assert.equal(again.json.source, 'manual');
    assert.equal(again.json.is_new, false);

    const month = await checkinMonth(me.client);
    assert.equal(month.days.length, 1);
    assert.equal(month.days[0].date, today);
    assert.deepEqual(month.days[0].sources, ['manual']);
    assert.equal(month.days[0].note, '今天学了太极拳');
    assert.deepEqual(month.streak, { current: 1, longest: 1, total_days: 1, is_checked_in_today: true });
    // Asking for the month by name gives the same.
    assert.deepEqual(await checkinMonth(me.client, today), month);
  });

  test('eight manual check-ins at once store one: one 201, seven 200 is_new false', async () => {
    const me = await registerCitizen();
    const replies = await Promise.all(Array.from({ length: 8 }, () => me.client.post('/api/v1/me/checkins', {})));
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 201],
      replies.map((r) => `${r.status} ${r.text.slice(0, 120)}`).join('; '));
    assert.deepEqual(replies.map((r) => r.json.is_new).sort(), [false, false, false, false, false, false, false, true]);
    const month = await checkinMonth(me.client);
    assert.equal(month.days.length, 1);
    assert.equal(month.streak.total_days, 1);
  });

  test('a bad body or month is 400 naming the field; another month is empty', async () => {
    const me = await registerCitizen();
    assertError(await me.client.post('/api/v1/me/checkins', { colour: 'red' }), 400, 'unknown_field', 'colour');
    assertError(await me.client.post('/api/v1/me/checkins', { note: '学'.repeat(201) }), 400, 'too_long', 'note');
    assertError(await me.client.post('/api/v1/me/checkins', { note: 7 }), 400, 'wrong_type', 'note');
    // A manual check-in is for today only: it names no day.
    assertError(await me.client.post('/api/v1/me/checkins', { date: beijingDate(-1) }), 400, 'unknown_field', 'date');
    // A code without its site checks in nowhere.
    assertError(await me.client.post('/api/v1/me/checkins', { code: 'ABCDEFGH' }), 400, 'invalid_value', 'site_id');
    for (const bad of ['2026-13', '2026-1', 'yesterday', '2026-11-24'])
      assertError(await me.client.get(`/api/v1/me/checkins?month=${bad}`), 400, 'bad_query', 'month');
    assert.deepEqual((await checkinMonth(me.client)).days, [], 'a refused check-in stores nothing');
    const old = await checkinMonth(me.client, '2024-02');
    assert.equal(old.month, '2024-02');
    assert.deepEqual(old.days, []);
  });

  test('only citizens check in; staff and admins get 403, nobody 401', async () => {
    const { staff, admin, city } = await world();
    for (const c of [staff, admin, city]) {
      assertError(await c.get('/api/v1/me/checkins'), 403, 'forbidden');
      assertError(await c.post('/api/v1/me/checkins', {}), 403, 'forbidden');
    }
    assertError(await anon().get('/api/v1/me/checkins'), 401, 'unauthenticated');
    assertError(await anon().post('/api/v1/me/checkins', {}), 401, 'unauthenticated');
  });
});

describe('check-ins from learning statements', () => {
  test('a statement with a qualifying verb about a linked person checks them in on its Beijing day, whatever the UTC day', async () => {
    const { xapi } = await world();
    const me = await registerCitizen();
    const acct = me.account.account_no;
    const d = beijingDate(-10);
    const dm1 = beijingDate(-11);
    const dm3 = beijingDate(-13);
    const dm2 = beijingDate(-12);
    // 01:30 in Beijing is the day before in UTC; 23:59:59 in Beijing is the same UTC day.
    const early = beijingTime(d, '01:30:00');
    assert.equal(early.slice(0, 10), dm1, 'the test\'s own arithmetic');
    await sendStatements(xapi, [statement(acct, { timestamp: early })]);
    await sendStatements(xapi, [statement(acct, { timestamp: beijingTime(dm3, '23:59:59'), verb: { id: `${ADL}completed` } })]);
    await statementCheckin(me.client, d);
    await statementCheckin(me.client, dm3);
    assert.deepEqual(await checkinSources(me.client, dm1), [], 'the UTC day of the statement is not checked in');
    assert.deepEqual(await checkinSources(me.client, dm2), []);
    const month = await checkinMonth(me.client, d);
    const day = month.days.find((x) => x.date === d);
    assert.deepEqual(day.sources, ['statement']);
    assert.equal(day.site, null);
  });

  test('every qualifying verb of ADL\'s vocabulary checks in; a statement timestamped in the future counts on its stored day', async () => {
    const { xapi } = await world();
    const verbs = ['completed', 'passed', 'failed', 'attended', 'experienced', 'progressed', 'answered'];
    for (const [i, verb] of verbs.entries()) {
      const me = await registerCitizen();
      const date = beijingDate(-20 - i);
      await sendStatements(xapi, [statement(me.account.account_no, { verb: { id: `${ADL}${verb}` }, timestamp: beijingTime(date) })]);
      await statementCheckin(me.client, date);
    }
    const me = await registerCitizen();
    const inTwoDays = beijingTime(beijingDate(2), '12:00:00');
    await sendStatements(xapi, [statement(me.account.account_no, { timestamp: inTwoDays })]);
    const today = beijingDate();
    await statementCheckin(me.client, today);
    assert.deepEqual(await checkinSources(me.client, beijingDate(2)), []);
    const month = await checkinMonth(me.client);
    assert.equal(month.streak.is_checked_in_today, true);
  });

  test('a voiding statement, a verb that is not learning, and an actor of another system do not check anyone in', async () => {
    const { xapi } = await world();
    const me = await registerCitizen();
    const acct = me.account.account_no;
    const quiet = beijingDate(-5);
    const at = beijingTime(quiet);
    const [target] = await sendStatements(xapi, [statement(acct, { actor: { objectType: 'Agent', mbox: `mailto:x-${crypto.randomUUID()}@example.cn` } })]);
    await sendStatements(xapi, [
      // Voiding takes another statement back: it is no learning of its own.
      statement(acct, { verb: { id: `${ADL}voided` }, object: { objectType: 'StatementRef', id: target }, timestamp: at }),
      // Registering, launching and the like are not learning.
      statement(acct, { verb: { id: `${ADL}registered` }, timestamp: at }),
      statement(acct, { verb: { id: `${ADL}launched` }, timestamp: at }),
      // 'completed' of another vocabulary is not ADL's.
      statement(acct, { verb: { id: 'https://w3id.org/xapi/other/verbs/completed' }, timestamp: at }),
      // The same account number at another system's homePage is not this person.
      statement(acct, { actor: accountActor(acct, 'https://other.example.cn'), timestamp: at }),
    ]);
    // The worker follows statements in the order they were stored: once a later one has made its
    // check-in, the ones before it were looked at.
    const later = beijingDate(-4);
    await sendStatements(xapi, [statement(acct, { timestamp: beijingTime(later) })]);
    await statementCheckin(me.client, later);
    assert.deepEqual(await checkinSources(me.client, quiet), []);
    assert.deepEqual(await checkinSources(me.client, beijingDate()), [], 'nor on the day they were stored');
    assert.equal((await checkinMonth(me.client)).streak.total_days, 1, 'the later statement\'s day is the only one');
  });

  test('the streak counts consecutive days ending today, or yesterday while today is not yet checked in', async () => {
    const { xapi } = await world();
    const me = await registerCitizen();
    const acct = me.account.account_no;
    // Days -6, -5 (a run of 2), then -2 and -1.
    for (const n of [-6, -5, -2, -1])
      await sendStatements(xapi, [statement(acct, { timestamp: beijingTime(beijingDate(n), '09:00:00') })]);
    for (const n of [-6, -5, -2, -1]) await statementCheckin(me.client, beijingDate(n));
    let month = await checkinMonth(me.client);
    assert.deepEqual(month.streak, { current: 2, longest: 2, total_days: 4, is_checked_in_today: false });
    assertStatus(await me.client.post('/api/v1/me/checkins', {}), 201);
    month = await checkinMonth(me.client);
    assert.deepEqual(month.streak, { current: 3, longest: 3, total_days: 5, is_checked_in_today: true });
    // A day stored from two sources is one day.
    await sendStatements(xapi, [statement(acct)]);
    await statementCheckin(me.client, beijingDate());
    month = await checkinMonth(me.client);
    assert.deepEqual(month.days.find((x) => x.date === beijingDate()).sources, ['manual', 'statement']);
    assert.deepEqual(month.streak, { current: 3, longest: 3, total_days: 5, is_checked_in_today: true });

    // A run that ended the day before yesterday is no current streak.
    const lapsed = await registerCitizen();
    for (const n of [-4, -3, -2]) await sendStatements(xapi, [statement(lapsed.account.account_no, { timestamp: beijingTime(beijingDate(n)) })]);
    for (const n of [-4, -3, -2]) await statementCheckin(lapsed.client, beijingDate(n));
    assert.deepEqual((await checkinMonth(lapsed.client)).streak, { current: 0, longest: 3, total_days: 3, is_checked_in_today: false });
  });
});

describe('check-in sites', () => {
  let site, code;
  before(async () => {
    const { admin } = await world();
    const res = await admin.post('/api/v1/checkin-sites', { name: '天平路社区学校', name_en: 'Tianping Road Community School', address: '徐汇区天平路 1 号' });
    assertStatus(res, 201);
    site = res.json;
  });

  test('an institution admin creates a site; its staff list it; staff may not create; another institution does not see it', async () => {
    const { inst, admin, staff, otherStaff, city } = await world();
    assert.ok(site.id);
    assert.equal(site.name, '天平路社区学校');
    assert.equal(site.name_en, 'Tianping Road Community School');
    assert.equal(site.address, '徐汇区天平路 1 号');
    assertError(await staff.post('/api/v1/checkin-sites', { name: '不该有的打卡点', name_en: 'x', address: 'x' }), 403, 'forbidden');
    assertError(await city.post('/api/v1/checkin-sites', { name: '不该有的打卡点', name_en: 'x', address: 'x' }), 403, 'forbidden');
    for (const c of [staff, admin]) {
      const list = await c.get('/api/v1/checkin-sites');
      assertStatus(list, 200);
      const mine = list.json.items.find((s) => s.id === site.id);
      assert.ok(mine, 'the institution\'s staff see its site');
      assert.equal(mine.name, site.name);
      assert.ok(list.json.items.every((s) => s.name !== '不该有的打卡点'));
    }
    const theirs = await otherStaff.get('/api/v1/checkin-sites');
    assertStatus(theirs, 200);
    assert.ok(!theirs.json.items.some((s) => s.id === site.id));
    // The public face, for whoever signed in (the portal's landing page after a scan).
    const me = await registerCitizen();
    const face = await me.client.get(`/api/v1/checkin-sites/${site.id}`);
    assertStatus(face, 200);
    assert.equal(face.json.name, site.name);
    assert.equal(face.json.address, site.address);
    assert.equal(face.json.institution.id, inst.id);
    assert.equal(face.json.secret, undefined);
    assert.equal(face.json.code, undefined, 'the public face does not give the day\'s code');
    assertError(await me.client.get(`/api/v1/checkin-sites/${crypto.randomUUID()}`), 404, 'not_found');
  });

  // An institution's English name is optional (most have none): its sites work all the same.
  test('an institution without an English name opens a site, shows its code and takes check-ins there', async () => {
    const { city } = await world();
    const plain = await createInstitution(city, XUHUI, 'learning_point');
    const plainAdmin = await createStaff(city, 'institution_admin', plain.id);
    const made = await plainAdmin.post('/api/v1/checkin-sites', { name: '居委会学习点' });
    assertStatus(made, 201);
    assert.equal(made.json.institution.id, plain.id);
    assertStatus(await plainAdmin.get('/api/v1/checkin-sites'), 200);
    const today = await plainAdmin.get(`/api/v1/checkin-sites/${made.json.id}/code`);
    assertStatus(today, 200);
    const me = await registerCitizen();
    assertStatus(await me.client.get(`/api/v1/checkin-sites/${made.json.id}`), 200);
    const res = await me.client.post('/api/v1/me/checkins', { site_id: made.json.id, code: today.json.code });
    assertStatus(res, 201);
    assert.equal(res.json.site.id, made.json.id);
    assert.equal((await checkinMonth(me.client)).days[0].site.id, made.json.id);
  });

  test('a site without a name or with an unknown field is 400 naming the field, and no site is made', async () => {
    const { admin } = await world();
    const before = (await admin.get('/api/v1/checkin-sites')).json.items.length;
    assertError(await admin.post('/api/v1/checkin-sites', { name_en: 'x', address: 'x' }), 400, 'missing_field', 'name');
    assertError(await admin.post('/api/v1/checkin-sites', { name: '', name_en: 'x', address: 'x' }), 400, 'missing_field', 'name');
    assertError(await admin.post('/api/v1/checkin-sites', { name: '打卡点', address: 'x', colour: 'red' }), 400, 'unknown_field', 'colour');
    assert.equal((await admin.get('/api/v1/checkin-sites')).json.items.length, before);
  });

  test('staff get today\'s code and the portal path it opens; other institutions and citizens do not', async () => {
    const { staff, admin, otherStaff, otherAdmin } = await world();
    const res = await staff.get(`/api/v1/checkin-sites/${site.id}/code`);
    assertStatus(res, 200);
    code = res.json.code;
    assert.match(code, /^[0-9A-Z]{8}$/);
    assert.equal(res.json.path, `/checkin?site=${site.id}&code=${code}`);
    assert.equal((await admin.get(`/api/v1/checkin-sites/${site.id}/code`)).json.code, code, 'one code a day');
    assertError(await otherStaff.get(`/api/v1/checkin-sites/${site.id}/code`), 404, 'not_found');
    assertError(await otherAdmin.get(`/api/v1/checkin-sites/${site.id}/code`), 404, 'not_found');
    const me = await registerCitizen();
    assertError(await me.client.get(`/api/v1/checkin-sites/${site.id}/code`), 403, 'forbidden');
    // A second site has a code of its own.
    const second = await admin.post('/api/v1/checkin-sites', { name: '第二打卡点', name_en: 'Second site', address: '徐汇区' });
    assertStatus(second, 201);
    assert.notEqual((await staff.get(`/api/v1/checkin-sites/${second.json.id}/code`)).json.code, code);
  });

  test('today\'s QR code is an SVG for staff of the site\'s institution only', async () => {
    const { staff, otherStaff } = await world();
    const headers = { cookie: `${SESSION_COOKIE}=${staff.cookie}` };
    const res = await fetch(`${BASE}/api/v1/checkin-sites/${site.id}/qr.svg`, { headers });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^image\/svg\+xml/);
    const svg = await res.text();
    assert.match(svg, /<svg[\s>]/);
    assert.match(svg, /<\/svg>\s*$/);
    assertError(await otherStaff.get(`/api/v1/checkin-sites/${site.id}/qr.svg`), 404, 'not_found');
  });

  test('a wrong code is 400 invalid_checkin_code on code and stores nothing; today\'s code checks in once', async () => {
    const { staff } = await world();
    code ??= (await staff.get(`/api/v1/checkin-sites/${site.id}/code`)).json.code;
    const me = await registerCitizen();
    const before = await checkinMonth(me.client);
    const wrong = code.slice(0, 7) + (code[7] === '0' ? '1' : '0');
    for (const bad of [wrong, code === 'ABCDEFGH' ? 'HGFEDCBA' : 'ABCDEFGH', code + '0', code.slice(0, 7)])
      assertError(await me.client.post('/api/v1/me/checkins', { site_id: site.id, code: bad }), 400, 'invalid_checkin_code', 'code');
    // A site without a code is no manual check-in either.
    const missing = await me.client.post('/api/v1/me/checkins', { site_id: site.id });
    assertStatus(missing, 400);
    assert.equal(missing.json.error.field, 'code');
    assert.deepEqual(await checkinMonth(me.client), before, 'a refused check-in stores nothing');

    const first = await me.client.post('/api/v1/me/checkins', { site_id: site.id, code });
    assertStatus(first, 201);
    assert.equal(first.json.source, 'site');
    assert.equal(first.json.is_new, true);
    assert.equal(first.json.date, beijingDate());
    assert.equal(first.json.site.id, site.id);
    assert.equal(first.json.site.name, site.name);
    const again = await me.client.post('/api/v1/me/checkins', { site_id: site.id, code });
    assertStatus(again, 200);
    assert.equal(again.json.is_new, false);
    // A manual check-in the same day is another source: new.
    const manual = await me.client.post('/api/v1/me/checkins', {});
    assertStatus(manual, 201);
    assert.equal(manual.json.is_new, true);
    const month = await checkinMonth(me.client);
    assert.equal(month.days.length, 1);
    assert.deepEqual([...month.days[0].sources].sort(), ['manual', 'site']);
    assert.equal(month.days[0].site.id, site.id);
    assert.equal(month.streak.total_days, 1);
  });

  test('an unknown or retired site is 400 unknown_site on site_id; only its own institution\'s admin retires it', async () => {
    const { admin, staff, otherAdmin } = await world();
    const made = await admin.post('/api/v1/checkin-sites', { name: '将撤销的打卡点', name_en: 'To retire', address: '徐汇区' });
    assertStatus(made, 201);
    const id = made.json.id;
    const todays = (await staff.get(`/api/v1/checkin-sites/${id}/code`)).json.code;
    const me = await registerCitizen();
    assertError(await me.client.post('/api/v1/me/checkins', { site_id: crypto.randomUUID(), code: todays }), 400, 'unknown_site', 'site_id');
    assertError(await staff.del(`/api/v1/checkin-sites/${id}`), 403, 'forbidden');
    assertError(await otherAdmin.del(`/api/v1/checkin-sites/${id}`), 404, 'not_found');
    const retired = await admin.del(`/api/v1/checkin-sites/${id}`);
    assert.ok(retired.status === 204 || retired.status === 200, `DELETE: ${retired.status} ${retired.text}`);
    const before = await checkinMonth(me.client);
    assertError(await me.client.post('/api/v1/me/checkins', { site_id: id, code: todays }), 400, 'unknown_site', 'site_id');
    assert.deepEqual(await checkinMonth(me.client), before);
    const listed = (await staff.get('/api/v1/checkin-sites')).json.items.find((s) => s.id === id);
    assert.equal(listed?.is_active, false, 'a retired site is listed as retired');
    assertError(await admin.del(`/api/v1/checkin-sites/${id}`), 404, 'not_found');
    // Its public face stays, for vouchers and history that name it.
    assertStatus(await me.client.get(`/api/v1/checkin-sites/${id}`), 200);
  });
});
