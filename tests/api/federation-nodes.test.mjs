// Four credit banks, four processes: SH, JS, ZJ and AH each run `lifelong serve` on loopback with a
// database and key file of their own (the four key files share one regional look-up key; nothing
// else). JS and ZJ hold records of a person who lives in SH now (the demo city of each, made with
// the same seed, has them under the same ID number; JS holds 300 more, imported there); AH's demo
// city (another seed) has nobody of that ID number. Each city admin registers the others with the
// keys their /api/v1/federation/node publishes. ZJ is reached through a relay of this test that
// can change ZJ's answers on their way and keeps the last request it passed on.
//
// Checked: the person gets their records from JS and ZJ into SH with consent, and not without; the
// access is logged on both nodes and shown to the person on each; a tampered answer is refused and
// nothing of it stored; a replayed request is refused; JS killed in the middle of a fetch is resumed
// once it is back, with every record imported once; a rule of SH that names JS recognises the
// outcomes imported from JS (and not those from ZJ), and credit transferred by it is approved.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { freePort, signInAt, sleep } from './lib.mjs';

const BIN = process.env.LIFELONG_BIN;
const CITIZEN = '3100000000000011';   // the demo city's first citizen, in SH, JS and ZJ alike
const EXTRA = 300;                     // records JS holds beyond its demo city's

function run(args) {
  const r = spawnSync(BIN, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}


// One node: its directory, key file, database and process.
class Node {
  constructor(dir, id, seed) {
    Object.assign(this, { dir: path.join(dir, id), id, seed });
    fs.mkdirSync(this.dir);
    this.key = path.join(this.dir, 'key');
    this.db = `sqlite:${path.join(this.dir, 'db')}`;
  }

  async start(extra = []) {
    this.port ||= await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    this.proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${this.port}`, '--home-page', this.base, '--node-id', this.id,
      '--local-issuer', '127.0.0.1', '--db', this.db, '--key-file', this.key, '--access-log', 'off', '--threads', '4', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    this.log = '';
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((ok) => this.proc.once('exit', ok));
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${this.base}/healthz`)).status === 200) return;
      } catch {}
      await sleep(100);
    }
    throw new Error(`${this.id} did not start: ${this.log}`);
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode) return;
    this.proc.kill(signal);
    await this.exited;
  }
}

