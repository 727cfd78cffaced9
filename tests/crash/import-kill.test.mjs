// SIGKILL in the middle of a large import: the server is killed while its worker writes an
// import job, started again on the same database, and the job must finish with every row stored
// exactly once, every row the server had acknowledged (counted in the job's progress) among
// them, and a ledger that verifies. Runs on the database in LIFELONG_TEST_DB (a fresh one; the
// default is a new SQLite file), with the binary in LIFELONG_BIN.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PASSWORD, crashWorld } from './lib.mjs';

const { tmp, KEY, run, startServer } = crashWorld('lifelong-crash-');
const ROWS = Number(process.env.CRASH_ROWS || 60000);

async function signIn(base, login) {
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `sign-in of ${login}`);
  const body = await res.json();
  return { cookie: res.headers.get('set-cookie').split(';')[0], csrf: body.csrf_token };
}

async function api(base, who, method, url, body, type) {
  const headers = { cookie: who.cookie, 'x-csrf-token': who.csrf };
  if (type) headers['content-type'] = type;
  const res = await fetch(`${base}${url}`, { method, headers, body });
  return { status: res.status, json: await res.json().catch(() => null) };
}

test('a server killed in the middle of an import finishes the job after restart, each row exactly once', async (t) => {
  run(['keygen', '--out', KEY]);
  run(['demo', '--persons', '3000', '--no-outcomes']);
  let server = await startServer();
  t.after(() => server.child.kill('SIGKILL'));
  const admin = await signIn(server.base, 'city.admin');
  const accounts = [];
  for (let after = ''; accounts.length < 2000;) {
    const page = await api(server.base, admin, 'GET', `/api/v1/accounts?limit=500${after ? `&after=${after}` : ''}`);
    assert.equal(page.status, 200);
    accounts.push(...page.json.items.map((a) => a.account_no));
    if (!page.json.next) break;
    after = page.json.next;
  }
  assert.ok(accounts.length >= 1000, 'the demo made accounts');
  const lines = ['account_no,kind,title,code,credits,result,awarded_on,external_id'];
  for (let i = 0; i < ROWS; i++)
    lines.push(`${accounts[i % accounts.length]},academic_credit,课程 ${i},C${String(i).padStart(6, '0')},2.5,${60 + (i % 40)},2024-06-${String(1 + (i % 28)).padStart(2, '0')},crash-${i}`);
  const staff = await signIn(server.base, 'staff');
  const created = await api(server.base, staff, 'POST', '/api/v1/ledger/imports?name=crash.csv', lines.join('\r\n') + '\r\n', 'text/csv');
  assert.equal(created.status, 202, JSON.stringify(created.json));
  const id = created.json.id;

  // Kill the server once the job has committed some batches but not all.
  let acknowledged = 0;
  for (let i = 0; i < 2000; i++) {
    const job = await api(server.base, staff, 'GET', `/api/v1/ledger/imports/${id}`);
    acknowledged = job.json.rows_stored;
    if (acknowledged > 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  server.child.kill('SIGKILL');
  await new Promise((r) => server.child.once('exit', r));
  assert.ok(acknowledged > 0 && acknowledged < ROWS, `killed in the middle (acknowledged ${acknowledged} of ${ROWS})`);

  server = await startServer();
  const staff2 = await signIn(server.base, 'staff');
  let job;
  for (let i = 0; i < 1200; i++) {
    job = (await api(server.base, staff2, 'GET', `/api/v1/ledger/imports/${id}`)).json;
    if (job.status === 'done' || job.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.rows_read, ROWS);
  assert.equal(job.rows_stored, ROWS, 'every row stored once by the job');
  assert.equal(job.rows_rejected, 0);
  assert.ok(job.rows_stored >= acknowledged);

  // The second server took the job up where the first left it, not from the start.
  const resumed = fs.readdirSync(tmp).filter((f) => f.startsWith('server-')).map((f) => fs.readFileSync(path.join(tmp, f), 'utf8')).join('');
  const from = [...resumed.matchAll(/job \S+: writing from line (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(from.length, 2, 'the job ran twice: before and after the kill');
  assert.ok(from[1] > 0, `resumed after line ${from[1]}`);
  const institution = (await api(server.base, staff2, 'GET', '/api/v1/me')).json.institution.id;
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));

  // Every row is there exactly once: the ledger verifies and holds one entry per row, and
  // importing the same file again finds every row already there.
  assert.match(run(['ledger', 'verify']), new RegExp(`ledger verified: ${ROWS} entries`));
  fs.writeFileSync(path.join(tmp, 'again.csv'), lines.join('\n') + '\n');
  const out = run(['import', 'outcomes', path.join(tmp, 'again.csv'), '--institution', institution, '--quiet']);
  assert.match(out, new RegExp(`${ROWS} rows read, 0 stored, 0 pending review, ${ROWS} already there, 0 rejected`));
  fs.rmSync(tmp, { recursive: true, force: true });
});
