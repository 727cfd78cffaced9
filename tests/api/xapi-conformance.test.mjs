// xAPI 1.0.3 conformance of the learning record store at /xapi, rule by rule, as the digest
// /work/xapi-notes/requirements.md states them:
//   - section 0 (global rules G1-G11) and section 1 (statement validation S1-S58);
//   - section 2: PUT, POST and GET of statements, voiding, X-Experience-API-Consistent-Through,
//     stored and timestamp, statement comparison;
//   - section 3: multipart/mixed requests with attachment data (3.1), GET ...&attachments=true in
//     multipart/mixed (3.2), signed statements (3.3: JWS RS256/384/512, x5c, the payload);
//   - section 4: the document resources (state, activity profile, agent profile): bytes and media
//     type, POST merges, listing with since, deleting, parameters, ETags, If-Match, If-None-Match
//     and the profiles' 409;
//   - section 5: /xapi/activities, /xapi/agents and /xapi/about;
//   - section 6: the version header, HEAD, the alternate request syntax (?method=), content types,
//     query parameters, error codes and their order, HTTP Basic, reply headers, the resources;
//   - and the section-7 edge cases that concern them (named in the tests as "edge N").
// Every test names its rule; tables of cases report every case that went wrong, not only the
// first. For bad input each case also proves that nothing was stored or changed (GET by the
// statement's id answers 404, a query for its unique actor finds nothing, a document reads as it
// did before).
//
// Not covered here:
//   - CORS (6.8): xAPI 1.0.3 requires none, and the server answers no OPTIONS preflight;
//   - OAuth 1.0 (6.7), which the LRS does not offer (HTTP Basic only), and 429 rate limits;
//   - the JWS JSON serialization (3.3), which xAPI strongly discourages;
//   - the conformance suite's optional profiles (stateId or profileId values 1, true, {...}).
//
// The Xapi client below repeats the one xapi-statements.test.mjs exports: importing that file
// would register (and run) its tests a second time inside this one.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BASE, XUHUI, assertStatus, createInstitution, createStaff, signInFixture, sleep } from './lib.mjs';

const VERSION = '1.0.3';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STORED_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/;
const VOIDED = 'http://adlnet.gov/expapi/verbs/voided';
const SIGNATURE = 'http://adlnet.gov/expapi/attachments/signature';

class Xapi {
  constructor(key, secret) {
    this.auth = key ? `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` : null;
  }

  // path: a path under BASE or an absolute URL. body: JSON-encoded; raw: sent as is.
  async request(method, path, { body, headers = {}, version = VERSION, raw, auth = true } = {}) {
    const h = { ...headers };
    if (version) h['X-Experience-API-Version'] = version;
    if (this.auth && auth) h.Authorization = this.auth;
    let payload;
    if (raw !== undefined) {
      payload = raw;
      h['Content-Type'] ??= 'application/json';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['Content-Type'] ??= 'application/json';
    }
    const url = /^https?:/.test(path) ? path : `${BASE}${path}`;
    const res = await fetch(url, { method, headers: h, body: payload });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { method, path, status: res.status, headers: res.headers, text, json };
  }

  get(path, opts) {
    return this.request('GET', path, opts);
  }

  post(path, body, opts = {}) {
    return this.request('POST', path, { ...opts, body });
  }

  put(path, body, opts = {}) {
    return this.request('PUT', path, { ...opts, body });
  }
}

// ---- test data ------------------------------------------------------------------------------

const RUN = crypto.randomBytes(4).toString('hex');
const hex = (n) => crypto.randomBytes(n).toString('hex');
const uuid = () => crypto.randomUUID();
const mbox = (tag = 'learner') => `mailto:${tag}-${hex(5)}@example.com`;
const act = (name = 'a') => `http://example.com/activities/${RUN}/${name}-${hex(4)}`;
const verbId = (name = 'v') => `http://example.com/verbs/${RUN}/${name}-${hex(4)}`;
const agent = (over = {}) => ({ objectType: 'Agent', name: 'Learner', mbox: mbox(), ...over });
const SHA2 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const attachment = (over = {}) => ({
  usageType: 'http://id.tincanapi.com/attachment/certificate',
  display: { 'en-US': 'Certificate' },
  contentType: 'application/pdf',
  length: 1024,
  sha2: SHA2,
  fileUrl: 'https://files.example.com/certificate.pdf',
  ...over,
});

// A valid statement with a unique actor and activity; over replaces top-level properties.
function stmt(over = {}) {
  return {
    actor: agent(),
    verb: { id: 'http://adlnet.gov/expapi/verbs/attempted', display: { 'en-US': 'attempted' } },
    object: { objectType: 'Activity', id: act(), definition: { name: { 'en-US': 'An activity' } } },
    ...over,
  };
}

// A valid SubStatement; over replaces its properties.
function sub(over = {}) {
  return {
    objectType: 'SubStatement',
    actor: { objectType: 'Agent', mbox: mbox('sub') },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { objectType: 'Activity', id: act('sub') },
    ...over,
  };
}

// A case is [label, mutate] (mutate changes a fresh stmt()) or [label, statement].
function build(c) {
  const [, what] = c;
  if (typeof what === 'function') {
    const s = stmt();
    const r = what(s);
    return r === undefined ? s : r;
  }
  return structuredClone(what);
}

// The instant of an ISO 8601 timestamp in ms (JavaScript reads neither +0800 nor +08; no zone is UTC).
function instant(t) {
  let u = t.replace(/([+-]\d\d)(\d\d)$/, '$1:$2').replace(/([+-]\d\d)$/, '$1:00');
  if (!/(Z|[+-]\d\d:\d\d)$/i.test(u)) u += 'Z';
  return Date.parse(u);
}

const q = (params) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');

// ---- the world ------------------------------------------------------------------------------

let world;
function setup() {
  world ??= (async () => {
    const city = await signInFixture('fx-city-admin');
    const inst = await createInstitution(city, XUHUI, 'open_university');
    const admin = await createStaff(city, 'institution_admin', inst.id);
    const made = await admin.post('/api/v1/lrs/clients', { name: 'xAPI conformance client' });
    assertStatus(made, 201);
    const other = await createInstitution(city, XUHUI, 'community_school');
    const otherAdmin = await createStaff(city, 'institution_admin', other.id);
    const theirs = await otherAdmin.post('/api/v1/lrs/clients', { name: 'another institution' });
    assertStatus(theirs, 201);
    return {
      client: made.json,
      x: new Xapi(made.json.key, made.json.secret),
      other: new Xapi(theirs.json.key, theirs.json.secret),
      anon: new Xapi(),
    };
  })();
  return world;
}

// ---- case runners ---------------------------------------------------------------------------

const brief = (res) => `${res.status} ${(res.text || '').slice(0, 160)}`;

async function getById(x, id) {
  return x.get(`/xapi/statements?${q({ statementId: id })}`);
}

// Why s (sent and refused) might still be stored: '' when it is not.
async function storedTrace(x, s) {
  if (s && typeof s === 'object' && !Array.isArray(s) && typeof s.id === 'string' && UUID_RE.test(s.id)) {
    const got = await getById(x, s.id);
    if (got.status !== 404) return `; GET statementId=${s.id} -> ${brief(got)} (want 404: nothing stored)`;
    const voided = await x.get(`/xapi/statements?${q({ voidedStatementId: s.id })}`);
    if (voided.status !== 404) return `; GET voidedStatementId -> ${brief(voided)} (want 404)`;
    return '';
  }
  const m = s && typeof s === 'object' && s.actor && typeof s.actor.mbox === 'string' && s.actor.mbox;
  if (m && /^mailto:[^@]+@/.test(m)) {
    const res = await x.get(`/xapi/statements?${q({ agent: { mbox: m } })}`);
    if (res.status !== 200 || res.json?.statements?.length)
      return `; GET agent=${m} -> ${brief(res)} (want no statements: nothing stored)`;
  }
  return '';
}

// Sends each case (POST, or PUT at a fresh statementId) and wants 400 and nothing stored.
// Returns the list of what went wrong.
async function rejects(x, cases, { method = 'POST' } = {}) {
  const bad = [];
  for (const c of cases) {
    const s = build(c);
    if (s && typeof s === 'object' && !Array.isArray(s) && !('id' in s)) s.id = uuid();
    let res;
    if (method === 'PUT') {
      const sid = s && typeof s.id === 'string' && UUID_RE.test(s.id) ? s.id : uuid();
      res = await x.put(`/xapi/statements?${q({ statementId: sid })}`, s);
    } else res = await x.post('/xapi/statements', s);
    if (res.status !== 400) bad.push(`${c[0]}: want 400, got ${brief(res)}`);
    const trace = await storedTrace(x, s);
    if (trace) bad.push(`${c[0]}: ${trace}`);
  }
  return bad;
}

// Sends each case by POST and wants 200 and the statement readable by its id. check(got, sent)
// may return a complaint about the stored form.
async function accepts(x, cases, check) {
  const bad = [];
  for (const c of cases) {
    const s = build(c);
    if (!('id' in s)) s.id = uuid();
    const res = await x.post('/xapi/statements', s);
    if (res.status !== 200) {
      bad.push(`${c[0]}: want 200, got ${brief(res)}`);
      continue;
    }
    const got = await getById(x, s.id);
    if (got.status !== 200) bad.push(`${c[0]}: stored, but GET -> ${brief(got)}`);
    else if (check) {
      const why = check(got.json, s);
      if (why) bad.push(`${c[0]}: ${why}`);
    }
  }
  return bad;
}

async function mustReject(cases, opts) {
  const w = await setup();
  assert.deepEqual(await rejects(w.x, cases, opts), []);
}

async function mustAccept(cases, check) {
  const w = await setup();
  assert.deepEqual(await accepts(w.x, cases, check), []);
}

// Stores s by POST (200) and returns it as GET gives it back.
async function store(x, s) {
  if (!('id' in s)) s.id = uuid();
  const res = await x.post('/xapi/statements', s);
  assertStatus(res, 200);
  const got = await getById(x, s.id);
  assertStatus(got, 200);
  return got.json;
}

// POSTs statements one by one (a few ms apart, so their stored times differ); returns their ids.
async function storeAll(x, list) {
  const ids = [];
  for (const s of list) {
    if (!('id' in s)) s.id = uuid();
    const res = await x.post('/xapi/statements', s);
    assertStatus(res, 200);
    ids.push(s.id);
    await sleep(3);
  }
  return ids;
}

// The ids a query returns, following `more` to the end.
async function queryIds(x, params) {
  let res = await x.get(`/xapi/statements?${typeof params === 'string' ? params : q(params)}`);
  const ids = [];
  for (let i = 0; i < 50; i++) {
    assertStatus(res, 200);
    assert.ok(Array.isArray(res.json.statements), res.text);
    assert.equal(typeof res.json.more, 'string', `more must always be present: ${res.text.slice(0, 200)}`);
    ids.push(...res.json.statements.map((s) => s.id));
    if (!res.json.more) return ids;
    res = await x.get(new URL(res.json.more, `${BASE}/xapi/statements`).href);
  }
  throw new Error('more never ran out');
}

// ---- 0. global rules ------------------------------------------------------------------------

describe('0 global rules', () => {
  test('G1 JSON in UTF-8: strings of many scripts round-trip byte-exact; malformed JSON or UTF-8 is 400', async () => {
    const w = await setup();
    const display = {
      'ja-JP': '出席した', 'ko-KR': '참석', 'is-IS': 'sótti', 'ru-RU': 'посетил', 'pa-IN': 'ਹਾਜ਼ਰ',
      'sk-SK': 'zúčastnil sa', 'ar-EG': 'حضر', 'hy-AM': 'ներկա է', 'kn-IN': 'ಹಾಜರಿದ್ದರು', 'zh-CN': '出席了 😀',
    };
    const got = await store(w.x, stmt({ verb: { id: 'http://adlnet.gov/expapi/verbs/attended', display } }));
    assert.deepEqual(got.verb.display, display);
    const bad = [];
    const id = uuid();
    const good = JSON.stringify(stmt({ id }));
    const cases = [
      ['truncated JSON', good.slice(0, -1)],
      ['trailing garbage', good + '{'],
      ['single quotes', good.replaceAll('"', "'")],
      ['empty body', ''],
      ['not JSON', 'not JSON'],
    ];
    for (const [label, raw] of cases) {
      const res = await w.x.request('POST', '/xapi/statements', { raw });
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
    }
    const [pre, post] = good.split('An activity');
    const bytes = Buffer.concat([Buffer.from(pre), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(post)]);
    const res = await w.x.request('POST', '/xapi/statements', { raw: bytes });
    if (res.status !== 400) bad.push(`invalid UTF-8 bytes: want 400, got ${brief(res)}`);
    const trace = await storedTrace(w.x, { id });
    if (trace) bad.push(trace);
    assert.deepEqual(bad, []);
  });

  test('G2 keys are case-sensitive and unknown keys are 400 at every level (not inside extensions)', async () => {
    await mustReject([
      ['actor.Name', (s) => { s.actor.Name = 'x'; }],
      ['actor.foo', (s) => { s.actor.foo = 'x'; }],
      ['verb.ID', (s) => { s.verb.ID = s.verb.id; delete s.verb.id; }],
      ['verb.Display', (s) => { s.verb.Display = s.verb.display; delete s.verb.display; }],
      ['object.ID', (s) => { s.object.ID = s.object.id; delete s.object.id; }],
      ['object.definition.Name', (s) => { s.object.definition = { Name: { 'en-US': 'x' } }; }],
      ['result.Success', (s) => { s.result = { Success: true }; }],
      ['result.score.Raw', (s) => { s.result = { score: { Raw: 1 } }; }],
      ['context.Registration', (s) => { s.context = { Registration: uuid() }; }],
      ['context.contextActivities.Parent', (s) => { s.context = { contextActivities: { Parent: [{ id: act() }] } }; }],
      ['object (SubStatement).Actor', (s) => { const o = sub(); o.Actor = o.actor; delete o.actor; s.object = o; }],
      ['account.HomePage', (s) => { s.actor = { account: { HomePage: 'http://example.com', name: 'x' } }; }],
    ]);
    await mustAccept([
      ['any keys inside an extension value', (s) => {
        s.result = { extensions: { 'http://example.com/ext': { Foo: 1, 'not an iri': { Bar: [1, 2] } } } };
      }],
    ]);
  });

  test('G3 null anywhere is 400, except inside extension values (any depth)', async () => {
    await mustReject([
      ['actor.name null', (s) => { s.actor.name = null; }],
      ['verb.display["en-US"] null', (s) => { s.verb.display['en-US'] = null; }],
      ['context.registration null', (s) => { s.context = { registration: null }; }],
      ['definition.moreInfo null', (s) => { s.object.definition.moreInfo = null; }],
      ['result.success null', (s) => { s.result = { success: null }; }],
      ['result.score.raw null', (s) => { s.result = { score: { raw: null } }; }],
      ['timestamp null', (s) => { s.timestamp = null; }],
      ['version null', (s) => { s.version = null; }],
      ['result null', (s) => { s.result = null; }],
      ['context null', (s) => { s.context = null; }],
      ['attachments null', (s) => { s.attachments = null; }],
      ['object.definition null', (s) => { s.object.definition = null; }],
      ['extensions null (the map itself)', (s) => { s.result = { extensions: null }; }],
    ]);
    await mustAccept([
      ['{"extensions":{"http://example.com/null":null}}', (s) => { s.result = { extensions: { 'http://example.com/null': null } }; }],
      ['null deep in an extension value', (s) => {
        s.context = { extensions: { 'http://example.com/deep': { a: [1, null, { b: null }] } } };
      }],
    ], (got, sent) => (got.context && JSON.stringify(got.context.extensions) !== JSON.stringify(sent.context.extensions)
      ? `extensions came back as ${JSON.stringify(got.context.extensions)}` : ''));
  });

  test('G4 strict JSON types: "100" for a number, "false" for a boolean, numbers or objects for strings are 400', async () => {
    await mustReject([
      ['score.raw "100"', (s) => { s.result = { score: { raw: '100' } }; }],
      ['result.success "false"', (s) => { s.result = { success: 'false' }; }],
      ['result.completion "true"', (s) => { s.result = { completion: 'true' }; }],
      ['result.success 1', (s) => { s.result = { success: 1 }; }],
      ['actor.name 123', (s) => { s.actor.name = 123; }],
      ['actor.objectType {}', (s) => { s.actor.objectType = {}; }],
      ['object.id 12345', (s) => { s.object.id = 12345; }],
      ['context.revision 12345', (s) => { s.context = { revision: 12345 }; }],
      ['verb.id ["http://example.com/v"]', (s) => { s.verb.id = ['http://example.com/v']; }],
      ['timestamp 1420070400000', (s) => { s.timestamp = 1420070400000; }],
    ]);
  });

  test('G5 formatted strings, the empty string included, follow their format; IRIs need a scheme', async () => {
    await mustReject([
      ['actor.mbox ""', (s) => { s.actor.mbox = ''; }],
      ['id ""', (s) => { s.id = ''; }],
      ['verb.id ""', (s) => { s.verb.id = ''; }],
      ['object.id ""', (s) => { s.object.id = ''; }],
      ['timestamp ""', (s) => { s.timestamp = ''; }],
      ['result.duration ""', (s) => { s.result = { duration: '' }; }],
      ['context.registration ""', (s) => { s.context = { registration: '' }; }],
      ['context.language ""', (s) => { s.context = { language: '' }; }],
      ['version ""', (s) => { s.version = ''; }],
      ['language map key ""', (s) => { s.verb.display = { '': 'attempted' }; }],
      ['verb.id without a scheme', (s) => { s.verb.id = 'example.com/verbs/attempted'; }],
      ['object.id relative', (s) => { s.object.id = '/activities/1'; }],
      ['definition.type without a scheme', (s) => { s.object.definition.type = 'www.example.com/type'; }],
    ]);
  });

  test('G6 enumerated values are case-exact', async () => {
    await mustReject([
      ['actor.objectType "agent"', (s) => { s.actor.objectType = 'agent'; }],
      ['actor.objectType "AGENT"', (s) => { s.actor.objectType = 'AGENT'; }],
      ['object.objectType "activity"', (s) => { s.object.objectType = 'activity'; }],
      ['interactionType "Choice"', (s) => { s.object.definition = { interactionType: 'Choice' }; }],
    ]);
    const w = await setup();
    const res = await w.x.get('/xapi/statements?format=IDS');
    assert.equal(res.status, 400, `format=IDS: ${brief(res)}`);
  });

  test('G7 a property occurring twice is 400, at the top level and nested', async () => {
    const w = await setup();
    const bad = [];
    const raws = [
      ['actor twice', (id) => `{"id":"${id}","actor":{"mbox":"${mbox()}"},"actor":{"mbox":"${mbox()}"},"verb":{"id":"http://example.com/v"},"object":{"id":"${act()}"}}`],
      ['verb.id twice', (id) => `{"id":"${id}","actor":{"mbox":"${mbox()}"},"verb":{"id":"http://example.com/v","id":"http://example.com/w"},"object":{"id":"${act()}"}}`],
      ['actor.mbox twice', (id) => `{"id":"${id}","actor":{"mbox":"${mbox()}","mbox":"${mbox()}"},"verb":{"id":"http://example.com/v"},"object":{"id":"${act()}"}}`],
      ['score.raw twice', (id) => `{"id":"${id}","actor":{"mbox":"${mbox()}"},"verb":{"id":"http://example.com/v"},"object":{"id":"${act()}"},"result":{"score":{"raw":1,"raw":2}}}`],
      ['id twice', (id) => `{"id":"${id}","id":"${uuid()}","actor":{"mbox":"${mbox()}"},"verb":{"id":"http://example.com/v"},"object":{"id":"${act()}"}}`],
    ];
    for (const [label, make] of raws) {
      const id = uuid();
      const res = await w.x.request('POST', '/xapi/statements', { raw: make(id) });
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, { id });
      if (trace) bad.push(`${label}${trace}`);
    }
    assert.deepEqual(bad, []);
  });

  test('G8 numbers keep at least float32 precision: 0.12123434, 12.125 and 45.45 round-trip exactly', async () => {
    const w = await setup();
    const score = { scaled: 0.12123434, raw: 12.125, min: 0, max: 45.45 };
    const ext = { 'http://example.com/n': [0.12123434, 12.125, 45.45, -7, 1e21, 123456789012] };
    const got = await store(w.x, stmt({ result: { score, extensions: ext } }));
    assert.deepEqual(got.result.score, score);
    assert.deepEqual(got.result.extensions, ext);
  });

  test('G9 an empty language map or contextActivities {} is 400; empty extensions {} are accepted', async () => {
    await mustReject([
      ['verb.display {}', (s) => { s.verb.display = {}; }],
      ['definition.name {}', (s) => { s.object.definition.name = {}; }],
      ['definition.description {}', (s) => { s.object.definition.description = {}; }],
      ['context.contextActivities {}', (s) => { s.context = { contextActivities: {} }; }],
      ['attachment display {}', (s) => { s.attachments = [attachment({ display: {} })]; }],
      ['attachment description {}', (s) => { s.attachments = [attachment({ description: {} })]; }],
      ['SubStatement verb.display {}', (s) => { s.object = sub({ verb: { id: 'http://example.com/v', display: {} } }); }],
      ['SubStatement contextActivities {}', (s) => { s.object = sub({ context: { contextActivities: {} } }); }],
    ]);
    await mustAccept([
      ['result.extensions {}', (s) => { s.result = { extensions: {} }; }],
      ['context.extensions {}', (s) => { s.context = { extensions: {} }; }],
      ['definition.extensions {}', (s) => { s.object.definition.extensions = {}; }],
    ]);
  });

  test('G10 query parameter values are validated like the same types in statements', async () => {
    const w = await setup();
    const bad = [];
    for (const p of ['verb=should%20fail', 'activity=ab%3Dc%3A%2F%2Fshould.fail.com', 'registration=not-a-uuid',
      'since=01%2F011%2F2015', 'until=should%20fail', 'since=2015-01-01T00%3A00%3A00.000-00%3A00',
      `agent=${encodeURIComponent('{"mbox":"should.fail.com"}')}`, 'statementId=12345', 'voidedStatementId=xyz']) {
      const res = await w.x.get(`/xapi/statements?${p}`);
      if (res.status !== 400) bad.push(`${p}: want 400, got ${brief(res)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('G11 values are case-sensitive, except UUID hex and the mbox domain', async () => {
    const w = await setup();
    const local = `Case-${hex(4)}`;
    const s = stmt({ actor: { mbox: `mailto:${local}@Example.COM` }, verb: { id: verbId('Case') } });
    const got = await store(w.x, s);
    const bad = [];
    const upper = await getById(w.x, s.id.toUpperCase());
    if (upper.status !== 200 || upper.json?.id?.toLowerCase() !== s.id) bad.push(`statementId in upper case: ${brief(upper)}`);
    const domain = await queryIds(w.x, { agent: { mbox: `mailto:${local}@example.com` } });
    if (!domain.includes(got.id)) bad.push('agent with the mbox domain in another case does not find the statement');
    const localCase = await queryIds(w.x, { agent: { mbox: `mailto:${local.toLowerCase()}@Example.COM` } });
    if (localCase.includes(got.id)) bad.push('agent with the mbox local part in another case found the statement');
    const verbCase = await queryIds(w.x, { verb: s.verb.id.replace('/Case-', '/case-') });
    if (verbCase.includes(got.id)) bad.push('verb in another case found the statement');
    assert.deepEqual(bad, []);
  });
});

// ---- 1. statement validation ----------------------------------------------------------------

describe('1.1 statement top level', () => {
  test('S1 the top level is an object (POST: or an array of objects; PUT: an object only)', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, raw] of [['a string', '"statement"'], ['a number', '42'], ['null', 'null'], ['true', 'true'],
      ['an array of strings', '["a"]'], ['an array of arrays', '[[]]'], ['an array holding null', '[null]']]) {
      const res = await w.x.request('POST', '/xapi/statements', { raw });
      if (res.status !== 400) bad.push(`POST ${label}: want 400, got ${brief(res)}`);
    }
    const s = stmt();
    const res = await w.x.put(`/xapi/statements?${q({ statementId: uuid() })}`, [s]);
    if (res.status !== 400) bad.push(`PUT of an array: want 400, got ${brief(res)}`);
    const trace = await storedTrace(w.x, s);
    if (trace) bad.push(`PUT of an array${trace}`);
    assert.deepEqual(bad, []);
  });

  test('S2 only id, actor, verb, object, result, context, timestamp, stored, authority, version, attachments', async () => {
    const wrongCase = ['iD', 'Actor', 'veRb', 'oBject', 'RESULT', 'conText', 'timeStamp', 'STOred', 'auTHORity', 'Version', 'attachmentS'];
    const values = {
      id: uuid, actor: () => agent(), verb: () => ({ id: 'http://example.com/v' }), object: () => ({ id: act() }),
      result: () => ({ success: true }), context: () => ({ registration: uuid() }), timestamp: () => '2015-01-01T00:00:00.000Z',
      stored: () => '2015-01-01T00:00:00.000Z', authority: () => agent(), version: () => '1.0.0', attachments: () => [attachment()],
    };
    await mustReject([
      ...wrongCase.map((k) => [`${k} (wrong case)`, (s) => {
        const right = Object.keys(values).find((n) => n.toLowerCase() === k.toLowerCase());
        s[k] = values[right]();
        if (['actor', 'verb', 'object'].includes(right)) delete s[right];
      }]),
      ['unknown key "foo"', (s) => { s.foo = 'bar'; }],
      ['unknown key "objectType"', (s) => { s.objectType = 'Statement'; }],
    ]);
  });

  test('S3 actor, verb and object are required', async () => {
    await mustReject([
      ['no actor', (s) => { delete s.actor; }],
      ['no verb', (s) => { delete s.verb; }],
      ['no object', (s) => { delete s.object; }],
      ['only an id', () => ({ id: uuid() })],
    ]);
  });

  test('S4 id: a UUID; generated when absent; a number, object, 37 digits or a non-hex letter is 400', async () => {
    const w = await setup();
    const s = stmt();
    const res = await w.x.post('/xapi/statements', s);
    assertStatus(res, 200);
    assert.match(res.json[0], UUID_RE);
    const got = await getById(w.x, res.json[0]);
    assertStatus(got, 200);
    assert.equal(got.json.id.toLowerCase(), res.json[0].toLowerCase());
    const good = uuid();
    await mustReject([
      ['id 12345', (x) => { x.id = 12345; }],
      ['id {}', (x) => { x.id = {}; }],
      ['id of 37 hex digits', (x) => { x.id = good + 'a'; }],
      ['id with "M"', (x) => { x.id = 'M' + good.slice(1); }],
      ['id without hyphens', (x) => { x.id = good.replaceAll('-', ''); }],
      ['id "should fail"', (x) => { x.id = 'should fail'; }],
    ]);
  });

  test('S5 stored in a statement is accepted and then overwritten', async () => {
    const w = await setup();
    const sent = '2013-05-18T05:32:34.804Z';
    const got = await store(w.x, stmt({ stored: sent }));
    assert.notEqual(got.stored, sent);
    assert.match(got.stored, STORED_RE);
    assert.ok(Math.abs(Date.parse(got.stored) - Date.now()) < 5 * 60e3, `stored ${got.stored} is not now`);
    await mustReject([['stored "should fail" (validated as a Timestamp)', (s) => { s.stored = 'should fail'; }]]);
  });

  test('S6 timestamp: kept when given (same instant); when absent, equal to stored', async () => {
    const w = await setup();
    const none = await store(w.x, stmt());
    assert.equal(none.timestamp, none.stored);
    const given = await store(w.x, stmt({ timestamp: '2015-06-01T20:00:00.123+08:00' }));
    assert.equal(Date.parse(given.timestamp), Date.parse('2015-06-01T12:00:00.123Z'));
  });
});

describe('1.2 actor, agent, group, IFI', () => {
  test('S8 actor is an Agent or a Group; objectType optional for an Agent, exactly "Agent" or "Group"', async () => {
    await mustAccept([
      ['no objectType', (s) => { s.actor = { mbox: mbox() }; }],
      ['objectType Agent', (s) => { s.actor = { objectType: 'Agent', mbox: mbox() }; }],
      ['objectType Group', (s) => { s.actor = { objectType: 'Group', member: [{ mbox: mbox() }] }; }],
    ]);
    await mustReject([
      ['objectType 12', (s) => { s.actor.objectType = 12; }],
      ['objectType {}', (s) => { s.actor.objectType = {}; }],
      ['objectType "group"', (s) => { s.actor = { objectType: 'group', member: [{ mbox: mbox() }] }; }],
      ['objectType "Person"', (s) => { s.actor.objectType = 'Person'; }],
      ['objectType "Activity"', (s) => { s.actor.objectType = 'Activity'; }],
      ['objectType "StatementRef"', (s) => { s.actor.objectType = 'StatementRef'; }],
      ['actor a string', (s) => { s.actor = s.actor.mbox; }],
      ['actor an array', (s) => { s.actor = [s.actor]; }],
    ]);
  });

  test('S9 Agent keys: objectType, name, mbox, mbox_sha1sum, openid, account; name a string', async () => {
    await mustReject([
      ['name 123', (s) => { s.actor.name = 123; }],
      ['name {}', (s) => { s.actor.name = {}; }],
      ['name ["a"]', (s) => { s.actor.name = ['a']; }],
      ['unknown key foo', (s) => { s.actor.foo = 'bar'; }],
      ['member on an Agent', (s) => { s.actor.member = [{ mbox: mbox() }]; }],
    ]);
  });

  test('S10 an Agent has exactly one IFI', async () => {
    await mustReject([
      ['no IFI', (s) => { s.actor = { objectType: 'Agent', name: 'Nobody' }; }],
      ['empty actor {}', (s) => { s.actor = {}; }],
      ['mbox + mbox_sha1sum', (s) => { s.actor.mbox_sha1sum = 'ebd31e95054c018b10727ccffd2ef2ec3a016ee9'; }],
      ['mbox + openid', (s) => { s.actor.openid = 'http://openid.example.com/u'; }],
      ['mbox + account', (s) => { s.actor.account = { homePage: 'http://example.com', name: 'u' }; }],
      ['openid + account', (s) => { s.actor = { openid: 'http://openid.example.com/u', account: { homePage: 'http://example.com', name: 'u' } }; }],
    ]);
    await mustAccept([
      ['mbox', (s) => { s.actor = { mbox: mbox() }; }],
      ['mbox_sha1sum', (s) => { s.actor = { mbox_sha1sum: crypto.createHash('sha1').update(mbox()).digest('hex') }; }],
      ['openid', (s) => { s.actor = { openid: `http://openid.example.com/${hex(4)}` }; }],
      ['account', (s) => { s.actor = { account: { homePage: 'http://www.example.com', name: hex(4) } }; }],
    ]);
  });

  test('S11 mbox must be mailto: with an @', async () => {
    await mustReject([
      ['http://should.fail.com', (s) => { s.actor.mbox = 'http://should.fail.com'; }],
      ['mailto:should.fail.com (no @)', (s) => { s.actor.mbox = 'mailto:should.fail.com'; }],
      ['a bare address', (s) => { s.actor.mbox = 'learner@example.com'; }],
      ['mailto: only', (s) => { s.actor.mbox = 'mailto:'; }],
      ['a number', (s) => { s.actor.mbox = 12345; }],
    ]);
  });

  test('S12 mbox_sha1sum is a string (recommended: 40 hex digits)', async () => {
    await mustReject([
      ['a number', (s) => { s.actor = { mbox_sha1sum: 12345 }; }],
      ['an object', (s) => { s.actor = { mbox_sha1sum: {} }; }],
      ['not hex (recommended check)', (s) => { s.actor = { mbox_sha1sum: 'should fail' }; }],
      ['39 hex digits (recommended check)', (s) => { s.actor = { mbox_sha1sum: 'ebd31e95054c018b10727ccffd2ef2ec3a016ee' }; }],
    ]);
    await mustAccept([['upper-case hex', (s) => { s.actor = { mbox_sha1sum: crypto.createHash('sha1').update(mbox()).digest('hex').toUpperCase() }; }]]);
  });

  test('S13 openid is an absolute URI', async () => {
    await mustReject([
      ['"should fail"', (s) => { s.actor = { openid: 'should fail' }; }],
      ['no scheme', (s) => { s.actor = { openid: 'openid.example.com/u' }; }],
      ['a number', (s) => { s.actor = { openid: 42 }; }],
    ]);
  });

  test('S14 account: exactly homePage (IRL) and name (string), in every agent position (edge 16)', async () => {
    const badName = { homePage: 'http://www.example.com', name: { key: 'value' } };
    await mustReject([
      ['homePage ab=c://should.fail.com', (s) => { s.actor = { account: { homePage: 'ab=c://should.fail.com', name: 'u' } }; }],
      ['homePage without scheme', (s) => { s.actor = { account: { homePage: 'www.example.com', name: 'u' } }; }],
      ['name an object', (s) => { s.actor = { account: badName }; }],
      ['name a number', (s) => { s.actor = { account: { homePage: 'http://www.example.com', name: 12 } }; }],
      ['name missing', (s) => { s.actor = { account: { homePage: 'http://www.example.com' } }; }],
      ['homePage missing', (s) => { s.actor = { account: { name: 'u' } }; }],
      ['an unknown key', (s) => { s.actor = { account: { homePage: 'http://www.example.com', name: 'u', id: 1 } }; }],
      ['account a string', (s) => { s.actor = { account: 'u@http://www.example.com' }; }],
      ['bad name: authority', (s) => { s.authority = { account: badName }; }],
      ['bad name: context.instructor', (s) => { s.context = { instructor: { account: badName } }; }],
      ['bad name: context.team member', (s) => { s.context = { team: { objectType: 'Group', member: [{ account: badName }] } }; }],
      ['bad name: object Agent', (s) => { s.object = { objectType: 'Agent', account: badName }; }],
      ['bad name: Group member of the actor', (s) => { s.actor = { objectType: 'Group', member: [{ account: badName }] }; }],
      ['bad name: SubStatement actor', (s) => { s.object = sub({ actor: { account: badName } }); }],
      ['bad name: SubStatement object Agent', (s) => { s.object = sub({ object: { objectType: 'Agent', account: badName } }); }],
      ['bad name: SubStatement instructor', (s) => { s.object = sub({ context: { instructor: { account: badName } } }); }],
    ]);
  });

  test('S15 a Group needs objectType "Group"; its keys are objectType, name, member and the IFIs', async () => {
    await mustReject([
      ['member without objectType Group', (s) => { s.actor = { member: [{ mbox: mbox() }] }; }],
      ['objectType Agent with member', (s) => { s.actor = { objectType: 'Agent', mbox: mbox(), member: [{ mbox: mbox() }] }; }],
      ['unknown key', (s) => { s.actor = { objectType: 'Group', member: [{ mbox: mbox() }], foo: 1 }; }],
      ['"members" misspelt', (s) => { s.actor = { objectType: 'Group', members: [{ mbox: mbox() }] }; }],
    ]);
  });

  test('S16 an anonymous Group needs member, an array', async () => {
    await mustReject([
      ['no member', (s) => { s.actor = { objectType: 'Group', name: 'Team' }; }],
      ['member a string', (s) => { s.actor = { objectType: 'Group', member: 'x' }; }],
      ['member an object', (s) => { s.actor = { objectType: 'Group', member: { mbox: mbox() } }; }],
    ]);
    await mustAccept([['two members', (s) => { s.actor = { objectType: 'Group', name: 'Team', member: [{ mbox: mbox() }, { openid: 'http://openid.example.com/x' }] }; }]]);
  });

  test('S17 an identified Group has exactly one IFI; member optional', async () => {
    await mustReject([
      ['mbox + openid', (s) => { s.actor = { objectType: 'Group', mbox: mbox(), openid: 'http://openid.example.com/g' }; }],
      ['mbox + account with members', (s) => {
        s.actor = { objectType: 'Group', mbox: mbox(), account: { homePage: 'http://example.com', name: 'g' }, member: [{ mbox: mbox() }] };
      }],
    ]);
    await mustAccept([
      ['mbox, no member', (s) => { s.actor = { objectType: 'Group', mbox: mbox('group') }; }],
      ['account, with members', (s) => {
        s.actor = { objectType: 'Group', account: { homePage: 'http://example.com', name: `g-${hex(3)}` }, member: [{ mbox: mbox() }] };
      }],
    ]);
  });

  test('S18 member is an array of Agents, each validated; no Group inside member', async () => {
    await mustReject([
      ['a Group member', (s) => { s.actor = { objectType: 'Group', member: [{ objectType: 'Group', member: [{ mbox: mbox() }] }] }; }],
      ['member objectType "agent"', (s) => { s.actor = { objectType: 'Group', member: [{ objectType: 'agent', mbox: mbox() }] }; }],
      ['member without IFI', (s) => { s.actor = { objectType: 'Group', member: [{ name: 'x' }] }; }],
      ['member with two IFIs', (s) => { s.actor = { objectType: 'Group', member: [{ mbox: mbox(), openid: 'http://openid.example.com/u' }] }; }],
      ['member with a bad mbox', (s) => { s.actor = { objectType: 'Group', member: [{ mbox: 'mailto:nobody' }] }; }],
      ['member a string', (s) => { s.actor = { objectType: 'Group', member: ['mailto:a@example.com'] }; }],
      ['member with an unknown key', (s) => { s.actor = { objectType: 'Group', member: [{ mbox: mbox(), role: 'x' }] }; }],
    ]);
    await mustAccept([['member objectType "Agent"', (s) => { s.actor = { objectType: 'Group', member: [{ objectType: 'Agent', mbox: mbox() }] }; }]]);
  });

  test('S19 Group member order is not significant (a PUT with the members swapped is the same statement)', async () => {
    const w = await setup();
    const a = { mbox: mbox() }, b = { mbox: mbox() };
    const sid = uuid();
    const s = stmt({ actor: { objectType: 'Group', member: [a, b] } });
    assertStatus(await w.x.put(`/xapi/statements?${q({ statementId: sid })}`, s), 204);
    const again = await w.x.put(`/xapi/statements?${q({ statementId: sid })}`, { ...s, actor: { objectType: 'Group', member: [b, a] } });
    assert.equal(again.status, 204, brief(again));
  });
});

