// Credentials on the command line: 'lifelong credentials did' prints the issuer's DID document,
// 'lifelong credentials rotate-key' adds a key, and 'lifelong verify' checks a credential offline
// with a DID document and a status list given as files: valid (exit 0), changed, revoked, from a
// key the document does not publish, or without the document (exit 65), with the usage and exit
// codes of its mistakes. The credentials come from a server the test starts on a demo database.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { BIN, run } from './engines.mjs';

const dir = mkdtempSync(join(tmpdir(), 'lifelong-cli-credentials-'));
const key = join(dir, 'key');
const db = `sqlite:${join(dir, 'db')}`;
const common = ['--db', db, '--key-file', key];
let server, base, citizen, city;

const freePort = () => new Promise((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
});

// A signed-in client: fetch with the session cookie and the CSRF token.
async function signIn(login) {
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: 'Demo-2026!' }),
  });
  assert.equal(res.status, 200, `sign in as ${login}`);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await res.json();
  return async (method, path, body) => {
    const r = await fetch(`${base}${path}`, {
      method, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  };
}

const write = (name, text) => { const p = join(dir, name); writeFileSync(p, text); return p; };
const lines = (out) => Object.fromEntries(out.trim().split('\n').slice(0, -1).map((l) => l.split(/\s+/).slice(0, 2)));

before(async () => {
  assert.equal(run(['keygen', '--out', key]).code, 0);
  const demo = run(['demo', '--persons', '30', ...common]);
  assert.equal(demo.code, 0, demo.err);
  const login = demo.out.match(/^ {2}citizen +(\S+)/m)[1];
  base = `http://127.0.0.1:${await freePort()}`;
  server = spawn(BIN, ['serve', '--listen', base.slice(7), '--access-log', 'off', ...common], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  citizen = await signIn(login);
  city = await signIn('city.admin');
});

after(() => {
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('verify and credentials print their usage; mistakes exit 64, a missing file 66', () => {
  for (const [args, pattern] of [[['verify', '--help'], /^usage: lifelong verify/], [['credentials', '--help'], /^usage: lifelong credentials/]]) {
    const r = run(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, pattern);
  }
  assert.match(run(['--help']).out, /^ {2}verify /m);
  assert.match(run(['--help']).out, /^ {2}credentials /m);
  assert.equal(run(['verify']).code, 64, 'a file is needed');
  assert.equal(run(['verify', 'a', 'b']).code, 64, 'one file');
  assert.equal(run(['verify', '--did', join(dir, 'nothing.json'), 'x']).code, 64, 'a DID document that cannot be read');
  assert.equal(run(['verify', join(dir, 'nothing.jwt')]).code, 66);
  assert.equal(run(['credentials']).code, 64);
  assert.equal(run(['credentials', 'frobnicate', ...common]).code, 64);
  assert.equal(run(['credentials', 'did', '--url', 'ftp://x', ...common]).code, 65);
});

test('credentials did prints the document the server publishes; rotate-key adds a key that signs from then on', async () => {
  const printed = run(['credentials', 'did', ...common]);
  assert.equal(printed.code, 0, printed.err);
  const doc = JSON.parse(printed.out);
  assert.equal(doc.id, 'did:web:lifelong.sh.cn');
  assert.deepEqual(doc, await (await fetch(`${base}/.well-known/did.json`)).json());
  assert.equal(JSON.parse(run(['credentials', 'did', '--url', 'http://127.0.0.1:8080', ...common]).out).id, 'did:web:127.0.0.1%3A8080');

  const rotated = run(['credentials', 'rotate-key', ...common]);
  assert.equal(rotated.code, 0, rotated.err);
  const kid = rotated.out.trim();
  assert.match(kid, /^[A-Za-z0-9_-]{43}$/);
  const after = JSON.parse(run(['credentials', 'did', ...common]).out);
  assert.equal(after.assertionMethod.length, doc.assertionMethod.length + 1);
  assert.equal(after.assertionMethod[0], `did:web:lifelong.sh.cn#${kid}`, 'the newest key first');
  const { json: transcript } = await citizen('GET', '/api/v1/me/transcript');
  const issued = await citizen('POST', '/api/v1/me/credentials', { outcome_id: transcript.items[0].outcome_id });
  assert.equal(issued.status, 201);
  assert.equal(issued.json.kid, kid, 'the new key signs');
});

test('verify checks a credential offline: valid, changed, revoked, unpublished key, no document', async () => {
  const did = write('did.json', run(['credentials', 'did', ...common]).out);
  const { json: transcript } = await citizen('GET', '/api/v1/me/transcript');
  const outcome = transcript.items[transcript.items.length - 1].outcome_id;
  const issued = await citizen('POST', '/api/v1/me/credentials', { outcome_id: outcome });
  assert.equal(issued.status, 201);
  const jws = write('credential.jwt', `${issued.json.jws}\n`);
  const listUrl = issued.json.credential.credentialStatus.statusListCredential;
  const fetchList = async (name) => write(name, await (await fetch(listUrl.replace('https://lifelong.sh.cn', base))).text());
  const clear = await fetchList('list-clear.jwt');

  // Valid: each check on its own line, in both languages, and the verdict.
  let r = run(['verify', '--did', did, '--status', clear, jws]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(lines(r.out), { format: 'passed', signature: 'passed', validity: 'passed', status: 'passed', ledger: 'passed' });
  assert.match(r.out, /有效 VALID\n$/);
  assert.match(r.out, /签名有效/);
  // The JSON the API answered with works as the file too, and --json prints the report.
  r = run(['verify', '--json', '--did', did, '--status', clear, write('issued.json', JSON.stringify(issued.json))]);
  assert.equal(r.code, 0);
  const report = JSON.parse(r.out);
  assert.equal(report.is_valid, true);
  assert.deepEqual(report.credential, issued.json.credential);
  // Without a status list, revocation is not checked and it is still valid.
  r = run(['verify', '--did', did, jws]);
  assert.equal(r.code, 0);
  assert.equal(lines(r.out).status, 'not_checked');

  // One changed character in the payload: the signature fails (or the payload no longer parses).
  const [h, p, s] = issued.json.jws.split('.');
  const i = Math.floor(p.length / 2);
  const changed = write('changed.jwt', `${h}.${p.slice(0, i)}${p[i] === 'A' ? 'B' : 'A'}${p.slice(i + 1)}.${s}`);
  r = run(['verify', '--did', did, changed]);
  assert.equal(r.code, 65);
  assert.match(r.out, /无效 NOT VALID\n$/);
  assert.ok(['format', 'signature'].some((c) => lines(r.out)[c] === 'failed'), r.out);

  // Without the issuer's document, nothing can vouch for the key.
  const other = write('other.json', JSON.stringify({ id: 'did:web:example.org', verificationMethod: [], assertionMethod: [] }));
  r = run(['verify', '--did', other, jws]);
  assert.equal(r.code, 65);
  assert.equal(lines(r.out).signature, 'failed');
  r = run(['verify', jws]);
  assert.equal(r.code, 65);

  // A document that lists the key but not as an assertion method does not vouch for it.
  const doc = JSON.parse(run(['credentials', 'did', ...common]).out);
  r = run(['verify', '--did', write('no-assertion.json', JSON.stringify({ ...doc, assertionMethod: [] })), jws]);
  assert.equal(r.code, 65);
  assert.equal(lines(r.out).signature, 'failed');

  // Revoked: the depositor's revocation sets the credential's bit in the list served afterwards.
  const revoked = await city('POST', `/api/v1/ledger/outcomes/${outcome}/revocation`, { reason: 'issued in error' });
  assert.equal(revoked.status, 201);
  const set = await fetchList('list-revoked.jwt');
  r = run(['verify', '--did', did, '--status', set, jws]);
  assert.equal(r.code, 65);
  assert.equal(lines(r.out).status, 'failed');
  assert.match(r.out, /已被撤销/);
  // The list that was fetched before still says clear: it is the list given that counts.
  assert.equal(run(['verify', '--did', did, '--status', clear, jws]).code, 0);
  // A status list that does not verify with the document is not believed.
  const [lh, lp] = (await (await fetch(listUrl.replace('https://lifelong.sh.cn', base))).text()).split('.');
  r = run(['verify', '--did', did, '--status', write('list-forged.jwt', `${lh}.${lp}.${s}`), jws]);
  assert.equal(r.code, 0, 'a forged list leaves revocation not checked');
  assert.equal(lines(r.out).status, 'not_checked');
});

test('verify checks a transcript (CLR) offline: its checks, then each record it holds; a revoked record makes it not valid', async () => {
  const did = write('did-clr.json', run(['credentials', 'did', ...common]).out);
  const { json: transcript } = await citizen('GET', '/api/v1/me/transcript');
  const current = transcript.items.filter((o) => o.status !== 'revoked').slice(0, 2);
  assert.equal(current.length, 2);
  const issued = await citizen('POST', '/api/v1/me/credentials', { outcome_ids: current.map((o) => o.outcome_id) });
  assert.equal(issued.status, 201);
  assert.deepEqual(issued.json.credential.type, ['VerifiableCredential', 'ClrCredential']);
  const jws = write('transcript.jwt', `${issued.json.jws}\n`);
  const listUrl = issued.json.credential.credentialStatus.statusListCredential;
  const fetchList = async (name) => write(name, await (await fetch(listUrl.replace('https://lifelong.sh.cn', base))).text());
  const records = (out) => out.split('\n').filter((l) => l.startsWith('record ')).map((l) => l.split(/\s+/).slice(0, 3));

  let r = run(['verify', '--did', did, '--status', await fetchList('clr-list.jwt'), jws]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(lines(r.out.split('\n').filter((l) => !l.startsWith('record ')).join('\n')),
    { format: 'passed', signature: 'passed', validity: 'passed', status: 'passed', ledger: 'passed' });
  assert.deepEqual(records(r.out), [['record', '1', 'valid'], ['record', '2', 'valid']]);
  assert.match(r.out, /有效 VALID\n$/);
  // --json carries each record's report.
  const report = JSON.parse(run(['verify', '--json', '--did', did, jws]).out);
  assert.equal(report.embedded.length, 2);
  assert.equal(report.embedded[0].credential.credentialSubject.achievement.name, current[0].title);

  // The second record revoked: the transcript's own status and its ledger check (its records) fail.
  const revoked = await city('POST', `/api/v1/ledger/outcomes/${current[1].outcome_id}/revocation`, { reason: 'issued in error' });
  assert.equal(revoked.status, 201);
  r = run(['verify', '--did', did, '--status', await fetchList('clr-list-revoked.jwt'), jws]);
  assert.equal(r.code, 65);
  const checks = lines(r.out.split('\n').filter((l) => !l.startsWith('record ')).join('\n'));
  assert.equal(checks.status, 'failed');
  assert.equal(checks.ledger, 'failed');
  assert.deepEqual(records(r.out), [['record', '1', 'valid'], ['record', '2', 'not_valid']]);
  assert.match(r.out, /record 2 +not_valid .*failed: status/);
  assert.match(r.out, /无效 NOT VALID\n$/);
});
