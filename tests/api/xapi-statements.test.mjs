// The learning record store's statement resource over HTTP, as xAPI 1.0.3 states it: credentials
// an institution issues (and revokes), the version header, PUT, POST and GET of statements with
// their errors, voiding, queries and their pages, and the headers every reply carries.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Xapi } from './xapi-lib.mjs';
import { XUHUI, assertError, assertStatus, createInstitution, createStaff, registerCitizen, signInFixture } from './lib.mjs';

const VERSION = '1.0.3';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export { Xapi };

const id = () => crypto.randomUUID();
const statement = (over = {}) => ({
  actor: { objectType: 'Agent', mbox: `mailto:learner-${crypto.randomBytes(4).toString('hex')}@example.cn`, name: '李华' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'zh-CN': '完成', 'en-US': 'completed' } },
  object: { objectType: 'Activity', id: 'https://learn.shlll.cn/courses/elder-phone-101', definition: { name: { 'zh-CN': '老年人智能手机应用' } } },
  ...over,
});

let world;
async function setup() {
  world ??= (async () => {
    const city = await signInFixture('fx-city-admin');
    const university = await createInstitution(city, XUHUI, 'open_university');
    const admin = await createStaff(city, 'institution_admin', university.id);
    const staff = await createStaff(admin, 'staff', university.id);
    const made = await admin.post('/api/v1/lrs/clients', { name: '上海学习网 Moodle' });
    assertStatus(made, 201);
    const other = await createInstitution(city, XUHUI, 'community_school');
    const otherAdmin = await createStaff(city, 'institution_admin', other.id);
    const theirs = await otherAdmin.post('/api/v1/lrs/clients', { name: '社区学校学习平台' });
    assertStatus(theirs, 201);
    return {
      city, university, admin, staff, client: made.json,
      xapi: new Xapi(made.json.key, made.json.secret),
      otherXapi: new Xapi(theirs.json.key, theirs.json.secret),
    };
  })();
  return world;
}

describe('credentials', () => {
  test('an institution admin issues a client: key and a secret shown once; staff list it; others may not issue', async () => {
    const w = await setup();
    assert.match(w.client.key, /^llx_[0-9a-f]{24}$/);
    assert.match(w.client.secret, /^[0-9a-f]{64}$/);
    const list = await w.staff.get('/api/v1/lrs/clients');
    assertStatus(list, 200);
    const mine = list.json.items.find((c) => c.id === w.client.id);
    assert.equal(mine.name, '上海学习网 Moodle');
    assert.equal(mine.secret, undefined, 'the secret is never shown again');
    assertError(await w.staff.post('/api/v1/lrs/clients', { name: 'x' }), 403, 'forbidden');
    assertError(await w.admin.post('/api/v1/lrs/clients', { name: '' }), 400, 'missing_field', 'name');
  });

  test('no credentials, a wrong secret or a revoked key: 401 with WWW-Authenticate', async () => {
    const w = await setup();
    const none = await new Xapi().get('/xapi/statements');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate'), /^Basic/);
    assert.equal(none.headers.get('x-experience-api-version'), VERSION);
    assert.equal((await new Xapi(w.client.key, 'wrong').get('/xapi/statements')).status, 401);
    const made = await w.admin.post('/api/v1/lrs/clients', { name: '将停用的平台' });
    const soon = new Xapi(made.json.key, made.json.secret);
    assertStatus(await soon.get('/xapi/statements?limit=1'), 200);
    assertStatus(await w.admin.request('DELETE', `/api/v1/lrs/clients/${made.json.id}`), 204);
    assert.equal((await soon.get('/xapi/statements?limit=1')).status, 401);
  });
});

