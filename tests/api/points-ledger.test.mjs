// Points (积分): the earning rules the city edits, and the awards they make for check-ins,
// completed learning (xAPI statements, per whole hour of result.duration, within a daily cap) and
// outcomes deposited in the credit bank (by kind and level), each once per rule and event, to the
// education type the rule or the source names; a person's balance of each type is the sum of the
// lines of their statement. The file's own rules replace every active one while it runs (see
// ownPointsRules), so that the expected points follow from the rules made here alone.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  ADL, CHANGNING, XUHUI, accountActor, anon, assertError, assertStatus, beijingDate, beijingTime, createInstitution,
  createStaff, ownPointsRules, pointsBalances, pointsLines, pointsRules, registerCitizen, ruleBody, signInFixture,
  uniqueName, waitFor,
} from './lib.mjs';
import { Xapi } from './xapi-lib.mjs';

const TYPES = ['academic', 'vocational', 'community', 'elder'];
const LINE_KEYS = ['at', 'description', 'description_en', 'edu_type', 'event', 'id', 'kind', 'points', 'ref', 'title', 'title_en'];

let w, rules;
const R = {};

before(async () => {
  const city = await signInFixture('fx-city-admin');
  const auditor = await signInFixture('fx-auditor');
  const platform = async (type) => {
    const inst = await createInstitution(city, XUHUI, type, `A ${type.replace('_', ' ')}`);
    const admin = await createStaff(city, 'institution_admin', inst.id);
    const staff = await createStaff(admin, 'staff', inst.id);
    const issued = await admin.post('/api/v1/lrs/clients', { name: `${type} 学习平台` });
    assertStatus(issued, 201);
    return { inst, admin, staff, xapi: new Xapi(issued.json.key, issued.json.secret) };
  };
  w = {
    city, auditor,
    university: await platform('university'),
    training: await platform('training_institution'),
    elder: await platform('elder_university'),
    community: await platform('community_school'),
    reviewer: await createStaff(city, 'reviewer'),
    xuhui: await signInFixture('fx-xuhui-admin'),
  };
  rules = await ownPointsRules(city);
  const tag = uniqueName('测试');
  R.checkin = await rules.create({ event: 'checkin', name: `${tag} 每日打卡`, points: 3 });
  R.site = await rules.create({ event: 'checkin', name: `${tag} 打卡点打卡`, checkin_source: 'site', edu_type: 'elder', points: 4 });
  R.completion = await rules.create({ event: 'completion', name: `${tag} 完成课程`, points: 2, points_per_hour: 5, daily_cap: 30 });
  R.vocational = await rules.create({ event: 'outcome', name: `${tag} 中级技能证书`, outcome_kind: 'vocational_certificate', level_min: 3, level_max: 5, points: 20 });
  R.community = await rules.create({ event: 'outcome', name: `${tag} 社区教育学时`, outcome_kind: 'community_education', points: 1, points_per_hour: 2 });
});

after(async () => {
  if (rules) await rules.restore();
});

// --- helpers ---------------------------------------------------------------------------------

async function send(xapi, body) {
  const res = await xapi.post('/xapi/statements', body);
  assert.equal(res.status, 200, res.text);
  return res.json[0];
}

const completion = (accountNo, over = {}) => ({
  id: crypto.randomUUID(),
  actor: accountActor(accountNo),
  verb: { id: `${ADL}completed`, display: { 'zh-CN': '完成' } },
  object: { objectType: 'Activity', id: `https://learn.shlll.cn/courses/${crypto.randomUUID()}`, definition: { name: { 'zh-CN': '人工智能通识' } } },
  ...over,
});
const withDuration = (duration) => ({ result: { completion: true, duration } });

// Waits until the person has a line for which match(line) holds, and gives every line.
async function linesOnce(citizen, what, match) {
  let lines;
  await waitFor(what, async () => (lines = await pointsLines(citizen)).some(match));
  return lines;
}