describe('1.3 verb', () => {
  test('S20 verb: an object with id (IRI, required) and display (language map)', async () => {
    await mustReject([
      ['verb.id "should fail"', (s) => { s.verb.id = 'should fail'; }],
      ['no verb.id', (s) => { delete s.verb.id; }],
      ['display "string"', (s) => { s.verb.display = 'attempted'; }],
      ['display {}', (s) => { s.verb.display = {}; }],
      ['display with a bad tag', (s) => { s.verb.display = { 'not a tag': 'x' }; }],
      ['display value a number', (s) => { s.verb.display = { 'en-US': 1 }; }],
      ['verb a string', (s) => { s.verb = 'http://adlnet.gov/expapi/verbs/attempted'; }],
      ['verb with an unknown key', (s) => { s.verb.objectType = 'Verb'; }],
    ]);
    await mustAccept([['no display', (s) => { s.verb = { id: 'http://adlnet.gov/expapi/verbs/attempted' }; }]]);
  });

  test('S21 the voiding verb needs a StatementRef object', async () => {
    await mustReject([
      ['voided + Activity', (s) => { s.verb = { id: VOIDED }; }],
      ['voided + Agent', (s) => { s.verb = { id: VOIDED }; s.object = { objectType: 'Agent', mbox: mbox() }; }],
      ['voided + SubStatement', (s) => { s.verb = { id: VOIDED }; s.object = sub(); }],
    ]);
    await mustAccept([['voided + StatementRef', (s) => { s.verb = { id: VOIDED, display: { 'en-US': 'voided' } }; s.object = { objectType: 'StatementRef', id: uuid() }; }]]);
  });
});

describe('1.4 object', () => {
  test('S22 object.objectType is exactly Activity, Agent, Group, SubStatement or StatementRef (default Activity)', async () => {
    await mustReject([
      ['activity', (s) => { s.object.objectType = 'activity'; }],
      ['agent', (s) => { s.object = { objectType: 'agent', mbox: mbox() }; }],
      ['group', (s) => { s.object = { objectType: 'group', member: [{ mbox: mbox() }] }; }],
      ['statementref', (s) => { s.object = { objectType: 'statementref', id: uuid() }; }],
      ['substatement', (s) => { const o = sub(); o.objectType = 'substatement'; s.object = o; }],
      ['Person', (s) => { s.object = { objectType: 'Person', mbox: mbox() }; }],
      ['a number', (s) => { s.object.objectType = 1; }],
    ]);
    await mustAccept([['no objectType (an Activity)', (s) => { s.object = { id: act() }; }]]);
  });

  test('S23 Activity: objectType, id (IRI, required) and definition (an object)', async () => {
    await mustReject([
      ['no id', (s) => { delete s.object.id; }],
      ['id ab=c://should.fail.com', (s) => { s.object.id = 'ab=c://should.fail.com'; }],
      ['definition a string', (s) => { s.object.definition = 'An activity'; }],
      ['definition an array', (s) => { s.object.definition = [{ name: { 'en-US': 'x' } }]; }],
      ['an unknown key', (s) => { s.object.name = { 'en-US': 'x' }; }],
    ]);
  });

  test('S24 an Agent or Group as the object needs objectType (also in a SubStatement, edge 14)', async () => {
    await mustReject([
      ['Agent without objectType', (s) => { s.object = { mbox: mbox() }; }],
      ['Group without objectType', (s) => { s.object = { member: [{ mbox: mbox() }] }; }],
      ['SubStatement object Agent without objectType', (s) => { s.object = sub({ object: { mbox: mbox() } }); }],
      ['SubStatement object Group without objectType', (s) => { s.object = sub({ object: { name: 'g', member: [{ mbox: mbox() }] } }); }],
    ]);
    await mustAccept([
      ['Agent', (s) => { s.object = { objectType: 'Agent', mbox: mbox() }; }],
      ['Group', (s) => { s.object = { objectType: 'Group', member: [{ mbox: mbox() }] }; }],
    ]);
  });

  test('S25 StatementRef: objectType and id (a UUID); the target need not exist', async () => {
    await mustReject([
      ['no id', (s) => { s.object = { objectType: 'StatementRef' }; }],
      ['id "should fail"', (s) => { s.object = { objectType: 'StatementRef', id: 'should fail' }; }],
      ['an unknown key', (s) => { s.object = { objectType: 'StatementRef', id: uuid(), definition: {} }; }],
    ]);
    await mustAccept([['a target nobody stored', (s) => { s.object = { objectType: 'StatementRef', id: uuid() }; }]]);
  });

  test('S26 SubStatement: a statement without id, stored, version or authority, and no nested SubStatement', async () => {
    await mustReject([
      ['no actor', (s) => { const o = sub(); delete o.actor; s.object = o; }],
      ['no verb', (s) => { const o = sub(); delete o.verb; s.object = o; }],
      ['no object', (s) => { const o = sub(); delete o.object; s.object = o; }],
      ['with id', (s) => { s.object = sub({ id: uuid() }); }],
      ['with stored', (s) => { s.object = sub({ stored: '2015-01-01T00:00:00.000Z' }); }],
      ['with version', (s) => { s.object = sub({ version: '1.0.0' }); }],
      ['with authority', (s) => { s.object = sub({ authority: { mbox: mbox() } }); }],
      ['nested SubStatement', (s) => { s.object = sub({ object: sub() }); }],
      ['an unknown key', (s) => { s.object = sub({ foo: 1 }); }],
      ['an invalid actor', (s) => { s.object = sub({ actor: { name: 'no IFI' } }); }],
    ]);
    await mustAccept([
      ['result, context, timestamp in the future, attachments', (s) => {
        s.object = sub({
          result: { success: true, score: { scaled: 0.5 } },
          context: { registration: uuid(), contextActivities: { parent: [{ id: act() }] } },
          timestamp: '2099-01-01T00:00:00.000Z',
          attachments: [attachment()],
        });
      }],
      ['a StatementRef object', (s) => { s.object = sub({ object: { objectType: 'StatementRef', id: uuid() } }); }],
      ['an Agent object', (s) => { s.object = sub({ object: { objectType: 'Agent', mbox: mbox() } }); }],
    ]);
  });
});

describe('1.5 activity definition', () => {
  test('S27 definition keys, and the types of name, description, type, moreInfo and extensions', async () => {
    await mustReject([
      ['unknown key', (s) => { s.object.definition.foo = 'bar'; }],
      ['type "should error"', (s) => { s.object.definition.type = 'should error'; }],
      ['type a number', (s) => { s.object.definition.type = 1; }],
      ['moreInfo "should error"', (s) => { s.object.definition.moreInfo = 'should error'; }],
      ['moreInfo null', (s) => { s.object.definition.moreInfo = null; }],
      ['name 12345', (s) => { s.object.definition.name = 12345; }],
      ['name "str"', (s) => { s.object.definition.name = 'str'; }],
      ['name {}', (s) => { s.object.definition.name = {}; }],
      ['description 12345', (s) => { s.object.definition.description = 12345; }],
      ['description "str"', (s) => { s.object.definition.description = 'str'; }],
      ['extensions "str"', (s) => { s.object.definition.extensions = 'str'; }],
    ]);
    await mustAccept([['every plain key', (s) => {
      s.object.definition = {
        name: { 'en-US': 'Course', 'zh-CN': '课程' }, description: { 'en-US': 'A course' },
        type: 'http://adlnet.gov/expapi/activities/course', moreInfo: 'https://www.example.com/course',
        extensions: { 'http://example.com/ext': { a: 1 } },
      };
    }]], (got, sent) => (JSON.stringify(got.object) === JSON.stringify(sent.object) ? '' : `object came back as ${JSON.stringify(got.object)}`));
  });

  test('S28 interactionType is one of ten values, case-exact', async () => {
    const types = ['true-false', 'choice', 'fill-in', 'long-fill-in', 'matching', 'performance', 'sequencing', 'likert', 'numeric', 'other'];
    await mustAccept(types.map((t) => [t, (s) => { s.object.definition.interactionType = t; }]));
    await mustReject([
      ['true-faLse', (s) => { s.object.definition.interactionType = 'true-faLse'; }],
      ['Other', (s) => { s.object.definition.interactionType = 'Other'; }],
      ['choiCe', (s) => { s.object.definition.interactionType = 'choiCe'; }],
      ['ab=c://should.fail.com', (s) => { s.object.definition.interactionType = 'ab=c://should.fail.com'; }],
      ['an IRI', (s) => { s.object.definition.interactionType = 'http://adlnet.gov/expapi/activities/cmi.interaction'; }],
      ['a number', (s) => { s.object.definition.interactionType = 12345; }],
      ['an object', (s) => { s.object.definition.interactionType = { choice: true }; }],
      ['""', (s) => { s.object.definition.interactionType = ''; }],
    ]);
  });

  test('S29 correctResponsesPattern: an array of strings, possibly empty; its grammar and length are not checked', async () => {
    const def = (type, pattern) => (s) => { s.object.definition = { interactionType: type, correctResponsesPattern: pattern }; };
    await mustAccept([
      ['[] (no answer is correct)', def('fill-in', [])],
      ['characterstring parameters', def('fill-in', ['{case_matters=false}{lang=en}To be or not to be'])],
      ['order_matters and [,]', def('fill-in', ['{order_matters=false}a[,]b[,]c'])],
      ['a numeric range [:]', def('numeric', ['4[:]7'])],
      ['an open numeric range', def('numeric', [':7'])],
      ['matching pairs [.]', (s) => {
        s.object.definition = {
          interactionType: 'matching', correctResponsesPattern: ['a[.]1[,]b[.]2'],
          source: [{ id: 'a' }, { id: 'b' }], target: [{ id: '1' }, { id: '2' }],
        };
      }],
      ['not matching any grammar', def('other', ['[,][,]{x=}', '', ']]'])],
      ['a long string', def('long-fill-in', ['x'.repeat(5000)])],
      ['many entries', def('fill-in', Array.from({ length: 300 }, (_, i) => `answer ${i}`))],
    ]);
    await mustReject([
      ['a string', def('fill-in', 'answer')],
      ['an array holding a number', def('fill-in', [1])],
      ['an array holding an object', def('fill-in', [{}])],
      ['an array holding null', def('fill-in', [null])],
    ]);
  });

  test('S30 component lists: arrays of {id (string, required), description (language map)}, ids distinct', async () => {
    const cases = [];
    for (const [type, lists] of [['choice', ['choices']], ['sequencing', ['choices']], ['likert', ['scale']],
      ['matching', ['source', 'target']], ['performance', ['steps']]]) {
      const list = lists[0];
      const def = (value) => (s) => {
        s.object.definition = { interactionType: type };
        for (const l of lists) s.object.definition[l] = [{ id: 'x' }];
        s.object.definition[list] = value;
      };
      cases.push(
        [`${type}.${list} not an array`, def({ id: 'a' })],
        [`${type}.${list} id a number`, def([{ id: 1 }])],
        [`${type}.${list} without id`, def([{ description: { 'en-US': 'x' } }])],
        [`${type}.${list} description a string`, def([{ id: 'a', description: 'x' }])],
        [`${type}.${list} description {}`, def([{ id: 'a', description: {} }])],
        [`${type}.${list} description {"key":"value"} (not a tag)`, def([{ id: 'a', description: { 'not a tag': 'value' } }])],
        [`${type}.${list} duplicate ids`, def([{ id: 'a' }, { id: 'a' }])],
        [`${type}.${list} unknown key`, def([{ id: 'a', score: 1 }])],
      );
    }
    await mustReject(cases);
    await mustAccept([
      ['choice', (s) => {
        s.object.definition = {
          interactionType: 'choice', correctResponsesPattern: ['golf[,]tetris'],
          choices: [{ id: 'golf', description: { 'en-US': 'Golf Example' } }, { id: 'tetris', description: { 'en-US': 'Tetris Example' } }],
        };
      }],
      ['likert', (s) => {
        s.object.definition = { interactionType: 'likert', correctResponsesPattern: ['likert_3'],
          scale: [{ id: 'likert_0', description: { 'en-US': 'It’s OK' } }, { id: 'likert_3', description: { 'en-US': 'Great' } }] };
      }],
      ['matching', (s) => {
        s.object.definition = { interactionType: 'matching', source: [{ id: 'a', description: { 'en-US': 'A' } }], target: [{ id: '1' }] };
      }],
      ['performance', (s) => {
        s.object.definition = { interactionType: 'performance', correctResponsesPattern: ['pong[.]1:[,]dg[.]:10'],
          steps: [{ id: 'pong', description: { 'en-US': 'Net pong' } }, { id: 'dg', description: { 'en-US': 'Dungeon' } }] };
      }],
      ['sequencing', (s) => { s.object.definition = { interactionType: 'sequencing', choices: [{ id: 'a' }, { id: 'b' }] }; }],
      ['the same id in two different lists', (s) => { s.object.definition = { interactionType: 'matching', source: [{ id: 'x' }], target: [{ id: 'x' }] }; }],
    ]);
  });

  test('S31 a component list that does not belong to the interactionType is refused (recommended)', async () => {
    const def = (type, list) => (s) => { s.object.definition = { interactionType: type, [list]: [{ id: 'a' }] }; };
    await mustReject([
      ['true-false + choices', def('true-false', 'choices')],
      ['fill-in + choices', def('fill-in', 'choices')],
      ['numeric + steps', def('numeric', 'steps')],
      ['other + scale', def('other', 'scale')],
      ['likert + choices', def('likert', 'choices')],
      ['choice + scale', def('choice', 'scale')],
      ['matching + steps', def('matching', 'steps')],
      ['performance + source', def('performance', 'source')],
      ['sequencing + target', def('sequencing', 'target')],
    ]);
  });

  test('S32 correctResponsesPattern or a component list without interactionType is 400', async () => {
    await mustReject(['correctResponsesPattern', 'choices', 'scale', 'source', 'target', 'steps'].map((k) => [
      k, (s) => { s.object.definition[k] = k === 'correctResponsesPattern' ? ['a'] : [{ id: 'a' }]; },
    ]));
  });

  test('S33 interactionType without lists or pattern is valid', async () => {
    await mustAccept(['choice', 'matching', 'performance', 'likert', 'sequencing'].map((t) => [t, (s) => {
      s.object.definition = { name: { 'en-US': 'q' }, interactionType: t };
    }]));
  });
});

describe('1.6 result', () => {
  test('S34 result keys and types: score object, success and completion booleans, response string, duration, extensions', async () => {
    await mustReject([
      ['score 12345', (s) => { s.result = { score: 12345 }; }],
      ['score "x"', (s) => { s.result = { score: 'x' }; }],
      ['success "true"', (s) => { s.result = { success: 'true' }; }],
      ['completion "false"', (s) => { s.result = { completion: 'false' }; }],
      ['response 12', (s) => { s.result = { response: 12 }; }],
      ['duration 12345', (s) => { s.result = { duration: 12345 }; }],
      ['extensions "x"', (s) => { s.result = { extensions: 'x' }; }],
      ['unknown key', (s) => { s.result = { grade: 'A' }; }],
      ['result a string', (s) => { s.result = 'passed'; }],
    ]);
    await mustAccept([['every key', (s) => {
      s.result = {
        score: { scaled: 0.95, raw: 95, min: 0, max: 100 }, success: true, completion: true, response: 'We agreed on some example actions.',
        duration: 'PT1H0M0S', extensions: { 'http://example.com/ext': 'x' },
      };
    }]], (got, sent) => (JSON.stringify(got.result) === JSON.stringify(sent.result) ? '' : `result came back as ${JSON.stringify(got.result)}`));
  });

  test('S35 score: numbers; scaled in -1..1; min < max; raw within min..max', async () => {
    const score = (v) => (s) => { s.result = { score: v }; };
    await mustAccept([
      ['scaled 1.0', score({ scaled: 1.0 })],
      ['scaled -1.0', score({ scaled: -1.0 })],
      ['scaled 0', score({ scaled: 0 })],
      ['raw == min', score({ raw: 0, min: 0, max: 10 })],
      ['raw == max', score({ raw: 10, min: 0, max: 10 })],
      ['negative bounds', score({ raw: -5, min: -10, max: -1 })],
      ['raw alone', score({ raw: 1234.5 })],
    ]);
    await mustReject([
      ['raw "100"', score({ raw: '100' })],
      ['scaled "0.5"', score({ scaled: '0.5' })],
      ['min "0"', score({ min: '0' })],
      ['scaled 1.01', score({ scaled: 1.01 })],
      ['scaled -1.00001', score({ scaled: -1.00001 })],
      ['min > max', score({ min: 10, max: 5 })],
      ['raw > max', score({ raw: 101, min: 0, max: 100 })],
      ['raw < min', score({ raw: -1, min: 0, max: 100 })],
      ['raw > max (no min)', score({ raw: 101, max: 100 })],
      ['raw < min (no max)', score({ raw: -1, min: 0 })],
      ['unknown key Scaled', score({ Scaled: 0.5 })],
      ['unknown key percent', score({ percent: 50 })],
    ]);
  });

  test('S36 duration: ISO 8601 durations only, without the alternative format', async () => {
    const dur = (d) => (s) => { s.result = { duration: d }; };
    await mustAccept(['PT1H0M0.1S', 'PT4H35M59.14S', 'PT16559.14S', 'P3Y1M29DT4H35M59.14S', 'P3Y', 'P4W', 'P1D', 'PT0S',
      'P1Y2M3DT4H5M6S', 'PT1.0001S', 'PT1,5S', 'PT36H'].map((d) => [d, dur(d)]));
    await mustReject([
      ['PA1H0M0S', dur('PA1H0M0S')],
      ['should fail', dur('should fail')],
      ['12345 (a number)', dur(12345)],
      ['{}', dur({})],
      ['P (no component)', dur('P')],
      ['PT (T without a component)', dur('PT')],
      ['P1DT (T without a component)', dur('P1DT')],
      ['P4W1D (weeks combined)', dur('P4W1D')],
      ['P1.5DT1H (fraction not on the last component)', dur('P1.5DT1H')],
      ['P0003-01-29T04:35:59 (alternative format)', dur('P0003-01-29T04:35:59')],
      ['PT1S1M (out of order)', dur('PT1S1M')],
      ['1H (no P)', dur('1H')],
      ['-PT1S (negative)', dur('-PT1S')],
      ['PT1H (lower-case unit) pt1h', dur('pt1h')],
    ]);
  });
});

describe('1.7 context', () => {
  test('S37 context keys and types: registration UUID, revision, platform and language strings', async () => {
    const ctx = (c) => (s) => { s.context = c; };
    await mustReject([
      ['registration "should fail"', ctx({ registration: 'should fail' })],
      ['registration {}', ctx({ registration: {} })],
      ['registration null', ctx({ registration: null })],
      ['revision 12', ctx({ revision: 12 })],
      ['revision {}', ctx({ revision: {} })],
      ['platform 12', ctx({ platform: 12 })],
      ['platform {}', ctx({ platform: {} })],
      ['language 12', ctx({ language: 12 })],
      ['language {}', ctx({ language: {} })],
      ['extensions "x"', ctx({ extensions: 'x' })],
      ['unknown key', ctx({ session: 'x' })],
      ['context a string', ctx('context')],
    ]);
    await mustAccept([['every key', (s) => {
      s.context = {
        registration: uuid(), instructor: { mbox: mbox('teacher'), name: 'Teacher' },
        team: { objectType: 'Group', name: 'Team', member: [{ mbox: mbox() }] },
        contextActivities: { parent: [{ id: act('parent') }], grouping: [{ id: act('grouping') }], category: [{ id: act('category') }], other: [{ id: act('other') }] },
        revision: 'r2', platform: 'Moodle', language: 'zh-CN', statement: { objectType: 'StatementRef', id: uuid() },
        extensions: { 'http://example.com/ext': 1 },
      };
    }]], (got, sent) => (JSON.stringify(got.context) === JSON.stringify(sent.context) ? '' : `context came back as ${JSON.stringify(got.context)}`));
  });

  test('S38 team must be a Group', async () => {
    await mustReject([
      ['an Agent', (s) => { s.context = { team: { objectType: 'Agent', mbox: mbox() } }; }],
      ['an Agent without objectType', (s) => { s.context = { team: { mbox: mbox() } }; }],
      ['a string', (s) => { s.context = { team: 'team' }; }],
      ['{key:value}', (s) => { s.context = { team: { key: 'value' } }; }],
    ]);
    await mustAccept([
      ['an anonymous Group', (s) => { s.context = { team: { objectType: 'Group', member: [{ mbox: mbox() }] } }; }],
      ['an identified Group', (s) => { s.context = { team: { objectType: 'Group', mbox: mbox('team') } }; }],
    ]);
  });

  test('S39 instructor is an Agent or a Group', async () => {
    await mustReject([
      ['a string', (s) => { s.context = { instructor: 'teacher' }; }],
      ['{key:value}', (s) => { s.context = { instructor: { key: 'value' } }; }],
      ['an Agent with two IFIs', (s) => { s.context = { instructor: { mbox: mbox(), openid: 'http://openid.example.com/t' } }; }],
    ]);
    await mustAccept([
      ['an Agent', (s) => { s.context = { instructor: { mbox: mbox('teacher') } }; }],
      ['a Group', (s) => { s.context = { instructor: { objectType: 'Group', member: [{ mbox: mbox() }, { mbox: mbox() }] } }; }],
    ]);
  });

  test('S40 contextActivities: parent, grouping, category, other; each one Activity or an array; returned as arrays', async () => {
    await mustReject([
      ['a string', (s) => { s.context = { contextActivities: 'x' }; }],
      ['{}', (s) => { s.context = { contextActivities: {} }; }],
      ['an unknown key', (s) => { s.context = { contextActivities: { sibling: [{ id: act() }] } }; }],
      ['Parent (wrong case)', (s) => { s.context = { contextActivities: { Parent: [{ id: act() }] } }; }],
      ['an Activity without id', (s) => { s.context = { contextActivities: { parent: [{ definition: {} }] } }; }],
      ['an Activity with a bad id', (s) => { s.context = { contextActivities: { category: { id: 'should fail' } } }; }],
      ['a value that is a string', (s) => { s.context = { contextActivities: { parent: 'http://example.com/a' } }; }],
      ['an Agent in a list', (s) => { s.context = { contextActivities: { other: [{ objectType: 'Agent', mbox: mbox() }] } }; }],
    ]);
    const w = await setup();
    const one = { id: act('parent'), objectType: 'Activity' };
    const got = await store(w.x, stmt({
      context: { contextActivities: { parent: one, grouping: [{ id: act('g') }], category: { id: act('c') }, other: { id: act('o') } } },
    }));
    const ca = got.context.contextActivities;
    for (const k of ['parent', 'grouping', 'category', 'other']) assert.ok(Array.isArray(ca[k]), `${k} came back as ${JSON.stringify(ca[k])}`);
    assert.deepEqual(ca.parent, [one]);
    const inSub = await store(w.x, stmt({ object: sub({ context: { contextActivities: { parent: { id: act('p') }, other: { id: act('o') } } } }) }));
    const sca = inSub.object.context.contextActivities;
    assert.ok(Array.isArray(sca.parent) && Array.isArray(sca.other), `in a SubStatement: ${JSON.stringify(sca)}`);
  });

  test('S41 revision and platform only with an Activity object (also inside a SubStatement)', async () => {
    const cases = [];
    const objects = {
      Agent: () => ({ objectType: 'Agent', mbox: mbox() }),
      Group: () => ({ objectType: 'Group', member: [{ mbox: mbox() }] }),
      StatementRef: () => ({ objectType: 'StatementRef', id: uuid() }),
      SubStatement: () => sub(),
    };
    for (const [type, make] of Object.entries(objects))
      for (const key of ['revision', 'platform']) {
        cases.push([`${key} with a ${type} object`, (s) => { s.object = make(); s.context = { [key]: 'x' }; }]);
        if (type !== 'SubStatement')
          cases.push([`${key} in a SubStatement with a ${type} object`, (s) => { s.object = sub({ object: make(), context: { [key]: 'x' } }); }]);
      }
    await mustReject(cases);
    await mustAccept([
      ['revision and platform with an Activity', (s) => { s.context = { revision: 'r1', platform: 'Moodle' }; }],
      ['... with an Activity without objectType', (s) => { s.object = { id: act() }; s.context = { revision: 'r1', platform: 'Moodle' }; }],
      ['... in a SubStatement with an Activity', (s) => { s.object = sub({ context: { revision: 'r1', platform: 'Moodle' } }); }],
    ]);
  });

  test('S42 context.language is an RFC 5646 tag; context.statement a StatementRef', async () => {
    await mustReject([
      ...['a12345', 'de-419-DE', 'a-DE', 'ar-a-aaa-b-bbb-a-ccc', 'en_US', 'english language'].map((t) => [`language ${t}`, (s) => { s.context = { language: t }; }]),
      ['statement objectType "statementref"', (s) => { s.context = { statement: { objectType: 'statementref', id: uuid() } }; }],
      ['statement without objectType', (s) => { s.context = { statement: { id: uuid() } }; }],
      ['statement id not a UUID', (s) => { s.context = { statement: { objectType: 'StatementRef', id: 'should fail' } }; }],
      ['statement a string', (s) => { s.context = { statement: uuid() }; }],
      ['statement an Activity', (s) => { s.context = { statement: { objectType: 'Activity', id: act() } }; }],
    ]);
    await mustAccept(['en', 'zh-Hans-CN', 'x-whatever', 'i-enochian', 'sl-rozaj-biske'].map((t) => [`language ${t}`, (s) => { s.context = { language: t }; }]));
  });
});