describe('four credit banks as four processes exchange a person\'s records with consent', () => {
  let dir, relay, relayMode = 'pass', lastRequest = null;
  const nodes = {};
  let me, meJs, meZj;

  const fetchState = async (id) => (await me('GET', `/api/v1/me/federation/fetches/${id}`)).json;
  async function until(id, done, what, ms = 30000) {
    const end = Date.now() + ms;
    for (;;) {
      const f = await fetchState(id);
      if (done(f)) return f;
      assert.ok(Date.now() < end, `${what}: ${JSON.stringify(f)}`);
      await sleep(50);
    }
  }
  const consent = () => ({ purpose: '学分转换：申请上海开放大学课程免修', consent_until: new Date(Date.now() + 30 * 86400e3).toISOString() });
  const external = async () => (await me('GET', '/api/v1/me/external-outcomes')).json.items;

  before(async () => {
    assert.ok(BIN, 'LIFELONG_BIN names the lifelong binary');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifelong-nodes-'));
    for (const [id, seed] of [['SH', 2026], ['JS', 2026], ['ZJ', 2026], ['AH', 77]]) nodes[id] = new Node(dir, id, seed);
    // SH makes the regional key; the others copy its line into key files of their own.
    run(['keygen', '--region', '--out', nodes.SH.key]);
    const region = fs.readFileSync(nodes.SH.key, 'utf8').split('\n').find((l) => l.startsWith('region='));
    for (const id of ['JS', 'ZJ', 'AH']) {
      run(['keygen', '--out', nodes[id].key]);
      fs.appendFileSync(nodes[id].key, `${region}\n`);
    }
    for (const n of Object.values(nodes)) run(['demo', '--persons', '20', '--seed', String(n.seed), '--db', n.db, '--key-file', n.key]);
    // SH asks one record per request: a fetch from JS takes hundreds of requests.
    await nodes.SH.start(['--federation-page', '1']);
    for (const id of ['JS', 'ZJ', 'AH']) await nodes[id].start();

    // JS holds EXTRA more records of the person, deposited by one of its community colleges.
    const jsAdmin = await signInAt(nodes.JS.base, 'city.admin');
    const insts = (await jsAdmin('GET', '/api/v1/institutions?type=community_school')).json.items;
    const college = insts.find((i) => /社区学院/.test(i.name));
    assert.ok(college, JSON.stringify(insts.map((i) => i.type)));
    const csv = ['account_no,kind,title,awarded_on,code,level,hours'];
    for (let i = 1; i <= EXTRA; i++) csv.push(`${CITIZEN},community_education,江苏社区课程 ${i},2025-0${1 + (i % 9)}-1${i % 10},JS-${i},2,12`);
    fs.writeFileSync(path.join(dir, 'js.csv'), `${csv.join('\n')}\n`);
    run(['import', 'outcomes', path.join(dir, 'js.csv'), '--institution', college.id, '--quiet', '--db', nodes.JS.db, '--key-file', nodes.JS.key]);

    // The relay in front of ZJ: passes requests on as they are (Host too, which ZJ's signature
    // check reads), and answers as relayMode says.
    const zjPort = nodes.ZJ.port;
    relay = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        lastRequest = { method: req.method, path: req.url, headers: { ...req.headers }, body };
        const out = http.request({ host: '127.0.0.1', port: zjPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
          const got = [];
          up.on('data', (c) => got.push(c));
          up.on('end', () => {
            let text = Buffer.concat(got).toString('utf8');
            const headers = { ...up.headers };
            delete headers['content-length'];
            // One character of a record's entry id otherwise: the digest no longer matches the body.
            if (relayMode === 'tamper-body' && up.statusCode === 200) text = text.replace(/"entry_id":"(.)/, (m, c) => `"entry_id":"${c === '0' ? '1' : '0'}`);
            if (relayMode === 'tamper-credential' && up.statusCode === 200) {
              // A record's credential with a changed payload, and a digest made anew to match: only
              // the signatures can tell.
              const obj = JSON.parse(text);
              if (obj.items?.length) {
                const [h, p, s] = obj.items[0].jws.split('.');
                const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
                payload.name = '伪造的成果';
                obj.items[0].jws = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
                text = JSON.stringify(obj);
                headers['content-digest'] = `sha-256=:${crypto.createHash('sha256').update(text).digest('base64')}:`;
              }
            }
            res.writeHead(up.statusCode, headers);
            res.end(text);
          });
        });
        out.on('error', () => { res.writeHead(502); res.end(); });
        out.end(body);
      });
    });
    await new Promise((ok) => relay.listen(0, '127.0.0.1', ok));

    // Each city admin registers the other three with the keys they publish.
    const published = {};
    for (const id of Object.keys(nodes)) published[id] = await (await fetch(`${nodes[id].base}/api/v1/federation/node`)).json();
    for (const [id, n] of Object.entries(nodes)) {
      const admin = await signInAt(n.base, 'city.admin');
      for (const other of Object.keys(nodes).filter((o) => o !== id)) {
        const base = id === 'SH' && other === 'ZJ' ? `http://127.0.0.1:${relay.address().port}` : nodes[other].base;
        const res = await admin('POST', '/api/v1/federation/peers', { node_id: other, name: published[other].name, base_url: base, keys: published[other].keys.map((k) => k.x) });
        assert.equal(res.status, 201, `${id} registers ${other}: ${res.text}`);
      }
    }
    me = await signInAt(nodes.SH.base, CITIZEN);
    meJs = await signInAt(nodes.JS.base, CITIZEN);
    meZj = await signInAt(nodes.ZJ.base, CITIZEN);
  });

  after(async () => {
    if (relay) relay.close();
    for (const n of Object.values(nodes)) await n.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('without consent nothing is asked: a fetch needs a purpose and a consent period, and nothing is stored or logged', async () => {
    for (const body of [{ node_id: 'ZJ' }, { node_id: 'ZJ', purpose: '学分转换' }, { node_id: 'ZJ', consent_until: consent().consent_until },
      { node_id: 'ZJ', ...consent(), consent_until: new Date(Date.now() - 60e3).toISOString() }]) {
      const res = await me('POST', '/api/v1/me/federation/fetches', body);
      assert.equal(res.status, 400, res.text);
      assert.ok(['purpose', 'consent_until'].includes(res.json.error.field), res.text);
    }
    const page = (await me('GET', '/api/v1/me/federation/fetches')).json;
    assert.equal(page.items.length, 0);
    assert.deepEqual(page.peers.map((p) => p.node_id).sort(), ['AH', 'JS', 'ZJ']);
    assert.equal(page.can_exchange, true);
    await sleep(500);
    assert.equal(lastRequest, null, 'ZJ was never asked');
    assert.deepEqual((await meZj('GET', '/api/v1/me/federation/access')).json.items, []);
    assert.deepEqual(await external(), []);
  });

  test('with consent, the person\'s records at ZJ come into SH, each verified, with where it came from; both nodes log it', async () => {
    const made = await me('POST', '/api/v1/me/federation/fetches', { node_id: 'ZJ', ...consent() });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json.state, 'queued');
    const done = await until(made.json.id, (f) => f.state === 'done', 'the fetch from ZJ ends');
    const zjTranscript = (await meZj('GET', '/api/v1/me/transcript')).json;
    const zjCurrent = zjTranscript.items;
    assert.ok(Array.isArray(zjCurrent) && zjCurrent.length > 0, JSON.stringify(zjTranscript).slice(0, 300));
    assert.equal(done.received, zjCurrent.length);
    assert.equal(done.imported, zjCurrent.length);
    const items = (await external()).filter((x) => x.node_id === 'ZJ');
    assert.equal(items.length, zjCurrent.length);
    const zjKids = (await (await fetch(`${nodes.ZJ.base}/api/v1/federation/node`)).json()).keys.map((k) => k.kid.split('#').pop());
    for (const listed of items) {
      assert.equal(listed.jws, undefined, 'the list leaves the credentials\' text out');
      const x = (await me('GET', `/api/v1/me/external-outcomes/${listed.id}`)).json;
      assert.equal(x.title, listed.title);
      assert.ok(zjKids.includes(x.kid.split('#').pop()), 'signed by a key ZJ publishes');
      assert.ok(x.jws.split('.').length === 3 && x.credential_id.startsWith('urn:uuid:'));
      assert.equal(x.fetch_id, made.json.id);
      assert.ok(x.title && x.kind && x.awarded_on && x.imported_at);
      assert.ok(x.code === null || typeof x.code === 'string');
      // ZJ issues in its own credit bank's name.
      const vc = JSON.parse(Buffer.from(x.jws.split('.')[1], 'base64url').toString('utf8'));
      assert.equal(vc.issuer.name, '浙江省终身教育学分银行');
      assert.match(vc.credentialSubject.achievement.criteria.narrative, /存入浙江省终身教育学分银行/);
    }
    // The credentials verify at SH's public verifier too (ZJ's keys fetched from ZJ's did:web).
    const first = (await me('GET', `/api/v1/me/external-outcomes/${items[0].id}`)).json;
    const report = await (await fetch(`${nodes.SH.base}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential: first.jws }) })).json();
    assert.equal(report.is_valid, true, JSON.stringify(report.checks));
    // Logged on both nodes, and shown to the person on each.
    const out = (await me('GET', '/api/v1/me/federation/access')).json.items.find((a) => a.node_id === 'ZJ');
    assert.equal(out.direction, 'out');
    assert.equal(out.records, zjCurrent.length);
    assert.equal(out.purpose, consent().purpose);
    const inZj = (await meZj('GET', '/api/v1/me/federation/access')).json.items;
    assert.equal(inZj.length, 1);
    assert.equal(inZj[0].node_id, 'SH');
    assert.equal(inZj[0].direction, 'in');
    assert.equal(inZj[0].records, zjCurrent.length);
    assert.equal(inZj[0].requests, out.requests);
  });

  test('a replayed request is refused by ZJ, and a fetch again imports nothing twice', async () => {
    assert.ok(lastRequest, 'the relay passed SH\'s requests on');
    // Sent again as it was, through the same address (the authority it was signed for).
    const res = await fetch(`http://127.0.0.1:${relay.address().port}${lastRequest.path}`, { method: lastRequest.method, headers: lastRequest.headers, body: lastRequest.body });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.field, 'signature-input');
    const before = await external();
    const again = await me('POST', '/api/v1/me/federation/fetches', { node_id: 'ZJ', ...consent() });
    assert.equal(again.status, 201, again.text);
    const done = await until(again.json.id, (f) => f.state === 'done', 'the second fetch from ZJ ends');
    assert.equal(done.imported, 0, 'the same records, already here');
    assert.deepEqual((await external()).map((x) => x.id).sort(), before.map((x) => x.id).sort());
  });

  test('an outcome ZJ revokes is gone from SH at the next fetch, the others kept as they were', async () => {
    const before = (await external()).filter((x) => x.node_id === 'ZJ');
    const gone = before[0];
    const reviewer = await signInAt(nodes.ZJ.base, 'reviewer');
    const revoked = await reviewer('POST', `/api/v1/ledger/outcomes/${gone.outcome_id}/revocation`, { reason: '证书有误' });
    assert.equal(revoked.status, 201, revoked.text);
    const made = await me('POST', '/api/v1/me/federation/fetches', { node_id: 'ZJ', ...consent() });
    const done = await until(made.json.id, (f) => f.state === 'done', 'the fetch after the revocation ends');
    assert.equal(done.received, before.length - 1);
    const after = (await external()).filter((x) => x.node_id === 'ZJ');
    assert.deepEqual(after.map((x) => x.id).sort(), before.filter((x) => x.id !== gone.id).map((x) => x.id).sort());
    assert.equal((await me('GET', `/api/v1/me/external-outcomes/${gone.id}`)).status, 404);
  });

  test('a tampered answer is refused and nothing of it stored; the fetch says so, and succeeds once answers are whole', async () => {
    const ids = async () => (await external()).filter((x) => x.node_id === 'ZJ').map((x) => `${x.id}:${x.entry_id}:${x.title}`).sort();
    const held = await ids();
    for (const mode of ['tamper-body', 'tamper-credential']) {
      relayMode = mode;
      const made = await me('POST', '/api/v1/me/federation/fetches', { node_id: 'ZJ', ...consent() });
      assert.equal(made.status, 201, made.text);
      const f = await until(made.json.id, (x) => x.state === 'retrying', `${mode}: the fetch waits to try again`);
      assert.equal(f.received, 0);
      assert.match(f.last_error, /^bad_signature: /, mode);
      assert.ok(f.next_at > f.updated_at);
      assert.deepEqual(await ids(), held, `${mode}: nothing stored`);
      relayMode = 'pass';
      const retried = await me('POST', `/api/v1/me/federation/fetches/${made.json.id}/retry`);
      assert.equal(retried.status, 200, retried.text);
      const done = await until(made.json.id, (x) => x.state === 'done', `${mode}: the fetch ends once answers are whole`);
      assert.equal(done.last_error, null);
      assert.deepEqual(await ids(), held);
    }
  });

  test('a peer\'s signed answer is believed record by record: a credential its keys did not sign, or one naming another person, is refused and nothing stored', async () => {
    // The peer FK is played here. Its answers are signed by the key SH pins for it; the record it
    // passes on is one of the person's outcomes at ZJ, as a credential (1) of ZJ's re-signed by a
    // key nobody pinned, (2) signed by FK's pinned key but naming another person, (3) signed by
    // FK's pinned key as it is. Its ledger proof is ZJ's, under ZJ's ledger key, which FK vouches for.
    const fkKey = crypto.generateKeyPairSync('ed25519');
    const stranger = crypto.generateKeyPairSync('ed25519').privateKey;
    const real = (await me('GET', `/api/v1/me/external-outcomes/${(await external()).find((x) => x.node_id === 'ZJ').id}`)).json;
    const [h, p] = real.jws.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    const did = await (await fetch(`${nodes.ZJ.base}/.well-known/did.json`)).json();
    const ledgerKey = did.verificationMethod.find((m) => m.id.endsWith('#ledger')).publicKeyJwk.x;
    let fkKid, mode;
    const signed = (vc, key, kid) => {
      const header = { ...JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), kid };
      const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(vc)).toString('base64url')}`;
      return `${input}.${crypto.sign(null, Buffer.from(input), key).toString('base64url')}`;
    };
    const otherName = structuredClone(payload);
    otherName.credentialSubject.identifier.find((i) => i.identityType === 'name').identityHash = '另一个人';
    const credential = () => (mode === 'forged' ? `${h}.${p}.${crypto.sign(null, Buffer.from(`${h}.${p}`), stranger).toString('base64url')}`
      : signed(mode === 'other-name' ? otherName : payload, fkKey.privateKey, `${payload.issuer.id}#${fkKid}`));
    const fk = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const asked = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const nonce = (req.headers['signature-input'] || '').match(/;nonce="([^"]*)"/)?.[1] || '';
        const body = JSON.stringify({ node_id: 'FK', subject: asked.subject, fetch_id: asked.fetch_id, next: null,
          ledger_key: ledgerKey, items: [{ outcome_id: real.outcome_id, entry_id: real.entry_id, jws: credential() }] });
        const digest = `sha-256=:${crypto.createHash('sha256').update(body).digest('base64')}:`;
        const params = `("@status" "content-type" "content-digest");created=${Math.floor(Date.now() / 1000)};nonce="${nonce}";keyid="FK#${fkKid}";tag="lifelong-federation"`;
        const base = [`"@status": 200`, `"content-type": application/json`, `"content-digest": ${digest}`, `"@signature-params": ${params}`].join('\n');
        res.writeHead(200, { 'content-type': 'application/json', 'content-digest': digest, 'signature-input': `sig1=${params}`,
          signature: `sig1=:${crypto.sign(null, Buffer.from(base), fkKey.privateKey).toString('base64')}:` });
        res.end(body);
      });
    });
    await new Promise((ok) => fk.listen(0, '127.0.0.1', ok));
    const admin = await signInAt(nodes.SH.base, 'city.admin');
    const fkPeer = { name: '（测试）', base_url: `http://127.0.0.1:${fk.address().port}`, keys: [fkKey.publicKey.export({ format: 'jwk' }).x] };
    try {
      const reg = await admin('POST', '/api/v1/federation/peers', { node_id: 'FK', ...fkPeer });
      assert.equal(reg.status, 201, reg.text);
      fkKid = reg.json.keys[0].kid;
      for (const [m, why] of [['forged', /^bad_signature: the credential of outcome .* does not verify/], ['other-name', /^bad_signature: the credential of outcome .* names another person/]]) {
        mode = m;
        const made = await me('POST', '/api/v1/me/federation/fetches', { node_id: 'FK', ...consent() });
        const f = await until(made.json.id, (x) => x.state === 'retrying', `${m}: the fetch from FK waits to try again`);
        assert.match(f.last_error, why, m);
        assert.equal(f.received, 0);
        assert.equal((await external()).filter((x) => x.node_id === 'FK').length, 0, `${m}: nothing stored`);
        assert.equal((await me('DELETE', `/api/v1/me/federation/fetches/${made.json.id}`)).json.state, 'withdrawn');
      }
      // The control: the same record, signed by FK's pinned key and naming the person, is believed.
      mode = 'good';
      const made = await me('POST', '/api/v1/me/federation/fetches', { node_id: 'FK', ...consent() });
      const done = await until(made.json.id, (x) => x.state === 'done', 'good: the fetch from FK ends');
      assert.equal(done.imported, 1);
      // Suspended, FK's outcome stays listed for the person but no rule counts it (checked below).
      assert.equal((await admin('PUT', '/api/v1/federation/peers/FK', { ...fkPeer, status: 'suspended' })).status, 200);
    } finally {
      fk.close();
    }
  });

  test('a peer too slow to answer: the fetch waits and tries again, and ends once the peer answers', async () => {
    nodes.AH.proc.kill('SIGSTOP');
    let made;
    try {
      made = await me('POST', '/api/v1/me/federation/fetches', { node_id: 'AH', ...consent() });
      assert.equal(made.status, 201, made.text);
      const waiting = await until(made.json.id, (f) => f.state === 'retrying', 'the fetch gives up on the silent peer for now', 20000);
      assert.match(waiting.last_error, /^unreachable: /);
      assert.equal(waiting.attempts, 1);
    } finally {
      nodes.AH.proc.kill('SIGCONT');
    }
    // The fetch ends on its own next try (after a second), or on the person's.
    const done = await until(made.json.id, (f) => f.state === 'done', 'the fetch from AH ends', 20000);
    assert.equal(done.last_error, null);
  });

  test('AH holds nobody of the person\'s ID number: the fetch ends with nothing imported', async () => {
    const made = await me('POST', '/api/v1/me/federation/fetches', { node_id: 'AH', ...consent() });
    const done = await until(made.json.id, (f) => f.state === 'done', 'the fetch from AH ends');
    assert.equal(done.received, 0);
    assert.equal((await external()).filter((x) => x.node_id === 'AH').length, 0);
  });

  test('JS killed in the middle of a fetch: the fetch waits, and resumes once JS is back, each record imported once', async () => {
    const jsTranscript = (await meJs('GET', '/api/v1/me/transcript')).json;
    const total = jsTranscript.items.length;
    assert.ok(total > EXTRA);
    const made = await me('POST', '/api/v1/me/federation/fetches', { node_id: 'JS', ...consent() });
    assert.equal(made.status, 201, made.text);
    const partway = await until(made.json.id, (f) => f.received >= 20, 'some records came', 60000);
    await nodes.JS.stop('SIGKILL');
    const waiting = await until(made.json.id, (f) => f.state === 'retrying', 'the fetch waits for JS');
    assert.match(waiting.last_error, /^unreachable: /);
    assert.ok(waiting.received >= partway.received && waiting.received < total, `killed in the middle: ${waiting.received} of ${total}`);
    const fromJs = async () => (await external()).filter((x) => x.node_id === 'JS');
    assert.equal((await fromJs()).length, waiting.received, 'what came is stored, whole pages only');
    // A person's retry while JS is still down waits again.
    await nodes.JS.start();
    const retried = await me('POST', `/api/v1/me/federation/fetches/${made.json.id}/retry`);
    assert.ok([200, 409].includes(retried.status), retried.text);
    const done = await until(made.json.id, (f) => f.state === 'done', 'the fetch resumes and ends', 120000);
    assert.equal(done.received, total);
    assert.equal(done.imported, total);
    const items = await fromJs();
    assert.equal(items.length, total);
    assert.equal(new Set(items.map((x) => x.outcome_id)).size, total, 'no record twice');
    assert.equal(items.filter((x) => /^JS-\d+$/.test(x.code || '')).length, EXTRA, 'each with its course code');
    const inJs = (await meJs('GET', '/api/v1/me/federation/access')).json.items.find((a) => a.node_id === 'SH');
    assert.ok(inJs.records >= total, 'JS logged what it gave SH');
  });

  test('mutual recognition: a rule of SH naming JS counts the outcomes imported from JS, not those from ZJ, and its credit is granted', async () => {
    const staff = await signInAt(nodes.SH.base, 'staff');
    const city = await signInAt(nodes.SH.base, 'city.admin');
    const programme = (await staff('GET', '/api/v1/transfer/programmes')).json.items.find((p) => p.institution_name === '上海开放大学');
    assert.ok(programme);
    const rule = { name: '长三角社区教育互认：江苏社区课程三门', name_en: 'YRD recognition: three Jiangsu community courses', effective_from: '2024-01-01',
      conditions: [{ kind: 'community_education', min_hours_milli: 12000, count: 3, from_nodes: ['JS'] }], grants: [{ group: 'elective', credits_milli: 1000 }] };
    // A node id that is not one is refused, naming the field.
    const bad = await staff('POST', `/api/v1/transfer/programmes/${programme.id}/rules`, { ...rule, conditions: [{ ...rule.conditions[0], from_nodes: ['js'] }] });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.error.field, 'conditions[0].from_nodes');
    const published = await staff('POST', `/api/v1/transfer/programmes/${programme.id}/rules`, rule);
    assert.equal(published.status, 201, published.text);
    const decided = await city('POST', `/api/v1/transfer/rules/${published.json.id}/versions/${published.json.version}/decision`, { decision: 'approve' });
    assert.equal(decided.status, 200, decided.text);
    const listed = (await staff('GET', `/api/v1/transfer/programmes/${programme.id}/rules`)).json.items.find((r) => r.id === published.json.id);
    assert.deepEqual(listed.rule.conditions[0].from_nodes, ['JS'], 'the rule says whose outcomes it recognises');
    // SH publishes its rules and, peer by peer, the ones that recognise that peer's outcomes: anyone
    // (a peer's admin, a learner elsewhere) reads them without signing in.
    const pub = await fetch(`${nodes.SH.base}/api/v1/federation/recognition`);
    assert.equal(pub.status, 200);
    const recognition = await pub.json();
    assert.equal(recognition.node_id, 'SH');
    assert.deepEqual(recognition.rules.find((r) => r.id === published.json.id).recognises, ['JS']);
    assert.ok(recognition.rules.length > 1, 'the rules that recognise no peer are published too');
    assert.deepEqual(recognition.agreements.find((a) => a.node_id === 'JS').rule_ids, [published.json.id]);
    assert.deepEqual(recognition.agreements.find((a) => a.node_id === 'ZJ').rule_ids, []);
    assert.doesNotMatch(JSON.stringify(recognition), /display_name|published_by|decided_by/);

    const imported = await external();
    const fromJs = new Set(imported.filter((x) => x.node_id === 'JS').map((x) => x.id));
    const fromZj = new Set(imported.filter((x) => x.node_id === 'ZJ').map((x) => x.id));
    const audit = (await me('GET', `/api/v1/me/programmes/${programme.id}/audit`)).json;
    const uses = audit.group_credits.filter((g) => g.rule?.id === published.json.id);
    assert.ok(uses.length > 0, JSON.stringify(audit.rules.find((r) => r.id === published.json.id)));
    const used = uses.flatMap((g) => g.outcome_ids);
    assert.ok(used.some((id) => fromJs.has(id)), 'outcomes imported from JS count');
    assert.ok(!used.some((id) => fromZj.has(id)), 'outcomes imported from ZJ do not');
    for (const id of used.filter((x) => fromJs.has(x))) assert.equal(audit.outcomes[id].node_id, 'JS');
    // While SH suspends JS, nothing imported from JS counts.
    const jsPeer = (await city('GET', '/api/v1/federation/peers/JS')).json;
    const jsBody = { name: jsPeer.name, base_url: jsPeer.base_url, keys: jsPeer.keys.map((k) => k.x) };
    assert.equal((await city('PUT', '/api/v1/federation/peers/JS', { ...jsBody, status: 'suspended' })).status, 200);
    const suspended = (await me('GET', `/api/v1/me/programmes/${programme.id}/audit`)).json;
    assert.ok(!suspended.group_credits.some((g) => g.rule?.id === published.json.id), 'not while JS is suspended');
    assert.equal((await city('PUT', '/api/v1/federation/peers/JS', { ...jsBody, status: 'active' })).status, 200);
    // The same rule recognising AH alone (where the person holds nothing) does not apply: the
    // person's many community courses from JS and ZJ count for nothing under it.
    const ahOnly = await staff('POST', `/api/v1/transfer/programmes/${programme.id}/rules`,
      { ...rule, name: '长三角社区教育互认：安徽社区课程三门', conditions: [{ ...rule.conditions[0], from_nodes: ['AH'] }] });
    assert.equal(ahOnly.status, 201, ahOnly.text);
    assert.equal((await city('POST', `/api/v1/transfer/rules/${ahOnly.json.id}/versions/1/decision`, { decision: 'approve' })).status, 200);
    const again = (await me('GET', `/api/v1/me/programmes/${programme.id}/audit`)).json;
    const ah = again.rules.find((r) => r.id === ahOnly.json.id);
    assert.equal(ah.applied, false, JSON.stringify(ah));
    assert.ok(!again.group_credits.some((g) => g.rule?.id === ahOnly.json.id));
    // A course of the plan is never passed directly by an outcome of another credit bank.
    assert.ok(!audit.courses.some((c) => c.status === 'completed' && c.outcome_ids.some((id) => fromJs.has(id) || fromZj.has(id))));

    const applied = await me('POST', `/api/v1/me/programmes/${programme.id}/applications`, { items: [{ group: 'elective', rule_id: published.json.id }] });
    assert.equal(applied.status, 201, applied.text);
    const item = applied.json.items[0];
    assert.ok(item.sources.some((id) => fromJs.has(id)));
    const queue = (await staff('GET', '/api/v1/transfer/items')).json.items.find((i) => i.id === item.id);
    const detail = queue.source_outcomes.find((o) => fromJs.has(o.outcome_id));
    assert.equal(detail.node_id, 'JS');
    assert.equal(detail.is_external, true);
    const approved = await staff('POST', `/api/v1/transfer/items/${item.id}/decision`, { decision: 'approve' });
    assert.equal(approved.status, 200, approved.text);
    const transcript = (await me('GET', '/api/v1/me/transcript')).json.items;
    assert.ok(transcript.some((e) => e.transfer?.item_id === item.id), 'the credit is in SH\'s ledger');
  });
});