// The sum of the lines per type and in total must be the balances the person is shown.
async function assertBalancesMatchLines(citizen) {
  const lines = await pointsLines(citizen);
  const bal = await pointsBalances(citizen);
  const sum = Object.fromEntries(TYPES.map((t) => [t, 0]));
  for (const l of lines) sum[l.edu_type] += l.points;
  for (const t of TYPES) assert.equal(bal[t], sum[t], `balance of ${t} vs the statement`);
  assert.equal(bal.total, TYPES.reduce((a, t) => a + sum[t], 0));
  return { lines, bal };
}

const depositBody = {
  vocational: (acct, level) => ({
    account_no: acct, kind: 'vocational_certificate', title: '电工', code: '6-31-01-03', level,
    certificate_no: 'S' + crypto.randomInt(1e9), awarded_on: '2024-06-30',
  }),
  community: (acct, hoursMilli) => ({ account_no: acct, kind: 'community_education', title: '社区书法班', hours_milli: hoursMilli, awarded_on: '2024-05-15' }),
};
async function deposit(staff, body) {
  const res = await staff.post('/api/v1/ledger/outcomes', body);
  assertStatus(res, 201);
  assert.equal(res.json.status, 'stored');
  return res.json.outcome_id;
}

// --- the rules -------------------------------------------------------------------------------

describe('earning rules', () => {
  test('the city admin creates, lists and changes rules; the auditor reads them', async () => {
    const made = await w.city.post('/api/v1/points/rules', { event: 'outcome', name: uniqueName('规则'), name_en: 'A rule', outcome_kind: 'elder_education', points: 0, points_per_hour: 3, is_active: false });
    assertStatus(made, 201);
    const rule = made.json;
    assert.ok(rule.id);
    assert.deepEqual(ruleBody(rule), {
      event: 'outcome', name: rule.name, name_en: 'A rule', edu_type: null, checkin_source: null, outcome_kind: 'elder_education',
      level_min: null, level_max: null, points: 0, points_per_hour: 3, daily_cap: null, is_active: false,
    });
    for (const c of [w.city, w.auditor]) assert.deepEqual((await pointsRules(c)).find((r) => r.id === rule.id), rule);
    const changed = await w.city.put(`/api/v1/points/rules/${rule.id}`, ruleBody(rule, { points: 5, daily_cap: 40, edu_type: 'community', name_en: 'Changed' }));
    assertStatus(changed, 200);
    assert.deepEqual(changed.json, { ...rule, points: 5, daily_cap: 40, edu_type: 'community', name_en: 'Changed' });
    assert.deepEqual((await pointsRules(w.auditor)).find((r) => r.id === rule.id), changed.json);
    // The rules this file made are listed as made, and the defaults it set aside are inactive.
    const listed = await pointsRules(w.city);
    for (const r of Object.values(R)) assert.deepEqual(listed.find((x) => x.id === r.id), r);
    assert.deepEqual(listed.filter((r) => r.is_active).map((r) => r.id).sort(), Object.values(R).map((r) => r.id).sort());
    assertError(await w.city.put(`/api/v1/points/rules/${crypto.randomUUID()}`, ruleBody(rule)), 404, 'not_found');
  });

  test('a new city has default rules for each event', async () => {
    const events = new Set((await pointsRules(w.city)).filter((r) => !Object.values(R).some((x) => x.id === r.id)).map((r) => r.event));
    assert.deepEqual([...events].sort(), ['checkin', 'completion', 'outcome']);
  });

  const base = { event: 'completion', name: '坏规则', name_en: 'Bad rule', points: 2 };
  const BAD = [
    ['negative points', { points: -1 }, 'out_of_range', 'points'],
    ['points above the maximum', { points: 100001 }, 'out_of_range', 'points'],
    ['points as a string', { points: '5' }, 'wrong_type', 'points'],
    ['negative points per hour', { points_per_hour: -5 }, 'out_of_range', 'points_per_hour'],
    ['no points at all', { points: 0, points_per_hour: 0 }, 'invalid_value', 'points'],
    ['a daily cap of zero', { daily_cap: 0 }, 'out_of_range', 'daily_cap'],
    ['an unknown event', { event: 'visit' }, 'invalid_value', 'event'],
    ['no event', { event: undefined }, 'missing_field', 'event'],
    ['no name', { name: undefined }, 'missing_field', 'name'],
    ['an empty name', { name: '' }, 'missing_field', 'name'],
    ['an unknown education type', { edu_type: 'military' }, 'invalid_value', 'edu_type'],
    ['an unknown check-in source', { event: 'checkin', checkin_source: 'phone' }, 'invalid_value', 'checkin_source'],
    ['a check-in source on a completion rule', { checkin_source: 'site' }, 'invalid_value', 'checkin_source'],
    ['an unknown outcome kind', { event: 'outcome', outcome_kind: 'casino' }, 'invalid_value', 'outcome_kind'],
    ['an outcome kind on a completion rule', { outcome_kind: 'academic_credit' }, 'invalid_value', 'outcome_kind'],
    ['level_min above level_max', { event: 'outcome', level_min: 6, level_max: 3 }, 'invalid_value', 'level_max'],
    ['level 0', { event: 'outcome', level_min: 0 }, 'out_of_range', 'level_min'],
    ['level 11', { event: 'outcome', level_max: 11 }, 'out_of_range', 'level_max'],
    ['levels on a check-in rule', { event: 'checkin', level_min: 2 }, 'invalid_value', 'level_min'],
    ['is_active as a string', { is_active: 'yes' }, 'wrong_type', 'is_active'],
    ['a field rules do not have', { colour: 'red' }, 'unknown_field', 'colour'],
    ['an id in the body', { id: 'mine' }, 'unknown_field', 'id'],
  ];
  for (const [what, over, code, field] of BAD) {
    test(`${what}: 400 ${code} on ${field}, on create and on change, and nothing is stored`, async () => {
      const before = await pointsRules(w.city);
      const body = { ...base, ...over };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      assertError(await w.city.post('/api/v1/points/rules', body), 400, code, field);
      assertError(await w.city.put(`/api/v1/points/rules/${R.completion.id}`, body), 400, code, field);
      assert.deepEqual(await pointsRules(w.city), before);
    });
  }

  test('nobody but the city admin writes rules, and only it and the auditor read them', async () => {
    const me = await registerCitizen();
    const body = { event: 'checkin', name: '越权规则', points: 100 };
    const before = await pointsRules(w.city);
    for (const c of [me.client, w.university.staff, w.university.admin, w.reviewer, w.xuhui]) {
      assertError(await c.get('/api/v1/points/rules'), 403, 'forbidden');
      assertError(await c.post('/api/v1/points/rules', body), 403, 'forbidden');
      assertError(await c.put(`/api/v1/points/rules/${R.checkin.id}`, ruleBody(R.checkin, { points: 100 })), 403, 'forbidden');
    }
    assertError(await w.auditor.post('/api/v1/points/rules', body), 403, 'forbidden');
    assertError(await w.auditor.put(`/api/v1/points/rules/${R.checkin.id}`, ruleBody(R.checkin, { points: 100 })), 403, 'forbidden');
    assertError(await anon().get('/api/v1/points/rules'), 401, 'unauthenticated');
    assert.deepEqual(await pointsRules(w.city), before);
  });
});

