// Incentives (激励): the city's catalogue of what points buy, each provided by an institution and
// priced in points of one education type, with a stock and an optional expiry. A citizen redeems
// one for a voucher with a code, paying its cost; neither a balance nor a stock goes below zero
// however many redeem at once; a request_id makes a redemption idempotent; every refusal leaves
// balance, stock and vouchers as they were. The providing institution's staff find a voucher by
// its code and mark it used. docs/points.md is the specification.
//
// Points come from deposits: while this file runs, the only active earning rule gives one
// community point per whole hour of a community-education outcome (see ownPointsRules).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  CHANGNING, XUHUI, anon, assertError, assertStatus, createInstitution, createStaff, ownPointsRules, pointsBalances,
  pointsLines, registerCitizen, signInFixture, sleep, uniqueName, waitFor,
} from './lib.mjs';

const DAY_MS = 86400e3;
const future = (ms = 30 * DAY_MS) => new Date(Date.now() + ms).toISOString();

let w, rules;

before(async () => {
  const city = await signInFixture('fx-city-admin');
  const auditor = await signInFixture('fx-auditor');
  const provider = await createInstitution(city, XUHUI, 'community_school', 'Tianping Community School');
  const providerAdmin = await createStaff(city, 'institution_admin', provider.id);
  const providerStaff = await createStaff(providerAdmin, 'staff', provider.id);
  const other = await createInstitution(city, CHANGNING, 'community_school', 'Huayang Community School');
  const otherAdmin = await createStaff(city, 'institution_admin', other.id);
  const otherStaff = await createStaff(otherAdmin, 'staff', other.id);
  w = { city, auditor, provider, providerAdmin, providerStaff, other, otherAdmin, otherStaff };
  rules = await ownPointsRules(city);
  await rules.create({ event: 'outcome', name: uniqueName('激励测试：社区学时'), outcome_kind: 'community_education', edu_type: 'community', points: 0, points_per_hour: 1 });
});

after(async () => {
  if (rules) await rules.restore();
});

// Gives the citizen n community points (a deposit of n hours), and waits for them.
async function grant(citizen, n) {
  const start = (await pointsBalances(citizen.client)).community;
  for (let left = n; left > 0;) {
    const hours = Math.min(left, 500);
    const res = await w.providerStaff.post('/api/v1/ledger/outcomes', {
      account_no: citizen.account.account_no, kind: 'community_education', title: '社区学习', hours_milli: hours * 1000, awarded_on: '2024-05-15',
    });
    assertStatus(res, 201);
    left -= hours;
  }
  await waitFor(`${n} points for ${citizen.account.account_no}`, async () => (await pointsBalances(citizen.client)).community === start + n);
}

async function richCitizen(points) {
  const c = await registerCitizen();
  if (points) await grant(c, points);
  return c;
}

const incentiveBody = (over = {}) => ({
  kind: 'course_voucher', name: uniqueName('课程券'), name_en: 'Course voucher', description: '社区学校任一课程一次',
  institution_id: w.provider.id, edu_type: 'community', cost: 10, stock: 5, expires_at: future(), ...over,
});

async function createIncentive(over) {
  const res = await w.city.post('/api/v1/incentives', incentiveBody(over));
  assertStatus(res, 201);
  return res.json;
}

async function catalogue(client = w.city) {
  const res = await client.get('/api/v1/incentives');
  assertStatus(res, 200);
  return res.json.items;
}
const incentiveOf = async (id) => (await catalogue()).find((i) => i.id === id);
const stockOf = async (id) => (await incentiveOf(id)).stock;

async function vouchers(citizen) {
  const res = await citizen.client.get('/api/v1/me/redemptions');
  assertStatus(res, 200);
  return res.json.items;
}

const redeem = (citizen, incentiveId, requestId) =>
  citizen.client.post('/api/v1/me/redemptions', requestId ? { incentive_id: incentiveId, request_id: requestId } : { incentive_id: incentiveId });

// What a refused redemption must leave alone.
async function snapshot(citizen, incentiveId) {
  return { balances: await pointsBalances(citizen.client), stock: await stockOf(incentiveId), vouchers: await vouchers(citizen), lines: await pointsLines(citizen.client) };
}

