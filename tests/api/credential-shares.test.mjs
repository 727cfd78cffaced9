// Transcripts and shares (docs/credentials.md, "A transcript of several outcomes (CLR 2.0)" and
// "Sharing with an employer (求职认证)"). A citizen has several outcomes issued as one 1EdTech
// CLR 2.0 ClrCredential, whose subject embeds one Open Badges credential per outcome as a W3C VC
// 2.0 EnvelopedVerifiableCredential ("data:application/vc+jwt,<JWS>"); the transcript and every
// credential it embeds are checked with panva's jose against the JWKS the issuer publishes, as an
// employer would, and the transcript's status is read from the W3C Bitstring Status List with jose
// and node:zlib once one of its outcomes is corrected or revoked. Then the citizen shares chosen
// outcomes by a link (<issuer url>/s/<token>): the shared page answers without any session, each
// record with the report POST /api/v1/verify gives for it, every view is logged for the owner, the
// QR code (PNG read back with pngjs and jsQR) holds the link, nobody else reads, ends or draws
// someone's share, an ended or expired share answers 410, refused requests store nothing, and an
// address that asks for unknown tokens 20 times is answered 429 for every token after that. The
// guessing scenario connects from a loopback address of its own (127.0.0.N, which Linux lets any
// socket bind), so the limit it reaches never touches the 127.0.0.1 of every other scenario. The
// token is a secret: it must never appear in the access log.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

import {
  BASE, CHANGNING_COMMITTEE, SESSION_COOKIE, XUHUI, anon, assertError, assertStatus, checkErrorShape, createInstitution, createStaff,
  registerCitizen, signInFixture, sleep,
} from './lib.mjs';

// The issuer's did:web and public address, from the server's default --home-page.
const DID = 'did:web:lifelong.sh.cn';
const ISSUER_URL = 'https://lifelong.sh.cn';
const ISSUER_NAME = '上海终身教育学分银行';
const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
const ENVELOPE_PREFIX = 'data:application/vc+jwt,';
const CHECKS = ['format', 'signature', 'validity', 'status', 'ledger'];
const ALL_PASSED = Object.fromEntries(CHECKS.map((c) => [c, 'passed']));
const STATUS_LIST_BITS = 131072;
const DAY_MS = 86400e3;
// The most outcomes one transcript holds, the longest purpose, the unknown tokens an address may ask for.
const CLR_MAX = 20;
const PURPOSE_MAX = 200;
const GUESSES = 20;
// The members of a share, and of its one-share view.
const SHARE_KEYS = ['clr_id', 'created_at', 'ended_at', 'expires_at', 'id', 'items', 'purpose', 'recipient', 'state', 'token', 'url', 'views'];
const SHARED_KEYS = ['created_at', 'expires_at', 'holder', 'is_valid', 'issuer', 'items', 'purpose', 'recipient', 'transcript'];
const TOKEN = /^[A-Za-z0-9_-]{32}$/;
const URN_UUID = /^urn:uuid:[0-9a-f-]{36}$/;

const unb64u = (s) => Buffer.from(s, 'base64url');
const newToken = () => crypto.randomBytes(24).toString('base64url'); // 32 characters, like a real one
const near = (iso, ms, slack = 60e3) => Math.abs(Date.parse(iso) - ms) < slack;
// An RFC 3339 time in whole seconds (no fraction), ms from now.
const rfc3339In = (ms) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000).toISOString().replace('.000Z', 'Z');

// A verification report (POST /api/v1/verify's answer): its checks by name, after its shape.
function checksOfReport(r, what = '') {
  const where = `${what}: ${JSON.stringify(r).slice(0, 400)}`;
  assert.equal(typeof r.is_valid, 'boolean', where);
  assert.deepEqual(r.checks.map((c) => c.check), CHECKS, where);
  for (const c of r.checks) {
    assert.deepEqual(Object.keys(c).sort(), ['check', 'message', 'message_en', 'status'], where);
    assert.ok(['passed', 'failed', 'not_checked'].includes(c.status), where);
  }
  return Object.fromEntries(r.checks.map((c) => [c.check, c.status]));
}

function assertAllPassed(r, what) {
  assert.deepEqual(checksOfReport(r, what), ALL_PASSED, `${what}: ${JSON.stringify(r.checks)}`);
  assert.equal(r.is_valid, true, what);
}

// A report that says revoked: sound but for its status.
function assertRevokedReport(r, what) {
  const c = checksOfReport(r, what);
  assert.equal(r.is_valid, false, what);
  assert.deepEqual([c.format, c.signature, c.validity, c.status], ['passed', 'passed', 'passed', 'failed'], `${what}: ${JSON.stringify(r.checks)}`);
}

const verifyApi = async (jws) => {
  const res = await anon().post('/api/v1/verify', { credential: jws });
  assertStatus(res, 200);
  return res.json;
};