// --- awards ----------------------------------------------------------------------------------

describe('awards for check-ins', () => {
  test('a day\'s first check-in awards the check-in rule once; another source that day does not again, a rule of that source does', async () => {
    const me = await registerCitizen();
    const today = beijingDate();
    assertStatus(await me.client.post('/api/v1/me/checkins', {}), 201);
    let lines = await linesOnce(me.client, 'the check-in award', (l) => l.event === 'checkin');
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.deepEqual(Object.keys(line).sort(), LINE_KEYS);
    assert.equal(line.kind, 'award');
    assert.equal(line.points, 3);
    assert.equal(line.edu_type, 'community', 'check-ins are community education');
    assert.ok(line.description.includes(R.checkin.name) || line.description.length > 0);

    // The site rule (source site, elder type) awards at a site; the daily rule does not again.
    const admin = w.community.admin;
    const site = await admin.post('/api/v1/checkin-sites', { name: uniqueName('打卡点'), name_en: 'Site', address: '徐汇区' });
    assertStatus(site, 201);
    const shown = await w.community.staff.get(`/api/v1/checkin-sites/${site.json.id}/code`);
    assertStatus(shown, 200);
    const { code } = shown.json;
    assertStatus(await me.client.post('/api/v1/me/checkins', { site_id: site.json.id, code }), 201);
    lines = await linesOnce(me.client, 'the site award', (l) => l.event === 'checkin' && l.edu_type === 'elder');
    assert.deepEqual(lines.filter((l) => l.event === 'checkin').map((l) => [l.edu_type, l.points]).sort(), [['community', 3], ['elder', 4]]);

    // A statement that day checks in from a third source: still nothing more. A statement on
    // yesterday is a new day (and, followed after the first, shows the first was looked at).
    await send(w.community.xapi, completion(me.account.account_no, { verb: { id: `${ADL}attended` } }));
    await send(w.community.xapi, completion(me.account.account_no, { verb: { id: `${ADL}attended` }, timestamp: beijingTime(beijingDate(-1)) }));
    lines = await linesOnce(me.client, 'yesterday\'s check-in award', (l) => l.event === 'checkin' && l.points === 3 && l.id !== line.id);
    await waitFor('the statement check-in of today', async () => {
      const m = await me.client.get('/api/v1/me/checkins');
      return m.json.days.find((d) => d.date === today)?.sources.includes('statement');
    });
    lines = await pointsLines(me.client);
    assert.deepEqual(lines.filter((l) => l.event === 'checkin').map((l) => l.points).sort(), [3, 3, 4]);
    const { bal } = await assertBalancesMatchLines(me.client);
    assert.deepEqual(bal, { academic: 0, vocational: 0, community: 6, elder: 4, total: 10 });
  });

  test('the same check-in again awards nothing, also when sent eight times at once', async () => {
    const me = await registerCitizen();
    const replies = await Promise.all(Array.from({ length: 8 }, () => me.client.post('/api/v1/me/checkins', {})));
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 201]);
    await linesOnce(me.client, 'the check-in award', (l) => l.event === 'checkin');
    assertStatus(await me.client.post('/api/v1/me/checkins', { note: '再来一次' }), 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await pointsLines(me.client)).length, 1);
    assert.equal((await pointsBalances(me.client)).total, 3);
  });
});