// The balances a person is shown must be the sums of their statement's lines.
async function assertBalancesMatchLines(citizen) {
  const bal = await pointsBalances(citizen.client);
  const sum = { academic: 0, vocational: 0, community: 0, elder: 0 };
  for (const l of await pointsLines(citizen.client)) sum[l.edu_type] += l.points;
  assert.deepEqual(bal, { ...sum, total: sum.academic + sum.vocational + sum.community + sum.elder });
}

describe('the catalogue', () => {
  test('the city admin creates an incentive; it is in everyone\'s catalogue; the admin changes it', async () => {
    const body = incentiveBody({ kind: 'venue_visit', name: uniqueName('科技馆参观'), name_en: 'Science museum visit', cost: 30, stock: 12 });
    const res = await w.city.post('/api/v1/incentives', body);
    assertStatus(res, 201);
    const made = res.json;
    assert.ok(made.id);
    for (const k of ['kind', 'name', 'name_en', 'description', 'edu_type', 'cost', 'stock']) assert.equal(made[k], body[k], k);
    assert.equal(Date.parse(made.expires_at), Date.parse(body.expires_at));
    assert.equal(made.is_active, true);
    assert.equal(made.is_available, true);
    assert.equal(made.institution.id, w.provider.id);
    const me = await registerCitizen();
    for (const c of [w.city, w.auditor, w.providerStaff, w.otherStaff, me.client])
      assert.deepEqual((await catalogue(c)).find((i) => i.id === made.id), made);

    const changed = await w.city.put(`/api/v1/incentives/${made.id}`, { ...body, stock: undefined, name: '科技馆参观（周末）', cost: 25, description: '周末可用' });
    assertStatus(changed, 200);
    assert.deepEqual(changed.json, { ...made, name: '科技馆参观（周末）', cost: 25, description: '周末可用' });
    assert.deepEqual(await incentiveOf(made.id), changed.json);
    assertError(await w.city.put(`/api/v1/incentives/${crypto.randomUUID()}`, { ...body, stock: undefined }), 404, 'not_found');
  });

  // An institution's English name is optional (most have none): what it provides works all the same.
  test('an incentive of an institution without an English name is listed, redeemed and its voucher used', async () => {
    const plain = await createInstitution(w.city, XUHUI, 'community_school');
    const plainStaff = await createStaff(w.city, 'staff', plain.id);
    const made = await w.city.post('/api/v1/incentives', incentiveBody({ institution_id: plain.id, cost: 5 }));
    assertStatus(made, 201);
    assert.equal(made.json.institution.id, plain.id);
    const me = await richCitizen(5);
    assert.ok((await catalogue(me.client)).some((i) => i.id === made.json.id));
    const v = await redeem(me, made.json.id);
    assertStatus(v, 201);
    assert.equal((await vouchers(me)).length, 1);
    assertStatus(await plainStaff.get(`/api/v1/redemptions?code=${v.json.code}`), 200);
    assertStatus(await plainStaff.post('/api/v1/redemptions/use', { code: v.json.code }), 200);
  });

  const BAD = [
    ['an unknown kind', { kind: 'cash' }, 'invalid_value', 'kind'],
    ['no kind', { kind: undefined }, 'missing_field', 'kind'],
    ['no name', { name: undefined }, 'missing_field', 'name'],
    ['an empty name', { name: '' }, 'missing_field', 'name'],
    ['a cost of zero', { cost: 0 }, 'out_of_range', 'cost'],
    ['a negative cost', { cost: -5 }, 'out_of_range', 'cost'],
    ['a cost as a string', { cost: '10' }, 'wrong_type', 'cost'],
    ['a negative stock', { stock: -1 }, 'out_of_range', 'stock'],
    ['an unknown education type', { edu_type: 'military' }, 'invalid_value', 'edu_type'],
    ['no education type', { edu_type: undefined }, 'missing_field', 'edu_type'],
    ['an institution nobody has', { institution_id: crypto.randomUUID() }, 'unknown_institution', 'institution_id'],
    ['no institution', { institution_id: undefined }, 'missing_field', 'institution_id'],
    ['an expiry that is no time', { expires_at: 'next week' }, 'invalid_value', 'expires_at'],
    ['a field incentives do not have', { price: 3 }, 'unknown_field', 'price'],
  ];
  for (const [what, over, code, field] of BAD) {
    test(`${what}: 400 ${code} on ${field}, and nothing is stored`, async () => {
      const before = await catalogue();
      const body = incentiveBody(over);
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      assertError(await w.city.post('/api/v1/incentives', body), 400, code, field);
      assert.deepEqual(await catalogue(), before);
    });
  }

  test('a change is checked like a new one, and the stock changes only by restocking', async () => {
    const made = await createIncentive({ stock: 4 });
    const { id, stock, is_available, institution, ...rest } = made;
    const body = { ...rest, institution_id: institution.id };
    const before = await incentiveOf(id);
    assertError(await w.city.put(`/api/v1/incentives/${id}`, { ...body, stock: 100 }), 400, 'unknown_field', 'stock');
    assertError(await w.city.put(`/api/v1/incentives/${id}`, { ...body, cost: 0 }), 400, 'out_of_range', 'cost');
    assertError(await w.city.put(`/api/v1/incentives/${id}`, { ...body, institution_id: crypto.randomUUID() }), 400, 'unknown_institution', 'institution_id');
    assert.deepEqual(await incentiveOf(id), before);
  });

  test('only the city admin writes the catalogue', async () => {
    const made = await createIncentive();
    const me = await registerCitizen();
    const before = await catalogue();
    for (const c of [me.client, w.providerStaff, w.providerAdmin, w.auditor]) {
      assertError(await c.post('/api/v1/incentives', incentiveBody()), 403, 'forbidden');
      assertError(await c.put(`/api/v1/incentives/${made.id}`, { ...incentiveBody(), stock: undefined }), 403, 'forbidden');
      assertError(await c.post(`/api/v1/incentives/${made.id}/stock`, { add: 100 }), 403, 'forbidden');
    }
    assertError(await anon().get('/api/v1/incentives'), 401, 'unauthenticated');
    assert.deepEqual(await catalogue(), before);
  });

  test('restocking adds and takes away, never below zero', async () => {
    const made = await createIncentive({ stock: 2 });
    const up = await w.city.post(`/api/v1/incentives/${made.id}/stock`, { add: 3 });
    assertStatus(up, 200);
    assert.equal(up.json.stock, 5);
    assertError(await w.city.post(`/api/v1/incentives/${made.id}/stock`, { add: -6 }), 409, 'out_of_stock');
    assert.equal(await stockOf(made.id), 5);
    const down = await w.city.post(`/api/v1/incentives/${made.id}/stock`, { add: -5 });
    assertStatus(down, 200);
    assert.equal(down.json.stock, 0);
    assert.equal(down.json.is_available, false);
    assertError(await w.city.post(`/api/v1/incentives/${made.id}/stock`, { add: -1 }), 409, 'out_of_stock');
    assertError(await w.city.post(`/api/v1/incentives/${made.id}/stock`, { add: 'x' }), 400, 'wrong_type', 'add');
    assertError(await w.city.post(`/api/v1/incentives/${made.id}/stock`, {}), 400, 'missing_field', 'add');
    assertError(await w.city.post(`/api/v1/incentives/${crypto.randomUUID()}/stock`, { add: 1 }), 404, 'not_found');
    assert.equal(await stockOf(made.id), 0);
  });
});