describe('the version header', () => {
  test('missing or not 1.0.x: 400 before authentication; 1.0, 1.0.0 and 1.0.3 are accepted', async () => {
    const w = await setup();
    const missing = await w.xapi.get('/xapi/statements', { version: null });
    assertError(missing, 400, 'usage', 'X-Experience-API-Version');
    assert.ok(missing.headers.get('x-experience-api-consistent-through'));
    assert.equal((await new Xapi().get('/xapi/statements', { version: null })).status, 400);
    assert.equal((await w.xapi.get('/xapi/statements?limit=1', { version: '2.0.0' })).status, 400);
    for (const v of ['1.0', '1.0.0', '1.0.3']) assertStatus(await w.xapi.get('/xapi/statements?limit=1', { version: v }), 200);
  });

  test('about needs no credentials and names the versions', async () => {
    const res = await new Xapi().get('/xapi/about');
    assertStatus(res, 200);
    assert.ok(res.json.version.includes('1.0.3'));
    assert.equal(res.headers.get('x-experience-api-version'), VERSION);
  });
});

describe('storing statements', () => {
  test('PUT stores at statementId (204); the same again is 204; other content is 409 and the first stays', async () => {
    const w = await setup();
    const sid = id();
    const body = statement();
    const put = await w.xapi.put(`/xapi/statements?statementId=${sid}`, body);
    assert.equal(put.status, 204, put.text);
    assert.ok(put.headers.get('x-experience-api-consistent-through'));
    const got = await w.xapi.get(`/xapi/statements?statementId=${sid}`);
    assertStatus(got, 200);
    assert.equal(got.headers.get('content-type'), 'application/json');
    assert.equal(got.json.id, sid);
    assert.deepEqual(got.json.actor, body.actor);
    assert.deepEqual(got.json.verb, body.verb);
    assert.deepEqual(got.json.object, body.object);
    assert.equal(got.json.version, '1.0.0');
    assert.match(got.json.stored, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(got.json.timestamp, got.json.stored);
    assert.equal(got.json.authority.account.name, w.client.key);
    assert.ok(got.headers.get('last-modified'));
    assert.equal((await w.xapi.put(`/xapi/statements?statementId=${sid}`, body)).status, 204);
    const other = await w.xapi.put(`/xapi/statements?statementId=${sid}`, statement());
    assertError(other, 409, 'conflict');
    assert.deepEqual((await w.xapi.get(`/xapi/statements?statementId=${sid}`)).json.actor, body.actor);
  });

  test('PUT without statementId, with another id in the body, or with an array: 400', async () => {
    const w = await setup();
    assert.equal((await w.xapi.put('/xapi/statements', statement())).status, 400);
    assert.equal((await w.xapi.put(`/xapi/statements?statementId=${id()}`, statement({ id: id() }))).status, 400);
    assert.equal((await w.xapi.put(`/xapi/statements?statementId=${id()}`, [statement()])).status, 400);
    assert.equal((await w.xapi.put(`/xapi/statements?StatementId=${id()}`, statement())).status, 400);
  });

  test('POST of a batch returns the ids in order; one invalid statement stores none of them', async () => {
    const w = await setup();
    const given = id();
    const first = statement({ id: given });
    const res = await w.xapi.post('/xapi/statements', [first, statement()]);
    assertStatus(res, 200);
    assert.equal(res.json.length, 2);
    assert.equal(res.json[0], given);
    assert.match(res.json[1], UUID);
    const good = id();
    const bad = await w.xapi.post('/xapi/statements', [statement({ id: good }), statement({ verb: { id: 'not an iri' } })]);
    assertError(bad, 400, 'invalid_value', '[1].verb.id');
    assertError(await w.xapi.get(`/xapi/statements?statementId=${good}`), 404, 'not_found');
    // One id twice in a request.
    const twice = id();
    assert.equal((await w.xapi.post('/xapi/statements', [statement({ id: twice }), statement({ id: twice })])).status, 400);
    // A statement sent again with the same content: nothing new, 204; with other content, 409.
    assert.equal((await w.xapi.post('/xapi/statements', first)).status, 204);
    assertError(await w.xapi.post('/xapi/statements', statement({ id: given })), 409, 'conflict');
  });

  test('an attachment without its data needs a fileUrl; unknown properties and duplicate keys are 400', async () => {
    const w = await setup();
    const att = { usageType: 'http://id.tincanapi.com/attachment/certificate', display: { 'zh-CN': '证书' },
      contentType: 'application/pdf', length: 10, sha2: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' };
    assertError(await w.xapi.post('/xapi/statements', statement({ attachments: [att] })), 400, 'missing_field', 'attachments[0].fileUrl');
    assertStatus(await w.xapi.post('/xapi/statements', statement({ attachments: [{ ...att, fileUrl: 'https://files.shlll.cn/c.pdf' }] })), 200);
    assertError(await w.xapi.post('/xapi/statements', statement({ colour: 'red' })), 400, 'unknown_field', 'colour');
    const dup = '{"actor":{"mbox":"mailto:a@b.cn"},"actor":{"mbox":"mailto:c@b.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://a.cn"}}';
    assert.equal((await w.xapi.request('POST', '/xapi/statements', { raw: dup, headers: { 'Content-Type': 'application/json' } })).status, 400);
    assert.equal((await w.xapi.request('POST', '/xapi/statements', { raw: '{}', headers: { 'Content-Type': 'text/plain' } })).status, 400);
  });
});

describe('voiding and queries', () => {
  test('a voided statement is found only as voided, and queries leave it out but keep what refers to it', async () => {
    const w = await setup();
    const verb = `https://verbs.shlll.cn/${crypto.randomBytes(4).toString('hex')}`;
    const target = id();
    assertStatus(await w.xapi.post('/xapi/statements', statement({ id: target, verb: { id: verb } })), 200);
    const ref = id();
    assertStatus(await w.xapi.post('/xapi/statements', statement({ id: ref, verb: { id: 'https://verbs.shlll.cn/reviewed' },
      object: { objectType: 'StatementRef', id: target } })), 200);
    const voider = id();
    assertStatus(await w.xapi.post('/xapi/statements', statement({ id: voider, verb: { id: 'http://adlnet.gov/expapi/verbs/voided' },
      object: { objectType: 'StatementRef', id: target } })), 200);
    assertError(await w.xapi.get(`/xapi/statements?statementId=${target}`), 404, 'not_found');
    assertStatus(await w.xapi.get(`/xapi/statements?voidedStatementId=${target}`), 200);
    const q = await w.xapi.get(`/xapi/statements?verb=${encodeURIComponent(verb)}`);
    assertStatus(q, 200);
    assert.deepEqual(q.json.statements.map((s) => s.id), [voider, ref]);
    assert.equal(q.json.more, '');
  });

  test('pages: limit, more until it is empty, ascending; filters by agent and activity', async () => {
    const w = await setup();
    const actor = { mbox: `mailto:pager-${crypto.randomBytes(4).toString('hex')}@example.cn` };
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const r = await w.xapi.post('/xapi/statements', statement({ actor, object: { id: `https://learn.shlll.cn/c/${i}` } }));
      ids.push(r.json[0]);
    }
    const agent = encodeURIComponent(JSON.stringify(actor));
    let page = await w.xapi.get(`/xapi/statements?agent=${agent}&limit=2`);
    const seen = [];
    for (;;) {
      assertStatus(page, 200);
      seen.push(...page.json.statements.map((s) => s.id));
      if (!page.json.more) break;
      assert.match(page.json.more, /^\/xapi\/statements\?more=[A-Za-z0-9_-]+$/);
      page = await w.xapi.get(page.json.more);
    }
    assert.deepEqual(seen, [...ids].reverse());
    const asc = await w.xapi.get(`/xapi/statements?agent=${agent}&ascending=true`);
    assert.deepEqual(asc.json.statements.map((s) => s.id), ids);
    const one = await w.xapi.get(`/xapi/statements?agent=${agent}&activity=${encodeURIComponent('https://learn.shlll.cn/c/3')}`);
    assert.deepEqual(one.json.statements.map((s) => s.id), [ids[3]]);
    const idsFormat = await w.xapi.get(`/xapi/statements?agent=${agent}&limit=1&format=ids`);
    assert.equal(idsFormat.json.statements[0].verb.display, undefined);
    assert.equal(idsFormat.json.statements[0].object.definition, undefined);
    // Another institution's client sees none of them.
    const theirs = await w.otherXapi.get(`/xapi/statements?agent=${agent}`);
    assert.deepEqual(theirs.json.statements, []);
    assertError(await w.otherXapi.get(`/xapi/statements?statementId=${ids[0]}`), 404, 'not_found');
  });

  test('bad parameters: unknown or misspelt names, statementId with filters, bad values: 400', async () => {
    const w = await setup();
    for (const q of ['foo=bar', 'Agent=x', `statementId=${id()}&verb=https://a.cn`, `statementId=${id()}&voidedStatementId=${id()}`,
      'agent=notjson', `agent=${encodeURIComponent('{"objectType":"Group","member":[{"mbox":"mailto:a@b.cn"}]}')}`,
      'verb=notanirl', 'since=yesterday', 'limit=-1', 'format=full', 'ascending=yes', 'registration=r1', 'more=@@'])
      assert.equal((await w.xapi.get(`/xapi/statements?${q}`)).status, 400, q);
    assert.equal((await w.xapi.request('DELETE', '/xapi/statements')).status, 405);
  });
});

describe('activities, agents and HEAD', () => {
  test('an activity\'s canonical definition takes in each language as given; unknown ones have none; institutions keep their own', async () => {
    const w = await setup();
    const activityId = `https://learn.shlll.cn/courses/${crypto.randomBytes(4).toString('hex')}`;
    const post = (definition) => w.xapi.post('/xapi/statements', statement({ object: { id: activityId, definition } }));
    assertStatus(await post({ name: { 'zh-CN': '书法入门' }, type: 'http://adlnet.gov/expapi/activities/course' }), 200);
    assertStatus(await post({ name: { 'en-US': 'Calligraphy basics' }, description: { 'zh-CN': '十二课时' } }), 200);
    const got = await w.xapi.get(`/xapi/activities?activityId=${encodeURIComponent(activityId)}`);
    assertStatus(got, 200);
    assert.deepEqual(got.json, {
      objectType: 'Activity', id: activityId,
      definition: { name: { 'zh-CN': '书法入门', 'en-US': 'Calligraphy basics' }, description: { 'zh-CN': '十二课时' },
        type: 'http://adlnet.gov/expapi/activities/course' },
    });
    const unknown = `https://learn.shlll.cn/courses/unknown-${crypto.randomBytes(4).toString('hex')}`;
    assert.deepEqual((await w.xapi.get(`/xapi/activities?activityId=${encodeURIComponent(unknown)}`)).json, { objectType: 'Activity', id: unknown });
    assert.deepEqual((await w.otherXapi.get(`/xapi/activities?activityId=${encodeURIComponent(activityId)}`)).json, { objectType: 'Activity', id: activityId });
    assertError(await w.xapi.get('/xapi/activities'), 400, 'missing_field', 'activityId');
    assertError(await w.xapi.get('/xapi/activities?activityId=notaniri'), 400, 'bad_query', 'activityId');
    assert.equal((await w.xapi.request('POST', '/xapi/activities')).status, 405);
  });

  test('agents: the Person of the agent asked for; a group or a missing agent is 400', async () => {
    const w = await setup();
    const agent = { objectType: 'Agent', name: '李华', mbox: 'mailto:li.hua@example.cn' };
    const got = await w.xapi.get(`/xapi/agents?agent=${encodeURIComponent(JSON.stringify(agent))}`);
    assertStatus(got, 200);
    assert.deepEqual(got.json, { objectType: 'Person', name: ['李华'], mbox: ['mailto:li.hua@example.cn'] });
    const group = { objectType: 'Group', mbox: 'mailto:class@example.cn' };
    assertError(await w.xapi.get(`/xapi/agents?agent=${encodeURIComponent(JSON.stringify(group))}`), 400, 'bad_query', 'agent');
    assertError(await w.xapi.get('/xapi/agents'), 400, 'missing_field', 'agent');
  });

  test('HEAD answers as GET does, without a body', async () => {
    const w = await setup();
    const sid = crypto.randomUUID();
    assert.equal((await w.xapi.put(`/xapi/statements?statementId=${sid}`, statement())).status, 204);
    for (const path of [`/xapi/statements?statementId=${sid}`, '/xapi/statements?limit=1', '/xapi/about']) {
      const res = await w.xapi.request('HEAD', path);
      assert.equal(res.status, 200, path);
      assert.equal(res.text, '', path);
      assert.equal(res.headers.get('x-experience-api-version'), '1.0.3');
    }
  });
});

describe('the alternate request syntax', () => {
  const form = (fields) => new URLSearchParams(fields).toString();
  const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

  test('POST ?method=GET with the query in the form; ?method=PUT with the statement as content', async () => {
    const w = await setup();
    const got = await w.xapi.request('POST', '/xapi/statements?method=GET', { raw: form({ limit: '1' }), headers: FORM });
    assertStatus(got, 200);
    assert.equal(got.json.statements.length, 1);
    assert.ok('more' in got.json);
    const sid = crypto.randomUUID();
    const put = await w.xapi.request('POST', '/xapi/statements?method=PUT',
      { raw: form({ statementId: sid, content: JSON.stringify(statement()) }), headers: FORM });
    assert.equal(put.status, 204, put.text);
    assertStatus(await w.xapi.get(`/xapi/statements?statementId=${sid}`), 200);
  });

  test('credentials and the version may travel in the form; a real header wins over the form\'s', async () => {
    const w = await setup();
    const bare = new Xapi();
    const sid = crypto.randomUUID();
    const res = await bare.request('POST', '/xapi/statements?method=PUT', {
      version: null, headers: FORM,
      raw: form({ statementId: sid, content: JSON.stringify(statement()), Authorization: w.xapi.auth, 'X-Experience-API-Version': '1.0.3' }),
    });
    assert.equal(res.status, 204, res.text);
    const both = await w.xapi.request('POST', '/xapi/statements?method=PUT', {
      headers: FORM, raw: form({ statementId: crypto.randomUUID(), content: JSON.stringify(statement()), 'X-Experience-API-Version': '0.8' }),
    });
    assert.equal(both.status, 204, both.text);
  });

  test('other parameters on the URL, a GET with ?method=, no content to PUT, a body that is no form: 400', async () => {
    const w = await setup();
    assert.equal((await w.xapi.request('POST', `/xapi/statements?method=PUT&statementId=${crypto.randomUUID()}`,
      { raw: form({ content: JSON.stringify(statement()) }), headers: FORM })).status, 400);
    assert.equal((await w.xapi.get('/xapi/statements?method=POST')).status, 400);
    assert.equal((await w.xapi.request('POST', '/xapi/statements?method=PUT', { raw: form({ statementId: crypto.randomUUID() }), headers: FORM })).status, 400);
    assert.equal((await w.xapi.request('POST', '/xapi/statements?method=PUT', { raw: JSON.stringify(statement()), headers: FORM })).status, 400);
    assert.equal((await w.xapi.request('POST', '/xapi/statements?method=PATCH', { raw: form({}), headers: FORM })).status, 400);
  });

  test('a form POSTed to a document without ?method= is an ordinary document', async () => {
    const w = await setup();
    const params = new URLSearchParams({ activityId: 'https://learn.shlll.cn/courses/form', agent: JSON.stringify({ mbox: 'mailto:form@example.cn' }), stateId: 'f' });
    assert.equal((await w.xapi.request('POST', `/xapi/activities/state?${params}`, { raw: '1', headers: FORM })).status, 204);
    const got = await w.xapi.get(`/xapi/activities/state?${params}`);
    assert.equal(got.text, '1');
    assert.equal(got.headers.get('content-type'), 'application/x-www-form-urlencoded');
  });
});

describe('format=canonical', () => {
  test('one language per map as Accept-Language prefers, and activities with their canonical definition', async () => {
    const w = await setup();
    const activityId = `https://learn.shlll.cn/courses/${crypto.randomBytes(4).toString('hex')}`;
    const category = { id: 'https://w3id.org/xapi/cmi5/context/categories/moveon', definition: { name: { 'en-GB': 'Move on', 'en-US': 'Move on!' }, description: { 'en-GB': 'colour', 'en-US': 'color' } } };
    const first = statement({ object: { id: activityId, definition: { name: { 'zh-CN': '太极拳', 'en-US': 'Tai chi' } } } });
    assertStatus(await w.xapi.post('/xapi/statements', first), 200);
    const sid = crypto.randomUUID();
    const body = statement({
      id: sid,
      verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-GB': 'completed', 'en-US': 'finished' } },
      object: { id: activityId, definition: { description: { 'zh-CN': '二十四式' } } },
      context: { contextActivities: { category: [category] } },
    });
    assertStatus(await w.xapi.post('/xapi/statements', body), 200);
    const exact = await w.xapi.get(`/xapi/statements?statementId=${sid}`);
    assert.deepEqual(exact.json.verb.display, body.verb.display);
    const got = await w.xapi.get(`/xapi/statements?statementId=${sid}&format=canonical`, { headers: { 'Accept-Language': 'en-GB, zh-CN;q=0.5' } });
    assertStatus(got, 200);
    assert.deepEqual(got.json.verb.display, { 'en-GB': 'completed' });
    const cat = got.json.context.contextActivities.category[0].definition;
    assert.deepEqual(cat.name, { 'en-GB': 'Move on' });
    assert.deepEqual(cat.description, { 'en-GB': 'colour' });
    // The object's canonical definition gathers what both statements gave, in the preferred language.
    assert.deepEqual(got.json.object.definition, { name: { 'zh-CN': '太极拳' }, description: { 'zh-CN': '二十四式' } });
    const zh = await w.xapi.get(`/xapi/statements?statementId=${sid}&format=canonical`, { headers: { 'Accept-Language': 'zh' } });
    assert.deepEqual(zh.json.object.definition.name, { 'zh-CN': '太极拳' });
  });
});

describe('a citizen\'s learning activity', () => {
  test('statements whose actor is a lifelong account are that person\'s, newest first, in pages; voided and voiding ones and others\' are not', async () => {
    const w = await setup();
    const me = await registerCitizen();
    const other = await registerCitizen();
    const mine = (n, home = 'https://lifelong.sh.cn') => statement({
      actor: { objectType: 'Agent', account: { homePage: home, name: me.account.account_no } },
      object: { id: `https://learn.shlll.cn/courses/mine/${n}`, definition: { name: { 'zh-CN': `第 ${n} 课` } } },
    });
    const ids = [];
    for (let n = 0; n < 3; n++) ids.push((await w.xapi.post('/xapi/statements', mine(n))).json[0]);
    // Another homePage is another system's account of the same number: not this person's.
    assertStatus(await w.xapi.post('/xapi/statements', mine(9, 'https://other.example.cn')), 200);
    // A voided statement leaves the activity.
    const voided = (await w.xapi.post('/xapi/statements', mine(4))).json[0];
    assertStatus(await w.xapi.post('/xapi/statements', statement({ verb: { id: 'http://adlnet.gov/expapi/verbs/voided' },
      object: { objectType: 'StatementRef', id: voided } })), 200);
    // The voiding statement takes another back: it is no learning of its own.
    assertStatus(await w.xapi.post('/xapi/statements', statement({ actor: mine(8).actor, verb: { id: 'http://adlnet.gov/expapi/verbs/voided' },
      object: { objectType: 'StatementRef', id: crypto.randomUUID() } })), 200);
    const first = await me.client.get('/api/v1/me/activity?limit=2');
    assertStatus(first, 200);
    assert.deepEqual(first.json.items.map((s) => s.id), [ids[2], ids[1]]);
    assert.ok(first.json.next);
    const second = await me.client.get(`/api/v1/me/activity?limit=2&after=${first.json.next}`);
    assert.deepEqual(second.json.items.map((s) => s.id), [ids[0]]);
    assert.equal(second.json.next, undefined);
    assert.equal(second.json.items[0].object.definition.name['zh-CN'], '第 0 课');
    assert.deepEqual((await other.client.get('/api/v1/me/activity')).json.items, []);
    assertError(await me.client.get('/api/v1/me/activity?after=x'), 400, 'bad_query', 'after');
    assertError(await w.staff.get('/api/v1/me/activity'), 403, 'forbidden');
  });
});