describe('awards for completed learning', () => {
  test('a completion awards points plus points_per_hour per whole hour of result.duration, within the daily cap across statements', async () => {
    const me = await registerCitizen();
    const acct = me.account.account_no;
    const day = beijingDate(-3);
    const at = (time) => beijingTime(day, time);
    // 2 + 5×3 = 17; 2 + 5×2 = 12 (29); 2 + 5×1 = 7 capped to 1 (30); then nothing that day.
    const ids = [];
    for (const [i, duration] of ['PT3H', 'PT2H30M', 'PT1H', 'PT4H'].entries())
      ids.push(await send(w.university.xapi, completion(acct, { ...withDuration(duration), timestamp: at(`0${i + 1}:00:00`) })));
    // Another day has a cap of its own: 2 + 5×1 (1 h 59 min is one whole hour), a passed one.
    const next = await send(w.university.xapi, completion(acct, { verb: { id: `${ADL}passed` }, ...withDuration('PT1H59M'), timestamp: beijingTime(beijingDate(-2)) }));
    const lines = await linesOnce(me.client, 'the award of the next day', (l) => l.event === 'completion' && l.ref.includes(next));
    const completions = lines.filter((l) => l.event === 'completion');
    const of = (sid) => completions.filter((l) => l.ref.includes(sid)).map((l) => l.points);
    assert.deepEqual(of(ids[0]), [17]);
    assert.deepEqual(of(ids[1]), [12]);
    assert.deepEqual(of(ids[2]), [1]);
    assert.deepEqual(of(ids[3]), [], 'nothing past the cap, not even a line of 0');
    assert.deepEqual(of(next), [7]);
    assert.equal(completions.length, 4);
    for (const l of completions) {
      assert.equal(l.kind, 'award');
      assert.equal(l.edu_type, 'academic', 'learning on a university\'s platform is academic');
    }
    // Each statement also checked the person in, once a day.
    assert.deepEqual(lines.filter((l) => l.event === 'checkin').map((l) => l.points), [3, 3]);
    const { bal } = await assertBalancesMatchLines(me.client);
    assert.deepEqual(bal, { academic: 37, vocational: 0, community: 6, elder: 0, total: 43 });
  });

  test('the same statement sent again awards nothing more; a completion without a duration gives the points alone', async () => {
    const me = await registerCitizen();
    const acct = me.account.account_no;
    const body = completion(acct, { ...withDuration('PT2H'), timestamp: beijingTime(beijingDate(-1)) });
    const sid = await send(w.community.xapi, body);
    await linesOnce(me.client, 'the first award', (l) => l.event === 'completion' && l.ref.includes(sid));
    // The same again, by POST and by PUT: stored once, nothing new.
    const again = await w.community.xapi.post('/xapi/statements', body);
    assert.equal(again.status, 204, again.text);
    const { id, ...rest } = body;
    assert.equal((await w.community.xapi.put(`/xapi/statements?statementId=${id}`, rest)).status, 204);
    const later = await send(w.community.xapi, completion(acct, { timestamp: beijingTime(beijingDate(-4)) }));
    const lines = await linesOnce(me.client, 'the later award', (l) => l.event === 'completion' && l.ref.includes(later));
    const completions = lines.filter((l) => l.event === 'completion');
    assert.deepEqual(completions.filter((l) => l.ref.includes(sid)).map((l) => l.points), [12]);
    assert.deepEqual(completions.filter((l) => l.ref.includes(later)).map((l) => l.points), [2]);
    assert.equal(completions.length, 2);
    assert.ok(completions.every((l) => l.edu_type === 'community'), 'a community school\'s platform is community education');
    await assertBalancesMatchLines(me.client);
  });

  test('the education type follows the platform\'s institution; verbs other than completed and passed award no completion', async () => {
    const me = await registerCitizen();
    const acct = me.account.account_no;
    const day = beijingTime(beijingDate(-6));
    const byType = {};
    for (const [key, type] of [['university', 'academic'], ['training', 'vocational'], ['elder', 'elder'], ['community', 'community']])
      byType[await send(w[key].xapi, completion(acct, { ...withDuration('PT1H'), timestamp: day }))] = type;
    // Learning that completes nothing: a check-in, no completion award.
    const quiet = [];
    for (const verb of ['attended', 'failed', 'experienced', 'progressed'])
      quiet.push(await send(w.university.xapi, completion(acct, { verb: { id: `${ADL}${verb}` }, ...withDuration('PT3H'), timestamp: day })));
    // Not about this person: nobody's.
    await send(w.university.xapi, completion(acct, { actor: accountActor(acct, 'https://other.example.cn'), ...withDuration('PT3H'), timestamp: day }));
    const last = await send(w.university.xapi, completion(acct, { ...withDuration('PT1H'), timestamp: beijingTime(beijingDate(-7)) }));
    const lines = await linesOnce(me.client, 'the last award', (l) => l.event === 'completion' && l.ref.includes(last));
    const completions = lines.filter((l) => l.event === 'completion');
    for (const [sid, type] of Object.entries(byType)) {
      const mine = completions.filter((l) => l.ref.includes(sid));
      assert.deepEqual(mine.map((l) => [l.edu_type, l.points]), [[type, 7]], `statement of a ${type} platform`);
    }
    for (const sid of quiet) assert.ok(!lines.some((l) => l.ref.includes(sid)), 'a verb that completes nothing');
    assert.equal(completions.length, 5);
    await assertBalancesMatchLines(me.client);
  });
});