describe('redeeming', () => {
  test('a redemption takes the cost and one item of stock and gives a voucher with a code', async () => {
    const me = await richCitizen(25);
    const inc = await createIncentive({ cost: 10, stock: 3 });
    const res = await redeem(me, inc.id);
    assertStatus(res, 201);
    const v = res.json;
    assert.match(v.code, /^[0-9A-Z]{8,}$/);
    assert.equal(v.cost, 10);
    assert.equal(v.status, 'unused');
    assert.equal(v.used_at, null);
    assert.equal(v.incentive.id, inc.id);
    assert.equal(v.incentive.institution.id, w.provider.id);
    assert.equal(Date.parse(v.expires_at), Date.parse(inc.expires_at), 'a voucher is valid while its incentive is');
    assert.deepEqual(await pointsBalances(me.client), { academic: 0, vocational: 0, community: 15, elder: 0, total: 15 });
    assert.equal(await stockOf(inc.id), 2);
    assert.deepEqual(await vouchers(me), [v]);
    const lines = await pointsLines(me.client);
    const line = lines.find((l) => l.event === 'redemption');
    assert.equal(line.kind, 'redeem');
    assert.equal(line.points, -10);
    assert.equal(line.edu_type, 'community');
    assert.equal(line.title, inc.name, 'the line names what was redeemed');
    assert.equal(line.title_en, inc.name_en || inc.name, 'in English too');
    assert.equal(lines.filter((l) => l.event === 'redemption').length, 1);
    await assertBalancesMatchLines(me);
  });

  test('too few points: 409 insufficient_points, and balance, stock and vouchers stay', async () => {
    const me = await richCitizen(15);
    const dear = await createIncentive({ cost: 16, stock: 3 });
    const before = await snapshot(me, dear.id);
    assertError(await redeem(me, dear.id), 409, 'insufficient_points');
    assert.deepEqual(await snapshot(me, dear.id), before);
    // Points of one type do not pay for an incentive priced in another.
    const elder = await createIncentive({ cost: 1, stock: 3, edu_type: 'elder' });
    const beforeElder = await snapshot(me, elder.id);
    assertError(await redeem(me, elder.id), 409, 'insufficient_points');
    assert.deepEqual(await snapshot(me, elder.id), beforeElder);
  });

  test('no stock: 409 out_of_stock, and the balance stays', async () => {
    const me = await richCitizen(50);
    const none = await createIncentive({ cost: 5, stock: 0 });
    assert.equal(none.is_available, false);
    const before = await snapshot(me, none.id);
    assertError(await redeem(me, none.id), 409, 'out_of_stock');
    assert.deepEqual(await snapshot(me, none.id), before);
    // The last one goes, then none.
    const one = await createIncentive({ cost: 5, stock: 1 });
    assertStatus(await redeem(me, one.id), 201);
    assertError(await redeem(me, one.id), 409, 'out_of_stock');
    assert.equal(await stockOf(one.id), 0);
    assert.equal((await pointsBalances(me.client)).community, 45);
  });

  test('expired or inactive: 409 incentive_unavailable, missing from citizens\' catalogue, and nothing changes', async () => {
    const me = await richCitizen(50);
    const expired = await createIncentive({ cost: 5, expires_at: new Date(Date.now() - DAY_MS).toISOString() });
    const inactive = await createIncentive({ cost: 5, is_active: false });
    const retired = await createIncentive({ cost: 5 });
    const { id, stock, is_available, institution, ...rest } = retired;
    assertStatus(await w.city.put(`/api/v1/incentives/${id}`, { ...rest, institution_id: institution.id, is_active: false }), 200);
    for (const inc of [expired, inactive, retired]) {
      const before = await snapshot(me, inc.id);
      assertError(await redeem(me, inc.id), 409, 'incentive_unavailable');
      assert.deepEqual(await snapshot(me, inc.id), before);
      assert.ok(!(await catalogue(me.client)).some((i) => i.id === inc.id), 'citizens see only what can be redeemed now');
      assert.equal((await incentiveOf(inc.id)).is_available, false);
    }
    const live = await createIncentive({ cost: 5 });
    assert.ok((await catalogue(me.client)).some((i) => i.id === live.id));
  });

  test('an unknown incentive is 400 unknown_incentive on incentive_id; a bad body names its field', async () => {
    const me = await richCitizen(10);
    assertError(await redeem(me, crypto.randomUUID()), 400, 'unknown_incentive', 'incentive_id');
    assertError(await redeem(me, 'not-an-id'), 400, 'unknown_incentive', 'incentive_id');
    assertError(await me.client.post('/api/v1/me/redemptions', {}), 400, 'missing_field', 'incentive_id');
    assertError(await me.client.post('/api/v1/me/redemptions', { incentive_id: crypto.randomUUID(), colour: 'red' }), 400, 'unknown_field', 'colour');
    const live = await createIncentive({ cost: 1 });
    assertError(await redeem(me, live.id, 'short'), 400, 'invalid_value', 'request_id');
    assert.equal(await stockOf(live.id), live.stock);
    assert.deepEqual(await vouchers(me), []);
    assert.equal((await pointsBalances(me.client)).total, 10);
  });

  test('the same request_id again gives the first voucher back and charges once, also when sent eight times at once', async () => {
    const me = await richCitizen(100);
    const inc = await createIncentive({ cost: 10, stock: 10 });
    const rid = crypto.randomUUID();
    const first = await redeem(me, inc.id, rid);
    assertStatus(first, 201);
    const again = await redeem(me, inc.id, rid);
    assert.ok(again.status === 200 || again.status === 201, `${again.status} ${again.text}`);
    assert.deepEqual(again.json, first.json);
    assert.equal((await pointsBalances(me.client)).community, 90);
    assert.equal(await stockOf(inc.id), 9);

    const rid2 = crypto.randomUUID();
    const replies = await Promise.all(Array.from({ length: 8 }, () => redeem(me, inc.id, rid2)));
    assert.deepEqual(replies.filter((r) => r.status >= 300).map((r) => `${r.status} ${r.text}`), []);
    assert.equal(replies.filter((r) => r.status === 201).length, 1, replies.map((r) => r.status).join(' '));
    assert.equal(new Set(replies.map((r) => r.json.id)).size, 1);
    assert.equal((await pointsBalances(me.client)).community, 80);
    assert.equal(await stockOf(inc.id), 8);
    assert.equal((await vouchers(me)).length, 2);
    // Another person's request id is theirs alone.
    const other = await richCitizen(10);
    const theirs = await redeem(other, inc.id, rid);
    assertStatus(theirs, 201);
    assert.notEqual(theirs.json.id, first.json.id);
    await assertBalancesMatchLines(me);
  });

  // Forty redemptions at once against a balance for N and a stock of M: min(N, M) succeed, every
  // other one is a 409, and neither the balance nor the stock goes below zero.
  for (const [what, n, m, refusal] of [['the balance runs out first', 5, 20, 'insufficient_points'], ['the stock runs out first', 20, 7, 'out_of_stock']]) {
    test(`forty at once when ${what} (points for ${n}, stock ${m}): ${Math.min(n, m)} vouchers, the rest 409 ${refusal}`, async () => {
      const cost = 7;
      const me = await richCitizen(n * cost);
      const inc = await createIncentive({ cost, stock: m });
      const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => redeem(me, inc.id, i % 2 ? crypto.randomUUID() : undefined)));
      const statuses = replies.map((r) => r.status);
      const ok = replies.filter((r) => r.status === 201);
      assert.equal(ok.length, Math.min(n, m), statuses.join(' '));
      for (const r of replies.filter((x) => x.status !== 201)) assertError(r, 409, refusal);
      assert.equal(new Set(ok.map((r) => r.json.code)).size, ok.length, 'every voucher has a code of its own');
      const bal = await pointsBalances(me.client);
      assert.equal(bal.community, (n - ok.length) * cost);
      assert.ok(bal.community >= 0);
      const stock = await stockOf(inc.id);
      assert.equal(stock, m - ok.length);
      assert.ok(stock >= 0);
      assert.equal((await vouchers(me)).length, ok.length);
      assert.equal((await pointsLines(me.client)).filter((l) => l.event === 'redemption').length, ok.length);
      await assertBalancesMatchLines(me);
    });
  }

  test('several people redeeming the last items at once never take the stock below zero', async () => {
    const people = [];
    for (let i = 0; i < 6; i++) people.push(await richCitizen(30));
    const inc = await createIncentive({ cost: 10, stock: 8 });
    const replies = await Promise.all(people.flatMap((p) => [0, 1, 2].map(() => redeem(p, inc.id))));
    assert.equal(replies.filter((r) => r.status === 201).length, 8, replies.map((r) => r.status).join(' '));
    for (const r of replies.filter((x) => x.status !== 201)) assertError(r, 409, 'out_of_stock');
    assert.equal(await stockOf(inc.id), 0);
    let spent = 0;
    for (const p of people) spent += 30 - (await pointsBalances(p.client)).community;
    assert.equal(spent, 80);
  });

  test('only citizens redeem and list their vouchers', async () => {
    const inc = await createIncentive();
    for (const c of [w.providerStaff, w.providerAdmin, w.city, w.auditor]) {
      assertError(await c.post('/api/v1/me/redemptions', { incentive_id: inc.id }), 403, 'forbidden');
      assertError(await c.get('/api/v1/me/redemptions'), 403, 'forbidden');
    }
    assertError(await anon().post('/api/v1/me/redemptions', { incentive_id: inc.id }), 401, 'unauthenticated');
  });
});