describe('1.8 authority', () => {
  test('S43 authority, if present, is a valid Agent or Group', async () => {
    await mustReject([
      ['no IFI', (s) => { s.authority = { objectType: 'Agent', name: 'x' }; }],
      ['a string', (s) => { s.authority = 'mailto:a@example.com'; }],
      ['a bad mbox', (s) => { s.authority = { mbox: 'should.fail.com' }; }],
      ['objectType "agent"', (s) => { s.authority = { objectType: 'agent', mbox: mbox() }; }],
      ['two IFIs', (s) => { s.authority = { mbox: mbox(), openid: 'http://openid.example.com/a' }; }],
    ]);
  });

  test('S44 a Group authority is an anonymous Group of exactly two Agents', async () => {
    const member = () => ({ objectType: 'Agent', mbox: mbox() });
    await mustReject([
      ['an identified Group with two members', (s) => { s.authority = { objectType: 'Group', mbox: mbox('g'), member: [member(), member()] }; }],
      ['an identified Group without members', (s) => { s.authority = { objectType: 'Group', account: { homePage: 'http://example.com', name: 'g' } }; }],
      ['one member', (s) => { s.authority = { objectType: 'Group', member: [member()] }; }],
      ['three members', (s) => { s.authority = { objectType: 'Group', member: [member(), member(), member()] }; }],
      ['no member', (s) => { s.authority = { objectType: 'Group', name: 'g' }; }],
    ]);
    await mustAccept([
      ['two members', (s) => { s.authority = { objectType: 'Group', member: [{ account: { homePage: 'http://example.com/xAPI/OAuth/Token', name: 'app' } }, member()] }; }],
      ['an Agent', (s) => { s.authority = member(); }],
    ]);
  });

  test('S45 S46 every stored statement has an authority, built from the Basic credentials (an Agent with one IFI)', async () => {
    const w = await setup();
    const plain = await store(w.x, stmt());
    const a = plain.authority;
    assert.ok(a && typeof a === 'object', `no authority: ${JSON.stringify(plain)}`);
    assert.ok(a.objectType === undefined || a.objectType === 'Agent', `authority objectType ${a.objectType}`);
    const ifis = ['mbox', 'mbox_sha1sum', 'openid', 'account'].filter((k) => k in a);
    assert.equal(ifis.length, 1, `authority IFIs: ${JSON.stringify(a)}`);
    const claimed = await store(w.x, stmt({ authority: { objectType: 'Agent', mbox: mbox('impostor') } }));
    assert.deepEqual(claimed.authority, a, 'a submitted authority is overwritten from the credentials');
  });

  test('S47 a client may not void another institution\'s statement (403, or no effect for the owner)', async () => {
    const w = await setup();
    const mine = stmt();
    await store(w.x, mine);
    const res = await w.other.post('/xapi/statements', stmt({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: mine.id } }));
    assert.ok([200, 403].includes(res.status), brief(res));
    const after = await getById(w.x, mine.id);
    assert.equal(after.status, 200, `the other institution's voiding answered ${res.status}; the owner's GET now -> ${brief(after)}`);
    assert.equal((await w.x.get(`/xapi/statements?${q({ voidedStatementId: mine.id })}`)).status, 404);
  });
});

describe('1.9 special data types', () => {
  test('S48 timestamps: ISO 8601 date-times; -00, -0000, -00:00 refused (also in SubStatements)', async () => {
    const ts = (t) => (s) => { s.timestamp = t; };
    await mustAccept([
      ['Z with ms', ts('2015-01-01T12:00:00.123Z')],
      ['no fraction', ts('2015-01-01T12:00:00Z')],
      ['+08:00', ts('2015-01-01T12:00:00.123+08:00')],
      ['-05:00', ts('2015-01-01T12:00:00.123-05:00')],
      ['+0800', ts('2015-01-01T12:00:00.123+0800')],
      ['+08', ts('2015-01-01T12:00:00.123+08')],
      ['+00:00', ts('2015-01-01T12:00:00.123+00:00')],
      ['microseconds', ts('2015-01-01T12:00:00.123456Z')],
      ['in the future', ts('2099-12-31T23:59:59.999Z')],
      ['no zone (recommended: treated as UTC)', ts('2015-01-01T12:00:00.123')],
      ['in a SubStatement, in the future', (s) => { s.object = sub({ timestamp: '2099-01-01T00:00:00.000Z' }); }],
    ], (got, sent) => {
      if (!sent.timestamp) return '';
      return instant(got.timestamp) === instant(sent.timestamp) ? '' : `timestamp ${sent.timestamp} came back as ${got.timestamp}`;
    });
    await mustReject([
      ['should fail', ts('should fail')],
      ['01/011/2015', ts('01/011/2015')],
      ['a date only', ts('2015-01-01')],
      ['-00', ts('2015-01-01T12:00:00.000-00')],
      ['-0000', ts('2015-01-01T12:00:00.000-0000')],
      ['-00:00', ts('2015-01-01T12:00:00.000-00:00')],
      ['month 13', ts('2015-13-01T12:00:00.000Z')],
      ['hour 25', ts('2015-01-01T25:00:00.000Z')],
      ['a number', ts(1420113600)],
      ['SubStatement -00', (s) => { s.object = sub({ timestamp: '2015-01-01T12:00:00.000-00' }); }],
      ['SubStatement -0000', (s) => { s.object = sub({ timestamp: '2015-01-01T12:00:00.000-0000' }); }],
      ['SubStatement -00:00', (s) => { s.object = sub({ timestamp: '2015-01-01T12:00:00.000-00:00' }); }],
      ['SubStatement should fail', (s) => { s.object = sub({ timestamp: 'should fail' }); }],
    ]);
  });

  test('S49 language maps: at least one entry, RFC 5646 keys, string values', async () => {
    const valid = ['de', 'ine', 'tlh', 'zh-Hant', 'sr-Latn', 'sr-Latn-RS', 'zh-cmn-Hans-CN', 'sl-rozaj-biske', 'de-CH-1901',
      'hy-Latn-IT-arevela', 'de-DE', 'az-Arab-x-AZE-derbend', 'x-whatever', 'i-enochian', 'en', 'en-US', 'en-GB', 'ja-JP',
      'ko-KR', 'is-IS', 'ru-RU', 'pa-IN', 'sk-SK', 'ar-EG', 'hy-AM', 'kn-IN', 'es-419', 'EN-us'];
    await mustAccept(valid.map((t) => [t, (s) => { s.verb.display = { [t]: 'attempted' }; }]),
      (got, sent) => (JSON.stringify(got.verb) === JSON.stringify(sent.verb) ? '' : `verb came back as ${JSON.stringify(got.verb)}`));
    await mustReject([
      ...['a12345', 'de-419-DE', 'a-DE', 'ar-a-aaa-b-bbb-a-ccc', 'en_US', 'en-', '-en', 'toolongtag', 'en--US'].map((t) => [
        `key ${t}`, (s) => { s.verb.display = { [t]: 'attempted' }; }]),
      ['value null', (s) => { s.verb.display = { 'en-US': null }; }],
      ['value a number', (s) => { s.verb.display = { 'en-US': 1 }; }],
      ['value an object', (s) => { s.verb.display = { 'en-US': { text: 'x' } }; }],
      ['an array', (s) => { s.verb.display = ['attempted']; }],
      ['bad key in definition.name', (s) => { s.object.definition.name = { 'a-DE': 'x' }; }],
      ['bad key in definition.description', (s) => { s.object.definition.description = { 'de-419-DE': 'x' }; }],
      ['bad key in an interaction component', (s) => { s.object.definition = { interactionType: 'choice', choices: [{ id: 'a', description: { a12345: 'x' } }] }; }],
      ['bad key in attachment display', (s) => { s.attachments = [attachment({ display: { 'a-DE': 'x' } })]; }],
    ]);
  });

  test('S50 extensions: an object whose keys are IRIs, in definition, result and context (also in SubStatements)', async () => {
    const badKey = { 'should fail': 1 };
    await mustReject([
      ['definition: key "should fail"', (s) => { s.object.definition.extensions = badKey; }],
      ['result: key "should fail"', (s) => { s.result = { extensions: badKey }; }],
      ['context: key "should fail"', (s) => { s.context = { extensions: badKey }; }],
      ['keys id and description', (s) => { s.result = { extensions: { id: 'http://example.com', description: 'x' } }; }],
      ['SubStatement definition: bad key', (s) => { s.object = sub({ object: { id: act(), definition: { extensions: badKey } } }); }],
      ['SubStatement result: bad key', (s) => { s.object = sub({ result: { extensions: badKey } }); }],
      ['SubStatement context: bad key', (s) => { s.object = sub({ context: { extensions: badKey } }); }],
      ['extensions a string', (s) => { s.context = { extensions: 'x' }; }],
      ['extensions an array', (s) => { s.result = { extensions: [1] }; }],
    ]);
    const values = { 'http://example.com/a': null, 'http://example.com/b': [1, 'x', { y: true }], 'urn:example:c': 'text', 'http://example.com/d': {} };
    await mustAccept([['any JSON values', (s) => { s.result = { extensions: values }; }]],
      (got) => (JSON.stringify(got.result.extensions) === JSON.stringify(values) ? '' : `came back as ${JSON.stringify(got.result.extensions)}`));
  });

  test('S51 version: 1.0 or 1.0.x, kept as received; 1.0.0 when absent', async () => {
    await mustAccept(['1.0', '1.0.0', '1.0.3', '1.0.9', '1.0.10', '1.0.0-beta'].map((v) => [v, (s) => { s.version = v; }]),
      (got, sent) => (got.version === sent.version ? '' : `version ${sent.version} came back as ${got.version}`));
    await mustReject([
      ['0.9.9', (s) => { s.version = '0.9.9'; }],
      ['1.1.0', (s) => { s.version = '1.1.0'; }],
      ['2.0.0', (s) => { s.version = '2.0.0'; }],
      ['should fail', (s) => { s.version = 'should fail'; }],
      ['a number', (s) => { s.version = 1.0; }],
      ['0.95', (s) => { s.version = '0.95'; }],
      ['1.0.x', (s) => { s.version = '1.0.x'; }],
      ['1.0.', (s) => { s.version = '1.0.'; }],
    ]);
    const w = await setup();
    assert.equal((await store(w.x, stmt())).version, '1.0.0');
  });

  test('S52 IRIs are absolute with a scheme; IRLs (moreInfo, homePage, fileUrl) too', async () => {
    const invalid = ['ab=c://should.fail.com', 'should fail', 'different value', 'not JSON', '1', 'true', 'undefined',
      '{"key":"value"}', '//example.com/x', '#fragment', 'http://exa mple.com/x', '1http://example.com'];
    await mustReject([
      ...invalid.map((v) => [`verb.id ${v}`, (s) => { s.verb.id = v; }]),
      ...invalid.slice(0, 4).map((v) => [`object.id ${v}`, (s) => { s.object.id = v; }]),
      ['definition.type should fail', (s) => { s.object.definition.type = 'should fail'; }],
      ['moreInfo should fail', (s) => { s.object.definition.moreInfo = 'should fail'; }],
      ['account.homePage should fail', (s) => { s.actor = { account: { homePage: 'should fail', name: 'u' } }; }],
      ['attachment fileUrl should fail', (s) => { s.attachments = [attachment({ fileUrl: 'should fail' })]; }],
      ['attachment usageType should fail', (s) => { s.attachments = [attachment({ usageType: 'should fail' })]; }],
      ['extension key different value', (s) => { s.context = { extensions: { 'different value': 1 } }; }],
    ]);
    await mustAccept([
      ['urn:', (s) => { s.verb.id = `urn:x-example:verb:${hex(4)}`; }],
      ['tag:', (s) => { s.verb.id = `tag:example.com,2024:verb-${hex(4)}`; }],
      ['a scheme with + - .', (s) => { s.verb.id = `x-my+scheme.v1:${hex(4)}`; }],
      ['non-ASCII (an IRI, not a URI)', (s) => { s.verb.id = `https://例子.测试/动词/${hex(4)}`; }],
      ['percent-encoded', (s) => { s.object.id = `http://example.com/a%20b/${hex(4)}`; }],
      ['with query and fragment', (s) => { s.object.id = `http://example.com/a?x=1&y=2#frag-${hex(4)}`; }],
    ]);
  });

  test('S52 IRIs are compared as strings: no scheme-based normalisation (default port, trailing slash)', async () => {
    const w = await setup();
    const v = `http://example.com/verbs/${RUN}/plain-${hex(4)}`;
    const s = stmt({ verb: { id: v } });
    await store(w.x, s);
    assert.deepEqual(await queryIds(w.x, { verb: v }), [s.id]);
    assert.deepEqual(await queryIds(w.x, { verb: v.replace('example.com', 'example.com:80') }), []);
    assert.deepEqual(await queryIds(w.x, { verb: v + '/' }), []);
  });

  test('S53 UUIDs: 36 hex characters with hyphens, either case, compared case-insensitively (edge 17)', async () => {
    const good = uuid();
    const bad37 = good + 'a', badM = good.slice(0, -1) + 'M';
    await mustReject([
      ...[['37 digits', bad37], ['an M', badM], ['no hyphens', good.replaceAll('-', '')], ['braces', `{${good}}`]].flatMap(([label, v]) => [
        [`id: ${label}`, (s) => { s.id = v; }],
        [`StatementRef id: ${label}`, (s) => { s.object = { objectType: 'StatementRef', id: v }; }],
        [`registration: ${label}`, (s) => { s.context = { registration: v }; }],
        [`context.statement.id: ${label}`, (s) => { s.context = { statement: { objectType: 'StatementRef', id: v } }; }],
      ]),
    ]);
    const w = await setup();
    const upper = uuid().toUpperCase();
    const s = stmt({ id: upper, context: { registration: uuid().toUpperCase() } });
    const res = await w.x.post('/xapi/statements', s);
    assertStatus(res, 200);
    assertStatus(await getById(w.x, upper.toLowerCase()), 200);
    assertStatus(await getById(w.x, upper), 200);
    const reg = await queryIds(w.x, { registration: s.context.registration.toLowerCase() });
    assert.deepEqual(reg.map((i) => i.toLowerCase()), [upper.toLowerCase()]);
    const again = await w.x.post('/xapi/statements', { ...s, id: upper.toLowerCase() });
    assert.equal(again.status, 204, `the same statement with its id in lower case: ${brief(again)}`);
  });
});

describe('1.10 attachments (statement-level)', () => {
  test('S54 attachments is an array of objects', async () => {
    await mustReject([
      ['an object', (s) => { s.attachments = attachment(); }],
      ['a string', (s) => { s.attachments = 'x'; }],
      ['an element that is a number', (s) => { s.attachments = [1]; }],
      ['an element that is a string', (s) => { s.attachments = ['x']; }],
    ]);
  });

  test('S55 attachment properties: usageType, display, description, contentType, length, sha2, fileUrl', async () => {
    const without = (k) => (s) => { const a = attachment(); delete a[k]; s.attachments = [a]; };
    const att = (over) => (s) => { s.attachments = [attachment(over)]; };
    await mustReject([
      ['usageType should fail', att({ usageType: 'should fail' })],
      ['no usageType', without('usageType')],
      ['no display', without('display')],
      ['display a string', att({ display: 'x' })],
      ['description a number', att({ description: 12 })],
      ['description a string', att({ description: 'x' })],
      ['contentType should fail', att({ contentType: 'should fail' })],
      ['contentType a number', att({ contentType: 12 })],
      ['no contentType', without('contentType')],
      ['length a string', att({ length: '1024' })],
      ['length negative', att({ length: -1 })],
      ['length a fraction', att({ length: 1.5 })],
      ['no length', without('length')],
      ['sha2 a number', att({ sha2: 12 })],
      ['no sha2 (even with fileUrl)', without('sha2')],
      ['fileUrl should fail', att({ fileUrl: 'should fail' })],
      ['an unknown key', att({ name: 'certificate.pdf' })],
    ]);
    await mustAccept([
      ['all properties', att({ description: { 'en-US': 'A certificate' }, contentType: 'text/plain; charset=ascii' })],
      ['length 0', att({ length: 0 })],
    ], (got, sent) => (JSON.stringify(got.attachments) === JSON.stringify(sent.attachments) ? '' : `attachments came back as ${JSON.stringify(got.attachments)}`));
  });

  test('S56 with application/json every attachment needs a fileUrl', async () => {
    await mustReject([
      ['one attachment without fileUrl', (s) => { const a = attachment(); delete a.fileUrl; s.attachments = [a]; }],
      ['two, one without fileUrl', (s) => { const a = attachment(); delete a.fileUrl; s.attachments = [attachment(), a]; }],
    ]);
    await mustAccept([['two with fileUrl', (s) => { s.attachments = [attachment(), attachment({ fileUrl: 'https://files.example.com/b.pdf' })]; }]]);
  });

  test('S57 a signature attachment must have contentType application/octet-stream', async () => {
    await mustReject([
      ['text/plain', (s) => { s.attachments = [attachment({ usageType: SIGNATURE, contentType: 'text/plain' })]; }],
      ['application/json', (s) => { s.attachments = [attachment({ usageType: SIGNATURE, contentType: 'application/json' })]; }],
    ]);
  });

  test('S58 an attachment on a SubStatement is allowed', async () => {
    await mustAccept([['SubStatement attachment', (s) => { s.object = sub({ attachments: [attachment()] }); }]],
      (got) => (Array.isArray(got.object.attachments) && got.object.attachments.length === 1 ? '' : `SubStatement came back as ${JSON.stringify(got.object)}`));
  });

  test('validation runs on PUT as it does on POST (a sample of the cases above)', async () => {
    await mustReject([
      ['S3 no actor', (s) => { delete s.actor; }],
      ['S11 mbox without @', (s) => { s.actor.mbox = 'mailto:should.fail.com'; }],
      ['S20 display {}', (s) => { s.verb.display = {}; }],
      ['S26 SubStatement with id', (s) => { s.object = sub({ id: uuid() }); }],
      ['S35 raw > max', (s) => { s.result = { score: { raw: 2, max: 1 } }; }],
      ['S48 -00:00', (s) => { s.timestamp = '2015-01-01T12:00:00.000-00:00'; }],
      ['S56 no fileUrl', (s) => { const a = attachment(); delete a.fileUrl; s.attachments = [a]; }],
      ['G2 unknown key', (s) => { s.foo = 1; }],
    ], { method: 'PUT' });
  });
});

// ---- 2. statement resource ------------------------------------------------------------------

describe('2.1 PUT /statements', () => {
  test('PUT stores at statementId: 204, empty body; the id is taken from statementId', async () => {
    const w = await setup();
    const sid = uuid();
    const s = stmt();
    const res = await w.x.put(`/xapi/statements?${q({ statementId: sid })}`, s);
    assert.equal(res.status, 204, brief(res));
    assert.equal(res.text, '');
    const got = await getById(w.x, sid);
    assertStatus(got, 200);
    assert.equal(got.json.id, sid);
    const withId = stmt({ id: uuid() });
    assert.equal((await w.x.put(`/xapi/statements?${q({ statementId: withId.id })}`, withId)).status, 204);
    assertStatus(await getById(w.x, withId.id), 200);
  });

  test('PUT parameters: statementId required, a UUID, case-sensitive name, nothing else (edge 24)', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, qs] of [
      ['no statementId', ''], ['StatementId', `StatementId=${uuid()}`], ['statementid', `statementid=${uuid()}`],
      ['statementId=true', 'statementId=true'], ['statementId=[object Object]', 'statementId=%5Bobject%20Object%5D'],
      ['statementId not a UUID', 'statementId=12345'], ['an extra parameter', `statementId=${uuid()}&foo=bar`],
      ['statementId twice', `statementId=${uuid()}&statementId=${uuid()}`],
      ['statementId + verb', `statementId=${uuid()}&verb=${encodeURIComponent('http://example.com/v')}`],
    ]) {
      const s = stmt();
      const res = await w.x.put(`/xapi/statements${qs ? '?' + qs : ''}`, s);
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, s);
      if (trace) bad.push(`${label}${trace}`);
      const at = /statementId=([0-9a-f-]{36})/.exec(qs);
      if (at) {
        const got = await getById(w.x, at[1]);
        if (got.status !== 404) bad.push(`${label}: GET at the statementId -> ${brief(got)} (want 404)`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('PUT with a body id other than statementId is 400 and stores nothing; the same id in other case is fine', async () => {
    const w = await setup();
    const sid = uuid(), bodyId = uuid();
    const res = await w.x.put(`/xapi/statements?${q({ statementId: sid })}`, stmt({ id: bodyId }));
    assert.equal(res.status, 400, brief(res));
    assert.equal((await getById(w.x, sid)).status, 404);
    assert.equal((await getById(w.x, bodyId)).status, 404);
    const upper = uuid();
    const ok = await w.x.put(`/xapi/statements?${q({ statementId: upper })}`, stmt({ id: upper.toUpperCase() }));
    assert.equal(ok.status, 204, `body id in upper case, statementId in lower case: ${brief(ok)}`);
  });

  test('PUT at an existing id: equivalent content 204; other content 409 and nothing changes (edge 23)', async () => {
    const w = await setup();
    const sid = uuid();
    const s = stmt({ result: { success: true } });
    assert.equal((await w.x.put(`/xapi/statements?${q({ statementId: sid })}`, s)).status, 204);
    const first = (await getById(w.x, sid)).json;
    assert.equal((await w.x.put(`/xapi/statements?${q({ statementId: sid })}`, s)).status, 204);
    const other = await w.x.put(`/xapi/statements?${q({ statementId: sid })}`, { ...s, result: { success: false } });
    assert.equal(other.status, 409, brief(other));
    const after = (await getById(w.x, sid)).json;
    assert.deepEqual(after, first, 'the stored statement did not change');
  });

  test('PUT of a voiding statement at an existing id (409) voids nothing', async () => {
    const w = await setup();
    const target = stmt();
    await store(w.x, target);
    const holder = stmt();
    await store(w.x, holder);
    const res = await w.x.put(`/xapi/statements?${q({ statementId: holder.id })}`,
      stmt({ id: holder.id, verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: target.id } }));
    assert.equal(res.status, 409, brief(res));
    assertStatus(await getById(w.x, target.id), 200);
  });
});