describe('awards for deposited outcomes', () => {
  test('an outcome rule awards by kind and level, to the type of the outcome\'s kind or the rule\'s own', async () => {
    const me = await registerCitizen();
    const acct = me.account.account_no;
    const at = {};
    for (const level of [2, 3, 4, 5, 6]) at[level] = await deposit(w.training.staff, depositBody.vocational(acct, level));
    // 12.5 hours: 1 + 2×12 = 25.
    const comm = await deposit(w.community.staff, depositBody.community(acct, 12500));
    const lines = await linesOnce(me.client, 'the community outcome\'s award', (l) => l.event === 'outcome' && l.ref.includes(comm));
    const outcomes = lines.filter((l) => l.event === 'outcome');
    const of = (id) => outcomes.filter((l) => l.ref.includes(id)).map((l) => [l.edu_type, l.points]);
    assert.deepEqual(of(at[2]), [], 'below level_min');
    assert.deepEqual(of(at[3]), [['vocational', 20]]);
    assert.deepEqual(of(at[4]), [['vocational', 20]]);
    assert.deepEqual(of(at[5]), [['vocational', 20]]);
    assert.deepEqual(of(at[6]), [], 'above level_max');
    assert.deepEqual(of(comm), [['community', 25]]);
    assert.equal(outcomes.length, 4);
    for (const l of outcomes) assert.equal(l.kind, 'award');
    const { bal } = await assertBalancesMatchLines(me.client);
    assert.deepEqual(bal, { academic: 0, vocational: 60, community: 25, elder: 0, total: 85 });
  });

  test('a rule naming a type awards to it; a changed rule awards anew while past awards stay; an inactive rule awards nothing', async () => {
    const me = await registerCitizen();
    const acct = me.account.account_no;
    const elderRule = await rules.create({ event: 'outcome', name: uniqueName('社区学时记老年'), outcome_kind: 'community_education', edu_type: 'elder', points: 10 });
    const first = await deposit(w.community.staff, depositBody.community(acct, 2000));
    let lines = await linesOnce(me.client, 'the first awards', (l) => l.ref.includes(first) && l.edu_type === 'elder');
    assert.deepEqual(lines.filter((l) => l.ref.includes(first)).map((l) => [l.edu_type, l.points]).sort(), [['community', 5], ['elder', 10]]);

    const changed = await w.city.put(`/api/v1/points/rules/${elderRule.id}`, ruleBody(elderRule, { points: 15 }));
    assertStatus(changed, 200);
    const second = await deposit(w.community.staff, depositBody.community(acct, 2000));
    lines = await linesOnce(me.client, 'the second awards', (l) => l.ref.includes(second) && l.edu_type === 'elder');
    assert.deepEqual(lines.filter((l) => l.ref.includes(second) && l.edu_type === 'elder').map((l) => l.points), [15]);
    assert.deepEqual(lines.filter((l) => l.ref.includes(first) && l.edu_type === 'elder').map((l) => l.points), [10], 'past awards stay');

    assertStatus(await w.city.put(`/api/v1/points/rules/${elderRule.id}`, ruleBody(elderRule, { is_active: false })), 200);
    const third = await deposit(w.community.staff, depositBody.community(acct, 2000));
    lines = await linesOnce(me.client, 'the third award', (l) => l.ref.includes(third));
    // The community rule is a match made in the same pass as the inactive one would have been.
    assert.deepEqual(lines.filter((l) => l.ref.includes(third)).map((l) => [l.edu_type, l.points]), [['community', 5]]);
    const { bal } = await assertBalancesMatchLines(me.client);
    assert.deepEqual(bal, { academic: 0, vocational: 0, community: 15, elder: 25, total: 40 });
  });

  test('an outcome waiting for review awards nothing until it is stored', async () => {
    const me = await registerCitizen();
    const acct = me.account.account_no;
    const anyKind = await rules.create({ event: 'outcome', name: uniqueName('任何成果'), outcome_kind: 'other_learning', points: 9 });
    const up = await w.community.staff.request('POST', '/api/v1/ledger/evidence', {
      body: Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(64), Buffer.from('\n%%EOF\n')]), contentType: 'application/pdf',
    });
    assertStatus(up, 201);
    const pending = await w.community.staff.post('/api/v1/ledger/outcomes', {
      account_no: acct, kind: 'other_learning', title: '社区志愿服务', hours_milli: 8000, evidence_id: up.json.id, awarded_on: '2024-05-01',
    });
    assertStatus(pending, 201);
    assert.equal(pending.json.status, 'pending');
    const marker = await deposit(w.community.staff, depositBody.community(acct, 1000));
    let lines = await linesOnce(me.client, 'the marker award', (l) => l.ref.includes(marker));
    assert.ok(!lines.some((l) => l.points === 9), 'a pending outcome is no outcome yet');
    assertStatus(await w.reviewer.post(`/api/v1/ledger/submissions/${pending.json.submission_id}/decision`, { decision: 'approve' }), 200);
    lines = await linesOnce(me.client, 'the award once stored', (l) => l.event === 'outcome' && l.points === 9);
    assert.equal(lines.filter((l) => l.points === 9).length, 1);
    assert.equal(lines.find((l) => l.points === 9).edu_type, 'community', 'other learning is community education');
    assertStatus(await w.city.put(`/api/v1/points/rules/${anyKind.id}`, ruleBody(anyKind, { is_active: false })), 200);
    await assertBalancesMatchLines(me.client);
  });
});