describe('vouchers', () => {
  test('the providing institution\'s staff find a voucher by its code and mark it used, once; other institutions cannot', async () => {
    const me = await richCitizen(20);
    const inc = await createIncentive({ cost: 10 });
    const v = (await redeem(me, inc.id)).json;
    for (const c of [w.providerStaff, w.providerAdmin]) {
      const found = await c.get(`/api/v1/redemptions?code=${v.code}`);
      assertStatus(found, 200);
      assert.equal(found.json.id, v.id);
      assert.equal(found.json.status, 'unused');
    }
    for (const c of [w.otherStaff, w.otherAdmin]) {
      assertError(await c.get(`/api/v1/redemptions?code=${v.code}`), 404, 'not_found');
      assertError(await c.post('/api/v1/redemptions/use', { code: v.code }), 404, 'not_found');
    }
    assert.equal((await vouchers(me))[0].status, 'unused', 'a refused use changes nothing');
    assertError(await w.providerStaff.get('/api/v1/redemptions?code=NOSUCHCODE'), 404, 'not_found');
    assertError(await w.providerStaff.get('/api/v1/redemptions'), 400, 'bad_query', 'code');

    const used = await w.providerStaff.post('/api/v1/redemptions/use', { code: v.code });
    assertStatus(used, 200);
    assert.equal(used.json.id, v.id);
    assert.equal(used.json.status, 'used');
    assert.ok(used.json.used_at);
    assertError(await w.providerAdmin.post('/api/v1/redemptions/use', { code: v.code }), 409, 'voucher_used', 'code');
    const mine = (await vouchers(me)).find((x) => x.id === v.id);
    assert.equal(mine.status, 'used');
    assert.equal(mine.used_at, used.json.used_at);
    // Using a voucher moves no points.
    assert.equal((await pointsBalances(me.client)).community, 10);
  });

  test('a voucher whose incentive has expired is 409 voucher_expired', async () => {
    const me = await richCitizen(20);
    const inc = await createIncentive({ cost: 10, expires_at: new Date(Date.now() + 2500).toISOString() });
    const v = await redeem(me, inc.id);
    assertStatus(v, 201);
    await sleep(Math.max(0, Date.parse(inc.expires_at) - Date.now()) + 300);
    assertError(await w.providerStaff.post('/api/v1/redemptions/use', { code: v.json.code }), 409, 'voucher_expired', 'code');
    assert.equal((await vouchers(me))[0].status, 'expired');
    assertError(await redeem(me, inc.id), 409, 'incentive_unavailable');
  });

  test('only institution staff look vouchers up and use them', async () => {
    const me = await richCitizen(10);
    const inc = await createIncentive({ cost: 10 });
    const v = (await redeem(me, inc.id)).json;
    for (const c of [me.client, w.city, w.auditor]) {
      assertError(await c.get(`/api/v1/redemptions?code=${v.code}`), 403, 'forbidden');
      assertError(await c.post('/api/v1/redemptions/use', { code: v.code }), 403, 'forbidden');
    }
    assert.equal((await vouchers(me))[0].status, 'unused');
  });
});

describe('the points ledger as a whole', () => {
  // After every redemption, refusal and race above: lifelong points verify (run on the suite's
  // database) finds every transaction's postings summing to zero and every balance equal to the
  // sum of its postings.
  test('lifelong points verify finds every transaction balanced and every balance the sum of its postings', () => {
    const out = execFileSync(process.env.LIFELONG_BIN, ['points', 'verify'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const m = out.match(/points verified: (\d+) transactions, (\d+) postings/);
    assert.ok(m, out);
    assert.ok(Number(m[1]) > 0);
    assert.equal(Number(m[2]), 2 * Number(m[1]), 'two postings a transaction');
  });
});