describe('2.2 POST /statements', () => {
  test('POST: 200, application/json array of the ids in request order, generated where missing', async () => {
    const w = await setup();
    const given = uuid();
    const res = await w.x.post('/xapi/statements', [stmt(), stmt({ id: given }), stmt()]);
    assertStatus(res, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.json.length, 3);
    assert.equal(res.json[1], given);
    for (const i of res.json) assertStatus(await getById(w.x, i), 200);
    assert.equal(new Set(res.json).size, 3);
    const single = await w.x.post('/xapi/statements', stmt());
    assertStatus(single, 200);
    assert.ok(Array.isArray(single.json) && single.json.length === 1 && UUID_RE.test(single.json[0]), single.text);
  });

  test('POST [stmt, stmt] without ids: 200 with two distinct ids (edge 21)', async () => {
    const w = await setup();
    const s = stmt();
    const res = await w.x.post('/xapi/statements', [s, s]);
    assertStatus(res, 200);
    assert.equal(res.json.length, 2);
    assert.notEqual(res.json[0], res.json[1]);
  });

  test('a batch with one invalid statement is refused whole: 400 and none stored (edge 20)', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, second] of [
      ['verb.id not an IRI', stmt({ verb: { id: 'should fail' } })],
      ['no actor', (() => { const s = stmt(); delete s.actor; return s; })()],
      ['a string', 'statement'],
    ]) {
      const valid = stmt({ id: uuid() }), alsoValid = stmt({ id: uuid() });
      const res = await w.x.post('/xapi/statements', [valid, second, alsoValid]);
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      for (const s of [valid, alsoValid]) {
        const trace = await storedTrace(w.x, s);
        if (trace) bad.push(`${label}${trace}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('the same id twice in one batch is 400 and stores nothing', async () => {
    const w = await setup();
    const same = uuid();
    const other = stmt({ id: uuid() });
    const res = await w.x.post('/xapi/statements', [other, stmt({ id: same }), stmt({ id: same })]);
    assert.equal(res.status, 400, brief(res));
    assert.equal((await getById(w.x, same)).status, 404);
    assert.equal(await storedTrace(w.x, other), '');
    const s = stmt({ id: uuid() });
    const sameContent = await w.x.post('/xapi/statements', [s, s]);
    assert.equal(sameContent.status, 400, `the same statement with its id twice: ${brief(sameContent)}`);
  });

  test('POST at an existing id: other content 409 for the whole batch, nothing changes', async () => {
    const w = await setup();
    const s = stmt({ result: { response: 'first' } });
    const first = await store(w.x, s);
    const res = await w.x.post('/xapi/statements', { ...s, result: { response: 'second' } });
    assert.equal(res.status, 409, brief(res));
    assert.deepEqual((await getById(w.x, s.id)).json, first);
    const fresh = stmt({ id: uuid() });
    const batch = await w.x.post('/xapi/statements', [fresh, { ...s, result: { response: 'third' } }]);
    assert.equal(batch.status, 409, brief(batch));
    assert.equal((await getById(w.x, fresh.id)).status, 404, 'the new statement of a refused batch is not stored');
    assert.deepEqual((await getById(w.x, s.id)).json, first);
  });

  test('PUT then POST of the same statement: 204 or 409, never 200; POST then PUT: 204 or 409 (edge 22)', async () => {
    const w = await setup();
    const a = stmt({ id: uuid() });
    assert.equal((await w.x.put(`/xapi/statements?${q({ statementId: a.id })}`, a)).status, 204);
    const post = await w.x.post('/xapi/statements', a);
    assert.ok([204, 409].includes(post.status), `POST after PUT: ${brief(post)}`);
    const b = stmt({ id: uuid() });
    assertStatus(await w.x.post('/xapi/statements', b), 200);
    const put = await w.x.put(`/xapi/statements?${q({ statementId: b.id })}`, b);
    assert.ok([204, 409].includes(put.status), `PUT after POST: ${brief(put)}`);
  });

  test('a batch of only equivalent existing statements is 204; mixed with new ones, 200 and the new are stored (recommended)', async () => {
    const w = await setup();
    const a = stmt({ id: uuid() }), b = stmt({ id: uuid() });
    assertStatus(await w.x.post('/xapi/statements', [a, b]), 200);
    const again = await w.x.post('/xapi/statements', [a, b]);
    assert.equal(again.status, 204, brief(again));
    const c = stmt({ id: uuid() });
    const mixed = await w.x.post('/xapi/statements', [a, c]);
    assert.equal(mixed.status, 200, brief(mixed));
    assert.deepEqual(mixed.json, [a.id, c.id]);
    assertStatus(await getById(w.x, c.id), 200);
  });

  test('Content-Type application/json may carry parameters (charset)', async () => {
    const w = await setup();
    const s = stmt({ id: uuid() });
    const res = await w.x.post('/xapi/statements', s, { headers: { 'Content-Type': 'application/json; charset=UTF-8' } });
    assertStatus(res, 200);
    assertStatus(await getById(w.x, s.id), 200);
  });

  test('POST takes no query parameters', async () => {
    const w = await setup();
    const s = stmt({ id: uuid() });
    const res = await w.x.post('/xapi/statements?foo=bar', s);
    assert.equal(res.status, 400, brief(res));
    assert.equal(await storedTrace(w.x, s), '');
  });

  test('other methods on /statements are 405, even without credentials or version header', async () => {
    const w = await setup();
    const bad = [];
    for (const method of ['DELETE', 'PATCH']) {
      for (const [label, client, opts] of [['with credentials', w.x, {}], ['with no credentials', w.anon, { version: '1.0.1' }], ['bare', w.anon, { version: null }]]) {
        const res = await client.request(method, '/xapi/statements', opts);
        if (res.status !== 405) bad.push(`${method} ${label}: want 405, got ${brief(res)}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});

describe('2.3 what the LRS sets on store', () => {
  test('id, stored, timestamp, authority and version are set; everything else comes back exactly as sent', async () => {
    const w = await setup();
    const s = {
      actor: { objectType: 'Agent', name: '李华 Li Hua', mbox: mbox() },
      verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered', 'zh-CN': '回答了' } },
      object: {
        objectType: 'Activity', id: act('question'),
        definition: {
          name: { 'en-US': 'Question 1' }, description: { 'en-US': 'Pick one' }, type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
          moreInfo: 'https://example.com/q1', interactionType: 'choice', correctResponsesPattern: ['a'],
          choices: [{ id: 'a', description: { 'en-US': 'A' } }, { id: 'b', description: { 'en-US': 'B' } }],
          extensions: { 'http://example.com/ext/level': 3 },
        },
      },
      result: { score: { scaled: 0.5, raw: 5, min: 0, max: 10 }, success: true, completion: true, response: 'a', duration: 'PT1M30.5S',
        extensions: { 'http://example.com/ext/tries': [1, 2] } },
      context: {
        registration: uuid(), instructor: { name: 'Teacher', mbox: mbox('teacher') },
        team: { objectType: 'Group', name: 'Team', member: [{ mbox: mbox() }] },
        contextActivities: { parent: [{ id: act('course'), objectType: 'Activity' }], grouping: [{ id: act('program') }] },
        revision: 'rev 2', platform: 'Moodle 4', language: 'zh-CN', statement: { objectType: 'StatementRef', id: uuid() },
        extensions: { 'http://example.com/ext/seat': 'A-12' },
      },
      timestamp: '2024-03-01T08:00:00.250Z',
    };
    const res = await w.x.post('/xapi/statements', s);
    assertStatus(res, 200);
    const got = (await getById(w.x, res.json[0])).json;
    assert.equal(got.id, res.json[0]);
    for (const k of ['actor', 'verb', 'object', 'result', 'context']) assert.deepEqual(got[k], s[k], k);
    assert.equal(Date.parse(got.timestamp), Date.parse(s.timestamp));
    assert.match(got.stored, STORED_RE);
    assert.equal(got.version, '1.0.0');
    assert.ok(got.authority);
    const keys = Object.keys(got).sort();
    assert.deepEqual(keys, ['actor', 'authority', 'context', 'id', 'object', 'result', 'stored', 'timestamp', 'verb', 'version']);
  });
});

describe('2.4 GET /statements', () => {
  test('parameter names are case-sensitive; unknown names are 400 (edge 37)', async () => {
    const w = await setup();
    const bad = [];
    for (const p of ['foo=bar', `StatementId=${uuid()}`, `VoidedStatementId=${uuid()}`, `Agent=${encodeURIComponent(JSON.stringify({ mbox: mbox() }))}`,
      'Verb=http%3A%2F%2Fexample.com%2Fv', 'Activity=http%3A%2F%2Fexample.com%2Fa', `Registration=${uuid()}`, 'Related_Activities=true',
      'Related_Agents=true', 'Since=2015-01-01T00%3A00%3A00Z', 'Until=2015-01-01T00%3A00%3A00Z', 'Limit=1', 'Format=ids',
      'Attachments=false', 'Ascending=true', 'LIMIT=1', 'relatedAgents=true']) {
      const res = await w.x.get(`/xapi/statements?${p}`);
      if (res.status !== 400) bad.push(`${p}: want 400, got ${brief(res)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('statementId or voidedStatementId with any parameter other than format or attachments is 400 (edge 25)', async () => {
    const w = await setup();
    const s = stmt();
    await store(w.x, s);
    const bad = [];
    const others = {
      agent: JSON.stringify({ mbox: s.actor.mbox }), verb: s.verb.id, activity: s.object.id, registration: uuid(),
      related_activities: 'true', related_agents: 'true', since: '2015-01-01T00:00:00Z', until: '2099-01-01T00:00:00Z',
      limit: '1', ascending: 'true', more: 'x', voidedStatementId: uuid(),
    };
    for (const name of ['statementId', 'voidedStatementId'])
      for (const [k, v] of Object.entries(others)) {
        if (k === name) continue;
        const res = await w.x.get(`/xapi/statements?${q({ [name]: name === 'statementId' ? s.id : uuid(), [k]: v })}`);
        if (res.status !== 400) bad.push(`${name} + ${k}: want 400, got ${brief(res)}`);
      }
    for (const extra of ['format=ids', 'format=exact', 'format=canonical', 'attachments=false']) {
      const res = await w.x.get(`/xapi/statements?statementId=${s.id}&${extra}`);
      if (res.status !== 200) bad.push(`statementId + ${extra}: want 200, got ${brief(res)}`);
    }
    const both = await w.x.get(`/xapi/statements?statementId=${s.id}&voidedStatementId=${uuid()}`);
    if (both.status !== 400) bad.push(`statementId + voidedStatementId: want 400, got ${brief(both)}`);
    assert.deepEqual(bad, []);
  });

  test('invalid parameter values are 400', async () => {
    const w = await setup();
    const bad = [];
    const cases = {
      statementId: ['not-a-uuid', `${uuid()}a`], voidedStatementId: ['xyz'],
      agent: ['not JSON', '1', 'true', '{"key":"value"}', '{"not_actor":"yup"}', JSON.stringify({ mbox: mbox(), openid: 'http://openid.example.com/a' }),
        JSON.stringify({ objectType: 'Group', member: [{ mbox: mbox() }] }), JSON.stringify({ name: 'no IFI' })],
      verb: ['should fail', ''], activity: ['ab=c://should.fail.com', '1'], registration: ['1', 'true', 'not UUID'],
      related_activities: ['yes', 'TRUE', '1', ''], related_agents: ['True', '0'], ascending: ['True', 'yes'],
      since: ['should fail', '01/011/2015', '2015-01-01T00:00:00.000-00:00'], until: ['tomorrow'],
      limit: ['-1', 'abc', '1.5', ''], format: ['IDS', 'full', 'Exact', ''], attachments: ['yes', 'TRUE'],
    };
    for (const [k, vals] of Object.entries(cases))
      for (const v of vals) {
        const res = await w.x.get(`/xapi/statements?${k}=${encodeURIComponent(v)}`);
        if (res.status !== 400) bad.push(`${k}=${v}: want 400, got ${brief(res)}`);
      }
    assert.deepEqual(bad, []);
  });

  test('a single statement: 200 with the Statement and exact headers; 404 when unknown', async () => {
    const w = await setup();
    const s = stmt();
    await store(w.x, s);
    const res = await getById(w.x, s.id);
    assertStatus(res, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.json.id, s.id);
    const lm = res.headers.get('last-modified');
    assert.ok(lm, 'Last-Modified (SHOULD*)');
    assert.equal(Date.parse(lm), Math.floor(Date.parse(res.json.stored) / 1000) * 1000);
    const missing = await getById(w.x, uuid());
    assert.equal(missing.status, 404);
    assert.equal((await w.x.get(`/xapi/statements?${q({ voidedStatementId: uuid() })}`)).status, 404);
    assert.equal((await w.x.get(`/xapi/statements?${q({ voidedStatementId: s.id })}`)).status, 404, 'voidedStatementId of a statement that is not voided');
  });

  test('a list: StatementResult with statements and more; no match is [] and more ""', async () => {
    const w = await setup();
    const res = await w.x.get(`/xapi/statements?${q({ verb: verbId('never-used') })}`);
    assertStatus(res, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(res.json, { statements: [], more: '' });
    const all = await w.x.get('/xapi/statements');
    assertStatus(all, 200);
    const newest = all.json.statements.map((x) => Date.parse(x.stored)).reduce((a, b) => Math.max(a, b), 0);
    assert.equal(Date.parse(all.headers.get('last-modified')), Math.floor(newest / 1000) * 1000, 'Last-Modified of a list: the newest stored (SHOULD*)');
    assert.equal(typeof all.json.more, 'string', 'more is present on an unlimited query');
    assert.deepEqual(Object.keys(all.json).sort(), ['more', 'statements']);
  });

  test('right after a POST, the first statement of ?limit=1 has an id (edge 39)', async () => {
    const w = await setup();
    await w.x.post('/xapi/statements', stmt());
    const res = await w.x.get('/xapi/statements?limit=1');
    assertStatus(res, 200);
    assert.equal(res.json.statements.length, 1);
    assert.match(res.json.statements[0].id, UUID_RE);
  });

  test('a GET with Content-Type multipart/mixed and no body just works (edge 38)', async () => {
    const w = await setup();
    const res = await w.x.get('/xapi/statements?limit=1', { headers: { 'Content-Type': 'multipart/mixed; boundary=abc' } });
    assertStatus(res, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
  });

  test('agent: actor or object, Groups whose members match, StatementRefs to a match; related_agents adds instructor, team and SubStatements', async () => {
    const w = await setup();
    const A = { mbox: mbox('agentq') };
    const other = () => ({ mbox: mbox() });
    const list = [
      stmt({ actor: { ...A, name: 'A' } }), // 0 actor (name is ignored in matching)
      stmt({ object: { objectType: 'Agent', ...A } }), // 1 object
      stmt({ actor: { objectType: 'Group', member: [other(), A] } }), // 2 anonymous group member
      stmt({ actor: other(), context: { instructor: A } }), // 3 instructor
      stmt({ actor: other(), context: { team: { objectType: 'Group', member: [A] } } }), // 4 team member
      stmt({ actor: other(), object: sub({ actor: A }) }), // 5 SubStatement actor
      null, // 6 StatementRef to 0
      stmt({ actor: other(), context: { statement: { objectType: 'StatementRef', id: uuid() } } }), // 7 unrelated
    ];
    const ids = [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i] ?? stmt({ actor: other(), object: { objectType: 'StatementRef', id: ids[0] } });
      ids.push(...(await storeAll(w.x, [s])));
    }
    const plain = await queryIds(w.x, { agent: A });
    assert.deepEqual(plain, [ids[6], ids[2], ids[1], ids[0]]);
    const related = await queryIds(w.x, { agent: A, related_agents: 'true' });
    assert.deepEqual(related, [ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]);
    const withName = await queryIds(w.x, { agent: { objectType: 'Agent', name: 'Someone else', ...A } });
    assert.deepEqual(withName, plain, 'name and objectType do not take part in agent matching');
    const G = { objectType: 'Group', mbox: mbox('identified-group') };
    const g = stmt({ actor: { ...G, name: 'A group', member: [other()] } });
    await storeAll(w.x, [g]);
    assert.deepEqual(await queryIds(w.x, { agent: G }), [g.id], 'agent may be an identified Group');
  });

  test('ordering: statements of one batch share stored; ties break the same way in both directions and pages', async () => {
    const w = await setup();
    const V = verbId('batch');
    const batch = Array.from({ length: 5 }, () => stmt({ id: uuid(), verb: { id: V } }));
    assertStatus(await w.x.post('/xapi/statements', batch), 200);
    const stored = new Set();
    for (const b of batch) stored.add((await getById(w.x, b.id)).json.stored);
    const desc = await queryIds(w.x, { verb: V, limit: '2' });
    const asc = await queryIds(w.x, { verb: V, limit: '2', ascending: 'true' });
    assert.deepEqual([...desc].sort(), batch.map((b) => b.id).sort(), 'every statement once, over pages of 2');
    assert.deepEqual(desc, [...asc].reverse());
    assert.deepEqual(await queryIds(w.x, { verb: V }), desc, 'paging does not change the order');
    if (stored.size === 1) assert.deepEqual(await queryIds(w.x, { verb: V, since: [...stored][0] }), []);
  });

  test('verb: a StatementRef chain a -> b -> c matches c\'s verb; context.statement does not count', async () => {
    const w = await setup();
    const X = verbId('chain');
    const c = stmt({ verb: { id: X } });
    await storeAll(w.x, [c]);
    const b = stmt({ verb: { id: verbId('other') }, object: { objectType: 'StatementRef', id: c.id } });
    await storeAll(w.x, [b]);
    const a = stmt({ verb: { id: verbId('other') }, object: { objectType: 'StatementRef', id: b.id } });
    const d = stmt({ verb: { id: verbId('other') }, context: { statement: { objectType: 'StatementRef', id: c.id } } });
    await storeAll(w.x, [a, d]);
    assert.deepEqual(await queryIds(w.x, { verb: X }), [a.id, b.id, c.id]);
  });

  test('activity: the object; related_activities adds all four context lists and the SubStatement', async () => {
    const w = await setup();
    const Q = act('activityq');
    const list = [
      stmt({ object: { id: Q } }), // 0
      stmt({ context: { contextActivities: { parent: [{ id: Q }] } } }), // 1
      stmt({ context: { contextActivities: { grouping: [{ id: Q }] } } }), // 2
      stmt({ context: { contextActivities: { category: [{ id: act() }, { id: Q }] } } }), // 3
      stmt({ context: { contextActivities: { other: { id: Q } } } }), // 4 (a single object)
      stmt({ object: sub({ object: { id: Q } }) }), // 5
      stmt({ object: sub({ context: { contextActivities: { category: [{ id: Q }] } } }) }), // 6
      stmt(), // 7 unrelated
    ];
    const ids = await storeAll(w.x, list);
    const ref = stmt({ object: { objectType: 'StatementRef', id: ids[0] } });
    ids.push(...(await storeAll(w.x, [ref]))); // 8
    assert.deepEqual(await queryIds(w.x, { activity: Q }), [ids[8], ids[0]]);
    assert.deepEqual(await queryIds(w.x, { activity: Q, related_activities: 'true' }), [8, 6, 5, 4, 3, 2, 1, 0].map((i) => ids[i]));
    assert.deepEqual(await queryIds(w.x, { activity: Q, related_activities: 'false' }), [ids[8], ids[0]]);
  });

  test('registration, and filters together (ANDed)', async () => {
    const w = await setup();
    const r = uuid();
    const A = { mbox: mbox('and') };
    const V = verbId('and');
    const list = [
      stmt({ actor: A, verb: { id: V }, context: { registration: r } }), // 0
      stmt({ actor: A, context: { registration: r } }), // 1
      stmt({ verb: { id: V }, context: { registration: r } }), // 2
      stmt({ actor: A, verb: { id: V } }), // 3
      stmt({ actor: A, verb: { id: V }, context: { registration: uuid() } }), // 4
    ];
    const ids = await storeAll(w.x, list);
    assert.deepEqual(await queryIds(w.x, { registration: r }), [ids[2], ids[1], ids[0]]);
    assert.deepEqual(await queryIds(w.x, { registration: r.toUpperCase() }), [ids[2], ids[1], ids[0]]);
    assert.deepEqual(await queryIds(w.x, { registration: r, agent: A, verb: V }), [ids[0]]);
    assert.deepEqual(await queryIds(w.x, { agent: A, verb: V }), [ids[4], ids[3], ids[0]]);
  });

  test('since (exclusive) and until (inclusive) compare stored; limit; limit=0 is the server maximum; ascending', async () => {
    const w = await setup();
    const V = verbId('time');
    const list = [stmt({ verb: { id: V } }), stmt({ verb: { id: V } }), stmt({ verb: { id: V } })];
    const ids = await storeAll(w.x, list);
    const stored = [];
    for (const i of ids) stored.push((await getById(w.x, i)).json.stored);
    assert.ok(stored[0] < stored[1] && stored[1] < stored[2], `stored times differ: ${stored}`);
    assert.deepEqual(await queryIds(w.x, { verb: V, since: stored[1] }), [ids[2]]);
    assert.deepEqual(await queryIds(w.x, { verb: V, until: stored[1] }), [ids[1], ids[0]]);
    assert.deepEqual(await queryIds(w.x, { verb: V, since: stored[0], until: stored[1] }), [ids[1]]);
    const zoned = new Date(Date.parse(stored[1]) + 8 * 3600e3).toISOString().replace('Z', '+08:00');
    assert.deepEqual(await queryIds(w.x, { verb: V, since: zoned }), [ids[2]], `since in +08:00: ${zoned}`);
    const one = await w.x.get(`/xapi/statements?${q({ verb: V, limit: '1' })}`);
    assertStatus(one, 200);
    assert.deepEqual(one.json.statements.map((s) => s.id), [ids[2]]);
    assert.notEqual(one.json.more, '');
    const zero = await w.x.get(`/xapi/statements?${q({ verb: V, limit: '0' })}`);
    assert.deepEqual(zero.json.statements.map((s) => s.id), [...ids].reverse());
    assert.equal(zero.json.more, '');
    assert.deepEqual(await queryIds(w.x, { verb: V, ascending: 'true' }), ids);
    assert.deepEqual(await queryIds(w.x, { verb: V, ascending: 'false' }), [...ids].reverse());
  });

  test('more: a path-absolute IRL that pages through everything once, usable with the normal headers (edge 29)', async () => {
    const w = await setup();
    const V = verbId('pages');
    const ids = await storeAll(w.x, Array.from({ length: 5 }, () => stmt({ verb: { id: V } })));
    for (const ascending of ['false', 'true']) {
      let res = await w.x.get(`/xapi/statements?${q({ verb: V, limit: '2', ascending })}`);
      const seen = [];
      for (let i = 0; i < 10; i++) {
        assertStatus(res, 200);
        assert.equal(typeof res.json.more, 'string');
        seen.push(...res.json.statements.map((s) => s.id));
        if (!res.json.more) break;
        assert.match(res.json.more, /^\/xapi\/statements\?[^\s]+$/, `more: ${res.json.more}`);
        assert.doesNotMatch(res.json.more, /^\/\/|^[a-z]+:/i);
        res = await w.x.get(new URL(res.json.more, `${BASE}/xapi/statements?verb=x`).href);
      }
      assert.deepEqual(seen, ascending === 'true' ? ids : [...ids].reverse(), `ascending=${ascending}`);
    }
  });

  test('format=ids: agents by objectType and IFI, an identified group without its members, activities by id, verbs by id; format=exact as stored', async () => {
    const w = await setup();
    const V = verbId('ids');
    const s = stmt({
      actor: { objectType: 'Group', name: 'Team', member: [{ name: 'A', mbox: mbox() }, { name: 'B', openid: 'http://openid.example.com/b' }] },
      verb: { id: V, display: { 'en-US': 'did' } },
      context: { instructor: { name: 'Teacher', mbox: mbox() }, contextActivities: { parent: [{ id: act(), definition: { name: { 'en-US': 'P' } } }] } },
    });
    const exact = await store(w.x, s);
    const bad = [];
    for (const path of [`/xapi/statements?${q({ statementId: s.id, format: 'ids' })}`, `/xapi/statements?${q({ verb: V, format: 'ids' })}`]) {
      const res = await w.x.get(path);
      assertStatus(res, 200);
      const got = res.json.statements ? res.json.statements[0] : res.json;
      const only = (what, obj, allowed) => {
        const extra = Object.keys(obj || {}).filter((k) => !allowed.includes(k));
        if (extra.length) bad.push(`${path}: ${what} keeps ${extra}`);
      };
      only('actor', got.actor, ['objectType', 'member', 'mbox', 'mbox_sha1sum', 'openid', 'account']);
      for (const m of got.actor.member || []) only('a member', m, ['objectType', 'mbox', 'mbox_sha1sum', 'openid', 'account']);
      if ((got.actor.member || []).length !== 2) bad.push(`${path}: members ${JSON.stringify(got.actor.member)}`);
      only('verb', got.verb, ['id']);
      if (got.verb.id !== V) bad.push(`${path}: verb.id ${got.verb.id}`);
      only('object', got.object, ['objectType', 'id']);
      if (got.object.id !== s.object.id) bad.push(`${path}: object.id ${got.object.id}`);
      only('instructor', got.context.instructor, ['objectType', 'mbox', 'mbox_sha1sum', 'openid', 'account']);
    }
    // An identified group is named by its own identifier alone, without its members.
    const team = stmt({ actor: { objectType: 'Group', name: 'Team', mbox: mbox(), member: [{ name: 'A', mbox: mbox() }] } });
    await store(w.x, team);
    const named = (await w.x.get(`/xapi/statements?${q({ statementId: team.id, format: 'ids' })}`)).json;
    if (JSON.stringify(named.actor) !== JSON.stringify({ objectType: 'Group', mbox: team.actor.mbox })) bad.push(`an identified group as ${JSON.stringify(named.actor)}`);
    assert.deepEqual(bad, []);
    const ex = await w.x.get(`/xapi/statements?${q({ statementId: s.id, format: 'exact' })}`);
    assert.deepEqual(ex.json, exact);
    const canon = await w.x.get(`/xapi/statements?${q({ verb: V, format: 'canonical' })}`);
    assertStatus(canon, 200);
  });

  test('format=canonical with Accept-Language: one language per map (verb display, activity and context activity name and description); without format, every language (edge 34)', async () => {
    const w = await setup();
    const V = verbId('canonical');
    const two = (en, fr) => ({ 'en-GB': en, 'fr-FR': fr });
    const s = stmt({
      verb: { id: V, display: { 'en-US': 'did', 'en-GB': 'did (GB)', 'fr-FR': 'a fait' } },
      object: { id: act('canonical-object'), definition: { name: two('Object', 'Objet'), description: two('About', 'Sur') } },
      context: { contextActivities: { parent: [{ id: act('canonical-parent'), definition: { name: two('Parent', 'Parent FR'), description: two('Up', 'Haut') } }] } },
    });
    const exact = await store(w.x, s);
    const bad = [];
    const maps = (st) => ({
      'verb.display': st.verb.display,
      'object name': st.object.definition?.name,
      'object description': st.object.definition?.description,
      'parent name': st.context.contextActivities.parent[0].definition?.name,
      'parent description': st.context.contextActivities.parent[0].definition?.description,
    });
    for (const [label, map] of Object.entries(maps(exact))) if (Object.keys(map || {}).length < 2) bad.push(`without format, ${label} is ${JSON.stringify(map)}`);
    for (const path of [`/xapi/statements?${q({ statementId: s.id, format: 'canonical' })}`, `/xapi/statements?${q({ verb: V, format: 'canonical' })}`]) {
      const res = await w.x.get(path, { headers: { 'Accept-Language': 'en-GB' } });
      assertStatus(res, 200);
      const got = res.json.statements ? res.json.statements[0] : res.json;
      for (const [label, map] of Object.entries(maps(got))) {
        const keys = Object.keys(map || {});
        if (keys.length !== 1) bad.push(`${path}: ${label} is ${JSON.stringify(map)}, want one language`);
        else if (keys[0] !== 'en-GB') bad.push(`${path}: ${label} kept ${keys[0]}, Accept-Language asked for en-GB`);
      }
    }
    assert.deepEqual(bad, []);
  });
});

describe('2.5 voiding', () => {
  test('a voided statement: 404 by statementId, 200 by voidedStatementId; the voiding statement is kept (edge 26)', async () => {
    const w = await setup();
    const t = stmt();
    const stored = await store(w.x, t);
    const v = stmt({ verb: { id: VOIDED, display: { 'en-US': 'voided' } }, object: { objectType: 'StatementRef', id: t.id } });
    await store(w.x, v);
    assert.equal((await getById(w.x, t.id)).status, 404);
    const byVoided = await w.x.get(`/xapi/statements?${q({ voidedStatementId: t.id })}`);
    assertStatus(byVoided, 200);
    assert.deepEqual(byVoided.json, stored);
    assert.equal(byVoided.headers.get('content-type'), 'application/json');
    const ids = await w.x.get(`/xapi/statements?${q({ voidedStatementId: t.id, format: 'ids' })}`);
    assertStatus(ids, 200);
    assert.deepEqual(ids.json.verb, { id: t.verb.id });
    // Never in a list: only the voiding statement (which refers to T) matches T's actor or activity.
    assert.deepEqual(await queryIds(w.x, { agent: { mbox: t.actor.mbox } }), [v.id]);
    assert.deepEqual(await queryIds(w.x, { activity: t.object.id }), [v.id]);
  });

  test('XAPI-00162: verb=X gives [R, W] where W voids V (verb X) and R refers to V; limit, since, until', async () => {
    const w = await setup();
    const X = verbId('voiding');
    const V = stmt({ verb: { id: X } });
    await storeAll(w.x, [V]);
    const before = new Date().toISOString();
    await sleep(5);
    const W = stmt({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: V.id } });
    await storeAll(w.x, [W]);
    const R = stmt({ verb: { id: X }, object: { objectType: 'StatementRef', id: V.id } });
    await storeAll(w.x, [R]);
    assert.deepEqual(await queryIds(w.x, { verb: X }), [R.id, W.id]);
    const one = await w.x.get(`/xapi/statements?${q({ verb: X, limit: '1' })}`);
    assert.deepEqual(one.json.statements.map((s) => s.id), [R.id]);
    assert.ok((await queryIds(w.x, { verb: X, since: before })).includes(R.id));
    const voids = await queryIds(w.x, { verb: VOIDED, until: new Date(Date.now() + 1000).toISOString() });
    assert.ok(voids.includes(W.id), 'verb=voided&until=now contains W');
    assert.ok(!voids.includes(V.id));
    // V's own actor: V is never returned, but W and R refer to it and so match.
    assert.deepEqual(await queryIds(w.x, { agent: { mbox: V.actor.mbox } }), [R.id, W.id]);
  });

  test('a voiding statement whose target does not exist is accepted; the target arriving later is voided', async () => {
    const w = await setup();
    const t = stmt({ id: uuid() });
    const v = stmt({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: t.id } });
    await store(w.x, v);
    assertStatus(await w.x.post('/xapi/statements', t), 200);
    assert.equal((await getById(w.x, t.id)).status, 404, 'T is voided: stored, and a voiding statement targets it');
    assertStatus(await w.x.get(`/xapi/statements?${q({ voidedStatementId: t.id })}`), 200);
  });

  test('voiding a voiding statement leaves it retrievable; voiding a voided statement again changes nothing (edge 27)', async () => {
    const w = await setup();
    const t = stmt();
    await store(w.x, t);
    const w1 = stmt({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: t.id } });
    await store(w.x, w1);
    const w2 = stmt({ id: uuid(), verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: w1.id } });
    const res = await w.x.post('/xapi/statements', w2);
    assert.ok(res.status < 500, brief(res));
    assertStatus(await getById(w.x, w1.id), 200);
    assert.equal((await w.x.get(`/xapi/statements?${q({ voidedStatementId: w1.id })}`)).status, 404);
    assert.equal((await getById(w.x, t.id)).status, 404, 'T stays voided');
    const w3 = stmt({ id: uuid(), verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: t.id } });
    const again = await w.x.post('/xapi/statements', w3);
    assert.ok(again.status < 500, brief(again));
    assertStatus(await w.x.get(`/xapi/statements?${q({ voidedStatementId: t.id })}`), 200);
    assert.equal((await getById(w.x, t.id)).status, 404);
  });

  test('a StatementRef to a voided statement is still returned, and matches through it', async () => {
    const w = await setup();
    const Qa = act('voided-target');
    const t = stmt({ object: { id: Qa } });
    await storeAll(w.x, [t]);
    const ref = stmt({ object: { objectType: 'StatementRef', id: t.id } });
    await storeAll(w.x, [ref]);
    const v = stmt({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: t.id } });
    await storeAll(w.x, [v]);
    assert.deepEqual(await queryIds(w.x, { activity: Qa }), [v.id, ref.id]);
    assertStatus(await getById(w.x, ref.id), 200);
  });
});

describe('2.6 X-Experience-API-Consistent-Through', () => {
  test('on every /statements reply, errors included, with Date and X-Experience-API-Version (edges 31, 32, 66)', async () => {
    const w = await setup();
    const s = stmt({ id: uuid() });
    const replies = {
      'POST 200': await w.x.post('/xapi/statements', s),
      'PUT 204': await w.x.put(`/xapi/statements?${q({ statementId: uuid() })}`, stmt()),
      'GET single 200': await getById(w.x, s.id),
      'GET list 200': await w.x.get('/xapi/statements?limit=2'),
      'GET 404': await getById(w.x, uuid()),
      'GET 400 (bad parameter)': await w.x.get('/xapi/statements?foo=bar'),
      'POST 400 (bad statement)': await w.x.post('/xapi/statements', { actor: {} }),
      'POST 409': null,
      'GET 400 (no version header, no credentials)': await w.anon.get('/xapi/statements', { version: null }),
      'GET 401 (wrong secret)': await new Xapi(w.client.key, 'wrong').get('/xapi/statements'),
      'GET 401 (no credentials)': await w.anon.get('/xapi/statements'),
      'DELETE 405': await w.x.request('DELETE', '/xapi/statements'),
    };
    const dup = stmt({ id: uuid() });
    await w.x.post('/xapi/statements', dup);
    replies['POST 409'] = await w.x.post('/xapi/statements', { ...dup, result: { success: true } });
    const bad = [];
    for (const [label, res] of Object.entries(replies)) {
      const ct = res.headers.get('x-experience-api-consistent-through');
      if (!ct || !ISO_RE.test(ct) || Number.isNaN(Date.parse(ct))) bad.push(`${label} (${res.status}): Consistent-Through ${ct}`);
      const date = res.headers.get('date');
      if (!date || Number.isNaN(Date.parse(date))) bad.push(`${label} (${res.status}): Date ${date}`);
      if (res.headers.get('x-experience-api-version') !== VERSION) bad.push(`${label} (${res.status}): version ${res.headers.get('x-experience-api-version')}`);
    }
    assert.deepEqual(bad, []);
  });

  test('a client that asks again since it misses nothing: every statement stored after it is found, at once or not', async () => {
    const w = await setup();
    const V = verbId('through');
    const bad = [];
    let through = null;
    const seen = new Set();
    // Statements stored one after another, each poll since the last reply's Consistent-Through.
    for (let i = 0; i < 20; i++) {
      const s = stmt({ id: uuid(), verb: { id: V } });
      const posted = w.x.post('/xapi/statements', s);
      const res = await w.x.get(`/xapi/statements?${q({ verb: V, ...(through ? { since: through } : {}) })}`);
      assertStatus(await posted, 200);
      for (const got of res.json.statements) {
        seen.add(got.id);
        if (Date.parse(got.stored) > Date.now()) bad.push(`${got.id} stored ${got.stored}, in the future`);
      }
      through = res.headers.get('x-experience-api-consistent-through');
      if (Date.parse(through) > Date.now()) bad.push(`Consistent-Through ${through} is in the future`);
    }
    const last = await w.x.get(`/xapi/statements?${q({ verb: V, since: through })}`);
    for (const got of last.json.statements) seen.add(got.id);
    const all = await w.x.get(`/xapi/statements?${q({ verb: V, limit: 100 })}`);
    for (const got of all.json.statements) if (!seen.has(got.id)) bad.push(`${got.id} (stored ${got.stored}) was never found since a Consistent-Through`);
    assert.equal(all.json.statements.length, 20);
    assert.deepEqual(bad, []);
  });
});

describe('2.7 stored and timestamp serialization', () => {
  test('stored: UTC, exactly 3 fractional digits, real milliseconds, wall-clock time (edge 33)', async () => {
    const w = await setup();
    const seen = [];
    for (let i = 0; i < 30; i++) {
      const before = Date.now();
      const got = await store(w.x, stmt());
      const after = Date.now();
      assert.match(got.stored, STORED_RE);
      assert.match(got.timestamp, STORED_RE);
      assert.equal(got.timestamp, got.stored);
      const t = Date.parse(got.stored);
      assert.ok(t >= before - 2000 && t <= after + 2000, `stored ${got.stored} is not between the request's start and end`);
      seen.push(got.stored);
      if (seen.some((x) => Number(x.slice(20, 23)) % 10 !== 0) && i >= 4) break;
      await sleep(1 + (i % 7));
    }
    assert.ok(seen.some((x) => Number(x.slice(20, 23)) % 10 !== 0), `no stored with ms % 10 != 0 among ${seen}`);
    const list = await w.x.get('/xapi/statements?limit=10');
    for (const s of list.json.statements) {
      assert.match(s.stored, STORED_RE);
      assert.ok(ISO_RE.test(s.timestamp), s.timestamp);
    }
  });

  test('a submitted timestamp keeps its instant (any zone, any precision down to ms)', async () => {
    const w = await setup();
    const bad = [];
    for (const [sent, want] of [
      ['2015-03-01T12:00:00.120Z', '2015-03-01T12:00:00.120Z'],
      ['2015-03-01T20:00:00.007+08:00', '2015-03-01T12:00:00.007Z'],
      ['2015-03-01T07:00:00-05:00', '2015-03-01T12:00:00.000Z'],
      ['2015-03-01T12:00:00.123456Z', '2015-03-01T12:00:00.123Z'],
    ]) {
      const got = await store(w.x, stmt({ timestamp: sent }));
      if (instant(got.timestamp) !== Date.parse(want)) bad.push(`${sent} came back as ${got.timestamp}`);
      if (!ISO_RE.test(got.timestamp)) bad.push(`${sent} came back as ${got.timestamp}, not ISO 8601`);
    }
    assert.deepEqual(bad, []);
  });
});

describe('2.8 statement comparison', () => {
  // PUTs base at a fresh id, then variant at the same id: same → 204, different → 409 and the
  // stored statement unchanged. base and variant may be objects or raw JSON text.
  async function compare(w, cases, same) {
    const bad = [];
    for (const [label, base, variant] of cases) {
      const sid = uuid();
      const path = `/xapi/statements?${q({ statementId: sid })}`;
      const send = (body) => {
        if (typeof body === 'string') return w.x.request('PUT', path, { raw: body });
        return w.x.put(path, body.id === 'SID' ? { ...body, id: sid } : body);
      };
      const first = await send(base);
      if (first.status !== 204) {
        bad.push(`${label}: base PUT -> ${brief(first)}`);
        continue;
      }
      const before = (await getById(w.x, sid)).json;
      const res = await send(variant);
      if (res.status !== (same ? 204 : 409)) bad.push(`${label}: want ${same ? 204 : 409}, got ${brief(res)}`);
      const after = (await getById(w.x, sid)).json;
      if (JSON.stringify(after) !== JSON.stringify(before)) bad.push(`${label}: the stored statement changed to ${JSON.stringify(after).slice(0, 200)}`);
    }
    return bad;
  }

  const pair = (label, over, vary) => {
    const base = stmt(over);
    const variant = structuredClone(base);
    const r = vary(variant, base);
    return [label, base, r === undefined ? variant : r];
  };

  test('differences the comparison ignores: authority, stored, version, timestamp form, member order, case of UUIDs and mbox domain, contextActivities form, default objectTypes, key order, number form, duration beyond 0.01 s, attachments', async () => {
    const w = await setup();
    const ref = uuid();
    const a = { mbox: mbox() }, b = { mbox: mbox() };
    const cases = [
      pair('authority added', {}, (v) => { v.authority = { mbox: mbox('auth') }; }),
      pair('stored added', {}, (v) => { v.stored = '2015-01-01T00:00:00.000Z'; }),
      pair('version absent vs 1.0.0', {}, (v) => { v.version = '1.0.0'; }),
      pair('the id in the body vs only in statementId', { id: 'SID' }, (v) => { delete v.id; }),
      pair('timestamp in another zone', { timestamp: '2015-06-01T12:00:00.000Z' }, (v) => { v.timestamp = '2015-06-01T20:00:00.000+08:00'; }),
      pair('timestamp without fraction vs .000', { timestamp: '2015-06-01T12:00:00Z' }, (v) => { v.timestamp = '2015-06-01T12:00:00.000Z'; }),
      pair('Group member order', { actor: { objectType: 'Group', member: [a, b] } }, (v) => { v.actor.member = [b, a]; }),
      pair('registration in upper case', { context: { registration: ref } }, (v) => { v.context.registration = ref.toUpperCase(); }),
      pair('StatementRef id in upper case', { object: { objectType: 'StatementRef', id: ref } }, (v) => { v.object.id = ref.toUpperCase(); }),
      pair('mbox domain in upper case', { actor: { mbox: `mailto:same-${hex(3)}@example.com` } }, (v) => { v.actor.mbox = v.actor.mbox.replace('example.com', 'EXAMPLE.COM'); }),
      pair('mbox_sha1sum in upper case', { actor: { mbox_sha1sum: crypto.createHash('sha1').update(mbox()).digest('hex') } }, (v) => { v.actor.mbox_sha1sum = v.actor.mbox_sha1sum.toUpperCase(); }),
      pair('contextActivities object vs one-element array', { context: { contextActivities: { parent: { id: act() } } } }, (v) => { v.context.contextActivities.parent = [v.context.contextActivities.parent]; }),
      pair('object objectType absent vs Activity', { object: { id: act() } }, (v) => { v.object.objectType = 'Activity'; }),
      pair('actor objectType absent vs Agent', { actor: { mbox: mbox() } }, (v) => { v.actor.objectType = 'Agent'; }),
      pair('key order', { result: { success: true, response: 'x', score: { raw: 1, max: 2 } } }, (v, base) => {
        v.result = { score: { max: 2, raw: 1 }, response: 'x', success: true };
        return { object: base.object, verb: base.verb, result: v.result, actor: base.actor };
      }),
      pair('duration beyond 0.01 s', { result: { duration: 'PT1.001S' } }, (v) => { v.result.duration = 'PT1.004S'; }),
      pair('attachments added', {}, (v) => { v.attachments = [attachment()]; }),
    ];
    const num = stmt({ result: { score: { raw: 1, max: 10 } } });
    cases.push(['number 1 vs 1.0 vs 1e0', num, JSON.stringify(num).replace('"raw":1,', '"raw":1.0,')]);
    cases.push(['number 10 vs 1e1', num, JSON.stringify(num).replace('"max":10', '"max":1e1')]);
    assert.deepEqual(await compare(w, cases, true), []);
  });

  test('differences that make another statement: 409, and the first stays', async () => {
    const w = await setup();
    const local = `Person-${hex(3)}`;
    const cases = [
      pair('result.success', { result: { success: true } }, (v) => { v.result.success = false; }),
      pair('result.response', { result: { response: 'a' } }, (v) => { v.result.response = 'b'; }),
      pair('score.raw', { result: { score: { raw: 1 } } }, (v) => { v.result.score.raw = 2; }),
      pair('an extension value', { context: { extensions: { 'http://example.com/e': 1 } } }, (v) => { v.context.extensions['http://example.com/e'] = 2; }),
      pair('an extension key case', { context: { extensions: { 'http://example.com/e': 1 } } }, (v) => { v.context.extensions = { 'http://example.com/E': 1 }; }),
      pair('context.language', { context: { language: 'en' } }, (v) => { v.context.language = 'fr'; }),
      pair('timestamp by 1 ms', { timestamp: '2015-06-01T12:00:00.123Z' }, (v) => { v.timestamp = '2015-06-01T12:00:00.124Z'; }),
      pair('the mbox local part case', { actor: { mbox: `mailto:${local}@example.com` } }, (v) => { v.actor.mbox = `mailto:${local.toLowerCase()}@example.com`; }),
      pair('verb.id', {}, (v) => { v.verb.id = 'http://adlnet.gov/expapi/verbs/passed'; }),
      pair('object.id case', { object: { id: `http://example.com/a/${RUN}/X${hex(3)}` } }, (v) => { v.object.id = v.object.id.toLowerCase(); }),
      pair('duration PT1S vs PT2S', { result: { duration: 'PT1S' } }, (v) => { v.result.duration = 'PT2S'; }),
      pair('duration PT1.01S vs PT1.02S', { result: { duration: 'PT1.01S' } }, (v) => { v.result.duration = 'PT1.02S'; }),
      pair('a Group member more', { actor: { objectType: 'Group', member: [{ mbox: mbox() }] } }, (v) => { v.actor.member.push({ mbox: mbox() }); }),
      pair('result added', {}, (v) => { v.result = { completion: true }; }),
      pair('actor', {}, (v) => { v.actor = { mbox: mbox() }; }),
      pair('a contextActivities entry', { context: { contextActivities: { parent: [{ id: act() }] } } }, (v) => { v.context.contextActivities.parent.push({ id: act() }); }),
    ];
    assert.deepEqual(await compare(w, cases, false), []);
  });

  test('POST uses the same comparison: equivalent 204 (or 409), never 200; different 409', async () => {
    const w = await setup();
    const s = stmt({ id: uuid(), timestamp: '2015-06-01T12:00:00.000Z', context: { contextActivities: { parent: { id: act() } } } });
    assertStatus(await w.x.post('/xapi/statements', s), 200);
    const same = { ...structuredClone(s), timestamp: '2015-06-01T14:00:00.000+02:00', version: '1.0.0' };
    same.context.contextActivities.parent = [same.context.contextActivities.parent];
    const res = await w.x.post('/xapi/statements', same);
    assert.equal(res.status, 204, brief(res));
    const diff = await w.x.post('/xapi/statements', { ...s, timestamp: '2015-06-01T12:00:01.000Z' });
    assert.equal(diff.status, 409, brief(diff));
  });
});

// ---- 3-6. helpers for attachments, signatures, documents and raw HTTP ------------------------

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const sha1 = (b) => crypto.createHash('sha1').update(b).digest('hex');
const b64url = (b) => Buffer.from(b).toString('base64url');
const SUPPORTING = 'http://id.tincanapi.com/attachment/supporting_media';
// v with every object's keys in order, for comparing JSON whatever order the keys came in.
const sortKeys = (v) => (Array.isArray(v) ? v.map(sortKeys)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v);

// An attachment whose data travels in the request (no fileUrl).
const inline = (data, over = {}) => ({
  usageType: SUPPORTING,
  display: { 'en-US': 'Supporting media' },
  contentType: 'text/plain',
  length: Buffer.byteLength(data),
  sha2: sha256(data),
  ...over,
});

// A multipart/mixed body. A part is { head: [[name, value] or a raw header line, ...], data }.
// eol: the line ending; sep: what follows a header name; preamble: what comes before the first
// delimiter; close: what follows the close delimiter.
function multipartBody(parts, { boundary, eol = '\r\n', sep = ': ', preamble = '', close = eol } = {}) {
  const chunks = [Buffer.from(preamble)];
  for (const p of parts) {
    const head = p.head.map((h) => (typeof h === 'string' ? h : `${h[0]}${sep}${h[1]}`) + eol).join('');
    chunks.push(Buffer.from(`--${boundary}${eol}${head}${eol}`), Buffer.from(p.data), Buffer.from(eol));
  }
  chunks.push(Buffer.from(`--${boundary}--${close}`));
  return Buffer.concat(chunks);
}

const jsonPart = (json, type = 'application/json') => ({
  head: type === null ? [] : [['Content-Type', type]],
  data: typeof json === 'string' ? json : JSON.stringify(json),
});

// An attachment's part; type, hash or encoding null leaves that header out.
function dataPart(data, { type = 'text/plain', hash = sha256(data), encoding = 'binary' } = {}) {
  const head = [];
  if (type !== null) head.push(['Content-Type', type]);
  if (encoding !== null) head.push(['Content-Transfer-Encoding', encoding]);
  if (hash !== null) head.push(['X-Experience-API-Hash', hash]);
  return { head, data };
}

// Sends parts as multipart/mixed (POST /xapi/statements unless method and path say otherwise).
// opts: multipartBody's, and type (the Content-Type header; default multipart/mixed; boundary=...).
function sendMultipart(x, parts, opts = {}, { method = 'POST', path: where = '/xapi/statements' } = {}) {
  const boundary = opts.boundary ?? `b${hex(10)}`;
  const body = multipartBody(parts, { ...opts, boundary });
  return x.request(method, where, { raw: body, headers: { 'Content-Type': opts.type ?? `multipart/mixed; boundary=${boundary}` } });
}

// One HTTP exchange through node:http, for what fetch will not do: a body on GET or DELETE, the
// exact bytes of a reply. Answers like Xapi.request, with body (a Buffer) besides. agent: an
// http.Agent (default: a connection of its own, closed after the reply).
function rawHttp(method, where, { headers = {}, body, agent = false } = {}) {
  const url = new URL(/^https?:/.test(where) ? where : `${BASE}${where}`);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const data = Buffer.concat(chunks);
        const text = data.toString('utf8');
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ method, path: where, status: res.statusCode, headers: h, body: data, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

// The headers a client of x sends on every request.
const xHeaders = (x, extra = {}) => ({ Authorization: x.auth, 'X-Experience-API-Version': VERSION, ...extra });

// The parts of a multipart/mixed reply, read as the conformance suite reads them: the boundary
// is what follows "; boundary=" (unquoted), every part is "--b CRLF headers CRLF CRLF body CRLF",
// then "--b--". Returns [{ headers (lower-case names), data (Buffer) }]; throws on anything else.
function replyParts(type, body) {
  assert.match(type || '', /^multipart\/mixed; boundary=[A-Za-z0-9_-]+$/, `Content-Type ${type}`);
  const boundary = type.split(';')[1].replace(' boundary=', '');
  const text = body.toString('latin1');
  const pieces = text.split(`--${boundary}`);
  assert.equal(pieces[0], '', 'nothing before the first delimiter');
  assert.match(pieces[pieces.length - 1], /^--(\r\n)?$/, 'the close delimiter ends the body');
  return pieces.slice(1, -1).map((p, i) => {
    assert.ok(p.startsWith('\r\n') && p.endsWith('\r\n'), `part ${i} is CRLF headers CRLF CRLF body CRLF`);
    const cut = p.indexOf('\r\n\r\n');
    assert.ok(cut >= 0, `part ${i} has a blank line after its headers`);
    const headers = {};
    for (const line of p.slice(2, cut).split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { headers, data: Buffer.from(p.slice(cut + 4, p.length - 2), 'latin1') };
  });
}

// GET /xapi/statements?query (attachments=true in it, usually): { status, type, parts, raw }.
async function getAttachments(x, query) {
  const res = await rawHttp('GET', `/xapi/statements?${query}`, { headers: xHeaders(x) });
  const type = res.headers.get('content-type');
  return { status: res.status, type, raw: res.body, res, parts: res.status === 200 ? replyParts(type, res.body) : [] };
}

// The data of each attachment a stored statement's attachments=true reply carries, by sha2.
async function storedData(x, id) {
  const got = await getAttachments(x, q({ statementId: id, attachments: 'true' }));
  assert.equal(got.status, 200, `GET statementId=${id}&attachments=true: ${got.status} ${got.raw.toString().slice(0, 200)}`);
  return Object.fromEntries(got.parts.slice(1).map((p) => [p.headers['x-experience-api-hash'], p.data]));
}

// An RSA key and self-signed certificate made by openssl (signer), another pair (other), and a
// leaf key whose x5c chain is its certificate and the CA's that issued it (chain); cert is the
// base64 DER that x5c holds.
let pki;
function keys() {
  if (pki) return pki;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-conformance-jws-'));
  try {
    const make = (name) => {
      const key = path.join(dir, `${name}.key`), pem = path.join(dir, `${name}.pem`);
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', pem, '-days', '30',
        '-subj', `/CN=xAPI conformance ${name}`], { stdio: 'ignore' });
      return { key: fs.readFileSync(key), cert: new crypto.X509Certificate(fs.readFileSync(pem)).raw.toString('base64') };
    };
    // A chain: a leaf certificate issued by a CA of its own.
    const file = (n) => path.join(dir, n);
    const ca = make('ca');
    execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('leaf.key'), '-out', file('leaf.csr'),
      '-subj', '/CN=xAPI conformance leaf'], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-set_serial', '7',
      '-days', '30', '-out', file('leaf.pem')], { stdio: 'ignore' });
    const leaf = { key: fs.readFileSync(file('leaf.key')), cert: new crypto.X509Certificate(fs.readFileSync(file('leaf.pem'))).raw.toString('base64') };
    pki = { signer: make('signer'), other: make('other'), chain: { key: leaf.key, x5c: [leaf.cert, ca.cert] } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return pki;
}

// A compact JWS of payload. alg: RS256/384/512, PS256, HS256 or none; key signs; x5c: the
// certificates to name (null: no x5c); payloadText replaces JSON.stringify(payload).
function jws(payload, { alg = 'RS256', key = keys().signer.key, x5c = [keys().signer.cert], payloadText } = {}) {
  const header = { alg };
  if (x5c) header.x5c = x5c;
  const input = Buffer.from(`${b64url(JSON.stringify(header))}.${b64url(payloadText ?? JSON.stringify(payload))}`);
  const md = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' }[alg];
  let sig = Buffer.alloc(0);
  if (md) sig = crypto.sign(md, input, key);
  else if (alg === 'PS256') sig = crypto.sign('sha256', input, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING });
  else if (alg === 'HS256') sig = crypto.createHmac('sha256', 'secret').update(input).digest();
  return `${input}.${b64url(sig)}`;
}

// The statement payload carrying token as its signature, as multipart parts.
function signedParts(payload, token, over = {}) {
  const st = {
    ...structuredClone(payload),
    attachments: [{ usageType: SIGNATURE, display: { 'en-US': 'Signature' }, contentType: 'application/octet-stream',
      length: Buffer.byteLength(token), sha2: sha256(token), ...over }],
  };
  return [jsonPart(st), dataPart(Buffer.from(token), { type: 'application/octet-stream' })];
}

// The three document resources: where, the name of the document id, a fresh key.
const DOCS = [
  { kind: 'state', where: '/xapi/activities/state', idName: 'stateId',
    key: () => ({ activityId: act('state'), agent: { objectType: 'Agent', mbox: mbox('state') }, stateId: `state-${hex(3)}` }) },
  { kind: 'activity profile', where: '/xapi/activities/profile', idName: 'profileId',
    key: () => ({ activityId: act('profile'), profileId: `profile-${hex(3)}` }) },
  { kind: 'agent profile', where: '/xapi/agents/profile', idName: 'profileId',
    key: () => ({ agent: { objectType: 'Agent', mbox: mbox('profile') }, profileId: `profile-${hex(3)}` }) },
];
const STATE = DOCS[0], ACTIVITY_PROFILE = DOCS[1], AGENT_PROFILE = DOCS[2];

// A document request: params as the query; body (a string or Buffer) with its headers.
// opts: Xapi.request's (version).
function docReq(x, method, d, params, body, headers = {}, opts = {}) {
  const h = body === undefined ? { ...headers } : { 'Content-Type': 'application/octet-stream', ...headers };
  return x.request(method, `${d.where}?${q(params)}`, { ...opts, raw: body, headers: h });
}

// Creates a document (If-None-Match: * so that no resource's rule on unconditional PUTs is
// involved); wants 204.
async function createDoc(x, d, params, body, type = 'application/octet-stream') {
  const res = await docReq(x, 'PUT', d, params, body, { 'Content-Type': type, 'If-None-Match': '*' });
  assertStatus(res, 204);
  return res;
}

// What a document is now, for "nothing changed": status, bytes, type and ETag.
async function docState(x, d, params) {
  const res = await rawHttp('GET', `${d.where}?${q(params)}`, { headers: xHeaders(x) });
  return { status: res.status, body: res.status === 200 ? res.body.toString('latin1') : '', type: res.headers.get('content-type'), etag: res.headers.get('etag') };
}

// A form POSTed to where?method=method (the alternate request syntax). fields: the form; the
// credentials and version header go as real headers unless opts say otherwise.
function altReq(x, where, method, fields, { headers = {}, version = VERSION, auth = true } = {}) {
  const body = new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
  return x.request('POST', `${where}?method=${method}`, {
    raw: body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, version, auth,
  });
}

// ---- 3. attachments, multipart and signatures -----------------------------------------------

describe('3.1 receiving multipart/mixed', () => {
  test('3.1 a multipart/mixed POST or PUT stores the statements with their attachments\' data', async () => {
    const w = await setup();
    const text = Buffer.from(`here is a simple attachment ${hex(4)}`);
    const s = stmt({ id: uuid(), attachments: [inline(text)] });
    const res = await sendMultipart(w.x, [jsonPart(s), dataPart(text)]);
    assertStatus(res, 200);
    assert.deepEqual(res.json, [s.id]);
    assert.deepEqual((await storedData(w.x, s.id))[sha256(text)], text);
    const bin = Buffer.concat([crypto.randomBytes(200), Buffer.from('\r\n--not-a-boundary\r\n'), Buffer.from([0, 255, 13, 10])]);
    const sid = uuid();
    const put = await sendMultipart(w.x, [jsonPart(stmt({ attachments: [inline(bin, { contentType: 'application/octet-stream' })] })),
      dataPart(bin, { type: 'application/octet-stream' })], {}, { method: 'PUT', path: `/xapi/statements?${q({ statementId: sid })}` });
    assertStatus(put, 204);
    assert.deepEqual((await storedData(w.x, sid))[sha256(bin)], bin);
  });

  test('3.1 multipart/mixed needs its boundary; multipart/form-data is 400 whatever the body (edges 40, 41)', async () => {
    const w = await setup();
    const bad = [];
    const data = Buffer.from(`form ${hex(4)}`);
    const cases = [
      ['multipart/mixed; (no boundary)', () => 'multipart/mixed;', true],
      ['multipart/mixed (no parameter)', () => 'multipart/mixed', true],
      ['multipart/mixed; boundary= (empty)', () => 'multipart/mixed; boundary=', true],
      ['a boundary the body does not use', () => `multipart/mixed; boundary=other${hex(4)}`, true],
      ['multipart/form-data with a multipart body', (b) => `multipart/form-data; boundary=${b}`, true],
      ['multipart/form-data with a JSON body', (b) => `multipart/form-data; boundary=${b}`, false],
    ];
    for (const [label, type, isMultipart] of cases) {
      const s = stmt({ id: uuid(), attachments: isMultipart ? [inline(data)] : undefined });
      if (!isMultipart) delete s.attachments;
      const boundary = `b${hex(8)}`;
      const raw = isMultipart ? multipartBody([jsonPart(s), dataPart(data)], { boundary }) : JSON.stringify(s);
      const res = await w.x.request('POST', '/xapi/statements', { raw, headers: { 'Content-Type': type(boundary) } });
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, s);
      if (trace) bad.push(`${label}${trace}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.1 a boundary may be quoted and may hold \'()+_,-./:=? characters', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, boundary, type] of [
      ['quoted', `quoted${hex(6)}`, (b) => `multipart/mixed; boundary="${b}"`],
      ['quoted, with \'()+_,-./:=?', `'()+_,-./:=?${hex(6)}`, (b) => `multipart/mixed; boundary="${b}"`],
      ['unquoted, with \'+_-.', `a'+_-.${hex(6)}`, (b) => `multipart/mixed; boundary=${b}`],
      ['the suite\'s -------------<digits>', `-------------${Date.now()}${crypto.randomInt(1e6)}`, (b) => `multipart/mixed; boundary=${b}`],
    ]) {
      const data = Buffer.from(`boundary ${label} ${hex(4)}`);
      const s = stmt({ id: uuid(), attachments: [inline(data)] });
      const res = await sendMultipart(w.x, [jsonPart(s), dataPart(data)], { boundary, type: type(boundary) });
      if (res.status !== 200) {
        bad.push(`${label}: want 200, got ${brief(res)}`);
        continue;
      }
      const got = await storedData(w.x, s.id);
      if (!data.equals(got[sha256(data)] || Buffer.alloc(0))) bad.push(`${label}: the data came back as ${got[sha256(data)]}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.1 lenient framing: a preamble, a leading CRLF, no CRLF after the close delimiter, no space after a colon, header names in any case, bare LF lines (edge 47)', async () => {
    const w = await setup();
    const bad = [];
    const lower = (p) => ({ ...p, head: p.head.map(([n, v]) => [n.toLowerCase(), v]) });
    const upper = (p) => ({ ...p, head: p.head.map(([n, v]) => [n.toUpperCase(), v]) });
    for (const [label, opts, mapPart = (p) => p] of [
      ['a preamble', { preamble: 'This is a preamble; ignore it.\r\n' }],
      ['a leading CRLF', { preamble: '\r\n' }],
      ['no CRLF after the close delimiter', { close: '' }],
      ['no space after the colons', { sep: ':' }],
      ['lower-case header names', {}, lower],
      ['upper-case header names', {}, upper],
      ['bare LF lines', { eol: '\n' }],
      ['bare LF lines, no space, a preamble, no final LF', { eol: '\n', sep: ':', preamble: '\n', close: '' }],
    ]) {
      const data = Buffer.from(`framing: ${label} ${hex(4)}`);
      const s = stmt({ id: uuid(), attachments: [inline(data)] });
      const res = await sendMultipart(w.x, [jsonPart(s), dataPart(data)].map(mapPart), opts);
      if (res.status !== 200) {
        bad.push(`${label}: want 200, got ${brief(res)}`);
        continue;
      }
      const got = (await storedData(w.x, s.id))[sha256(data)];
      if (!got || !got.equals(data)) bad.push(`${label}: the data came back as ${JSON.stringify(got?.toString('latin1'))}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.1 a body without the expected delimiters is 400: no first delimiter, no middle delimiter, no close delimiter', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, cut] of [
      ['no first delimiter', (body, b) => body.replace(`--${b}\r\n`, '')],
      ['no middle delimiter', (body, b) => { const i = body.indexOf(`--${b}\r\n`, 5); return body.slice(0, i) + body.slice(i + b.length + 4); }],
      ['no close delimiter', (body, b) => body.replace(`--${b}--\r\n`, '')],
    ]) {
      const data = Buffer.from(`delimiters ${hex(4)}`);
      const s = stmt({ id: uuid(), attachments: [inline(data)] });
      const boundary = `b${hex(8)}`;
      const raw = cut(multipartBody([jsonPart(s), dataPart(data)], { boundary }).toString('latin1'), boundary);
      const res = await w.x.request('POST', '/xapi/statements', { raw: Buffer.from(raw, 'latin1'), headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` } });
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, s);
      if (trace) bad.push(`${label}${trace}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.1 the first part holds every statement, as application/json (parameters allowed) (edge 42)', async () => {
    const w = await setup();
    const bad = [];
    const data = Buffer.from(`first part ${hex(4)}`);
    const refused = [
      ['a text/plain first part', (s) => [jsonPart(s, 'text/plain'), dataPart(data)]],
      ['a first part without Content-Type', (s) => [jsonPart(s, null), dataPart(data)]],
      ['the attachment part first', (s) => [dataPart(data), jsonPart(s)]],
      ['a second application/json part holding another statement', (s, other) => [jsonPart(s), jsonPart(other), dataPart(data)]],
    ];
    for (const [label, parts] of refused) {
      const s = stmt({ id: uuid(), attachments: [inline(data)] });
      const other = stmt({ id: uuid() });
      const res = await sendMultipart(w.x, parts(s, other));
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      for (const st of [s, other]) {
        const trace = await storedTrace(w.x, st);
        if (trace) bad.push(`${label}${trace}`);
      }
    }
    const s = stmt({ id: uuid(), attachments: [inline(data)] });
    const ok = await sendMultipart(w.x, [jsonPart(s, 'application/json; charset=utf-8'), dataPart(data)]);
    if (ok.status !== 200) bad.push(`application/json; charset=utf-8: want 200, got ${brief(ok)}`);
    assert.deepEqual(bad, []);
  });

  test('3.1 every attachment part carries X-Experience-API-Hash with a sha2 of the statements (edge 43)', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, parts] of [
      ['no X-Experience-API-Hash', (s, d) => [jsonPart(s), dataPart(d, { hash: null })]],
      ['a bare hash line without the header name', (s, d) => [jsonPart(s), { ...dataPart(d, { hash: null }), head: [...dataPart(d, { hash: null }).head, sha256(d)] }]],
      ['a hash that is not a SHA-2', (s, d) => [jsonPart(s), dataPart(d, { hash: 'not-a-sha2' })]],
      ['a part whose hash no attachment has', (s, d) => [jsonPart(s), dataPart(d, { hash: sha256(`other ${hex(4)}`) })]],
      ['an extra part besides the right one (too many)', (s, d) => [jsonPart(s), dataPart(d), dataPart(Buffer.from(`extra ${hex(4)}`))]],
    ]) {
      const data = Buffer.from(`hash ${hex(4)}`);
      const s = stmt({ id: uuid(), attachments: [inline(data)] });
      const res = await sendMultipart(w.x, parts(s, data));
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, s);
      if (trace) bad.push(`${label}${trace}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.1 every attachment part is Content-Transfer-Encoding: binary (edge 45)', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, encoding] of [['no Content-Transfer-Encoding', null], ['base64', 'base64'], ['7bit', '7bit'], ['quoted-printable', 'quoted-printable']]) {
      const data = Buffer.from(`encoding ${hex(4)}`);
      const s = stmt({ id: uuid(), attachments: [inline(data)] });
      const part = dataPart(encoding === 'base64' ? Buffer.from(data.toString('base64')) : data, { hash: sha256(data), encoding });
      const res = await sendMultipart(w.x, [jsonPart(s), part]);
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, s);
      if (trace) bad.push(`${label}${trace}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.1 parts match attachments by hash alone (hex in any case, any order); fileUrl attachments need no part; one part serves every attachment with its sha2', async () => {
    const w = await setup();
    const a = Buffer.from(`part a ${hex(4)}`), b = Buffer.from(`part b ${hex(4)}`);
    const s = stmt({ id: uuid(), attachments: [inline(a), attachment({ sha2: sha256(`linked ${hex(4)}`) }), inline(b, { contentType: 'application/octet-stream' })] });
    const res = await sendMultipart(w.x, [jsonPart(s), dataPart(b, { hash: sha256(b).toUpperCase(), type: 'application/octet-stream' }), dataPart(a)]);
    assertStatus(res, 200);
    const got = await storedData(w.x, s.id);
    assert.deepEqual(got[sha256(a)], a);
    assert.deepEqual(got[sha256(b)], b);
    // A batch: two statements with the same data, sent once.
    const shared = Buffer.from(`shared ${hex(4)}`);
    const s1 = stmt({ id: uuid(), attachments: [inline(shared)] }), s2 = stmt({ id: uuid(), attachments: [inline(shared)] });
    const batch = await sendMultipart(w.x, [jsonPart([s1, s2]), dataPart(shared)]);
    assertStatus(batch, 200);
    assert.deepEqual(batch.json, [s1.id, s2.id]);
    for (const id of [s1.id, s2.id]) assert.deepEqual((await storedData(w.x, id))[sha256(shared)], shared);
  });

  test('3.1 an attachment without fileUrl and without its part is 400, in multipart as in application/json (edge 44)', async () => {
    const w = await setup();
    const bad = [];
    const a = Buffer.from(`few a ${hex(4)}`), b = Buffer.from(`few b ${hex(4)}`);
    const cases = [
      ['two attachments, one part (too few)', [stmt({ id: uuid(), attachments: [inline(a), inline(b)] })], (list) => [jsonPart(list[0]), dataPart(a)]],
      ['an attachment and no part at all', [stmt({ id: uuid(), attachments: [inline(a)] })], (list) => [jsonPart(list[0])]],
      ['a batch whose second statement lacks its part', [stmt({ id: uuid(), attachments: [inline(a)] }), stmt({ id: uuid(), attachments: [inline(b)] })],
        (list) => [jsonPart(list), dataPart(a)]],
    ];
    for (const [label, list, parts] of cases) {
      const res = await sendMultipart(w.x, parts(list));
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      for (const s of list) {
        const trace = await storedTrace(w.x, s);
        if (trace) bad.push(`${label}${trace}`);
      }
    }
    const json = stmt({ id: uuid(), attachments: [attachment(), inline(a)] });
    const res = await w.x.post('/xapi/statements', json);
    if (res.status !== 400) bad.push(`application/json, one fileUrl attachment and one without (XAPI-00129): want 400, got ${brief(res)}`);
    const trace = await storedTrace(w.x, json);
    if (trace) bad.push(`application/json${trace}`);
    assert.deepEqual(bad, []);
  });

  test('3.1 the bytes received are not checked against sha2 or length (edge 46)', async () => {
    const w = await setup();
    const declared = `declared ${hex(8)}`;
    const sent = Buffer.from('ÿØÿà JFIF as a UTF-8 string, not the declared bytes');
    const s = stmt({ id: uuid(), attachments: [inline(declared, { contentType: 'image/jpeg', length: 5 })] });
    const res = await sendMultipart(w.x, [jsonPart(s), dataPart(sent, { type: 'image/jpeg', hash: sha256(declared) })]);
    assertStatus(res, 200);
    assert.deepEqual((await storedData(w.x, s.id))[sha256(declared)], sent);
  });

  test('3.1 multipart with no attachments, or only fileUrl ones, is accepted; so is application/json with only fileUrl ones', async () => {
    const w = await setup();
    const bad = [];
    const plain = stmt({ id: uuid() });
    let res = await sendMultipart(w.x, [jsonPart(plain)]);
    if (res.status !== 200) bad.push(`multipart, no attachments: want 200, got ${brief(res)}`);
    const linked = [stmt({ id: uuid(), attachments: [attachment()] }), stmt({ id: uuid() })];
    res = await sendMultipart(w.x, [jsonPart(linked)]);
    if (res.status !== 200) bad.push(`multipart batch, only fileUrl attachments: want 200, got ${brief(res)}`);
    const jsonBatch = [stmt({ id: uuid(), attachments: [attachment()] }), stmt({ id: uuid(), attachments: [attachment(), attachment()] })];
    res = await w.x.post('/xapi/statements', jsonBatch);
    if (res.status !== 200) bad.push(`application/json batch, only fileUrl attachments: want 200, got ${brief(res)}`);
    for (const s of [plain, ...linked, ...jsonBatch]) {
      const got = await getById(w.x, s.id);
      if (got.status !== 200) bad.push(`${s.id} not stored: ${brief(got)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.1 a part\'s Content-Type need not repeat contentType exactly (text/plain; charset=ascii and text/plain)', async () => {
    const w = await setup();
    const data = Buffer.from(`ascii ${hex(4)}`);
    const s = stmt({ id: uuid(), attachments: [inline(data, { contentType: 'text/plain; charset=ascii' })] });
    assertStatus(await sendMultipart(w.x, [jsonPart(s), dataPart(data, { type: 'text/plain' })]), 200);
    assert.deepEqual((await storedData(w.x, s.id))[sha256(data)], data);
  });

  test('3.1 data sent with a fileUrl attachment is kept too (recommended)', async () => {
    const w = await setup();
    const data = Buffer.from(`linked and sent ${hex(4)}`);
    const s = stmt({ id: uuid(), attachments: [attachment({ sha2: sha256(data), length: data.length, contentType: 'text/plain' })] });
    assertStatus(await sendMultipart(w.x, [jsonPart(s), dataPart(data)]), 200);
    assert.deepEqual((await storedData(w.x, s.id))[sha256(data)], data);
  });
});

describe('3.2 returning attachments', () => {
  test('3.2 attachments=true: multipart/mixed; boundary=X (unquoted, [A-Za-z0-9_-]), the statement as application/json, then each attachment\'s raw data with its headers (edges 25, 48)', async () => {
    const w = await setup();
    const text = Buffer.from(`here is a simple attachment ${hex(4)}`);
    const bin = Buffer.concat([crypto.randomBytes(64), Buffer.from('\r\n\r\n--'), Buffer.from([0, 13, 10])]);
    const s = stmt({ id: uuid(), attachments: [inline(text), inline(bin, { contentType: 'application/pdf' })] });
    assertStatus(await sendMultipart(w.x, [jsonPart(s), dataPart(text), dataPart(bin, { type: 'application/pdf' })]), 200);
    const plain = await getById(w.x, s.id);
    for (const query of [q({ statementId: s.id, attachments: 'true' }), q({ statementId: s.id, attachments: 'true', format: 'exact' })]) {
      const got = await getAttachments(w.x, query);
      assert.equal(got.status, 200, query);
      assert.equal(got.parts.length, 3, query);
      assert.match(got.parts[0].headers['content-type'], /^application\/json/);
      assert.deepEqual(JSON.parse(got.parts[0].data.toString('utf8')), plain.json);
      for (const [part, data, type] of [[got.parts[1], text, 'text/plain'], [got.parts[2], bin, 'application/pdf']]) {
        assert.equal(part.headers['content-type'], type);
        assert.equal(part.headers['content-transfer-encoding'], 'binary');
        assert.equal(part.headers['x-experience-api-hash'], sha256(data));
        assert.deepEqual(part.data, data);
      }
      const boundary = got.type.split('boundary=')[1];
      const between = got.raw.toString('latin1').split(`--${boundary}`);
      assert.ok(between.some((p) => p.includes(text.toString())), 'the raw text appears between two delimiters');
    }
    const ids = await getAttachments(w.x, q({ statementId: s.id, format: 'ids', attachments: 'true' }));
    assert.equal(ids.status, 200);
    assert.equal(JSON.parse(ids.parts[0].data.toString('utf8')).id, s.id);
  });

  test('3.2 a query with attachments=true: one part per distinct sha2 of the statements returned, none for data never sent', async () => {
    const w = await setup();
    const activity = act('attachments-query');
    const a = Buffer.from(`query a ${hex(4)}`), b = Buffer.from(`query b ${hex(4)}`);
    const s1 = stmt({ id: uuid(), object: { id: activity }, attachments: [inline(a), attachment({ sha2: sha256(`never sent ${hex(4)}`) })] });
    const s2 = stmt({ id: uuid(), object: { id: activity }, attachments: [inline(a), inline(b)] });
    assertStatus(await sendMultipart(w.x, [jsonPart(s1), dataPart(a)]), 200);
    assertStatus(await sendMultipart(w.x, [jsonPart(s2), dataPart(a), dataPart(b)]), 200);
    const got = await getAttachments(w.x, q({ activity, attachments: 'true' }));
    assert.equal(got.status, 200);
    const result = JSON.parse(got.parts[0].data.toString('utf8'));
    assert.deepEqual(result.statements.map((s) => s.id).sort(), [s1.id, s2.id].sort());
    assert.equal(typeof result.more, 'string');
    const hashes = got.parts.slice(1).map((p) => p.headers['x-experience-api-hash']);
    assert.deepEqual(hashes.sort(), [sha256(a), sha256(b)].sort());
    for (const p of got.parts.slice(1)) assert.deepEqual(p.data, p.headers['x-experience-api-hash'] === sha256(a) ? a : b);
  });

  test('3.2 attachments=true without any attachment is still multipart, the JSON first', async () => {
    const w = await setup();
    const activity = act('no-attachments');
    await store(w.x, stmt({ object: { id: activity } }));
    for (const query of [q({ activity, attachments: 'true' }), 'attachments=true&limit=1']) {
      const got = await getAttachments(w.x, query);
      assert.equal(got.status, 200, query);
      assert.equal(got.parts.length >= 1, true);
      const result = JSON.parse(got.parts[0].data.toString('utf8'));
      assert.ok(Array.isArray(result.statements) && typeof result.more === 'string', query);
    }
  });

  test('3.2 attachments=false or absent: Content-Type exactly application/json and no raw data; a Content-Type request header on the GET changes nothing (edge 38)', async () => {
    const w = await setup();
    const data = Buffer.from(`not returned ${hex(6)}`);
    const activity = act('attachments-false');
    const s = stmt({ id: uuid(), object: { id: activity }, attachments: [inline(data)] });
    assertStatus(await sendMultipart(w.x, [jsonPart(s), dataPart(data)]), 200);
    const bad = [];
    for (const [label, query, headers] of [
      ['single, absent', q({ statementId: s.id }), {}],
      ['single, attachments=false', q({ statementId: s.id, attachments: 'false' }), {}],
      ['query, attachments=false', q({ activity, attachments: 'false' }), {}],
      ['query with Content-Type: multipart/mixed on the GET', q({ activity }), { 'Content-Type': 'multipart/mixed; boundary=xyz' }],
    ]) {
      const res = await rawHttp('GET', `/xapi/statements?${query}`, { headers: xHeaders(w.x, headers) });
      if (res.status !== 200) bad.push(`${label}: ${brief(res)}`);
      if (res.headers.get('content-type') !== 'application/json') bad.push(`${label}: Content-Type ${res.headers.get('content-type')}`);
      if (res.text.includes(data.toString())) bad.push(`${label}: the raw data is in the reply`);
      if (!res.json) bad.push(`${label}: not JSON`);
    }
    const multi = await getAttachments(w.x, q({ statementId: s.id, attachments: 'true' }));
    if (multi.parts.length !== 2) bad.push(`attachments=true gave ${multi.parts.length} parts`);
    assert.deepEqual(bad, []);
  });
});

describe('3.3 signed statements', () => {
  test('3.3 a statement signed with RS256, RS384 or RS512 and its certificate in x5c is accepted; attachments=true returns the JWS', async () => {
    const w = await setup();
    const bad = [];
    for (const alg of ['RS256', 'RS384', 'RS512']) {
      const payload = stmt({ id: uuid() });
      const token = jws(payload, { alg });
      const res = await sendMultipart(w.x, signedParts(payload, token));
      if (res.status !== 200) {
        bad.push(`${alg}: want 200, got ${brief(res)}`);
        continue;
      }
      const got = await storedData(w.x, payload.id);
      if (got[sha256(token)]?.toString() !== token) bad.push(`${alg}: the JWS did not come back with attachments=true`);
      const st = (await getById(w.x, payload.id)).json;
      if (st?.attachments?.[0]?.usageType !== SIGNATURE) bad.push(`${alg}: the signature attachment is not stored: ${JSON.stringify(st?.attachments)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.3 a JWS without x5c (the suite\'s {"alg":"RS256"}) is accepted, as nothing can be verified (edge 49)', async () => {
    const w = await setup();
    const payload = stmt({ id: uuid() });
    assertStatus(await sendMultipart(w.x, signedParts(payload, jws(payload, { x5c: null }))), 200);
    const another = stmt({ id: uuid() });
    assertStatus(await sendMultipart(w.x, signedParts(another, jws(another, { x5c: null, key: keys().other.key }))), 200);
  });

  test('3.3 the signature attachment must be application/octet-stream (S57, edge 49)', async () => {
    const w = await setup();
    const bad = [];
    for (const type of ['application/jose', 'text/plain', 'application/json']) {
      const payload = stmt({ id: uuid() });
      const res = await sendMultipart(w.x, signedParts(payload, jws(payload), { contentType: type }));
      if (res.status !== 400) bad.push(`contentType ${type}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, payload);
      if (trace) bad.push(`${type}${trace}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.3 a malformed JWS is 400 and stores nothing: not three segments, bad base64url, a header or payload that is not JSON (edge 49)', async () => {
    const w = await setup();
    const bad = [];
    const cases = [
      ['two segments', (p) => jws(p).split('.').slice(0, 2).join('.')],
      ['four segments', (p) => `${jws(p)}.${b64url('more')}`],
      ['not a JWS at all', () => 'not a JWS'],
      ['an empty JWS', () => '..'],
      ['a header that is not base64url', (p) => `%%%.${jws(p).split('.').slice(1).join('.')}`],
      ['a header that is not JSON', (p) => `${b64url('{alg:RS256')}.${jws(p).split('.').slice(1).join('.')}`],
      ['a payload that is not JSON ("breakJson")', (p) => jws(p, { payloadText: JSON.stringify(p).replace('"', "'") })],
      ['a payload that is a JSON string', (p) => jws(p, { payloadText: JSON.stringify(JSON.stringify(p)) })],
      ['a signature that is not base64url', (p) => `${jws(p).split('.').slice(0, 2).join('.')}.***`],
    ];
    for (const [label, make] of cases) {
      const payload = stmt({ id: uuid() });
      const res = await sendMultipart(w.x, signedParts(payload, make(payload)));
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, payload);
      if (trace) bad.push(`${label}${trace}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.3 alg must be RS256, RS384 or RS512: HS256, PS256 and none are 400 (edge 49)', async () => {
    const w = await setup();
    const bad = [];
    for (const [alg, x5c] of [['HS256', null], ['HS256', undefined], ['PS256', undefined], ['none', null], ['rs256', undefined]]) {
      const payload = stmt({ id: uuid() });
      const token = alg === 'rs256'
        ? jws(payload).replace(/^[^.]+/, b64url(JSON.stringify({ alg: 'rs256', x5c: [keys().signer.cert] })))
        : jws(payload, { alg, ...(x5c === null ? { x5c: null } : {}) });
      const res = await sendMultipart(w.x, signedParts(payload, token));
      const label = `${alg}${x5c === null ? ' without x5c' : ''}`;
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, payload);
      if (trace) bad.push(`${label}${trace}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.3 the payload must be the statement it signs: another statement or another result is 400; keys reordered or the timestamp in another zone is the same statement', async () => {
    const w = await setup();
    const bad = [];
    const refused = [
      ['another statement', (s) => stmt({ id: s.id })],
      ['another id', (s) => ({ ...s, id: uuid() })],
      ['a result added', (s) => ({ ...s, result: { success: true } })],
      ['another verb', (s) => ({ ...s, verb: { id: 'http://adlnet.gov/expapi/verbs/passed' } })],
      ['an empty object', () => ({})],
    ];
    for (const [label, payloadOf] of refused) {
      const s = stmt({ id: uuid(), timestamp: '2015-06-01T12:00:00.000Z' });
      const res = await sendMultipart(w.x, signedParts(s, jws(payloadOf(structuredClone(s)))));
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, s);
      if (trace) bad.push(`${label}${trace}`);
    }
    const accepted = [
      ['keys in another order', (s) => Object.fromEntries(Object.entries(s).reverse())],
      ['the timestamp in another zone', (s) => ({ ...s, timestamp: '2015-06-01T20:00:00.000+08:00' })],
    ];
    for (const [label, payloadOf] of accepted) {
      const s = stmt({ id: uuid(), timestamp: '2015-06-01T12:00:00.000Z' });
      const res = await sendMultipart(w.x, signedParts(s, jws(payloadOf(structuredClone(s)))));
      if (res.status !== 200) bad.push(`${label}: want 200, got ${brief(res)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('3.3 with x5c the signature must verify with its first certificate (a chain in order): another key, a changed signature or a certificate out of place is 400', async () => {
    const w = await setup();
    const bad = [];
    const { signer, other } = keys();
    const refused = [
      ['signed with another key', (p) => jws(p, { key: other.key })],
      ['a signature byte changed', (p) => {
        const t = jws(p);
        const sig = Buffer.from(t.split('.')[2], 'base64url');
        sig[10] ^= 1;
        return `${t.split('.').slice(0, 2).join('.')}.${b64url(sig)}`;
      }],
      ['the signer\'s certificate second in x5c', (p) => jws(p, { x5c: [other.cert, signer.cert] })],
      ['x5c that is not a certificate', (p) => jws(p, { x5c: [Buffer.from('not a certificate').toString('base64')] })],
    ];
    for (const [label, make] of refused) {
      const payload = stmt({ id: uuid() });
      const res = await sendMultipart(w.x, signedParts(payload, make(payload)));
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      const trace = await storedTrace(w.x, payload);
      if (trace) bad.push(`${label}${trace}`);
    }
    const chained = stmt({ id: uuid() });
    const { chain } = keys();
    const res = await sendMultipart(w.x, signedParts(chained, jws(chained, { key: chain.key, x5c: chain.x5c })));
    if (res.status !== 200) bad.push(`x5c [leaf, its CA], signed by the leaf: want 200, got ${brief(res)}`);
    const wrong = stmt({ id: uuid() });
    const reversed = await sendMultipart(w.x, signedParts(wrong, jws(wrong, { key: chain.key, x5c: [...chain.x5c].reverse() })));
    if (reversed.status !== 400) bad.push(`x5c [CA, leaf], signed by the leaf: want 400, got ${brief(reversed)}`);
    const trace = await storedTrace(w.x, wrong);
    if (trace) bad.push(`x5c [CA, leaf]${trace}`);
    assert.deepEqual(bad, []);
  });

  test('3.3 the suite\'s signed body: a leading CRLF, no space after the colons, boundary -------------<digits>, no final CRLF (edge 47)', async () => {
    const w = await setup();
    const payload = stmt({ id: uuid() });
    const token = jws(payload, { x5c: null });
    const [st] = signedParts(payload, token);
    const boundary = `-------------${crypto.randomInt(1e9)}${crypto.randomInt(1e9)}`;
    const body = `\r\n--${boundary}\r\nContent-Type:application/json\r\n\r\n${st.data}\r\n--${boundary}\r\n` +
      `Content-Type:application/octet-stream\r\nContent-Transfer-Encoding:binary\r\nX-Experience-API-Hash:${sha256(token)}\r\n\r\n${token}\r\n--${boundary}--`;
    const res = await w.x.request('POST', '/xapi/statements', { raw: body, headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` } });
    assertStatus(res, 200);
    assertStatus(await getById(w.x, payload.id), 200);
  });

  test('3.3 in a batch each statement\'s signature is checked; one bad signature refuses the whole batch', async () => {
    const w = await setup();
    const s1 = stmt({ id: uuid() }), s2 = stmt({ id: uuid() });
    const t1 = jws(s1), t2 = jws(s2);
    const sig = (t) => ({ usageType: SIGNATURE, display: { 'en-US': 'Signature' }, contentType: 'application/octet-stream', length: t.length, sha2: sha256(t) });
    const good = await sendMultipart(w.x, [jsonPart([{ ...s1, attachments: [sig(t1)] }, { ...s2, attachments: [sig(t2)] }]),
      dataPart(Buffer.from(t1), { type: 'application/octet-stream' }), dataPart(Buffer.from(t2), { type: 'application/octet-stream' })]);
    assertStatus(good, 200);
    assert.deepEqual(good.json, [s1.id, s2.id]);
    const s3 = stmt({ id: uuid() }), s4 = stmt({ id: uuid() });
    const t3 = jws(s3), t4 = jws(s3, { alg: 'RS384' }); // s4 carries a signature of s3
    const res = await sendMultipart(w.x, [jsonPart([{ ...s3, attachments: [sig(t3)] }, { ...s4, attachments: [sig(t4)] }]),
      dataPart(Buffer.from(t3), { type: 'application/octet-stream' }), dataPart(Buffer.from(t4), { type: 'application/octet-stream' })]);
    assert.equal(res.status, 400, brief(res));
    assert.equal(await storedTrace(w.x, s3), '');
    assert.equal(await storedTrace(w.x, s4), '');
  });
});

// ---- 4. document resources ------------------------------------------------------------------

// The key of a document without its id (what lists and multi-deletes take).
const withoutId = (d, key) => Object.fromEntries(Object.entries(key).filter(([k]) => k !== d.idName));

describe('4.1 documents: common rules', () => {
  test('4.1 PUT, POST, GET, HEAD and DELETE on every document resource; other methods are 405', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      const key = d.key();
      const steps = [
        ['PUT', () => docReq(w.x, 'PUT', d, key, '{"a":1}', { 'Content-Type': 'application/json', 'If-None-Match': '*' }), 204],
        ['POST', () => docReq(w.x, 'POST', d, key, '{"b":2}', { 'Content-Type': 'application/json' }), 204],
        ['GET', () => w.x.get(`${d.where}?${q(key)}`), 200],
        ['HEAD', () => w.x.request('HEAD', `${d.where}?${q(key)}`), 200],
        ['DELETE', () => w.x.request('DELETE', `${d.where}?${q(key)}`), 204],
        ['PATCH', () => docReq(w.x, 'PATCH', d, key, '{"c":3}', { 'Content-Type': 'application/json' }), 405],
      ];
      for (const [method, run, want] of steps) {
        const res = await run();
        if (res.status !== want) bad.push(`${d.kind} ${method}: want ${want}, got ${brief(res)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 a document is the bytes and Content-Type sent; GET gives both back (JSON as application/json)', async () => {
    const w = await setup();
    const bad = [];
    const bodies = [
      ['binary', Buffer.concat([crypto.randomBytes(100), Buffer.from([0, 13, 10, 255])]), 'image/png'],
      ['JSON', Buffer.from('{"page":12,"note":"第三章","nested":{"list":[1,2.5,"x"]}}'), 'application/json'],
      ['UTF-8 text with a charset', Buffer.from('出席した 참석 sótti посетил ਹਾਜ਼ਰ 😀'), 'text/plain; charset=utf-8'],
      ['empty', Buffer.alloc(0), 'text/plain'],
    ];
    for (const d of DOCS) {
      for (const [label, body, type] of bodies) {
        const key = d.key();
        await createDoc(w.x, d, key, body, type);
        const got = await rawHttp('GET', `${d.where}?${q(key)}`, { headers: xHeaders(w.x) });
        if (got.status !== 200) bad.push(`${d.kind} ${label}: GET ${brief(got)}`);
        if (!got.body.equals(body)) bad.push(`${d.kind} ${label}: the bytes came back as ${JSON.stringify(got.body.toString('latin1').slice(0, 80))}`);
        if (got.headers.get('content-type') !== type) bad.push(`${d.kind} ${label}: Content-Type ${got.headers.get('content-type')}, sent ${type}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 neither content nor an unknown activity or agent is refused: a new document POSTed as 1 or true in application/x-www-form-urlencoded is 204 (not the alternate syntax) (edge 50)', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      for (const body of ['1', 'true']) {
        const key = d.key();
        const res = await docReq(w.x, 'POST', d, key, body, { 'Content-Type': 'application/x-www-form-urlencoded' });
        if (res.status !== 204) bad.push(`${d.kind} POST ${body}: want 204, got ${brief(res)}`);
        const got = await docState(w.x, d, key);
        if (got.status !== 200 || got.body !== body) bad.push(`${d.kind} ${body}: GET -> ${got.status} ${JSON.stringify(got.body)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 an agent is its IFI alone: name and objectType make no other document', async () => {
    const w = await setup();
    const bad = [];
    for (const d of [STATE, AGENT_PROFILE]) {
      const m = mbox('ifi');
      const key = { ...d.key(), agent: { objectType: 'Agent', name: 'First name', mbox: m } };
      await createDoc(w.x, d, key, 'by the IFI', 'text/plain');
      for (const agentAs of [{ mbox: m }, { name: 'Another name', mbox: m }, { objectType: 'Agent', mbox: m }]) {
        const got = await docState(w.x, d, { ...key, agent: agentAs });
        if (got.status !== 200 || got.body !== 'by the IFI') bad.push(`${d.kind} as ${JSON.stringify(agentAs)}: ${got.status} ${got.body}`);
      }
      const list = await w.x.get(`${d.where}?${q(withoutId(d, { ...key, agent: { mbox: m, name: 'x' } }))}`);
      if (JSON.stringify(list.json) !== JSON.stringify([key[d.idName]])) bad.push(`${d.kind} list: ${brief(list)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 PUT creates a document or replaces it whole (204)', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      const key = d.key();
      let res = await docReq(w.x, 'PUT', d, key, '{"a":1,"b":2}', { 'Content-Type': 'application/json', 'If-None-Match': '*' });
      if (res.status !== 204) bad.push(`${d.kind} create: ${brief(res)}`);
      const etag = (await docState(w.x, d, key)).etag;
      res = await docReq(w.x, 'PUT', d, key, '{"c":3}', { 'Content-Type': 'application/json', 'If-Match': etag });
      if (res.status !== 204) bad.push(`${d.kind} replace: ${brief(res)}`);
      const got = await docState(w.x, d, key);
      if (got.body !== '{"c":3}') bad.push(`${d.kind}: after the replace ${got.body}`);
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 POST stores a new document as PUT does; onto a JSON object it merges a JSON object key by key, each value replaced whole', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      const key = d.key();
      const steps = [
        ['{"car":"MKX"}', 'application/json', { car: 'MKX' }],
        ['{"car":"MKZ"}', 'application/json', { car: 'MKZ' }],
        ['{"type":"Civic","deep":{"a":1,"b":[1]}}', 'application/json', { car: 'MKZ', type: 'Civic', deep: { a: 1, b: [1] } }],
        ['{"deep":{"c":2}}', 'application/json; charset=utf-8', { car: 'MKZ', type: 'Civic', deep: { c: 2 } }],
        ['{"car":"Honda","note":"新车"}', 'application/json', { car: 'Honda', type: 'Civic', deep: { c: 2 }, note: '新车' }],
      ];
      for (const [body, type, want] of steps) {
        const res = await docReq(w.x, 'POST', d, key, body, { 'Content-Type': type });
        if (res.status !== 204) bad.push(`${d.kind} POST ${body}: want 204, got ${brief(res)}`);
        const got = await w.x.get(`${d.where}?${q(key)}`);
        if (JSON.stringify(sortKeys(got.json)) !== JSON.stringify(sortKeys(want))) bad.push(`${d.kind} after ${body}: ${got.text}`);
        if (!/^application\/json/.test(got.headers.get('content-type') || '')) bad.push(`${d.kind}: Content-Type ${got.headers.get('content-type')}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 POST onto a document is 400 and changes nothing unless both are JSON objects (edge 51)', async () => {
    const w = await setup();
    const bad = [];
    const cases = [
      ['JSON + abc as form-urlencoded', ['{"a":1}', 'application/json'], ['abc', 'application/x-www-form-urlencoded']],
      ['JSON + abc as octet-stream', ['{"a":1}', 'application/json'], ['abc', 'application/octet-stream']],
      ['JSON + a JSON object as not/json', ['{"a":1}', 'application/json'], ['{"b":2}', 'not/json']],
      ['JSON + {...}{ as application/json', ['{"a":1}', 'application/json'], ['{"b":2}{', 'application/json']],
      ['JSON + an array as application/json', ['{"a":1}', 'application/json'], ['[1,2]', 'application/json']],
      ['octet-stream + a JSON object', ['raw bytes', 'application/octet-stream'], ['{"b":2}', 'application/json']],
      ['a JSON array + a JSON object', ['[1]', 'application/json'], ['{"b":2}', 'application/json']],
      ['text/plain JSON + a JSON object', ['{"a":1}', 'text/plain'], ['{"b":2}', 'application/json']],
    ];
    for (const d of DOCS) {
      for (const [label, [body, type], [posted, postedType]] of cases) {
        const key = d.key();
        await createDoc(w.x, d, key, body, type);
        const before = await docState(w.x, d, key);
        const res = await docReq(w.x, 'POST', d, key, posted, { 'Content-Type': postedType });
        if (res.status !== 400) bad.push(`${d.kind} ${label}: want 400, got ${brief(res)}`);
        const after = await docState(w.x, d, key);
        if (JSON.stringify(after) !== JSON.stringify(before)) bad.push(`${d.kind} ${label}: the document changed to ${JSON.stringify(after)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 GET of one document: 200 with its body, Content-Type, ETag and Last-Modified (an HTTP-date); 404 when there is none', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      const key = d.key();
      const before = Date.now();
      await createDoc(w.x, d, key, 'content', 'text/plain');
      const got = await w.x.get(`${d.where}?${q(key)}`);
      if (got.status !== 200 || got.text !== 'content') bad.push(`${d.kind}: ${brief(got)}`);
      if (got.headers.get('etag') !== `"${sha1('content')}"`) bad.push(`${d.kind}: ETag ${got.headers.get('etag')}`);
      const lm = got.headers.get('last-modified');
      if (!lm || !/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/.test(lm)) bad.push(`${d.kind}: Last-Modified ${lm} is not an HTTP-date`);
      else if (Math.abs(Date.parse(lm) - before) > 5000) bad.push(`${d.kind}: Last-Modified ${lm} is not when it was written`);
      const none = await w.x.get(`${d.where}?${q({ ...key, [d.idName]: `missing-${hex(3)}` })}`);
      if (none.status !== 404) bad.push(`${d.kind} missing: want 404, got ${brief(none)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 a state GET with stateId and since answers the document, since ignored (edge 58)', async () => {
    const w = await setup();
    const key = STATE.key();
    await createDoc(w.x, STATE, key, 'kept', 'text/plain');
    const res = await w.x.get(`${STATE.where}?${q({ ...key, since: new Date(Date.now() + 3600e3).toISOString() })}`);
    assertStatus(res, 200);
    assert.equal(res.text, 'kept');
  });

  test('4.1 GET without the document id lists the ids (application/json, [] for none); since is exclusive and on the clock of stored; a bad since is 400; Last-Modified is the newest (edge 58)', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      const base = withoutId(d, d.key());
      const list = async (extra = {}) => w.x.get(`${d.where}?${q({ ...base, ...extra })}`);
      const empty = await list();
      if (empty.status !== 200 || JSON.stringify(empty.json) !== '[]') bad.push(`${d.kind} no documents: ${brief(empty)}`);
      await createDoc(w.x, d, { ...base, [d.idName]: 'first' }, 'one', 'text/plain');
      await sleep(3);
      const mark = (await store(w.x, stmt())).stored;
      await sleep(3);
      await createDoc(w.x, d, { ...base, [d.idName]: 'second' }, 'two', 'text/plain');
      const all = await list();
      if (all.status !== 200 || JSON.stringify([...(all.json || [])].sort()) !== '["first","second"]') bad.push(`${d.kind} all: ${brief(all)}`);
      if (all.headers.get('content-type') !== 'application/json') bad.push(`${d.kind}: Content-Type ${all.headers.get('content-type')}`);
      // Every GET has an ETag, a list too: the same for the same list, another once it changes.
      const tag = all.headers.get('etag');
      if (!/^"[0-9a-f]{40}"$/.test(tag || '')) bad.push(`${d.kind}: the list's ETag ${tag}`);
      if ((await list()).headers.get('etag') !== tag) bad.push(`${d.kind}: the same list under another ETag`);
      if ((await list({ since: mark })).headers.get('etag') === tag) bad.push(`${d.kind}: a shorter list under the same ETag`);
      const lm = Date.parse(all.headers.get('last-modified'));
      if (!(lm >= Math.floor(Date.parse(mark) / 1000) * 1000)) bad.push(`${d.kind}: Last-Modified ${all.headers.get('last-modified')} is older than the newest document (after ${mark})`);
      const since = await list({ since: mark });
      if (JSON.stringify(since.json) !== '["second"]') bad.push(`${d.kind} since the stored of a statement between: ${brief(since)}`);
      const recent = await list({ since: new Date(Date.now() - 1000).toISOString() });
      if (JSON.stringify([...(recent.json || [])].sort()) !== '["first","second"]') bad.push(`${d.kind} since now - 1 s: ${brief(recent)}`);
      const future = await list({ since: new Date(Date.now() + 3600e3).toISOString() });
      if (JSON.stringify(future.json) !== '[]') bad.push(`${d.kind} since an hour ahead: ${brief(future)}`);
      for (const v of ['yesterday', '2015-13-01T00:00:00Z', '2015-01-01T00:00:00-00:00']) {
        const res = await list({ since: v });
        if (res.status !== 400) bad.push(`${d.kind} since=${v}: want 400, got ${brief(res)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 DELETE of one document is 204, and 204 again once it is gone (edge 56)', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      const key = d.key();
      await createDoc(w.x, d, key, 'doomed', 'text/plain');
      for (const round of ['existing', 'gone', 'never created']) {
        const k = round === 'never created' ? d.key() : key;
        const res = await w.x.request('DELETE', `${d.where}?${q(k)}`);
        if (res.status !== 204) bad.push(`${d.kind} DELETE ${round}: want 204, got ${brief(res)}`);
      }
      const got = await docState(w.x, d, key);
      if (got.status !== 404) bad.push(`${d.kind}: after DELETE, GET -> ${got.status}`);
    }
    assert.deepEqual(bad, []);
  });

  test('4.1 a body sent with GET or DELETE is ignored, and the connection goes on with the next request (edge 38)', async () => {
    const w = await setup();
    const bad = [];
    const body = JSON.stringify({ ignored: true });
    // With its length declared: without it (or chunked encoding) HTTP knows of no body on a GET,
    // and the bytes are the next request's.
    const headers = xHeaders(w.x, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    // Each request with a body, then a plain one on the same kept-alive connection: the body must
    // be read and dropped, not left to be taken for the start of the next request.
    async function exchange(label, method, where, check) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const res = await rawHttp(method, where, { headers, body, agent });
        const why = check(res);
        if (why) bad.push(`${label}: ${why}`);
        const next = await rawHttp('GET', '/xapi/statements?limit=1', { headers: xHeaders(w.x), agent });
        if (next.status !== 200) bad.push(`${label}, then GET /xapi/statements on the same connection: ${brief(next)}`);
      } finally {
        agent.destroy();
      }
    }
    for (const d of DOCS) {
      const key = d.key();
      await createDoc(w.x, d, key, 'with a body', 'text/plain');
      await exchange(`${d.kind} GET one with a body`, 'GET', `${d.where}?${q(key)}`,
        (r) => (r.status !== 200 || r.text !== 'with a body' ? brief(r) : ''));
      await exchange(`${d.kind} GET ids with a body`, 'GET', `${d.where}?${q(withoutId(d, key))}`,
        (r) => (r.status !== 200 || JSON.stringify(r.json) !== JSON.stringify([key[d.idName]]) ? brief(r) : ''));
      await exchange(`${d.kind} DELETE with a body`, 'DELETE', `${d.where}?${q(key)}`, (r) => (r.status !== 204 ? brief(r) : ''));
      if ((await docState(w.x, d, key)).status !== 404) bad.push(`${d.kind}: DELETE with a body left the document`);
    }
    const s = await store(w.x, stmt());
    await exchange('GET a statement with a body', 'GET', `/xapi/statements?${q({ statementId: s.id })}`,
      (r) => (r.status !== 200 || r.json?.id !== s.id ? brief(r) : ''));
    assert.deepEqual(bad, []);
  });
});

describe('4.2 state', () => {
  test('4.2 parameters: activityId (an IRI) and agent (JSON) required, registration a UUID, stateId required to write; another name is 400, and nothing is written (edge 57)', async () => {
    const w = await setup();
    const bad = [];
    const a = act('state-params'), who = { mbox: mbox('state-params') };
    const base = { activityId: a, agent: who, stateId: 's' };
    const cases = [
      ['no activityId', { agent: who, stateId: 's' }],
      ['activityId 1', { ...base, activityId: '1' }],
      ['activityId true', { ...base, activityId: 'true' }],
      ['activityId undefined', { ...base, activityId: 'undefined' }],
      ['activityId {"key":"value"}', { ...base, activityId: '{"key":"value"}' }],
      ['activityId without a scheme', { ...base, activityId: 'example.com/activity' }],
      ['no agent', { activityId: a, stateId: 's' }],
      ['agent not JSON', { ...base, agent: 'not JSON' }],
      ['agent 1', { ...base, agent: '1' }],
      ['agent true', { ...base, agent: 'true' }],
      ['agent undefined', { ...base, agent: 'undefined' }],
      ['agent {key:value}', { ...base, agent: '{key:value}' }],
      ['agent {"not_actor":"yup"}', { ...base, agent: '{"not_actor":"yup"}' }],
      ['agent with two IFIs', { ...base, agent: { mbox: who.mbox, openid: 'http://openid.example.com/x' } }],
      ['agent with a bad mbox', { ...base, agent: { mbox: 'learner@example.com' } }],
      ['registration 1', { ...base, registration: '1' }],
      ['registration true', { ...base, registration: 'true' }],
      ['registration not a UUID', { ...base, registration: 'not UUID' }],
      ['no stateId', { activityId: a, agent: who }],
      ['StateId (wrong case)', { activityId: a, agent: who, StateId: 's' }],
      ['an unknown parameter', { ...base, foo: 'bar' }],
      ['profileId', { ...base, profileId: 'p' }],
      ['since on a write', { ...base, since: '2015-01-01T00:00:00Z' }],
    ];
    for (const method of ['PUT', 'POST']) {
      for (const [label, params] of cases) {
        const res = await docReq(w.x, method, STATE, params, '{"x":1}', { 'Content-Type': 'application/json' });
        if (res.status !== 400) bad.push(`${method} ${label}: want 400, got ${brief(res)}`);
      }
    }
    for (const [label, params] of [['no agent', { activityId: a }], ['activityId 1', { activityId: '1', agent: who }], ['agent 1', { activityId: a, agent: '1' }],
      ['registration true', { activityId: a, agent: who, registration: 'true' }], ['an unknown parameter', { activityId: a, agent: who, foo: 'bar' }]]) {
      for (const method of ['GET', 'DELETE']) {
        const res = await w.x.request(method, `${STATE.where}?${q(params)}`);
        if (res.status !== 400) bad.push(`${method} ${label}: want 400, got ${brief(res)}`);
      }
    }
    const left = await w.x.get(`${STATE.where}?${q({ activityId: a, agent: who })}`);
    if (JSON.stringify(left.json) !== '[]') bad.push(`something was written: ${brief(left)}`);
    assert.deepEqual(bad, []);
  });

  test('4.2 GET without stateId lists the ids of an activity and agent, of every registration unless one is named', async () => {
    const w = await setup();
    const base = { activityId: act('state-list'), agent: { mbox: mbox('state-list') } };
    const r1 = uuid(), r2 = uuid();
    await createDoc(w.x, STATE, { ...base, stateId: 'none' }, '0');
    await createDoc(w.x, STATE, { ...base, stateId: 'one', registration: r1 }, '1');
    await createDoc(w.x, STATE, { ...base, stateId: 'two', registration: r2 }, '2');
    await createDoc(w.x, STATE, { ...base, agent: { mbox: mbox('someone-else') }, stateId: 'other-agent' }, '3');
    await createDoc(w.x, STATE, { ...base, activityId: act('other-activity'), stateId: 'other-activity' }, '4');
    const ids = async (extra = {}) => [...((await w.x.get(`${STATE.where}?${q({ ...base, ...extra })}`)).json || [])].sort();
    assert.deepEqual(await ids(), ['none', 'one', 'two']);
    assert.deepEqual(await ids({ registration: r1 }), ['one']);
    assert.deepEqual(await ids({ registration: r2.toUpperCase() }), ['two']);
    assert.deepEqual(await ids({ registration: uuid() }), []);
  });

  test('4.2 DELETE without stateId deletes every document of the activity and agent (of one registration when named); the list is then [] (edge 56)', async () => {
    const w = await setup();
    const base = { activityId: act('state-delete'), agent: { mbox: mbox('state-delete') } };
    const r1 = uuid();
    await createDoc(w.x, STATE, { ...base, stateId: 'a' }, 'a');
    await createDoc(w.x, STATE, { ...base, stateId: 'b', registration: r1 }, 'b');
    await createDoc(w.x, STATE, { ...base, stateId: 'c', registration: uuid() }, 'c');
    const neighbour = { ...base, agent: { mbox: mbox('neighbour') }, stateId: 'kept' };
    await createDoc(w.x, STATE, neighbour, 'kept');
    assertStatus(await w.x.request('DELETE', `${STATE.where}?${q({ ...base, registration: r1 })}`), 204);
    assert.deepEqual([...(await w.x.get(`${STATE.where}?${q(base)}`)).json].sort(), ['a', 'c']);
    assertStatus(await w.x.request('DELETE', `${STATE.where}?${q(base)}`), 204);
    assert.deepEqual((await w.x.get(`${STATE.where}?${q(base)}`)).json, []);
    assert.equal((await docState(w.x, STATE, neighbour)).body, 'kept');
  });

  test('4.2 for one document, no registration is a key of its own', async () => {
    const w = await setup();
    const key = STATE.key();
    const reg = uuid();
    await createDoc(w.x, STATE, key, 'without', 'text/plain');
    await createDoc(w.x, STATE, { ...key, registration: reg }, 'with', 'text/plain');
    assert.equal((await docState(w.x, STATE, key)).body, 'without');
    assert.equal((await docState(w.x, STATE, { ...key, registration: reg })).body, 'with');
    assert.equal((await docState(w.x, STATE, { ...key, registration: reg.toUpperCase() })).body, 'with');
    assertStatus(await w.x.request('DELETE', `${STATE.where}?${q(key)}`), 204);
    assert.equal((await docState(w.x, STATE, key)).status, 404);
    assert.equal((await docState(w.x, STATE, { ...key, registration: reg })).body, 'with');
  });

  test('4.2 concurrency headers are optional for state, and honoured when sent (edge 53)', async () => {
    const w = await setup();
    const key = STATE.key();
    const json = { 'Content-Type': 'application/json' };
    assertStatus(await docReq(w.x, 'PUT', STATE, key, '{"v":1}', json), 204);
    assertStatus(await docReq(w.x, 'PUT', STATE, key, '{"v":2}', json), 204);
    assertStatus(await docReq(w.x, 'POST', STATE, key, '{"w":3}', json), 204);
    assert.deepEqual((await w.x.get(`${STATE.where}?${q(key)}`)).json, { v: 2, w: 3 });
    const before = await docState(w.x, STATE, key);
    const bad = [];
    for (const [label, method, headers] of [
      ['PUT with a wrong If-Match', 'PUT', { 'If-Match': `"${sha1('wrong')}"` }],
      ['POST with a wrong If-Match', 'POST', { 'If-Match': `"${sha1('wrong')}"` }],
      ['PUT with If-None-Match: *', 'PUT', { 'If-None-Match': '*' }],
    ]) {
      const res = await docReq(w.x, method, STATE, key, '{"v":9}', { ...json, ...headers });
      if (res.status !== 412) bad.push(`${label}: want 412, got ${brief(res)}`);
    }
    if (JSON.stringify(await docState(w.x, STATE, key)) !== JSON.stringify(before)) bad.push('the state changed');
    assertStatus(await w.x.request('DELETE', `${STATE.where}?${q(key)}`), 204);
    assert.deepEqual(bad, []);
  });
});

describe('4.3 activity profile', () => {
  test('4.3 parameters: activityId (an IRI) required, profileId required to write or delete; agent or another name is 400, and nothing is written (edges 57, 59)', async () => {
    const w = await setup();
    const bad = [];
    const a = act('profile-params');
    const base = { activityId: a, profileId: 'p' };
    const writes = [
      ['no activityId', { profileId: 'p' }],
      ['activityId 1', { ...base, activityId: '1' }],
      ['activityId true', { ...base, activityId: 'true' }],
      ['activityId {"key":"value"}', { ...base, activityId: '{"key":"value"}' }],
      ['activityId undefined', { ...base, activityId: 'undefined' }],
      ['no profileId', { activityId: a }],
      ['ProfileId (wrong case)', { activityId: a, ProfileId: 'p' }],
      ['agent', { ...base, agent: { mbox: mbox() } }],
      ['registration', { ...base, registration: uuid() }],
      ['stateId', { ...base, stateId: 's' }],
      ['since on a write', { ...base, since: '2015-01-01T00:00:00Z' }],
    ];
    for (const method of ['PUT', 'POST']) {
      for (const [label, params] of writes) {
        const res = await docReq(w.x, method, ACTIVITY_PROFILE, params, '{"x":1}', { 'Content-Type': 'application/json', 'If-None-Match': '*' });
        if (res.status !== 400) bad.push(`${method} ${label}: want 400, got ${brief(res)}`);
      }
    }
    for (const [label, method, params] of [
      ['GET with agent', 'GET', { activityId: a, agent: { mbox: mbox() } }],
      ['GET without activityId', 'GET', {}],
      ['GET with activityId true', 'GET', { activityId: 'true' }],
      ['DELETE without profileId', 'DELETE', { activityId: a }],
      ['DELETE with agent', 'DELETE', { ...base, agent: { mbox: mbox() } }],
    ]) {
      const res = await w.x.request(method, `${ACTIVITY_PROFILE.where}?${q(params)}`);
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
    }
    const left = await w.x.get(`${ACTIVITY_PROFILE.where}?${q({ activityId: a })}`);
    if (JSON.stringify(left.json) !== '[]') bad.push(`something was written: ${brief(left)}`);
    assert.deepEqual(bad, []);
  });
});

describe('4.4 agent profile', () => {
  test('4.4 parameters: agent (an Agent, not a Group) and profileId required; 1, true, not Agent, {key:value}, {"not_actor":"yup"}, a broken URL encoding or another name is 400, and nothing is written (edge 57)', async () => {
    const w = await setup();
    const bad = [];
    const who = { objectType: 'Agent', mbox: mbox('agent-params') };
    const base = { agent: who, profileId: 'p' };
    const writes = [
      ['no agent', { profileId: 'p' }],
      ['agent 1', { ...base, agent: '1' }],
      ['agent true', { ...base, agent: 'true' }],
      ['agent not Agent', { ...base, agent: 'not Agent' }],
      ['agent {key:value}', { ...base, agent: '{key:value}' }],
      ['agent {"not_actor":"yup"}', { ...base, agent: '{"not_actor":"yup"}' }],
      ['agent without an IFI', { ...base, agent: { objectType: 'Agent', name: 'Nobody' } }],
      ['a Group', { ...base, agent: { objectType: 'Group', mbox: who.mbox } }],
      ['an anonymous Group', { ...base, agent: { objectType: 'Group', member: [who] } }],
      ['no profileId', { agent: who }],
      ['activityId', { ...base, activityId: act() }],
      ['Agent (wrong case)', { Agent: who, profileId: 'p' }],
    ];
    for (const method of ['PUT', 'POST']) {
      for (const [label, params] of writes) {
        const res = await docReq(w.x, method, AGENT_PROFILE, params, '{"x":1}', { 'Content-Type': 'application/json', 'If-None-Match': '*' });
        if (res.status !== 400) bad.push(`${method} ${label}: want 400, got ${brief(res)}`);
      }
    }
    const broken = `${AGENT_PROFILE.where}?agent=${encodeURIComponent(JSON.stringify(who)).replace(/%3A/g, '%22')}&profileId=p`;
    for (const method of ['PUT', 'GET']) {
      const res = await w.x.request(method, broken, method === 'PUT' ? { raw: '{"x":1}', headers: { 'If-None-Match': '*' } } : {});
      if (res.status !== 400) bad.push(`${method} with a broken URL encoding of agent: want 400, got ${brief(res)}`);
    }
    const left = await w.x.get(`${AGENT_PROFILE.where}?${q({ agent: who })}`);
    if (JSON.stringify(left.json) !== '[]') bad.push(`something was written: ${brief(left)}`);
    assert.deepEqual(bad, []);
  });

  test('4.4 an identified Group\'s IFI inside an Agent object names an agent profile', async () => {
    const w = await setup();
    const groupMbox = mbox('group');
    await store(w.x, stmt({ actor: { objectType: 'Group', name: 'Class', mbox: groupMbox } }));
    const key = { agent: { objectType: 'Agent', mbox: groupMbox }, profileId: 'class-settings' };
    await createDoc(w.x, AGENT_PROFILE, key, '{"size":30}', 'application/json');
    assert.deepEqual((await w.x.get(`${AGENT_PROFILE.where}?${q(key)}`)).json, { size: 30 });
  });
});

describe('4.5 concurrency and ETags', () => {
  test('4.5 every document GET carries ETag: the quoted, lower-case hex SHA-1 of the bytes (edge 52)', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      for (const body of ['', 'plain text', Buffer.from([0, 1, 2, 255]).toString('latin1'), '{"a":1}']) {
        const key = d.key();
        await createDoc(w.x, d, key, Buffer.from(body, 'latin1'), 'application/octet-stream');
        const tag = (await docState(w.x, d, key)).etag || '';
        if (tag !== `"${sha1(Buffer.from(body, 'latin1'))}"`) bad.push(`${d.kind} ${JSON.stringify(body)}: ETag ${tag}`);
        const unprefixed = tag.replace(/^W\//, '');
        if (!/\b[0-9a-fA-F]{40}\b/.test(tag) || unprefixed[41] !== '"' || unprefixed !== unprefixed.toLowerCase()) bad.push(`${d.kind}: ETag ${tag} is not "<40 lower-case hex>"`);
      }
      // After a merge, the ETag is the SHA-1 of the merged bytes as GET gives them.
      const key = d.key();
      await createDoc(w.x, d, key, '{"a":1}', 'application/json');
      assertStatus(await docReq(w.x, 'POST', d, key, '{"b":2}', { 'Content-Type': 'application/json' }), 204);
      const merged = await docState(w.x, d, key);
      if (merged.etag !== `"${sha1(Buffer.from(merged.body, 'latin1'))}"`) bad.push(`${d.kind} merged: ETag ${merged.etag} for ${merged.body}`);
    }
    assert.deepEqual(bad, []);
  });

  test('4.5 with a Content-Encoding other than identity, the ETag is not the plain SHA-1', async () => {
    const w = await setup();
    const key = STATE.key();
    const body = 'compressible '.repeat(500);
    await createDoc(w.x, STATE, key, body, 'text/plain');
    const res = await rawHttp('GET', `${STATE.where}?${q(key)}`, { headers: xHeaders(w.x, { 'Accept-Encoding': 'gzip, deflate' }) });
    assertStatus(res, 200);
    const encoding = res.headers.get('content-encoding');
    if (encoding && encoding !== 'identity') assert.notEqual(res.headers.get('etag'), `"${sha1(body)}"`);
    else {
      assert.equal(res.text, body);
      assert.equal(res.headers.get('etag'), `"${sha1(body)}"`);
    }
  });

  test('4.5 If-Match with a stale ETag is 412 and changes nothing (PUT, POST, DELETE)', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      const key = d.key();
      await createDoc(w.x, d, key, '{"v":1}', 'application/json');
      const stale = (await docState(w.x, d, key)).etag;
      assertStatus(await docReq(w.x, 'PUT', d, key, '{"v":2}', { 'Content-Type': 'application/json', 'If-Match': stale }), 204);
      const before = await docState(w.x, d, key);
      for (const method of ['PUT', 'POST', 'DELETE']) {
        const res = method === 'DELETE'
          ? await w.x.request('DELETE', `${d.where}?${q(key)}`, { headers: { 'If-Match': stale } })
          : await docReq(w.x, method, d, key, '{"v":3}', { 'Content-Type': 'application/json', 'If-Match': stale });
        if (res.status !== 412) bad.push(`${d.kind} ${method} with a stale If-Match: want 412, got ${brief(res)}`);
      }
      if (JSON.stringify(await docState(w.x, d, key)) !== JSON.stringify(before)) bad.push(`${d.kind}: the document changed`);
    }
    assert.deepEqual(bad, []);
  });

  test('4.5 If-Match on a document that does not exist is 412 and creates nothing', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      for (const [method, tag] of [['PUT', `"${sha1('x')}"`], ['PUT', '*'], ['POST', `"${sha1('x')}"`], ['POST', '*'], ['DELETE', `"${sha1('x')}"`]]) {
        const key = d.key();
        const res = method === 'DELETE'
          ? await w.x.request('DELETE', `${d.where}?${q(key)}`, { headers: { 'If-Match': tag } })
          : await docReq(w.x, method, d, key, '{"v":1}', { 'Content-Type': 'application/json', 'If-Match': tag });
        if (res.status !== 412) bad.push(`${d.kind} ${method} If-Match: ${tag}: want 412, got ${brief(res)}`);
        const got = await docState(w.x, d, key);
        if (got.status !== 404) bad.push(`${d.kind} ${method} If-Match: ${tag}: a document was created`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('4.5 If-Match with the current ETag, or *, lets PUT, POST and DELETE through', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      const key = d.key();
      await createDoc(w.x, d, key, '{"v":1}', 'application/json');
      const steps = [
        ['PUT with the ETag', async () => docReq(w.x, 'PUT', d, key, '{"v":2}', { 'Content-Type': 'application/json', 'If-Match': (await docState(w.x, d, key)).etag })],
        ['PUT with *', async () => docReq(w.x, 'PUT', d, key, '{"v":3}', { 'Content-Type': 'application/json', 'If-Match': '*' })],
        ['POST with the ETag', async () => docReq(w.x, 'POST', d, key, '{"w":4}', { 'Content-Type': 'application/json', 'If-Match': (await docState(w.x, d, key)).etag })],
        ['POST with a list holding the ETag', async () => docReq(w.x, 'POST', d, key, '{"x":5}', { 'Content-Type': 'application/json', 'If-Match': `"${sha1('other')}", ${(await docState(w.x, d, key)).etag}` })],
        ['DELETE with the ETag', async () => w.x.request('DELETE', `${d.where}?${q(key)}`, { headers: { 'If-Match': (await docState(w.x, d, key)).etag } })],
      ];
      for (const [label, run] of steps) {
        const res = await run();
        if (res.status !== 204) bad.push(`${d.kind} ${label}: want 204, got ${brief(res)}`);
      }
      if ((await docState(w.x, d, key)).status !== 404) bad.push(`${d.kind}: not deleted`);
    }
    assert.deepEqual(bad, []);
  });

  test('4.5 If-None-Match: * is 412 on an existing document and changes nothing; on a new one the write goes through (edge 54)', async () => {
    const w = await setup();
    const bad = [];
    for (const d of DOCS) {
      for (const method of ['PUT', 'POST']) {
        const key = d.key();
        const first = await docReq(w.x, method, d, key, '{"v":1}', { 'Content-Type': 'application/json', 'If-None-Match': '*' });
        if (first.status !== 204) bad.push(`${d.kind} ${method} If-None-Match: * on a new document: want 204, got ${brief(first)}`);
        const before = await docState(w.x, d, key);
        const again = await docReq(w.x, method, d, key, '{"v":2}', { 'Content-Type': 'application/json', 'If-None-Match': '*' });
        if (again.status !== 412) bad.push(`${d.kind} ${method} If-None-Match: * on an existing document: want 412, got ${brief(again)}`);
        if (JSON.stringify(await docState(w.x, d, key)) !== JSON.stringify(before)) bad.push(`${d.kind} ${method}: the document changed`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('4.5 a profile PUT without If-Match or If-None-Match onto an existing profile is 409 with a body saying to use If-Match, and changes nothing (edge 54)', async () => {
    const w = await setup();
    const bad = [];
    for (const d of [ACTIVITY_PROFILE, AGENT_PROFILE]) {
      const key = d.key();
      await createDoc(w.x, d, key, 'v1', 'text/plain');
      const before = await docState(w.x, d, key);
      const res = await docReq(w.x, 'PUT', d, key, 'v2', { 'Content-Type': 'text/plain' });
      if (res.status !== 409) bad.push(`${d.kind}: want 409, got ${brief(res)}`);
      if (!res.text || !/If-Match/i.test(res.text)) bad.push(`${d.kind}: the 409 body does not say to use If-Match: ${res.text}`);
      if (JSON.stringify(await docState(w.x, d, key)) !== JSON.stringify(before)) bad.push(`${d.kind}: the profile changed`);
      // POST (a merge) and DELETE need no header.
      const post = await docReq(w.x, 'POST', d, key, 'v3', { 'Content-Type': 'text/plain' });
      if (post.status === 409 || post.status === 428) bad.push(`${d.kind} POST without headers: ${brief(post)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('4.5 a profile PUT without precondition headers onto a new profile is 204 (the default the digest recommends for edge 55; never 428)', async () => {
    const w = await setup();
    const bad = [];
    for (const d of [ACTIVITY_PROFILE, AGENT_PROFILE]) {
      for (const type of ['application/json', 'application/octet-stream']) {
        const key = d.key();
        const res = await docReq(w.x, 'PUT', d, key, type === 'application/json' ? '{"new":true}' : 'new', { 'Content-Type': type });
        if (res.status !== 204) bad.push(`${d.kind} ${type}: want 204, got ${brief(res)}`);
        if ((await docState(w.x, d, key)).status !== 200) bad.push(`${d.kind} ${type}: not stored`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('4.5 two writers with the same If-Match at once: one gets 204, the other 412', async () => {
    const w = await setup();
    for (const d of DOCS) {
      const key = d.key();
      await createDoc(w.x, d, key, 'v0', 'text/plain');
      for (let round = 0; round < 4; round++) {
        const tag = (await docState(w.x, d, key)).etag;
        const [a, b] = await Promise.all(['a', 'b'].map((who) => docReq(w.x, 'PUT', d, key, `${who}${round}`, { 'Content-Type': 'text/plain', 'If-Match': tag })));
        assert.deepEqual([a.status, b.status].sort(), [204, 412], `${d.kind} round ${round}: ${brief(a)} / ${brief(b)}`);
      }
    }
  });
});

// ---- 5. activities, agents and about --------------------------------------------------------

const activityPath = (id) => `/xapi/activities?${q({ activityId: id })}`;
const agentsPath = (a) => `/xapi/agents?${q({ agent: a })}`;

describe('5.1 activities', () => {
  test('5.1 GET /xapi/activities gives exactly {objectType, id, definition} as a statement sent it; without a definition, none (edge 60)', async () => {
    const w = await setup();
    const object = {
      objectType: 'Activity',
      id: act('full'),
      definition: {
        name: { 'en-US': 'Which colour?', 'zh-CN': '哪种颜色？' },
        description: { 'en-US': 'Pick one' },
        type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
        moreInfo: 'https://example.com/more',
        interactionType: 'choice',
        correctResponsesPattern: ['red'],
        choices: [{ id: 'red', description: { 'en-US': 'Red' } }, { id: 'blue', description: { 'en-US': 'Blue' } }],
        extensions: { 'http://example.com/ext': { level: 2 } },
      },
    };
    await store(w.x, stmt({ object }));
    const got = await w.x.get(activityPath(object.id));
    assertStatus(got, 200);
    assert.deepEqual(got.json, object);
    const bare = { objectType: 'Activity', id: act('bare') };
    await store(w.x, stmt({ object: { id: bare.id } }));
    assert.deepEqual((await w.x.get(activityPath(bare.id))).json, bare);
  });

  test('5.1 an activity the LRS has never seen is 200 with {objectType: "Activity", id}', async () => {
    const w = await setup();
    const id = act('unknown');
    const got = await w.x.get(activityPath(id));
    assertStatus(got, 200);
    assert.deepEqual(got.json, { objectType: 'Activity', id });
  });

  test('5.1 activityId missing or not an IRI (1, true, {}), or another parameter, is 400', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, query] of [
      ['no activityId', ''], ['activityId 1', 'activityId=1'], ['activityId true', 'activityId=true'],
      ['activityId {}', `activityId=${encodeURIComponent('{}')}`], ['activityId {"key":"value"}', `activityId=${encodeURIComponent('{"key":"value"}')}`],
      ['activityId undefined', 'activityId=undefined'], ['ActivityId (wrong case)', `ActivityId=${encodeURIComponent(act())}`],
      ['an unknown parameter', `${q({ activityId: act() })}&foo=bar`], ['agent besides', `${q({ activityId: act(), agent: { mbox: mbox() } })}`],
    ]) {
      const res = await w.x.get(`/xapi/activities?${query}`);
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('5.1 POST, PUT and DELETE on /xapi/activities are 405, with or without credentials (edge 62)', async () => {
    const w = await setup();
    const bad = [];
    const id = act('405');
    for (const method of ['POST', 'PUT', 'DELETE']) {
      for (const [label, client, opts] of [['with credentials', w.x, {}], ['without credentials (version 1.0.1)', w.anon, { version: '1.0.1' }]]) {
        const res = await client.request(method, activityPath(id), { ...opts, raw: method === 'DELETE' ? undefined : '{}' });
        if (res.status !== 405) bad.push(`${method} ${label}: want 405, got ${brief(res)}`);
      }
    }
    assert.deepEqual((await w.x.get(activityPath(id))).json, { objectType: 'Activity', id });
    assert.deepEqual(bad, []);
  });

  test('5.1 the canonical definition takes in later statements (language maps merged, other parts replaced), never a refused statement or one sent again', async () => {
    const w = await setup();
    const id = act('canonical');
    await store(w.x, stmt({ object: { id, definition: { name: { 'en-US': 'Course' }, type: 'http://example.com/types/a' } } }));
    await store(w.x, stmt({ object: { id, definition: { name: { 'zh-CN': '课程' }, description: { 'en-US': 'About' }, type: 'http://example.com/types/b' } } }));
    const want = { objectType: 'Activity', id, definition: { name: { 'en-US': 'Course', 'zh-CN': '课程' }, description: { 'en-US': 'About' }, type: 'http://example.com/types/b' } };
    assert.deepEqual((await w.x.get(activityPath(id))).json, want);
    const refused = stmt({ object: { id, definition: { name: { 'fr-FR': 'Cours' } } }, result: { score: { raw: '1' } } });
    assert.equal((await w.x.post('/xapi/statements', refused)).status, 400);
    const first = stmt({ id: uuid(), object: { id, definition: { name: { 'en-US': 'Course' } } } });
    await store(w.x, first);
    const again = await w.x.post('/xapi/statements', { ...first, object: { id, definition: { name: { 'de-DE': 'Kurs' } } } });
    assert.ok([204, 409].includes(again.status), brief(again));
    assert.deepEqual((await w.x.get(activityPath(id))).json, want);
  });
});

describe('5.2 agents', () => {
  test('5.2 GET /xapi/agents gives a Person: objectType Person, name and the IFI as arrays, nothing else (edge 60)', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, who] of [
      ['mbox', { name: 'Mbox Learner', mbox: mbox('person') }],
      ['mbox_sha1sum', { name: 'Sha Learner', mbox_sha1sum: sha1(mbox('person')) }],
      ['openid', { name: 'Openid Learner', openid: `http://openid.example.com/${hex(4)}` }],
      ['account', { name: 'Account Learner', account: { homePage: 'http://www.example.com', name: `acct-${hex(4)}` } }],
    ]) {
      await store(w.x, stmt({ actor: { objectType: 'Agent', ...who } }));
      const res = await w.x.get(agentsPath({ objectType: 'Agent', ...who }));
      const ifi = Object.keys(who).find((k) => k !== 'name');
      const want = { objectType: 'Person', name: [who.name], [ifi]: [who[ifi]] };
      if (res.status !== 200) bad.push(`${label}: ${brief(res)}`);
      else if (JSON.stringify(sortKeys(res.json)) !== JSON.stringify(sortKeys(want))) bad.push(`${label}: ${res.text}, want ${JSON.stringify(want)}`);
      if (res.headers.get('content-type') !== 'application/json') bad.push(`${label}: Content-Type ${res.headers.get('content-type')}`);
    }
    assert.deepEqual(bad, []);
  });

  test('5.2 an agent the LRS has never seen is still a Person with its name and IFI', async () => {
    const w = await setup();
    const m = mbox('never-seen');
    assert.deepEqual(sortKeys((await w.x.get(agentsPath({ name: 'Nobody Yet', mbox: m }))).json), sortKeys({ objectType: 'Person', name: ['Nobody Yet'], mbox: [m] }));
    assert.deepEqual((await w.x.get(agentsPath({ mbox: m }))).json, { objectType: 'Person', mbox: [m] });
  });

  test('5.2 agent missing, not JSON, without an IFI or with two, or a Group is 400; so is another parameter', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, query] of [
      ['no agent', ''], ['not JSON', 'agent=not%20JSON'], ['1', 'agent=1'], ['true', 'agent=true'],
      ['{"not_actor":"yup"}', `agent=${encodeURIComponent('{"not_actor":"yup"}')}`],
      ['no IFI', q({ agent: { objectType: 'Agent', name: 'x' } })],
      ['two IFIs', q({ agent: { mbox: mbox(), openid: 'http://openid.example.com/y' } })],
      ['an identified Group', q({ agent: { objectType: 'Group', mbox: mbox() } })],
      ['an anonymous Group', q({ agent: { objectType: 'Group', member: [{ mbox: mbox() }] } })],
      ['Agent (wrong case)', q({ Agent: { mbox: mbox() } })],
      ['another parameter', `${q({ agent: { mbox: mbox() } })}&profileId=p`],
    ]) {
      const res = await w.x.get(`/xapi/agents?${query}`);
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('5.2 POST, PUT and DELETE on /xapi/agents are 405, with or without credentials (edge 62)', async () => {
    const w = await setup();
    const bad = [];
    for (const method of ['POST', 'PUT', 'DELETE']) {
      for (const [label, client, opts] of [['with credentials', w.x, {}], ['without credentials (version 1.0.1)', w.anon, { version: '1.0.1' }]]) {
        const res = await client.request(method, agentsPath({ mbox: mbox() }), { ...opts, raw: method === 'DELETE' ? undefined : '{}' });
        if (res.status !== 405) bad.push(`${method} ${label}: want 405, got ${brief(res)}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});

describe('5.3 about', () => {
  test('5.3 GET /xapi/about: 200 with version (holding 1.0.3 and 1.0.1, nothing but 0.9, 0.95, 1.0.0-1.0.3) and optional extensions, nothing else (edge 61)', async () => {
    const w = await setup();
    const res = await w.anon.get('/xapi/about', { version: null });
    assertStatus(res, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(Object.keys(res.json).filter((k) => k !== 'version' && k !== 'extensions'), []);
    assert.ok(Array.isArray(res.json.version), res.text);
    assert.ok(res.json.version.includes('1.0.3') && res.json.version.includes('1.0.1'), res.text);
    for (const v of res.json.version) assert.ok(['0.9', '0.95', '1.0.0', '1.0.1', '1.0.2', '1.0.3'].includes(v), v);
    assert.equal(new Set(res.json.version).size, res.json.version.length, 'each version once');
    if ('extensions' in res.json) {
      assert.ok(res.json.extensions && typeof res.json.extensions === 'object' && !Array.isArray(res.json.extensions));
      for (const k of Object.keys(res.json.extensions)) assert.match(k, /^[a-z][a-z0-9+.-]*:\S+$/i, `extension key ${k} is not an IRI`);
    }
  });

  test('5.3 about needs neither credentials nor the version header, and refuses no version header; HEAD /xapi/about is 200 without a body', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, client, opts] of [
      ['no credentials, no version', w.anon, { version: null }],
      ['credentials, no version', w.x, { version: null }],
      ['version 0.9', w.anon, { version: '0.9' }],
      ['version 2.0.0', w.anon, { version: '2.0.0' }],
      ['version nonsense', w.anon, { version: 'nonsense' }],
    ]) {
      const res = await client.get('/xapi/about', opts);
      if (res.status !== 200 || !Array.isArray(res.json?.version)) bad.push(`${label}: ${brief(res)}`);
    }
    const head = await rawHttp('HEAD', '/xapi/about');
    if (head.status !== 200 || head.body.length) bad.push(`HEAD: ${head.status}, ${head.body.length} bytes`);
    assert.deepEqual(bad, []);
  });
});

// ---- 6. communication -----------------------------------------------------------------------

// A statement and a document of each kind, and a GET of every resource naming them (paths).
async function resourceFixtures(w) {
  const s = await store(w.x, stmt());
  const state = STATE.key(), ap = ACTIVITY_PROFILE.key(), gp = AGENT_PROFILE.key();
  await createDoc(w.x, STATE, state, '{"s":1}', 'application/json');
  await createDoc(w.x, ACTIVITY_PROFILE, ap, '{"p":1}', 'application/json');
  await createDoc(w.x, AGENT_PROFILE, gp, '{"g":1}', 'application/json');
  return {
    s, state, ap, gp,
    paths: {
      'statements (one)': `/xapi/statements?${q({ statementId: s.id })}`,
      'statements (a page)': `/xapi/statements?${q({ activity: s.object.id })}`,
      'activities/state (one)': `${STATE.where}?${q(state)}`,
      'activities/state (ids)': `${STATE.where}?${q(withoutId(STATE, state))}`,
      'activities/profile (one)': `${ACTIVITY_PROFILE.where}?${q(ap)}`,
      'activities/profile (ids)': `${ACTIVITY_PROFILE.where}?${q(withoutId(ACTIVITY_PROFILE, ap))}`,
      'agents/profile (one)': `${AGENT_PROFILE.where}?${q(gp)}`,
      'agents/profile (ids)': `${AGENT_PROFILE.where}?${q(withoutId(AGENT_PROFILE, gp))}`,
      activities: activityPath(s.object.id),
      agents: agentsPath(s.actor),
      about: '/xapi/about',
    },
  };
}

describe('6.1 versioning', () => {
  test('6.1 a request without X-Experience-API-Version is 400 with a message, before the credentials, on every resource but about; nothing is written (edge 63)', async () => {
    const w = await setup();
    const bad = [];
    const f = await resourceFixtures(w);
    const writes = {
      'POST statements': ['POST', '/xapi/statements', JSON.stringify(stmt({ id: uuid() }))],
      'PUT statements': ['PUT', `/xapi/statements?${q({ statementId: uuid() })}`, JSON.stringify(stmt())],
      'PUT state': ['PUT', `${STATE.where}?${q(STATE.key())}`, '{"x":1}'],
      'POST activity profile': ['POST', `${ACTIVITY_PROFILE.where}?${q(ACTIVITY_PROFILE.key())}`, '{"x":1}'],
      'DELETE agent profile': ['DELETE', `${AGENT_PROFILE.where}?${q(f.gp)}`, undefined],
    };
    const requests = [
      ...Object.entries(f.paths).filter(([k]) => k !== 'about').map(([k, p]) => [`GET ${k}`, 'GET', p, undefined]),
      ...Object.entries(writes).map(([k, [m, p, b]]) => [k, m, p, b]),
    ];
    for (const [label, method, where, body] of requests) {
      for (const [who, client] of [['with credentials', w.x], ['without credentials', w.anon]]) {
        const res = await client.request(method, where, { version: null, raw: body });
        if (res.status !== 400) bad.push(`${label} ${who}: want 400, got ${brief(res)}`);
        else if (!res.text) bad.push(`${label} ${who}: the 400 says nothing`);
      }
    }
    const posted = JSON.parse(writes['POST statements'][2]);
    const trace = await storedTrace(w.x, posted);
    if (trace) bad.push(`POST statements${trace}`);
    const putId = new URLSearchParams(writes['PUT statements'][1].split('?')[1]).get('statementId');
    if ((await getById(w.x, putId)).status !== 404) bad.push('PUT statements stored the statement');
    if ((await w.x.get(writes['PUT state'][1])).status !== 404) bad.push('PUT state wrote the document');
    if ((await w.x.get(writes['POST activity profile'][1])).status !== 404) bad.push('POST activity profile wrote the document');
    if ((await w.x.get(`${AGENT_PROFILE.where}?${q(f.gp)}`)).status !== 200) bad.push('DELETE agent profile deleted the document');
    assert.deepEqual(bad, []);
  });

  test('6.1 1.0 and every 1.0.x (1.0.10, a pre-release too) are accepted; 0.9, 0.95, 1.1.0, 2.0.0 and nonsense are 400 and write nothing', async () => {
    const w = await setup();
    const bad = [];
    for (const v of ['1.0', '1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.9', '1.0.10', '1.0.4-beta.1']) {
      const sid = uuid();
      const res = await w.x.put(`/xapi/statements?${q({ statementId: sid })}`, stmt(), { version: v });
      if (res.status !== 204) bad.push(`${v}: want 204, got ${brief(res)}`);
      const doc = await docReq(w.x, 'PUT', STATE, STATE.key(), 'x', {}, { version: v });
      if (doc.status !== 204) bad.push(`${v} on state: want 204, got ${brief(doc)}`);
    }
    for (const v of ['0.9', '0.95', '1.1.0', '1.1', '2.0.0', '1', '1.0.3.1', '1.0.', '1.0.x', '1.0.3-', 'nonsense', '']) {
      const sid = uuid();
      const res = await w.x.put(`/xapi/statements?${q({ statementId: sid })}`, stmt(), { headers: { 'X-Experience-API-Version': v }, version: null });
      if (res.status !== 400) bad.push(`${JSON.stringify(v)}: want 400, got ${brief(res)}`);
      if ((await getById(w.x, sid)).status !== 404) bad.push(`${JSON.stringify(v)}: the statement was stored`);
      const key = STATE.key();
      const doc = await docReq(w.x, 'PUT', STATE, key, 'x', { 'X-Experience-API-Version': v }, { version: null });
      if (doc.status !== 400) bad.push(`${JSON.stringify(v)} on state: want 400, got ${brief(doc)}`);
      if ((await docState(w.x, STATE, key)).status !== 404) bad.push(`${JSON.stringify(v)}: the state was written`);
    }
    assert.deepEqual(bad, []);
  });

  test('6.1 6.9 every reply carries X-Experience-API-Version: 1.0.3 and Date, errors and about included (edges 32, 66)', async () => {
    const w = await setup();
    const f = await resourceFixtures(w);
    const replies = {};
    for (const [k, p] of Object.entries(f.paths)) replies[`GET ${k}`] = await w.x.get(p);
    Object.assign(replies, {
      'HEAD about': await w.anon.request('HEAD', '/xapi/about', { version: null }),
      'POST about (405)': await w.anon.request('POST', '/xapi/about', { raw: '{}' }),
      'GET activities 400': await w.x.get('/xapi/activities'),
      'POST activities 405': await w.anon.request('POST', activityPath(act()), { raw: '{}', version: '1.0.1' }),
      'GET agents 400': await w.x.get('/xapi/agents?agent=1'),
      'DELETE agents 405': await w.anon.request('DELETE', agentsPath({ mbox: mbox() })),
      'GET state 401': await w.anon.get(f.paths['activities/state (one)']),
      'GET state 400 (no version)': await w.x.get(f.paths['activities/state (one)'], { version: null }),
      'GET state 404': await w.x.get(`${STATE.where}?${q(STATE.key())}`),
      'PUT state 204': await docReq(w.x, 'PUT', STATE, STATE.key(), 'x'),
      'PUT state 412': await docReq(w.x, 'PUT', STATE, f.state, 'x', { 'If-Match': `"${sha1('stale')}"` }),
      'PATCH state 405': await docReq(w.x, 'PATCH', STATE, f.state, 'x'),
      'PUT activity profile 409': await docReq(w.x, 'PUT', ACTIVITY_PROFILE, f.ap, 'x'),
      'POST agent profile 400': await docReq(w.x, 'POST', AGENT_PROFILE, f.gp, 'abc', { 'Content-Type': 'text/plain' }),
      'alternate syntax 400': await w.x.request('GET', '/xapi/statements?method=POST'),
      'statements 401 (wrong secret)': await new Xapi(w.client.key, 'wrong').get('/xapi/statements'),
    });
    const bad = [];
    for (const [label, res] of Object.entries(replies)) {
      if (res.headers.get('x-experience-api-version') !== VERSION) bad.push(`${label} (${res.status}): X-Experience-API-Version ${res.headers.get('x-experience-api-version')}`);
      const date = res.headers.get('date');
      if (!date || Number.isNaN(Date.parse(date)) || Math.abs(Date.parse(date) - Date.now()) > 60e3) bad.push(`${label} (${res.status}): Date ${date}`);
    }
    assert.deepEqual(bad, []);
  });

  test('6.1 the statement\'s version property is independent of the header', async () => {
    const w = await setup();
    const a = stmt({ id: uuid() });
    assertStatus(await w.x.post('/xapi/statements', a, { version: '1.0.1' }), 200);
    assert.equal((await getById(w.x, a.id)).json.version, '1.0.0');
    const b = stmt({ id: uuid(), version: '1.0.3' });
    assertStatus(await w.x.post('/xapi/statements', b, { version: '1.0.0' }), 200);
    assert.equal((await getById(w.x, b.id)).json.version, '1.0.3');
  });
});

describe('6.2 HEAD', () => {
  test('6.2 HEAD on every resource that answers GET: the status and headers of the GET, no body', async () => {
    const w = await setup();
    const f = await resourceFixtures(w);
    const bad = [];
    const paths = { ...f.paths, 'a missing state (404)': `${STATE.where}?${q(STATE.key())}`, 'a missing statement (404)': `/xapi/statements?${q({ statementId: uuid() })}` };
    for (const [label, where] of Object.entries(paths)) {
      const get = await rawHttp('GET', where, { headers: xHeaders(w.x) });
      const head = await rawHttp('HEAD', where, { headers: xHeaders(w.x) });
      if (head.status !== get.status) bad.push(`${label}: HEAD ${head.status}, GET ${get.status}`);
      if (head.body.length) bad.push(`${label}: HEAD has a body of ${head.body.length} bytes`);
      for (const h of ['content-type', 'etag', 'last-modified', 'x-experience-api-version']) {
        if (head.headers.get(h) !== get.headers.get(h)) bad.push(`${label}: ${h} HEAD ${head.headers.get(h)}, GET ${get.headers.get(h)}`);
      }
      const cl = head.headers.get('content-length');
      if (cl !== null && !label.startsWith('statements') && Number(cl) !== get.body.length) bad.push(`${label}: HEAD Content-Length ${cl}, GET body ${get.body.length}`);
      if (where.startsWith('/xapi/statements') && !head.headers.get('x-experience-api-consistent-through')) bad.push(`${label}: HEAD without Consistent-Through`);
    }
    const anonHead = await rawHttp('HEAD', f.paths['activities/state (one)'], { headers: { 'X-Experience-API-Version': VERSION } });
    if (anonHead.status !== 401) bad.push(`HEAD without credentials: want 401, got ${anonHead.status}`);
    assert.deepEqual(bad, []);
  });
});

describe('6.3 alternate request syntax', () => {
  test('6.3 POST ?method=GET with the parameters in the form is the GET it carries', async () => {
    const w = await setup();
    const s = await store(w.x, stmt({ verb: { id: verbId('alt') } }));
    const page = await altReq(w.x, '/xapi/statements', 'GET', { limit: '1' });
    assertStatus(page, 200);
    assert.ok(Array.isArray(page.json.statements) && page.json.statements.length === 1 && typeof page.json.more === 'string', page.text);
    const filtered = await altReq(w.x, '/xapi/statements', 'GET', { agent: { mbox: s.actor.mbox }, verb: s.verb.id });
    assertStatus(filtered, 200);
    assert.deepEqual(filtered.json.statements.map((x) => x.id), [s.id]);
    const one = await altReq(w.x, '/xapi/statements', 'GET', { statementId: s.id });
    assertStatus(one, 200);
    assert.equal(one.json.id, s.id);
  });

  test('6.3 POST ?method=PUT with statementId and content in the form stores the statement (204); content is a UTF-8 string', async () => {
    const w = await setup();
    const sid = uuid();
    const s = stmt({ verb: { id: 'http://adlnet.gov/expapi/verbs/attended', display: { 'zh-CN': '出席了 😀', 'en-US': 'a&b=c+d %20' } } });
    const res = await altReq(w.x, '/xapi/statements', 'PUT', { statementId: sid, content: JSON.stringify(s) });
    assertStatus(res, 204);
    const got = await getById(w.x, sid);
    assertStatus(got, 200);
    assert.deepEqual(got.json.verb, s.verb);
  });

  test('6.3 POST ?method=POST with content in the form stores statements (200, their ids)', async () => {
    const w = await setup();
    const list = [stmt({ id: uuid() }), stmt({ id: uuid() })];
    const res = await altReq(w.x, '/xapi/statements', 'POST', { content: JSON.stringify(list) });
    assertStatus(res, 200);
    assert.deepEqual(res.json, list.map((s) => s.id));
  });

  test('6.3 the version header and Authorization may travel as form fields only (edge 65)', async () => {
    const w = await setup();
    const sid = uuid();
    const res = await altReq(w.anon, '/xapi/statements', 'PUT', {
      statementId: sid, content: JSON.stringify(stmt()), 'X-Experience-API-Version': VERSION, Authorization: w.x.auth,
    }, { version: null });
    assertStatus(res, 204);
    assertStatus(await getById(w.x, sid), 200);
    const page = await altReq(w.anon, '/xapi/statements', 'GET', { limit: '1', 'X-Experience-API-Version': '1.0.1', Authorization: w.x.auth }, { version: null });
    assertStatus(page, 200);
  });

  test('6.3 a real header beats the form field: X-Experience-API-Version=0.8 in the form with 1.0.3 as a header is 204 (edge 65)', async () => {
    const w = await setup();
    const sid = uuid();
    const res = await altReq(w.x, '/xapi/statements', 'PUT', { statementId: sid, content: JSON.stringify(stmt()), 'X-Experience-API-Version': '0.8' });
    assertStatus(res, 204);
    assertStatus(await getById(w.x, sid), 200);
  });

  test('6.3 anything in the query string besides method is 400 and writes nothing (edge 65)', async () => {
    const w = await setup();
    const bad = [];
    const sid = uuid();
    const put = await w.x.request('POST', `/xapi/statements?method=PUT&statementId=${sid}`, {
      raw: new URLSearchParams({ content: JSON.stringify(stmt()) }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    if (put.status !== 400) bad.push(`?method=PUT&statementId=: want 400, got ${brief(put)}`);
    if ((await getById(w.x, sid)).status !== 404) bad.push('?method=PUT&statementId= stored the statement');
    const get = await w.x.request('POST', '/xapi/statements?method=GET&limit=1', { raw: '', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    if (get.status !== 400) bad.push(`?method=GET&limit=1: want 400, got ${brief(get)}`);
    const key = STATE.key();
    const doc = await w.x.request('POST', `${STATE.where}?method=PUT&${q(key)}`, { raw: 'content=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    if (doc.status !== 400) bad.push(`state ?method=PUT&activityId=...: want 400, got ${brief(doc)}`);
    if ((await docState(w.x, STATE, key)).status !== 404) bad.push('the state was written');
    assert.deepEqual(bad, []);
  });

  test('6.3 ?method= on a request other than POST, or naming an unknown method, is 400 (edge 65)', async () => {
    const w = await setup();
    const bad = [];
    for (const [label, method, query] of [['GET ?method=POST', 'GET', 'method=POST'], ['GET ?method=GET', 'GET', 'method=GET'], ['PUT ?method=PUT', 'PUT', 'method=PUT'], ['POST ?method=PATCH', 'POST', 'method=PATCH'], ['POST ?method=get', 'POST', 'method=get']]) {
      const sid = uuid();
      const body = method === 'GET' ? undefined : new URLSearchParams({ statementId: sid, content: JSON.stringify(stmt()) }).toString();
      const res = await w.x.request(method, `/xapi/statements?${query}`, body === undefined ? {} : { raw: body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
      if ((await getById(w.x, sid)).status !== 404) bad.push(`${label}: stored the statement`);
    }
    assert.deepEqual(bad, []);
  });

  test('6.3 an empty form, a body that is not a form, or another outer Content-Type is 400 and stores nothing (edge 65)', async () => {
    const w = await setup();
    const bad = [];
    const s = stmt({ id: uuid() });
    for (const [label, raw, type] of [
      ['no body', '', 'application/x-www-form-urlencoded'],
      ['a JSON body', JSON.stringify(s), 'application/x-www-form-urlencoded'],
      ['a JSON body with an = in it', JSON.stringify({ ...s, object: { id: `${s.object.id}?a=b` } }), 'application/x-www-form-urlencoded'],
      ['a broken %-escape', `statementId=${s.id}&content=%zz`, 'application/x-www-form-urlencoded'],
      ['a form as text/plain', new URLSearchParams({ statementId: s.id, content: JSON.stringify(s) }).toString(), 'text/plain'],
      ['a form as application/json', new URLSearchParams({ statementId: s.id, content: JSON.stringify(s) }).toString(), 'application/json'],
    ]) {
      const res = await w.x.request('POST', '/xapi/statements?method=PUT', { raw, headers: { 'Content-Type': type } });
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
    }
    const trace = await storedTrace(w.x, s);
    if (trace) bad.push(trace);
    assert.deepEqual(bad, []);
  });

  test('6.3 the form\'s Content-Type is the content\'s; without it, content is application/json', async () => {
    const w = await setup();
    const key = STATE.key();
    assertStatus(await altReq(w.x, STATE.where, 'PUT', { ...key, content: 'plain 文本', 'Content-Type': 'text/plain; charset=utf-8' }), 204);
    const got = await docState(w.x, STATE, key);
    assert.equal(got.type, 'text/plain; charset=utf-8');
    assert.equal(Buffer.from(got.body, 'latin1').toString('utf8'), 'plain 文本');
    const json = STATE.key();
    assertStatus(await altReq(w.x, STATE.where, 'POST', { ...json, content: '{"a":1}' }), 204);
    assertStatus(await altReq(w.x, STATE.where, 'POST', { ...json, content: '{"b":2}' }), 204);
    assert.deepEqual((await w.x.get(`${STATE.where}?${q(json)}`)).json, { a: 1, b: 2 });
  });

  test('6.3 If-Match and If-None-Match travel in the form', async () => {
    const w = await setup();
    const key = ACTIVITY_PROFILE.key();
    assertStatus(await altReq(w.x, ACTIVITY_PROFILE.where, 'PUT', { ...key, content: 'v1', 'Content-Type': 'text/plain', 'If-None-Match': '*' }), 204);
    assert.equal((await altReq(w.x, ACTIVITY_PROFILE.where, 'PUT', { ...key, content: 'v2', 'Content-Type': 'text/plain', 'If-None-Match': '*' })).status, 412);
    assert.equal((await altReq(w.x, ACTIVITY_PROFILE.where, 'PUT', { ...key, content: 'v2', 'Content-Type': 'text/plain', 'If-Match': `"${sha1('stale')}"` })).status, 412);
    assert.equal((await docState(w.x, ACTIVITY_PROFILE, key)).body, 'v1');
    assertStatus(await altReq(w.x, ACTIVITY_PROFILE.where, 'PUT', { ...key, content: 'v2', 'Content-Type': 'text/plain', 'If-Match': `"${sha1('v1')}"` }), 204);
    assert.equal((await docState(w.x, ACTIVITY_PROFILE, key)).body, 'v2');
  });

  test('6.3 DELETE through the form', async () => {
    const w = await setup();
    const key = STATE.key();
    await createDoc(w.x, STATE, key, 'to delete', 'text/plain');
    assertStatus(await altReq(w.x, STATE.where, 'DELETE', key), 204);
    assert.equal((await docState(w.x, STATE, key)).status, 404);
  });

  test('6.3 HEAD through the form answers as a HEAD: the status and headers of the GET, no body', async () => {
    const w = await setup();
    const key = STATE.key();
    await createDoc(w.x, STATE, key, 'headed', 'text/plain');
    const head = await altReq(w.x, STATE.where, 'HEAD', key);
    assert.equal(head.status, 200, brief(head));
    assert.equal(head.headers.get('etag'), `"${sha1('headed')}"`);
    assert.equal(head.text, '', 'a HEAD answers without a body');
  });

  test('6.3 every resource takes the form: /xapi/activities, /xapi/agents and the document resources through ?method=GET', async () => {
    const w = await setup();
    const f = await resourceFixtures(w);
    const bad = [];
    for (const [label, where, fields, check] of [
      ['activities', '/xapi/activities', { activityId: f.s.object.id }, (r) => r.json?.id === f.s.object.id],
      ['agents', '/xapi/agents', { agent: f.s.actor }, (r) => r.json?.objectType === 'Person'],
      ['activities/state', STATE.where, f.state, (r) => r.json?.s === 1],
      ['activities/profile', ACTIVITY_PROFILE.where, f.ap, (r) => r.json?.p === 1],
      ['agents/profile', AGENT_PROFILE.where, f.gp, (r) => r.json?.g === 1],
    ]) {
      const res = await altReq(w.x, where, 'GET', fields);
      if (res.status !== 200 || !check(res)) bad.push(`${label}: ${brief(res)}`);
    }
    assert.deepEqual(bad, []);
  });
});

describe('6.4 content types and encoding', () => {
  test('6.4 statements come as application/json or multipart/mixed; another Content-Type, or none, is 400 and stores nothing (edge 40)', async () => {
    const w = await setup();
    const bad = [];
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json-patch+json', null]) {
      for (const method of ['POST', 'PUT']) {
        const s = stmt({ id: uuid() });
        const where = method === 'PUT' ? `/xapi/statements?${q({ statementId: s.id })}` : '/xapi/statements';
        const headers = xHeaders(w.x, type ? { 'Content-Type': type } : {});
        const res = await rawHttp(method, where, { headers, body: JSON.stringify(s) });
        if (res.status !== 400) bad.push(`${method} as ${type}: want 400, got ${brief(res)}`);
        const trace = await storedTrace(w.x, s);
        if (trace) bad.push(`${method} as ${type}${trace}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('6.4 documents take any Content-Type and keep it', async () => {
    const w = await setup();
    const bad = [];
    for (const type of ['application/vnd.example+json; v=2', 'image/svg+xml', 'text/csv; charset=gbk', 'application/x-www-form-urlencoded', 'x-custom/thing']) {
      for (const d of DOCS) {
        const key = d.key();
        const res = await docReq(w.x, 'PUT', d, key, 'a,b\n1,2', { 'Content-Type': type, 'If-None-Match': '*' });
        if (res.status !== 204) bad.push(`${d.kind} ${type}: ${brief(res)}`);
        const got = await docState(w.x, d, key);
        if (got.type !== type || got.body !== 'a,b\n1,2') bad.push(`${d.kind} ${type}: came back as ${got.type} ${JSON.stringify(got.body)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('6.4 JSON replies are exactly application/json (no charset): statements, pages, ids, activities, agents, about, document lists, errors (edge 30)', async () => {
    const w = await setup();
    const f = await resourceFixtures(w);
    const bad = [];
    const replies = {
      'POST statements': await w.x.post('/xapi/statements', stmt()),
      'GET statement': await w.x.get(f.paths['statements (one)']),
      'GET page': await w.x.get(f.paths['statements (a page)']),
      'GET activities': await w.x.get(f.paths.activities),
      'GET agents': await w.x.get(f.paths.agents),
      'GET about': await w.x.get('/xapi/about'),
      'GET state ids': await w.x.get(f.paths['activities/state (ids)']),
      'GET activity profile ids': await w.x.get(f.paths['activities/profile (ids)']),
      'GET agent profile ids': await w.x.get(f.paths['agents/profile (ids)']),
      'GET a JSON state': await w.x.get(f.paths['activities/state (one)']),
      'a 400': await w.x.get('/xapi/statements?foo=bar'),
      'a 404': await w.x.get(`/xapi/statements?${q({ statementId: uuid() })}`),
    };
    for (const [label, res] of Object.entries(replies)) {
      if (res.headers.get('content-type') !== 'application/json') bad.push(`${label} (${res.status}): Content-Type ${res.headers.get('content-type')}`);
      if (res.json === undefined) bad.push(`${label} (${res.status}): not JSON: ${res.text.slice(0, 80)}`);
    }
    assert.deepEqual(bad, []);
  });
});

describe('6.5 query parameters', () => {
  test('6.5 parameter names are case-sensitive and unknown names are 400 on every resource (edges 37, 59)', async () => {
    const w = await setup();
    const f = await resourceFixtures(w);
    const bad = [];
    const agent = JSON.stringify(f.s.actor);
    for (const [label, where] of [
      ['statements Limit', '/xapi/statements?Limit=1'],
      ['statements Since', '/xapi/statements?Since=2015-01-01T00:00:00Z'],
      ['statements StatementId', `/xapi/statements?StatementId=${f.s.id}`],
      ['statements foo', '/xapi/statements?foo=bar'],
      ['activities ActivityId', `/xapi/activities?ActivityId=${encodeURIComponent(f.s.object.id)}`],
      ['activities activityID', `/xapi/activities?activityID=${encodeURIComponent(f.s.object.id)}`],
      ['agents AGENT', `/xapi/agents?AGENT=${encodeURIComponent(agent)}`],
      ['state StateId', `${STATE.where}?${q({ ...withoutId(STATE, f.state), StateId: f.state.stateId })}`],
      ['state Registration', `${STATE.where}?${q({ ...f.state, Registration: uuid() })}`],
      ['state since with stateId spelt SINCE', `${STATE.where}?${q({ ...withoutId(STATE, f.state), SINCE: '2015-01-01T00:00:00Z' })}`],
      ['state foo', `${STATE.where}?${q({ ...f.state, foo: 'bar' })}`],
      ['activity profile ProfileId', `${ACTIVITY_PROFILE.where}?${q({ ...withoutId(ACTIVITY_PROFILE, f.ap), ProfileId: f.ap.profileId })}`],
      ['activity profile agent', `${ACTIVITY_PROFILE.where}?${q({ ...f.ap, agent: f.s.actor })}`],
      ['agent profile Agent', `${AGENT_PROFILE.where}?${q({ Agent: f.gp.agent, profileId: f.gp.profileId })}`],
      ['agent profile activityId', `${AGENT_PROFILE.where}?${q({ ...f.gp, activityId: act() })}`],
    ]) {
      const res = await w.x.get(where);
      if (res.status !== 400) bad.push(`${label}: want 400, got ${brief(res)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('6.5 agent arrives as URL-encoded JSON: decoded, then parsed (& = + % and 中文 in a name survive); a broken encoding is 400', async () => {
    const w = await setup();
    const who = { objectType: 'Agent', name: 'A & B = C+D 100% 李华', mbox: mbox('encoded') };
    const res = await w.x.get(`/xapi/agents?agent=${encodeURIComponent(JSON.stringify(who))}`);
    assertStatus(res, 200);
    assert.deepEqual(res.json.name, [who.name]);
    const broken = await w.x.get(`/xapi/agents?agent=${encodeURIComponent(JSON.stringify(who)).replace(/%3A/g, '%22')}`);
    assert.equal(broken.status, 400, brief(broken));
    const badEscape = await w.x.get('/xapi/agents?agent=%7B%22mbox%22%3A%22mailto%3Ax%40example.com%22%7D%ZZ');
    assert.equal(badEscape.status, 400, brief(badEscape));
  });

  test('6.5 booleans are exactly true or false; limit is a whole number, 0 or more', async () => {
    const w = await setup();
    const bad = [];
    for (const p of ['ascending=TRUE', 'ascending=1', 'ascending=yes', 'related_agents=True', 'related_activities=0',
      'attachments=on', 'limit=-1', 'limit=1.5', 'limit=abc', 'limit=1e2', 'limit=']) {
      const res = await w.x.get(`/xapi/statements?${p}`);
      if (res.status !== 400) bad.push(`${p}: want 400, got ${brief(res)}`);
    }
    for (const p of ['ascending=true', 'ascending=false', 'related_agents=false', 'related_activities=true', 'attachments=false', 'limit=0', 'limit=3']) {
      const res = await w.x.get(`/xapi/statements?${p}`);
      if (res.status !== 200) bad.push(`${p}: want 200, got ${brief(res)}`);
    }
    assert.deepEqual(bad, []);
  });
});

describe('6.6 error codes', () => {
  test('6.6 405 comes before the credentials and the version header (edge 62)', async () => {
    const w = await setup();
    const bad = [];
    for (const [method, where] of [
      ['DELETE', '/xapi/statements'], ['PATCH', '/xapi/statements'],
      ['POST', activityPath(act())], ['PUT', activityPath(act())], ['DELETE', activityPath(act())],
      ['POST', agentsPath({ mbox: mbox() })], ['PUT', agentsPath({ mbox: mbox() })], ['DELETE', agentsPath({ mbox: mbox() })],
      ['PATCH', `${STATE.where}?${q(STATE.key())}`], ['PATCH', `${ACTIVITY_PROFILE.where}?${q(ACTIVITY_PROFILE.key())}`],
      ['PATCH', `${AGENT_PROFILE.where}?${q(AGENT_PROFILE.key())}`],
      ['POST', '/xapi/about'], ['PUT', '/xapi/about'], ['DELETE', '/xapi/about'],
    ]) {
      for (const [label, opts] of [['version 1.0.1, no credentials', { version: '1.0.1' }], ['no version, no credentials', { version: null }], ['a bad version', { version: '0.9' }]]) {
        const res = await w.anon.request(method, where, { ...opts, raw: ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined });
        if (res.status !== 405) bad.push(`${method} ${where.split('?')[0]} (${label}): want 405, got ${brief(res)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('6.6 the version header is checked before the credentials: neither is 400; a version without credentials is 401 (edge 63)', async () => {
    const w = await setup();
    const bad = [];
    for (const where of ['/xapi/statements', activityPath(act()), agentsPath({ mbox: mbox() }), `${STATE.where}?${q(STATE.key())}`]) {
      const neither = await w.anon.get(where, { version: null });
      if (neither.status !== 400) bad.push(`${where.split('?')[0]} without version or credentials: want 400, got ${brief(neither)}`);
      const noAuth = await w.anon.get(where);
      if (noAuth.status !== 401) bad.push(`${where.split('?')[0]} without credentials: want 401, got ${brief(noAuth)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('6.6 refusals carry a message: 400, 401, 404, 405, 409, 412', async () => {
    const w = await setup();
    const f = await resourceFixtures(w);
    const dup = stmt({ id: uuid() });
    await store(w.x, dup);
    const bad = [];
    for (const [want, res] of [
      [400, await w.x.get('/xapi/statements?foo=bar')],
      [401, await w.anon.get('/xapi/statements')],
      [404, await w.x.get(`/xapi/statements?${q({ statementId: uuid() })}`)],
      [404, await w.x.get(`${STATE.where}?${q(STATE.key())}`)],
      [405, await w.anon.request('DELETE', '/xapi/statements')],
      [409, await w.x.post('/xapi/statements', { ...dup, result: { success: false } })],
      [412, await docReq(w.x, 'PUT', STATE, f.state, 'x', { 'If-Match': `"${sha1('stale')}"` })],
    ]) {
      if (res.status !== want) bad.push(`want ${want}, got ${brief(res)}`);
      else if (!res.text || res.text.trim().length < 5) bad.push(`${want}: no message: ${JSON.stringify(res.text)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('6.6 a statement or document larger than the limit is 413 and writes nothing', async () => {
    const w = await setup();
    const bad = [];
    const s = stmt({ id: uuid(), result: { response: 'x'.repeat(9 * 1024 * 1024) } });
    const big = await w.x.post('/xapi/statements', s).catch((e) => ({ status: `error ${e.cause?.code || e.message}`, text: '' }));
    if (big.status !== 413) bad.push(`a 9 MB statement: want 413, got ${big.status} ${(big.text || '').slice(0, 100)}`);
    if ((await getById(w.x, s.id)).status !== 404) bad.push('the 9 MB statement was stored');
    const key = STATE.key();
    const doc = await docReq(w.x, 'PUT', STATE, key, Buffer.alloc(2 * 1024 * 1024, 0x61), { 'Content-Type': 'text/plain' })
      .catch((e) => ({ status: `error ${e.cause?.code || e.message}`, text: '' }));
    if (doc.status !== 413) bad.push(`a 2 MB state: want 413, got ${doc.status} ${(doc.text || '').slice(0, 100)}`);
    if ((await docState(w.x, STATE, key)).status !== 404) bad.push('the 2 MB state was written');
    // More statements than a request may hold, each of them small.
    const many = Array.from({ length: 1001 }, () => stmt({ id: uuid() }));
    const batch = await w.x.post('/xapi/statements', many);
    if (batch.status !== 413) bad.push(`1001 statements: want 413, got ${brief(batch)}`);
    for (const one of [many[0], many[1000]])
      if ((await getById(w.x, one.id)).status !== 404) bad.push('a statement of the 1001 was stored');
    assert.deepEqual(bad, []);
  });
});

describe('6.7 authentication', () => {
  test('6.7 HTTP Basic with the key and secret issued; anything else is 401 with WWW-Authenticate, and writes nothing (edge 64)', async () => {
    const w = await setup();
    const bad = [];
    const b64 = (s) => Buffer.from(s).toString('base64');
    const cases = [
      ['no Authorization', null],
      ['Basic:xxxx (malformed)', 'Basic:xxxx'],
      ['Basic Og== (empty user and password)', 'Basic Og=='],
      ['Basic not base64', 'Basic !!!not-base64!!!'],
      ['Basic without a colon', `Basic ${b64(w.client.key)}`],
      ['an unknown key', `Basic ${b64(`llx_unknown${hex(6)}:${w.client.secret}`)}`],
      ['a wrong secret', `Basic ${b64(`${w.client.key}:wrong`)}`],
      ['the other institution\'s key with this secret', `Basic ${b64(`${Buffer.from(w.other.auth.slice(6), 'base64').toString().split(':')[0]}:${w.client.secret}`)}`],
      ['Bearer', `Bearer ${w.client.secret}`],
    ];
    for (const [label, authz] of cases) {
      const headers = { 'X-Experience-API-Version': VERSION, 'Content-Type': 'application/json' };
      if (authz) headers.Authorization = authz;
      const s = stmt({ id: uuid() });
      const key = STATE.key();
      for (const [what, method, where, body] of [
        ['GET statements', 'GET', '/xapi/statements?limit=1', undefined],
        ['POST statements', 'POST', '/xapi/statements', JSON.stringify(s)],
        ['PUT state', 'PUT', `${STATE.where}?${q(key)}`, '{"a":1}'],
        ['GET activities', 'GET', activityPath(act()), undefined],
        ['GET agents', 'GET', agentsPath({ mbox: mbox() }), undefined],
      ]) {
        const res = await rawHttp(method, where, { headers, body });
        if (res.status !== 401) bad.push(`${label}, ${what}: want 401, got ${brief(res)}`);
        else if (!/^Basic/i.test(res.headers.get('www-authenticate') || '')) bad.push(`${label}, ${what}: WWW-Authenticate ${res.headers.get('www-authenticate')}`);
      }
      if ((await getById(w.x, s.id)).status !== 404) bad.push(`${label}: the statement was stored`);
      if ((await docState(w.x, STATE, key)).status !== 404) bad.push(`${label}: the state was written`);
    }
    const ok = await rawHttp('GET', '/xapi/statements?limit=1', { headers: xHeaders(w.x) });
    if (ok.status !== 200) bad.push(`the issued credentials: ${brief(ok)}`);
    assert.deepEqual(bad, []);
  });
});

describe('6.9 headers', () => {
  test('6.9 a document reply has Content-Type, Content-Length, ETag, Last-Modified, X-Experience-API-Version and Date; a statement reply Consistent-Through besides', async () => {
    const w = await setup();
    const f = await resourceFixtures(w);
    const bad = [];
    const doc = await rawHttp('GET', f.paths['activities/state (one)'], { headers: xHeaders(w.x) });
    for (const h of ['content-type', 'etag', 'last-modified', 'x-experience-api-version', 'date']) if (!doc.headers.get(h)) bad.push(`document: no ${h}`);
    if (doc.headers.get('content-length') !== null && Number(doc.headers.get('content-length')) !== doc.body.length) bad.push(`document: Content-Length ${doc.headers.get('content-length')} for ${doc.body.length} bytes`);
    if (doc.headers.get('content-length') === null && !/chunked/i.test(doc.headers.get('transfer-encoding') || '')) bad.push('document: neither Content-Length nor chunked');
    const st = await rawHttp('GET', f.paths['statements (one)'], { headers: xHeaders(w.x, { Accept: 'application/json', 'Accept-Encoding': 'identity', 'Accept-Language': 'en-US' }) });
    for (const h of ['content-type', 'x-experience-api-version', 'x-experience-api-consistent-through', 'date']) if (!st.headers.get(h)) bad.push(`statement: no ${h}`);
    if (st.status !== 200) bad.push(`statement with Accept headers: ${brief(st)}`);
    assert.deepEqual(bad, []);
  });
});

describe('6.10 resources', () => {
  test('6.10 every resource of the table exists: statements, agents, agents/profile, activities, activities/profile, activities/state, about', async () => {
    const w = await setup();
    const f = await resourceFixtures(w);
    const bad = [];
    for (const [label, where] of Object.entries(f.paths)) {
      const res = await w.x.get(where);
      if (res.status !== 200) bad.push(`${label}: ${brief(res)}`);
    }
    assert.deepEqual(bad, []);
  });
});