// The JWS an EnvelopedVerifiableCredential carries.
function envelopedJws(vc) {
  assert.ok([vc.type].flat().includes('EnvelopedVerifiableCredential'), JSON.stringify(vc).slice(0, 200));
  assert.equal(typeof vc.id, 'string');
  assert.ok(vc.id.startsWith(ENVELOPE_PREFIX), `an enveloped credential's id is ${ENVELOPE_PREFIX}<JWS>: ${vc.id.slice(0, 80)}`);
  const jws = vc.id.slice(ENVELOPE_PREFIX.length);
  assert.match(jws, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  return jws;
}

// A response read as bytes (the shared client reads text), with the caller's cookie.
async function getBytes(client, p) {
  const headers = client && client.cookie ? { cookie: `${SESSION_COOKIE}=${client.cookie}` } : {};
  const res = await fetch(BASE + p, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

// GET p from the local address localAddress (node:http, a fresh connection each time), read the
// way Client.request reads replies, error shapes checked.
function getFrom(localAddress, p, headers = {}) {
  const u = new URL(BASE + p);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET', localAddress, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) for (const one of [v].flat()) h.append(k, one);
        const out = { method: 'GET', path: p, status: res.statusCode, headers: h, text, json: null };
        if (/^application\/json/.test(h.get('content-type') || '') && text) out.json = JSON.parse(text);
        if (out.status >= 400 && out.json) checkErrorShape(out, `GET ${p} from ${localAddress}`);
        resolve(out);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

// A 400 naming field (or one of its items, "field[i]") with any code of the error table.
function assertBadField(res, field) {
  const what = `${res.method} ${res.path}`;
  assert.equal(res.status, 400, `${what}: want 400 naming ${field}, got ${res.status} ${res.text.slice(0, 300)}`);
  checkErrorShape(res, what);
  assert.match(res.json.error.field || '', new RegExp(`^${field}(\\[\\d+\\])?$`), `${what}: ${res.text}`);
}

// An outcome the caller does not hold as a current outcome (unknown, another person's, revoked):
// 404 not_found naming outcome_ids, as POST /api/v1/me/credentials answers for one outcome_id.
const assertNotHeld = (res) => assertError(res, 404, 'not_found', 'outcome_ids');

describe('transcripts (CLR 2.0) and shares with an employer', () => {
  let city, staff, citizen, other, jwks, keySet, ou;
  // Outcomes of the citizen, deposited in before(): [{outcome_id, entry_id, title}].
  const outcomes = [];

  const deposit = async (person, over = {}) => {
    const body = {
      account_no: person.account.account_no, kind: 'academic_credit', title: '高等数学（一）', code: 'MATH101', credits_milli: 4000,
      result_kind: 'grade', result: 'A', awarded_on: '2024-06-30', ...over,
    };
    const res = await staff.post('/api/v1/ledger/outcomes', body);
    assertStatus(res, 201);
    assert.equal(res.json.status, 'stored');
    return { ...res.json, title: body.title };
  };
  const correct = async (person, d, over = {}) => {
    const res = await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`, {
      account_no: person.account.account_no, kind: 'academic_credit', title: d.title, code: 'FIX101', credits_milli: 4000,
      result_kind: 'grade', result: 'A-', awarded_on: '2024-06-30', reason: '成绩复核更正', ...over,
    });
    assertStatus(res, 201);
    return res.json;
  };
  const revoke = async (d) => {
    const res = await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '存入有误' });
    assertStatus(res, 201);
    return res.json;
  };

  const myCredentials = async (who = citizen) => {
    const res = await who.client.get('/api/v1/me/credentials');
    assertStatus(res, 200);
    return res.json.items;
  };
  const myShares = async (who = citizen) => {
    const res = await who.client.get('/api/v1/me/credential-shares');
    assertStatus(res, 200);
    assert.deepEqual(Object.keys(res.json), ['items'], res.text);
    return res.json.items;
  };
  const myShare = async (id, who = citizen) => {
    const res = await who.client.get(`/api/v1/me/credential-shares/${id}`);
    assertStatus(res, 200);
    return res.json;
  };
  const issueClr = async (ids, who = citizen) => {
    const res = await who.client.post('/api/v1/me/credentials', { outcome_ids: ids });
    assertStatus(res, 201);
    return res.json;
  };
  const createShare = async (body, who = citizen) => {
    const res = await who.client.post('/api/v1/me/credential-shares', body);
    assertStatus(res, 201);
    return res.json;
  };
  // The shared page as an employer opens it: no session, a browser's user agent.
  const openShared = (token, userAgent = 'Mozilla/5.0 (employer test)') => anon().get(`/api/v1/shared/${token}`, { headers: { 'user-agent': userAgent } });

  // jose's verification against the JWKS as served: the payload, with the header's media type
  // checked.
  const joseVerify = async (jws) => {
    const { payload, protectedHeader } = await jwtVerify(jws, keySet, { typ: 'vc+jwt', algorithms: ['EdDSA'] });
    assert.equal(protectedHeader.iss, DID);
    assert.ok(protectedHeader.kid.startsWith(`${DID}#`), protectedHeader.kid);
    return payload;
  };

  // An Open Badges credential's payload for deposited outcome d (the current version's entry).
  const assertBadgeFor = (payload, d, entryId = d.entry_id) => {
    assert.ok(payload.type.includes('OpenBadgeCredential'), JSON.stringify(payload.type));
    assert.equal(payload['@context'][0], VC_CONTEXT);
    assert.equal(payload.issuer.id, DID);
    assert.equal(payload.credentialSubject.achievement.name, d.title);
    assert.equal(payload.lifelongLedger.entryId, entryId, `the credential speaks for entry ${entryId}`);
  };

  // The status list an entry names, fetched from the test server, verified with jose and inflated.
  async function statusBit(entry) {
    assert.equal(entry.type, 'BitstringStatusListEntry');
    assert.equal(entry.statusPurpose, 'revocation');
    const url = entry.statusListCredential;
    assert.ok(url.startsWith(`${ISSUER_URL}/api/v1/credentials/status/`), url);
    const res = await fetch(BASE + url.slice(ISSUER_URL.length));
    const text = await res.text();
    assert.equal(res.status, 200, `GET ${url}: ${text.slice(0, 300)}`);
    const { payload } = await jwtVerify(text, keySet, { typ: 'vc+jwt', algorithms: ['EdDSA'] });
    const bits = zlib.gunzipSync(unb64u(payload.credentialSubject.encodedList.slice(1)));
    const i = Number(entry.statusListIndex) % STATUS_LIST_BITS;
    return (bits[i >> 3] >> (7 - (i & 7))) & 1;
  }

  before(async () => {
    city = await signInFixture('fx-city-admin');
    ou = await createInstitution(city, XUHUI, 'open_university');
    staff = await createStaff(city, 'staff', ou.id);
    citizen = await registerCitizen();
    other = await registerCitizen({ committee: CHANGNING_COMMITTEE });
    for (const [title, code] of [['高等数学（一）', 'MATH101'], ['大学英语', 'ENG101'], ['数据结构', 'CS201'], ['操作系统', 'CS301']])
      outcomes.push(await deposit(citizen, { title, code }));
    const k = await anon().get('/api/v1/credentials/jwks');
    assertStatus(k, 200);
    jwks = k.json;
    keySet = createLocalJWKSet(jwks);
  });

  // ---- transcripts ----

  test('a transcript of two outcomes (201) is a ClrCredential whose JWS jose verifies; it embeds each outcome\'s Open Badges credential as an EnvelopedVerifiableCredential that jose verifies too', async () => {
    const [a, b] = outcomes;
    const before = await myCredentials();
    const clr = await issueClr([a.outcome_id, b.outcome_id]);
    assert.equal(clr.type, 'ClrCredential');
    assert.match(clr.id, URN_UUID);
    assert.equal(clr.records, 2);
    // Listed without an outcome of its own, speaking for two ledger entries.
    const listed = (await myCredentials()).find((c) => c.id === clr.id);
    assert.deepEqual([listed.type, listed.outcome_id, listed.entry_id, listed.records], ['ClrCredential', null, null, 2]);
    assert.match(clr.jws, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeProtectedHeader(clr.jws), { alg: 'EdDSA', kid: jwks.keys[0].kid, typ: 'vc+jwt', cty: 'vc', iss: DID }, 'signed like a badge, by the newest key');

    const payload = await joseVerify(clr.jws);
    assert.deepEqual(payload, clr.credential, 'the answer\'s credential is the signed payload');
    assert.equal(payload.id, clr.id);
    assert.equal(payload['@context'][0], VC_CONTEXT);
    assert.ok(payload.type.includes('VerifiableCredential') && payload.type.includes('ClrCredential'), JSON.stringify(payload.type));
    assert.equal(payload.issuer.id, DID);
    assert.ok(near(payload.validFrom, Date.now()), payload.validFrom);
    const subject = payload.credentialSubject;
    assert.ok([subject.type].flat().includes('ClrSubject'), JSON.stringify(subject.type));
    assert.ok(subject.identifier.some((i) => i.identityHash === citizen.account.account_no), JSON.stringify(subject.identifier));
    const text = unb64u(clr.jws.split('.')[1]).toString('utf8');
    assert.ok(!text.includes(citizen.idNumber) && !text.includes(citizen.phone), 'no ID or phone number in the transcript');

    // One envelope per outcome, each a JWS of its own that jose verifies: the outcome's badge.
    assert.equal(subject.verifiableCredential.length, 2);
    const badges = [];
    for (const vc of subject.verifiableCredential) badges.push(await joseVerify(envelopedJws(vc)));
    const byEntry = new Map(badges.map((p) => [p.lifelongLedger.entryId, p]));
    assert.deepEqual([...byEntry.keys()].sort(), [a.entry_id, b.entry_id].sort(), 'one badge for each outcome');
    assertBadgeFor(byEntry.get(a.entry_id), a);
    assertBadgeFor(byEntry.get(b.entry_id), b);
    for (const p of badges) {
      assert.deepEqual(p.credentialSubject.identifier, subject.identifier, 'the transcript names the person as its badges do');
      assert.notEqual(p.credentialStatus.statusListIndex, payload.credentialStatus.statusListIndex, 'each badge has a status entry of its own');
    }
    // The transcript has a status entry of its own, not yet revoked.
    assert.equal(await statusBit(payload.credentialStatus), 0);

    // Stored as the citizen's credential, newest first, with its JWS.
    const after = await myCredentials();
    assert.ok(after.length > before.length, 'the transcript is listed');
    assert.equal(after[0].id, clr.id);
    assert.equal(after[0].type, 'ClrCredential');
    const one = await citizen.client.get(`/api/v1/me/credentials/${clr.id}`);
    assertStatus(one, 200);
    assert.equal(one.json.jws, clr.jws);
    assertError(await other.client.get(`/api/v1/me/credentials/${clr.id}`), 404, 'not_found');
  });

  test('POST /api/v1/verify says a fresh transcript is valid, with every check passed and the report of each embedded credential under embedded', async () => {
    const [a, b] = outcomes;
    const clr = await issueClr([a.outcome_id, b.outcome_id]);
    const r = await verifyApi(clr.jws);
    assertAllPassed(r, 'the transcript');
    assert.equal(r.issuer, DID);
    assert.deepEqual(r.credential, clr.credential);
    assert.ok(Array.isArray(r.embedded), `embedded reports: ${JSON.stringify(r).slice(0, 300)}`);
    const envelopes = clr.credential.credentialSubject.verifiableCredential.map(envelopedJws);
    assert.equal(r.embedded.length, envelopes.length);
    for (let i = 0; i < envelopes.length; i++) {
      assertAllPassed(r.embedded[i], `embedded ${i}`);
      assert.deepEqual(r.embedded[i].credential, await joseVerify(envelopes[i]), `embedded report ${i} is of envelope ${i}`);
      // Each embedded credential is a credential by itself as well.
      assertAllPassed(await verifyApi(envelopes[i]), `envelope ${i} verified alone`);
    }
  });

  test('correcting one of its outcomes revokes the transcript: its status bit is set and /verify says status failed, that embedded credential too', async () => {
    const c = await deposit(citizen, { title: '计算机网络', code: 'CS302' });
    const d = await deposit(citizen, { title: '编译原理', code: 'CS401' });
    const clr = await issueClr([c.outcome_id, d.outcome_id]);
    assertAllPassed(await verifyApi(clr.jws), 'before the correction');
    const corrected = await correct(citizen, c);
    assert.notEqual(corrected.entry_id, c.entry_id);

    const r = await verifyApi(clr.jws);
    assertRevokedReport(r, 'the transcript after a correction');
    assert.notEqual(checksOfReport(r).ledger, 'passed', 'the ledger check passes only when every embedded credential is valid');
    assert.equal(await statusBit(clr.credential.credentialStatus), 1, 'the transcript\'s own bit is set');
    const envelopes = clr.credential.credentialSubject.verifiableCredential.map(envelopedJws);
    const entries = await Promise.all(envelopes.map(async (j) => (await joseVerify(j)).lifelongLedger.entryId));
    assertRevokedReport(r.embedded[entries.indexOf(c.entry_id)], 'the corrected outcome\'s credential');
    assertAllPassed(r.embedded[entries.indexOf(d.entry_id)], 'the untouched outcome\'s credential');
    // The signature still holds: jose has nothing against it; only its status says revoked.
    await joseVerify(clr.jws);
    // A transcript issued now speaks for the corrected version.
    const fresh = await issueClr([c.outcome_id, d.outcome_id]);
    assertAllPassed(await verifyApi(fresh.jws), 'a transcript issued after the correction');
    const freshEntries = await Promise.all(fresh.credential.credentialSubject.verifiableCredential.map(async (vc) => (await joseVerify(envelopedJws(vc))).lifelongLedger.entryId));
    assert.deepEqual(freshEntries.sort(), [corrected.entry_id, d.entry_id].sort());
  });

  test('revoking one of its outcomes revokes the transcript: its status bit is set and /verify says status failed', async () => {
    const e = await deposit(citizen, { title: '软件工程', code: 'CS402' });
    const f = await deposit(citizen, { title: '人工智能导论', code: 'CS403' });
    const clr = await issueClr([e.outcome_id, f.outcome_id]);
    assert.equal(await statusBit(clr.credential.credentialStatus), 0);
    await revoke(f);
    const r = await verifyApi(clr.jws);
    assertRevokedReport(r, 'the transcript after a revocation');
    assert.notEqual(checksOfReport(r).ledger, 'passed');
    assert.equal(await statusBit(clr.credential.credentialStatus), 1);
    // The revoked outcome is no longer one the person can put in a transcript.
    assertNotHeld(await citizen.client.post('/api/v1/me/credentials', { outcome_ids: [e.outcome_id, f.outcome_id] }));
  });

  test('a transcript holds at most 20 outcomes: 20 distinct current outcomes are issued (201), 21 are refused (400) and store nothing', async () => {
    const many = [];
    for (let i = 0; i < CLR_MAX + 1; i++) many.push(await deposit(citizen, { title: `选修课 ${i + 1}`, code: `EL${100 + i}` }));
    const clr = await issueClr(many.slice(0, CLR_MAX).map((d) => d.outcome_id));
    const payload = await joseVerify(clr.jws);
    assert.equal(payload.credentialSubject.verifiableCredential.length, CLR_MAX);
    const entries = [];
    for (const vc of payload.credentialSubject.verifiableCredential) entries.push((await joseVerify(envelopedJws(vc))).lifelongLedger.entryId);
    assert.deepEqual(entries.sort(), many.slice(0, CLR_MAX).map((d) => d.entry_id).sort());

    const count = (await myCredentials()).length;
    assertBadField(await citizen.client.post('/api/v1/me/credentials', { outcome_ids: many.map((d) => d.outcome_id) }), 'outcome_ids');
    assert.equal((await myCredentials()).length, count, 'nothing new');
  });

  test('transcript refusals store nothing: no outcomes, a repeated one, both outcome_id and outcome_ids 400 with code and field; an unknown or another person\'s outcome 404 not_found', async () => {
    const [a, b] = outcomes;
    const others = await deposit(other, { title: '线性代数', code: 'MATH201' });
    const mine = (await myCredentials()).length;
    const theirs = (await myCredentials(other)).length;
    const post = (body) => citizen.client.post('/api/v1/me/credentials', body);
    assertBadField(await post({ outcome_ids: [] }), 'outcome_ids');
    assertBadField(await post({ outcome_ids: [a.outcome_id, a.outcome_id] }), 'outcome_ids');
    assertBadField(await post({ outcome_ids: [a.outcome_id, b.outcome_id, a.outcome_id] }), 'outcome_ids');
    assertNotHeld(await post({ outcome_ids: [a.outcome_id, crypto.randomUUID()] }));
    assertNotHeld(await post({ outcome_ids: [a.outcome_id, others.outcome_id] }));
    assertNotHeld(await post({ outcome_ids: [b.outcome_id, 'not-an-id'] }));
    const both = await post({ outcome_id: a.outcome_id, outcome_ids: [a.outcome_id, b.outcome_id] });
    assert.equal(both.status, 400, both.text);
    assert.match(both.json.error.field || '', /^outcome_ids?$/, both.text);
    assertBadField(await post({ outcome_ids: 'abc' }), 'outcome_ids');
    assert.equal((await myCredentials()).length, mine, 'nothing new for the citizen');
    assert.equal((await myCredentials(other)).length, theirs, 'nothing new for the other person');
  });

  // ---- shares ----

  test('a citizen shares two outcomes (201): a 32-character token, the link <issuer>/s/<token>, active for 30 days, items and a transcript; the list and the share agree', async () => {
    const [a, b] = outcomes;
    // A credential the citizen already holds for the current version of a is the one shared.
    const held = await citizen.client.post('/api/v1/me/credentials', { outcome_id: a.outcome_id });
    assertStatus(held, 201);
    const heldForA = new Set((await myCredentials()).filter((c) => c.type === 'OpenBadgeCredential' && c.entry_id === a.entry_id).map((c) => c.id));
    assert.ok(heldForA.has(held.json.id));
    const before = (await myShares()).length;
    const share = await createShare({ outcome_ids: [a.outcome_id, b.outcome_id], purpose: '应聘数据分析岗', recipient: '某某数据科技有限公司' });
    assert.deepEqual(Object.keys(share).sort(), SHARE_KEYS, JSON.stringify(share));
    assert.match(share.token, TOKEN);
    assert.equal(unb64u(share.token).length, 24, '192 bits');
    assert.equal(share.url, `${ISSUER_URL}/s/${share.token}`);
    assert.equal(share.state, 'active');
    assert.equal(share.ended_at, null);
    assert.equal(share.views, 0);
    assert.equal(share.purpose, '应聘数据分析岗');
    assert.equal(share.recipient, '某某数据科技有限公司');
    assert.ok(near(share.created_at, Date.now()), share.created_at);
    assert.ok(Math.abs(Date.parse(share.expires_at) - Date.parse(share.created_at) - 30 * DAY_MS) < 5e3, `30 days by default: ${share.created_at} .. ${share.expires_at}`);
    assert.match(share.clr_id, URN_UUID);
    assert.equal(share.items.length, 2);
    for (const i of share.items) assert.deepEqual(Object.keys(i).sort(), ['credential_id', 'outcome_id', 'title']);
    assert.deepEqual(share.items.map((i) => i.outcome_id), [a.outcome_id, b.outcome_id]);
    assert.deepEqual(share.items.map((i) => i.title), [a.title, b.title]);
    assert.ok(heldForA.has(share.items[0].credential_id), `a credential the citizen holds for that version: ${share.items[0].credential_id}`);
    assert.match(share.items[1].credential_id, URN_UUID);
    assert.ok(!heldForA.has(share.items[1].credential_id), 'b\'s credential is b\'s');

    const list = await myShares();
    assert.equal(list.length, before + 1);
    assert.deepEqual(list[0], share, 'newest first, as created');
    assert.deepEqual(await myShare(share.id), { ...share, view_log: [] });
    // A second share is another link.
    const second = await createShare({ outcome_ids: [b.outcome_id], purpose: '应聘教师岗' });
    assert.notEqual(second.token, share.token);
    assert.equal(second.recipient, null);
    assert.deepEqual((await myShares()).slice(0, 2).map((s) => s.id), [second.id, share.id]);
  });

  test('the shared page answers without a session (no-store): holder, issuer, each record with its JWS and /verify\'s report, all valid; jose verifies every JWS; the owner sees the view logged', async () => {
    const [a, b] = outcomes;
    const share = await createShare({ outcome_ids: [a.outcome_id, b.outcome_id], purpose: '应聘数据分析岗', recipient: '某某数据科技有限公司' });
    const ua = `Mozilla/5.0 (X11; Linux x86_64) employer-check/${crypto.randomBytes(4).toString('hex')}`;
    const res = await openShared(share.token, ua);
    assertStatus(res, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const s = res.json;
    assert.deepEqual(Object.keys(s).sort(), SHARED_KEYS, res.text.slice(0, 300));
    assert.equal(s.purpose, share.purpose);
    assert.equal(s.recipient, share.recipient);
    assert.equal(Date.parse(s.created_at), Date.parse(share.created_at));
    assert.equal(Date.parse(s.expires_at), Date.parse(share.expires_at));
    assert.deepEqual(s.holder, { name: citizen.account.name });
    assert.deepEqual(Object.keys(s.issuer).sort(), ['did', 'name', 'name_en', 'url']);
    assert.deepEqual([s.issuer.name, s.issuer.url, s.issuer.did], [ISSUER_NAME, ISSUER_URL, DID]);
    assert.ok(typeof s.issuer.name_en === 'string' && s.issuer.name_en.length > 0);
    assert.ok(!res.text.includes(citizen.idNumber) && !res.text.includes(citizen.phone), 'no ID or phone number on the shared page');
    assert.equal(s.is_valid, true);

    // The records, in the share's order, each a badge jose verifies, with the report /verify gives.
    assert.deepEqual(s.items.map((i) => i.credential_id), share.items.map((i) => i.credential_id));
    assert.deepEqual(s.items.map((i) => i.title), [a.title, b.title]);
    for (const [n, item] of s.items.entries()) {
      assert.deepEqual(Object.keys(item).sort(), ['credential_id', 'jws', 'report', 'title']);
      const p = await joseVerify(item.jws);
      assert.equal(p.id, item.credential_id);
      assertBadgeFor(p, [a, b][n]);
      assertAllPassed(item.report, `item ${n}`);
      assert.deepEqual(item.report, await verifyApi(item.jws), `item ${n}'s report is /verify's`);
    }
    // The transcript: the share's CLR, embedding exactly the shared records' JWSs.
    // The transcript's members; title is the server's addition to the documented id, jws, report.
    assert.deepEqual(Object.keys(s.transcript).sort(), ['id', 'jws', 'report', 'title']);
    assert.ok(typeof s.transcript.title === 'string' && s.transcript.title.length > 0);
    assert.equal(s.transcript.id, share.clr_id);
    const clr = await joseVerify(s.transcript.jws);
    assert.equal(clr.id, share.clr_id);
    assert.ok(clr.type.includes('ClrCredential'));
    assert.deepEqual(clr.credentialSubject.verifiableCredential.map(envelopedJws).sort(), s.items.map((i) => i.jws).sort());
    assertAllPassed(s.transcript.report, 'the transcript');
    assert.equal(s.transcript.report.embedded.length, 2);
    assert.deepEqual(s.transcript.report, await verifyApi(s.transcript.jws), 'the transcript\'s report is /verify\'s');

    // The owner sees the view: when, from where, with which user agent, and that it was shown.
    const mine = await myShare(share.id);
    assert.equal(mine.views, 1);
    assert.equal(mine.view_log.length, 1);
    const v = mine.view_log[0];
    assert.deepEqual(Object.keys(v).sort(), ['address', 'at', 'user_agent', 'was_shown']);
    assert.deepEqual([v.address, v.user_agent, v.was_shown], ['127.0.0.1', ua, true]);
    assert.ok(near(v.at, Date.now()), v.at);
    // A second view is logged newest first.
    assertStatus(await openShared(share.token, 'curl/8.0'), 200);
    const again = await myShare(share.id);
    assert.equal(again.views, 2);
    assert.deepEqual(again.view_log.map((x) => x.user_agent), ['curl/8.0', ua]);
    assert.equal((await myShares()).find((x) => x.id === share.id).views, 2, 'the list counts the views too');
    // A user agent with bytes that are not text (sent as Latin-1 by node:http) is shown, and
    // stored on either engine, with '?' for them.
    const odd = await getFrom('127.0.0.1', `/api/v1/shared/${share.token}`, { 'user-agent': 'Mozilla/5.0 caf\u00e9 \u00ff' });
    assertStatus(odd, 200);
    assert.equal((await myShare(share.id)).view_log[0].user_agent, 'Mozilla/5.0 caf? ?');
  });

  // The token is the share's only key (the server keeps it sealed and finds the share by a keyed
  // hash), so it must not be written in clear to the access log, which says it never holds a secret.
  test('the access log never holds a share\'s token: the line of a shared view is there, without the token', async () => {
    const logFile = process.env.LIFELONG_ACCESS_LOG;
    assert.ok(logFile, 'LIFELONG_ACCESS_LOG is not set; run the suite with tests/api/run.sh');
    const share = await createShare({ outcome_ids: [outcomes[0].outcome_id], purpose: '应聘审计岗' });
    const shown = await openShared(share.token);
    assertStatus(shown, 200);
    const ended = await createShare({ outcome_ids: [outcomes[1].outcome_id], purpose: '应聘出纳岗' });
    assertStatus(await citizen.client.del(`/api/v1/me/credential-shares/${ended.id}`), 204);
    const refused = await openShared(ended.token);
    assertError(refused, 410, 'share_ended');
    // The server writes a request's line just after its reply leaves.
    const lineOf = async (res) => {
      const id = res.headers.get('x-request-id');
      assert.ok(id, 'the reply has an X-Request-Id');
      for (let i = 0; i < 40; i++) {
        const line = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.request_id === id);
        if (line) return line;
        await sleep(25);
      }
      assert.fail(`no access-log line for request ${id}`);
    };
    for (const [res, status] of [[shown, 200], [refused, 410]]) {
      const line = await lineOf(res);
      assert.equal(line.route, '/api/v1/shared/{token}');
      assert.equal(line.path, '/api/v1/shared/{token}');
      assert.equal(line.status, status);
    }
    // The portal's page of the link (/s/<token>) is logged without the token too.
    const page = await anon().get(`/s/${share.token}`);
    assert.equal((await lineOf(page)).path, '/s/');
    const log = fs.readFileSync(logFile, 'utf8');
    assert.ok(!log.includes(share.token), 'the token of a share that was shown is not in the access log');
    assert.ok(!log.includes(ended.token), 'the token of an ended share is not in the access log');
  });

  test('a record corrected after it was shared shows on the shared page as revoked: its report and the transcript\'s say status failed, is_valid false', async () => {
    const g = await deposit(citizen, { title: '概率论', code: 'MATH301' });
    const [a] = outcomes;
    const share = await createShare({ outcome_ids: [a.outcome_id, g.outcome_id], purpose: '应聘精算岗' });
    assert.equal((await openShared(share.token)).json.is_valid, true);
    await correct(citizen, g);
    const res = await openShared(share.token);
    assertStatus(res, 200);
    assert.equal(res.json.is_valid, false);
    assertAllPassed(res.json.items[0].report, 'the untouched record');
    assertRevokedReport(res.json.items[1].report, 'the corrected record');
    assertRevokedReport(res.json.transcript.report, 'the transcript');
  });

  test('the share\'s link as a QR code: SVG (image/svg+xml) and PNG (image/png) whose QR code, read with pngjs and jsQR, is the link', async () => {
    const share = await createShare({ outcome_ids: [outcomes[2].outcome_id], purpose: '应聘软件工程师' });
    const svg = await citizen.client.get(`/api/v1/me/credential-shares/${share.id}/qr.svg`);
    assertStatus(svg, 200);
    assert.match(svg.headers.get('content-type') || '', /^image\/svg\+xml\b/);
    assert.ok(svg.text.startsWith('<svg'), svg.text.slice(0, 80));
    assert.ok(svg.text.trimEnd().endsWith('</svg>'));

    const png = await getBytes(citizen.client, `/api/v1/me/credential-shares/${share.id}/qr.png`);
    assert.equal(png.status, 200, png.body.toString('utf8', 0, 300));
    assert.match(png.headers.get('content-type') || '', /^image\/png\b/);
    assert.ok(png.body.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'the PNG signature');
    const img = PNG.sync.read(png.body);
    const code = jsQR(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length), img.width, img.height);
    assert.ok(code, `jsQR finds a QR code in the ${img.width}x${img.height} PNG`);
    assert.equal(code.data, share.url);
  });

  test('nobody else reads, draws or ends a citizen\'s share: another citizen 404, no session 401, staff 403, no CSRF token 403; it stays active', async () => {
    const share = await createShare({ outcome_ids: [outcomes[0].outcome_id], purpose: '应聘会计岗' });
    const one = `/api/v1/me/credential-shares/${share.id}`;
    for (const p of [one, `${one}/qr.svg`]) {
      assertError(await other.client.get(p), 404, 'not_found');
      assertError(await anon().get(p), 401, 'unauthenticated');
      assertError(await staff.get(p), 403, 'forbidden');
    }
    for (const [who, status] of [[other.client, 404], [null, 401], [staff, 403]]) {
      const png = await getBytes(who, `${one}/qr.png`);
      assert.equal(png.status, status, `qr.png: ${png.body.toString('utf8', 0, 200)}`);
      assert.ok(!png.body.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])), 'no PNG for them');
    }
    assertError(await other.client.del(one), 404, 'not_found');
    assertError(await anon().del(one), 401, 'unauthenticated');
    assertError(await staff.del(one), 403, 'forbidden');
    assertError(await citizen.client.del(one, { csrf: false }), 403, 'csrf');
    assertError(await anon().get('/api/v1/me/credential-shares'), 401, 'unauthenticated');
    assertError(await staff.get('/api/v1/me/credential-shares'), 403, 'forbidden');
    assert.ok(!(await myShares(other)).some((s) => s.id === share.id), 'not in the other citizen\'s list');
    // Nor share someone else's outcomes, nor share without being a citizen.
    assertError(await anon().post('/api/v1/me/credential-shares', { outcome_ids: [outcomes[0].outcome_id], purpose: 'x' }), 401, 'unauthenticated');
    assertError(await staff.post('/api/v1/me/credential-shares', { outcome_ids: [outcomes[0].outcome_id], purpose: 'x' }), 403, 'forbidden');
    const theirs = (await myShares(other)).length;
    assertNotHeld(await other.client.post('/api/v1/me/credential-shares', { outcome_ids: [outcomes[0].outcome_id], purpose: '冒用' }));
    assert.equal((await myShares(other)).length, theirs);

    const still = await myShare(share.id);
    assert.equal(still.state, 'active');
    assert.equal(still.ended_at, null);
    assertStatus(await openShared(share.token), 200);
  });

  test('ending a share (204) takes effect at once: the link answers 410 share_ended, the view is logged as not shown; ending it again changes nothing', async () => {
    const share = await createShare({ outcome_ids: [outcomes[1].outcome_id], purpose: '应聘翻译岗', recipient: '某翻译公司' });
    assertStatus(await openShared(share.token, 'before-end'), 200);
    const del = await citizen.client.del(`/api/v1/me/credential-shares/${share.id}`);
    assertStatus(del, 204);
    assert.equal(del.text, '');
    const ended = await myShare(share.id);
    assert.equal(ended.state, 'ended');
    assert.ok(near(ended.ended_at, Date.now()), ended.ended_at);

    const res = await openShared(share.token, 'after-end');
    assertError(res, 410, 'share_ended');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.ok(!res.text.includes(share.purpose), 'nothing of the share is shown');
    const log = (await myShare(share.id)).view_log;
    assert.deepEqual(log.map((v) => [v.user_agent, v.was_shown, v.address]), [['after-end', false, '127.0.0.1'], ['before-end', true, '127.0.0.1']]);
    assert.equal((await myShare(share.id)).views, 2, 'every opening counts');

    assertStatus(await citizen.client.del(`/api/v1/me/credential-shares/${share.id}`), 204);
    const again = await myShare(share.id);
    assert.equal(again.state, 'ended');
    assert.equal(again.ended_at, ended.ended_at, 'ending again changes nothing');
    assert.equal((await myShares()).find((s) => s.id === share.id).state, 'ended');
    assertError(await openShared(share.token), 410, 'share_ended');
  });

  test('a share expires at its expires_at: active before, then 410 share_expired, state expired, the view logged as not shown', async () => {
    const expiresAt = rfc3339In(4000);
    const share = await createShare({ outcome_ids: [outcomes[0].outcome_id], purpose: '应聘临时岗', expires_at: expiresAt });
    assert.equal(Date.parse(share.expires_at), Date.parse(expiresAt));
    assert.equal(share.state, 'active');
    assertStatus(await openShared(share.token, 'in-time'), 200);
    while (Date.now() < Date.parse(expiresAt) + 1500) await sleep(250);
    const res = await openShared(share.token, 'too-late');
    assertError(res, 410, 'share_expired');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const mine = await myShare(share.id);
    assert.equal(mine.state, 'expired');
    assert.equal(mine.ended_at, null);
    assert.deepEqual(mine.view_log.map((v) => [v.user_agent, v.was_shown]), [['too-late', false], ['in-time', true]]);
    assert.equal((await myShares()).find((s) => s.id === share.id).state, 'expired');
  });

  test('the bounds that are accepted: a purpose of 200 characters, no recipient, an expiry just under 365 days ahead', async () => {
    const purpose = '应'.repeat(PURPOSE_MAX);
    const expiresAt = rfc3339In(365 * DAY_MS - 3600e3);
    const share = await createShare({ outcome_ids: [outcomes[3].outcome_id], purpose, expires_at: expiresAt });
    assert.equal(share.purpose, purpose);
    assert.equal(share.recipient, null);
    assert.equal(Date.parse(share.expires_at), Date.parse(expiresAt));
  });

  test('share refusals store nothing: an expiry past or over 365 days ahead, no or too long a purpose, too long a recipient, no outcomes 400 with code and field; unknown outcomes 404 not_found', async () => {
    const [a] = outcomes;
    const shares = (await myShares()).length;
    const creds = (await myCredentials()).length;
    const ok = { outcome_ids: [a.outcome_id], purpose: '应聘数据分析岗' };
    const post = (body) => citizen.client.post('/api/v1/me/credential-shares', body);
    assertBadField(await post({ ...ok, expires_at: new Date(Date.now() - 60e3).toISOString() }), 'expires_at');
    assertBadField(await post({ ...ok, expires_at: new Date(Date.now() - 400 * DAY_MS).toISOString() }), 'expires_at');
    assertBadField(await post({ ...ok, expires_at: rfc3339In(366 * DAY_MS) }), 'expires_at');
    assertBadField(await post({ ...ok, expires_at: 'next week' }), 'expires_at');
    assertError(await post({ outcome_ids: [a.outcome_id] }), 400, 'missing_field', 'purpose');
    assertError(await post({ ...ok, purpose: '' }), 400, 'missing_field', 'purpose');
    assertError(await post({ ...ok, purpose: 'x'.repeat(PURPOSE_MAX + 1) }), 400, 'too_long', 'purpose');
    assertError(await post({ ...ok, purpose: '应'.repeat(PURPOSE_MAX + 1) }), 400, 'too_long', 'purpose');
    assertError(await post({ ...ok, recipient: '某'.repeat(PURPOSE_MAX + 1) }), 400, 'too_long', 'recipient');
    assertBadField(await post({ ...ok, outcome_ids: [] }), 'outcome_ids');
    assertError(await post({ purpose: ok.purpose }), 400, 'missing_field', 'outcome_ids');
    assertNotHeld(await post({ ...ok, outcome_ids: [crypto.randomUUID()] }));
    assertNotHeld(await post({ ...ok, outcome_ids: [a.outcome_id, crypto.randomUUID()] }));
    assertError(await post({ ...ok, scope: 'all' }), 400, 'unknown_field', 'scope');
    assertError(await citizen.client.post('/api/v1/me/credential-shares', ok, { csrf: false }), 403, 'csrf');
    assert.equal((await myShares()).length, shares, 'no share');
    assert.equal((await myCredentials()).length, creds, 'no credential issued for a refused share');
  });

  test('an unknown token is 404 not_found; an unknown share id is 404 to its owner', async () => {
    assertError(await openShared(newToken()), 404, 'not_found');
    assertError(await citizen.client.get(`/api/v1/me/credential-shares/${crypto.randomUUID()}`), 404, 'not_found');
    assertError(await citizen.client.del(`/api/v1/me/credential-shares/${crypto.randomUUID()}`), 404, 'not_found');
  });

  test('guessing is limited per address: 20 unknown tokens 404, the next 429 too_many_guesses with Retry-After, then even a valid token 429 from there while 127.0.0.1 still opens it', async () => {
    const share = await createShare({ outcome_ids: [outcomes[0].outcome_id], purpose: '应聘数据分析岗' });
    const ended = await createShare({ outcome_ids: [outcomes[1].outcome_id], purpose: '应聘测试岗' });
    assertStatus(await citizen.client.del(`/api/v1/me/credential-shares/${ended.id}`), 204);
    // A loopback address of this scenario's own, so 127.0.0.1 (every other scenario's) is not limited.
    const guesser = `127.0.0.${crypto.randomInt(10, 250)}`;
    assertStatus(await getFrom(guesser, `/api/v1/shared/${share.token}`), 200);
    for (let i = 0; i < GUESSES; i++) assertError(await getFrom(guesser, `/api/v1/shared/${newToken()}`), 404, 'not_found');
    const limited = await getFrom(guesser, `/api/v1/shared/${newToken()}`);
    assertError(limited, 429, 'too_many_guesses');
    const retry = limited.headers.get('retry-after');
    assert.match(retry || '', /^[1-9][0-9]*$/, `Retry-After: ${retry}`);
    assert.ok(Number(retry) <= 30, `one more guess each 30 seconds: Retry-After ${retry}`);
    // Whatever the token, from that address: a valid one, an ended one.
    assertError(await getFrom(guesser, `/api/v1/shared/${share.token}`), 429, 'too_many_guesses');
    assertError(await getFrom(guesser, `/api/v1/shared/${ended.token}`), 429, 'too_many_guesses');
    // Another address is not limited.
    const res = await openShared(share.token);
    assertStatus(res, 200);
    assert.equal(res.json.is_valid, true);
  });

  test('/api/openapi.json describes every share route', async () => {
    const res = await anon().get('/api/openapi.json');
    assertStatus(res, 200);
    const want = [
      ['post', '/api/v1/me/credential-shares'], ['get', '/api/v1/me/credential-shares'], ['get', '/api/v1/me/credential-shares/{id}'],
      ['delete', '/api/v1/me/credential-shares/{id}'], ['get', '/api/v1/me/credential-shares/{id}/qr.svg'],
      ['get', '/api/v1/me/credential-shares/{id}/qr.png'], ['get', '/api/v1/shared/{token}'],
    ];
    for (const [m, p] of want) assert.ok(res.json.paths[p]?.[m], `${m.toUpperCase()} ${p} is described`);
  });
});
