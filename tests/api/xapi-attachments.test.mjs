// Statements with their attachments' data in multipart/mixed (a sub-statement's too; data whose
// bytes are not its hash never displaces data whose bytes are), read back with attachments=true,
// and signed statements (a JWS attachment): accepted when the signature holds and says the
// statement, refused with 400 at the attachment otherwise; refused requests store nothing.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BASE, XUHUI, assertError, assertStatus, createInstitution, createStaff, signInFixture } from './lib.mjs';
import { Xapi } from './xapi-lib.mjs';

let world;
async function setup() {
  world ??= (async () => {
    const city = await signInFixture('fx-city-admin');
    const inst = await createInstitution(city, XUHUI, 'open_university');
    const admin = await createStaff(city, 'institution_admin', inst.id);
    const made = await admin.post('/api/v1/lrs/clients', { name: '附件测试平台' });
    assertStatus(made, 201);
    return { xapi: new Xapi(made.json.key, made.json.secret) };
  })();
  return world;
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const b64url = (b) => Buffer.from(b).toString('base64url');
const CERT_USAGE = 'http://id.tincanapi.com/attachment/certificate';
const SIGNATURE = 'http://adlnet.gov/expapi/attachments/signature';

const statement = (over = {}) => ({
  id: crypto.randomUUID(),
  actor: { mbox: `mailto:att-${crypto.randomBytes(4).toString('hex')}@example.cn` },
  verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
  object: { id: 'https://learn.shlll.cn/courses/first-aid' },
  ...over,
});

// A multipart/mixed body: the statements, then each part { data, type, hash, encoding }.
function multipart(json, parts, boundary = `b${crypto.randomBytes(8).toString('hex')}`) {
  const chunks = [Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(json)}\r\n`)];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Type: ${p.type || 'application/octet-stream'}\r\n`;
    if (p.encoding !== null) head += `Content-Transfer-Encoding: ${p.encoding || 'binary'}\r\n`;
    if (p.hash !== null) head += `X-Experience-API-Hash: ${p.hash || sha256(p.data)}\r\n`;
    chunks.push(Buffer.from(head + '\r\n'), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/mixed; boundary=${boundary}` };
}

const post = (x, json, parts, boundary) => {
  const m = multipart(json, parts, boundary);
  return x.request('POST', '/xapi/statements', { raw: m.body, headers: { 'Content-Type': m.type } });
};

async function rawGet(x, query) {
  const res = await fetch(`${BASE}/xapi/statements?${query}`, { headers: { authorization: x.auth, 'x-experience-api-version': '1.0.3' } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

// The parts of a multipart/mixed reply: [{ headers, data }].
function parseReply(type, body) {
  const boundary = type.match(/boundary=([A-Za-z0-9]+)/)[1];
  const text = body.toString('latin1');
  return text.split(`--${boundary}`).slice(1, -1).map((p) => {
    const cut = p.indexOf('\r\n\r\n');
    const headers = Object.fromEntries(p.slice(2, cut).split('\r\n').map((l) => l.split(/:\s*/).map((x, i) => (i ? x : x.toLowerCase()))));
    return { headers, data: Buffer.from(p.slice(cut + 4, p.length - 2), 'latin1') };
  });
}

describe('attachments in multipart/mixed', () => {
  test('stored with the statement; read back with attachments=true byte for byte', async () => {
    const { xapi } = await setup();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(300), Buffer.from([0, 13, 10, 0])]);
    const st = statement({ attachments: [{ usageType: CERT_USAGE, display: { 'zh-CN': '急救证书' }, contentType: 'application/pdf', length: pdf.length, sha2: sha256(pdf) }] });
    const res = await post(xapi, st, [{ data: pdf, type: 'application/pdf' }]);
    assertStatus(res, 200);
    assert.deepEqual(res.json, [st.id]);
    const got = await rawGet(xapi, `statementId=${st.id}&attachments=true`);
    assert.equal(got.status, 200);
    assert.match(got.type, /^multipart\/mixed; boundary=[A-Za-z0-9]+$/);
    const parts = parseReply(got.type, got.body);
    assert.equal(parts.length, 2);
    assert.equal(JSON.parse(parts[0].data.toString('utf8')).id, st.id);
    assert.equal(parts[1].headers['x-experience-api-hash'], sha256(pdf));
    assert.equal(parts[1].headers['content-transfer-encoding'], 'binary');
    assert.deepEqual(parts[1].data, pdf);
    // The same through a query.
    const list = await rawGet(xapi, `activity=${encodeURIComponent('https://learn.shlll.cn/courses/first-aid')}&limit=1&attachments=true`);
    assert.equal(parseReply(list.type, list.body).length, 2);
    // Without attachments=true the reply is JSON.
    assert.equal((await xapi.get(`/xapi/statements?statementId=${st.id}`)).headers.get('content-type'), 'application/json');
  });

  test('a declared attachment without its part, a part nobody declared, no hash or another encoding: 400 and nothing stored', async () => {
    const { xapi } = await setup();
    const data = Buffer.from('证书扫描件');
    const declared = (over = {}) => statement({ attachments: [{ usageType: CERT_USAGE, display: { en: 'cert' }, contentType: 'image/png', length: data.length, sha2: sha256(data) }], ...over });
    const cases = [
      [declared(), [], 'attachments[0].sha2'],
      [declared(), [{ data, hash: sha256(Buffer.from('other')) }], 'parts[1].X-Experience-API-Hash'],
      [declared(), [{ data, hash: null }], 'parts[1].X-Experience-API-Hash'],
      [declared(), [{ data, encoding: 'base64' }], 'parts[1].Content-Transfer-Encoding'],
    ];
    for (const [st, parts, field] of cases) {
      const res = await post(xapi, st, parts);
      assert.equal(res.status, 400, `${field}: ${res.text}`);
      assert.equal(res.json.error.field, field);
      assertError(await xapi.get(`/xapi/statements?statementId=${st.id}`), 404, 'not_found');
    }
    assert.equal((await xapi.request('POST', '/xapi/statements', { raw: 'x', headers: { 'Content-Type': 'multipart/mixed;' } })).status, 400);
    assert.equal((await xapi.request('POST', '/xapi/statements', { raw: 'x', headers: { 'Content-Type': 'multipart/form-data; boundary=x' } })).status, 400);
  });

  test('bytes that are not their hash are taken, but give way to the bytes that are and never displace them', async () => {
    const { xapi } = await setup();
    const real = Buffer.from(`结业证书 ${crypto.randomUUID()}`);
    const forged = Buffer.from('FORGED CONTENT');
    const declared = () => statement({ attachments: [{ usageType: CERT_USAGE, display: { en: 'cert' }, contentType: 'text/plain', length: real.length, sha2: sha256(real) }] });
    const dataOf = async (st) => {
      const r = await rawGet(xapi, `statementId=${st.id}&attachments=true`);
      return parseReply(r.type, r.body)[1].data;
    };
    // Other bytes under the hash of the real ones, first: kept, as nothing else is.
    const first = declared();
    assertStatus(await post(xapi, first, [{ data: forged, hash: sha256(real) }]), 200);
    assert.deepEqual(await dataOf(first), forged);
    // The real bytes replace them, for every statement that names the hash.
    const second = declared();
    assertStatus(await post(xapi, second, [{ data: real }]), 200);
    assert.deepEqual(await dataOf(second), real);
    assert.deepEqual(await dataOf(first), real);
    // Other bytes again do not displace them.
    const third = declared();
    assertStatus(await post(xapi, third, [{ data: forged, hash: sha256(real) }]), 200);
    for (const st of [first, second, third]) assert.deepEqual(await dataOf(st), real);
  });

  test("a sub-statement's attachments travel as parts too, and come back with it", async () => {
    const { xapi } = await setup();
    const data = Buffer.from(`作业 ${crypto.randomUUID()}`);
    const att = { usageType: CERT_USAGE, display: { en: 'homework' }, contentType: 'text/plain', length: data.length, sha2: sha256(data) };
    const sub = (attachments) => statement({ object: { objectType: 'SubStatement', actor: { mbox: 'mailto:teacher@example.cn' }, verb: { id: 'http://adlnet.gov/expapi/verbs/passed' }, object: { id: 'https://learn.shlll.cn/courses/first-aid' }, attachments } });
    const st = sub([att]);
    const res = await post(xapi, st, [{ data }]);
    assertStatus(res, 200);
    const got = await rawGet(xapi, `statementId=${st.id}&attachments=true`);
    const parts = parseReply(got.type, got.body);
    assert.equal(parts.length, 2);
    assert.deepEqual(parts[1].data, data);
    // Without its part (and no fileUrl), in multipart or in JSON: 400 at the sub-statement's attachment.
    const missing = sub([att, { ...att, sha2: sha256(Buffer.from('x')), length: 1 }]);
    const refused = await post(xapi, missing, [{ data }]);
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.error.field, 'object.attachments[1].sha2');
    assertError(await xapi.get(`/xapi/statements?statementId=${missing.id}`), 404, 'not_found');
    const json = sub([att]);
    const asJson = await xapi.post('/xapi/statements', json);
    assert.equal(asJson.status, 400, asJson.text);
    assert.equal(asJson.json.error.field, 'object.attachments[0].fileUrl');
    assertError(await xapi.get(`/xapi/statements?statementId=${json.id}`), 404, 'not_found');
  });
});

describe('signed statements', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifelong-jws-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    '-days', '30', '-subj', '/CN=Shanghai Learning Platform'], { stdio: 'ignore' });
  const key = fs.readFileSync(path.join(dir, 'key.pem'));
  const certDer = new crypto.X509Certificate(fs.readFileSync(path.join(dir, 'cert.pem'))).raw;
  const otherKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  function jws(payload, { alg = 'RS256', signer = key, x5c = true } = {}) {
    const header = { alg };
    if (x5c) header.x5c = [certDer.toString('base64')];
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const sig = alg === 'HS256' ? crypto.createHmac('sha256', 'secret').update(input).digest() : crypto.sign('sha256', Buffer.from(input), signer);
    return Buffer.from(`${input}.${b64url(sig)}`);
  }
  const signed = (payload, token, statementOver = {}) => {
    const st = { ...payload, ...statementOver, attachments: [{ usageType: SIGNATURE, display: { en: 'signature' }, contentType: 'application/octet-stream', length: token.length, sha2: sha256(token) }] };
    return { st, parts: [{ data: token, type: 'application/octet-stream' }] };
  };

  test('a signature that verifies and says the statement is accepted; without a certificate too', async () => {
    const { xapi } = await setup();
    const payload = statement();
    const { st, parts } = signed(payload, jws(payload));
    assertStatus(await post(xapi, st, parts), 200);
    assertStatus(await xapi.get(`/xapi/statements?statementId=${st.id}`), 200);
    const bare = statement();
    const unsigned = signed(bare, jws(bare, { x5c: false }));
    assertStatus(await post(xapi, unsigned.st, unsigned.parts), 200);
  });

  test('another statement\'s payload, another key, HS256, a broken JWS, the wrong content type: 400 at the attachment, nothing stored', async () => {
    const { xapi } = await setup();
    const base = statement();
    const cases = [
      ['another statement', signed(base, jws(statement()))],
      ['another key', signed(base, jws(base, { signer: otherKey }))],
      ['HS256', signed(base, jws(base, { alg: 'HS256', x5c: false }))],
      ['not a JWS', signed(base, Buffer.from('not.a.jws.at-all'))],
    ];
    for (const [why, { st, parts }] of cases) {
      const res = await post(xapi, { ...st, id: crypto.randomUUID() }, parts);
      assert.equal(res.status, 400, `${why}: ${res.text}`);
      assert.match(res.json.error.field, /^attachments\[0\]/, why);
    }
    const { st } = signed(base, jws(base));
    st.attachments[0].contentType = 'application/jose';
    assertError(await post(xapi, st, [{ data: jws(base) }]), 400, 'invalid_value', 'attachments[0].contentType');
    assertError(await xapi.get(`/xapi/statements?statementId=${base.id}`), 404, 'not_found');
  });
});