describe('balances and the statement', () => {
  test('the statement is newest first, in pages that join up; balances are the sums of its lines', async () => {
    const me = await registerCitizen();
    const acct = me.account.account_no;
    const refs = [];
    for (let i = 0; i < 5; i++) {
      refs.push(await deposit(w.community.staff, depositBody.community(acct, 1000 + i * 1000)));
      await linesOnce(me.client, `award ${i}`, (l) => l.ref.includes(refs[i]));
    }
    const all = await pointsLines(me.client);
    assert.equal(all.length, 5);
    assert.deepEqual(all.map((l) => l.points), [11, 9, 7, 5, 3], 'newest first');
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].at >= all[i].at);
    const paged = [];
    let after = '';
    for (let i = 0; i < 5; i++) {
      const res = await me.client.get(`/api/v1/me/points/statement?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      assertStatus(res, 200);
      assert.ok(res.json.items.length <= 2);
      paged.push(...res.json.items);
      if (!res.json.next) break;
      after = res.json.next;
    }
    assert.deepEqual(paged, all);
    assertError(await me.client.get('/api/v1/me/points/statement?limit=0'), 400, 'bad_query', 'limit');
    assertError(await me.client.get('/api/v1/me/points/statement?after=x'), 400, 'bad_query', 'after');
    const { bal } = await assertBalancesMatchLines(me.client);
    assert.deepEqual(bal, { academic: 0, vocational: 0, community: 35, elder: 0, total: 35 });
    // Somebody else sees nothing of it.
    const other = await registerCitizen();
    assert.deepEqual(await pointsLines(other.client), []);
    assert.deepEqual(await pointsBalances(other.client), { academic: 0, vocational: 0, community: 0, elder: 0, total: 0 });
  });

  test('only citizens have points: staff and admins get 403, nobody 401', async () => {
    for (const c of [w.university.staff, w.university.admin, w.city, w.auditor, w.reviewer, w.xuhui]) {
      assertError(await c.get('/api/v1/me/points'), 403, 'forbidden');
      assertError(await c.get('/api/v1/me/points/statement'), 403, 'forbidden');
    }
    assertError(await anon().get('/api/v1/me/points'), 401, 'unauthenticated');
    assertError(await anon().get('/api/v1/me/points/statement'), 401, 'unauthenticated');
  });
});

describe('many rules', () => {
  // "Every matching active rule awards": a city that keeps many rules gets all of them applied,
  // or is told at once that it cannot have more; a rule accepted and listed as active that then
  // awards nothing would be a silent loss of points.
  test('every active rule the city was allowed to make awards, however many there are', async () => {
    const made = [];
    try {
      for (let i = 0; i < 70; i++) {
        const res = await w.city.post('/api/v1/points/rules', { event: 'checkin', name: uniqueName(`多规则 ${i}`), checkin_source: 'manual', points: 1 });
        if (res.status !== 201) {
          assert.ok(res.status === 400 || res.status === 409, `refusing a rule too many: ${res.status} ${res.text}`);
          break;
        }
        made.push(res.json);
      }
      const active = (await pointsRules(w.city)).filter((r) => r.is_active && r.event === 'checkin');
      const me = await registerCitizen();
      assertStatus(await me.client.post('/api/v1/me/checkins', {}), 201);
      const lines = await linesOnce(me.client, 'the check-in awards', (l) => l.event === 'checkin');
      assert.equal(lines.length, active.filter((r) => r.checkin_source === null || r.checkin_source === 'manual').length,
        `${made.length} rules made, ${active.length} active check-in rules, ${lines.length} awarded`);
    } finally {
      for (const r of made) assertStatus(await w.city.put(`/api/v1/points/rules/${r.id}`, ruleBody(r, { is_active: false })), 200);
    }
  });
});
