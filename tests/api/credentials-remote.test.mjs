// Credentials of other issuers: POST /api/v1/verify accepts a credential from any issuer that
// publishes its keys as did:web, fetching its DID document and status lists. A second Lifelong
// node runs here as that other issuer, on loopback at its own address (the server under test is
// started with --local-issuer 127.0.0.1, which lets it fetch over http from there); its demo
// citizen is issued a credential there, and the server under test verifies it: the signature with
// the keys of the other node's did.json, revocation in its served status list, the ledger proof
// under its #ledger key. Then what must never pass: a changed byte, an issuer that is down, an
// issuer on an address inside the network that nobody allowed, and a revocation at the other node
// (seen once its list's five seconds of caching are over).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { anon, assertStatus, freePort, sleep } from './lib.mjs';

const BIN = process.env.LIFELONG_BIN;
const CHECKS = ['format', 'signature', 'validity', 'status', 'ledger'];


// A client of the other node: a session cookie and its CSRF token.
class Node {
  constructor(base) {
    this.base = base;
    this.cookie = null;
    this.csrf = null;
  }

  async request(method, p, json) {
    const headers = {};
    if (this.cookie) headers.cookie = `ll_session=${this.cookie}`;
    if (method !== 'GET' && this.csrf) headers['x-csrf-token'] = this.csrf;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + p, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text && /json/.test(res.headers.get('content-type') || '') ? JSON.parse(text) : null };
  }

  async signIn(login, password) {
    for (let i = 0; i < 40; i++) {
      const res = await fetch(this.base + '/api/v1/session', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }),
      });
      if (res.status === 503) {
        await sleep(250);
        continue;
      }
      const text = await res.text();
      assert.equal(res.status, 200, text);
      const body = JSON.parse(text);
      this.cookie = res.headers.getSetCookie().find((c) => c.startsWith('ll_session=')).split(';')[0].slice('ll_session='.length);
      this.csrf = body.csrf_token || body.user.csrf_token;
      this.user = body.user;
      return this;
    }
    throw new Error('sign-in stayed busy');
  }
}

const verify = (jws) => anon().post('/api/v1/verify', { credential: jws });
const statuses = (res) => {
  assertStatus(res, 200);
  assert.deepEqual(res.json.checks.map((c) => c.check), CHECKS, res.text);
  return Object.fromEntries(res.json.checks.map((c) => [c.check, c.status]));
};
const messageOf = (res, check) => res.json.checks.find((c) => c.check === check).message_en;

describe('credentials of another issuer, verified by fetching its published keys', () => {
  let dir, port, base, did, other, citizen, staff, server, outcomes;

  async function startOther() {
    server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--home-page', base, '--db', `sqlite:${dir}/db`,
      '--key-file', `${dir}/key`, '--access-log', 'off', '--threads', '4'], { stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr.resume();
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(base + '/healthz')).status === 200) return;
      } catch {}
      await sleep(100);
    }
    throw new Error('the other node never answered');
  }

  async function stopOther() {
    if (!server) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    server = null;
  }

  before(async () => {
    assert.ok(BIN, 'LIFELONG_BIN names the lifelong binary');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifelong-other-issuer-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    did = `did:web:127.0.0.1%3A${port}`;
    const run = (args) => {
      const r = spawnSync(BIN, args, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    run(['keygen', '--out', `${dir}/key`]);
    run(['demo', '--persons', '40', '--seed', '2026', '--db', `sqlite:${dir}/db`, '--key-file', `${dir}/key`]);
    await startOther();
    other = new Node(base);
    citizen = await new Node(base).signIn('3100000000000011', 'Demo-2026!');
    staff = await new Node(base).signIn('staff', 'Demo-2026!');
    const t = await citizen.request('GET', '/api/v1/me/transcript');
    assert.equal(t.status, 200, t.text);
    outcomes = t.json.items.filter((o) => o.status !== 'revoked');
    assert.ok(outcomes.length >= 2, 'the demo citizen has outcomes');
  });

  after(async () => {
    await stopOther();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function issueThere(outcome) {
    const res = await citizen.request('POST', '/api/v1/me/credentials', { outcome_id: outcome.outcome_id });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.credential.issuer.id, did);
    return res.json;
  }

  test('the other node publishes its did:web document at the address its DID names', async () => {
    const res = await other.request('GET', '/.well-known/did.json');
    assert.equal(res.status, 200);
    assert.equal(res.json.id, did);
  });

  test('its credential verifies here: signature with its published key, its status list, its ledger proof', async () => {
    const c = await issueThere(outcomes[0]);
    const res = await verify(c.jws);
    assert.deepEqual(statuses(res), Object.fromEntries(CHECKS.map((k) => [k, 'passed'])), res.text);
    assert.equal(res.json.is_valid, true);
    assert.equal(res.json.issuer, did);
    // A transcript of the other node's outcomes, with each credential it embeds, verifies here too.
    const clr = await citizen.request('POST', '/api/v1/me/credentials', { outcome_ids: outcomes.slice(0, 2).map((o) => o.outcome_id) });
    assert.equal(clr.status, 201, clr.text);
    const r2 = await verify(clr.json.jws);
    assert.equal(r2.json.is_valid, true, r2.text);
    assert.equal(r2.json.embedded.length, 2);
    for (const e of r2.json.embedded) assert.equal(e.is_valid, true);
  });

  test('one changed byte of its credential fails the signature; its key is still found', async () => {
    const c = await issueThere(outcomes[1]);
    const [h, p, s] = c.jws.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    payload.name = payload.name + '（高级）';
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    const res = await verify(forged);
    assert.equal(statuses(res).signature, 'failed');
    assert.equal(res.json.is_valid, false);
    assert.match(messageOf(res, 'signature'), /does not match/);
  });

  test('an issuer on an address inside the network that was not allowed is never fetched', async () => {
    // The same node named as "localhost" (not a --local-issuer): http is refused, and so would be
    // https to a loopback address.
    const c = await issueThere(outcomes[0]);
    const [h, p, s] = c.jws.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url'));
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    const inside = `did:web:localhost%3A${port}`;
    header.kid = header.kid.replace(did, inside);
    header.iss = inside;
    payload.issuer.id = inside;
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const res = await verify([enc(header), enc(payload), s].join('.'));
    assert.equal(statuses(res).signature, 'failed');
    assert.equal(res.json.is_valid, false);
    assert.match(messageOf(res, 'signature'), /could not be fetched/);
  });

  test('revoked at the other node: seen here once its status list may no longer be cached (5 s)', async () => {
    // The demo staff's institution deposits an outcome for the citizen there, so that it may revoke it.
    const d = await staff.request('POST', '/api/v1/ledger/outcomes', {
      account_no: '3100000000000011', kind: 'academic_credit', title: '数据结构', code: 'CS201', credits_milli: 3000,
      result_kind: 'grade', result: 'B', awarded_on: '2025-01-15',
    });
    assert.equal(d.status, 201, d.text);
    assert.equal(d.json.status, 'stored', d.text);
    const target = { outcome_id: d.json.outcome_id };
    const c = await issueThere(target);
    assert.equal(statuses(await verify(c.jws)).status, 'passed');
    const revoked = await staff.request('POST', `/api/v1/ledger/outcomes/${target.outcome_id}/revocation`, { reason: '存入有误' });
    assert.equal(revoked.status, 201, revoked.text);
    let seen = null;
    for (let i = 0; i < 40 && seen !== 'failed'; i++) {
      await sleep(250);
      seen = statuses(await verify(c.jws)).status;
    }
    assert.equal(seen, 'failed', 'the revocation is seen within the list\'s caching time');
  });

  test('an issuer that is down: its keys cannot be fetched, so nothing of it verifies', async () => {
    const c = await issueThere(outcomes[1]);
    await stopOther();
    // What was fetched may be kept while its Cache-Control allows (the DID document 60 s): a
    // credential of a key this node has not fetched yet shows the failure at once.
    const [h, p, s] = c.jws.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url'));
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    const gone = `did:web:127.0.0.1%3A${await freePort()}`;
    header.kid = header.kid.replace(did, gone);
    payload.issuer.id = gone;
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const res = await verify([enc(header), enc(payload), s].join('.'));
    assert.equal(statuses(res).signature, 'failed');
    assert.equal(res.json.is_valid, false);
    assert.match(messageOf(res, 'signature'), /could not be fetched/);
  });
});
