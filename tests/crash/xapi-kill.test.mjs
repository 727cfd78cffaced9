// SIGKILL under xAPI ingestion: 32 learning-platform connections post statements as fast as the
// server answers, the server is killed in the middle, started again on the same database, and
// every statement it answered 200 for must be there (GET by id), stored once. Runs on the
// database in LIFELONG_TEST_DB (a fresh one; the default is a new SQLite file), with the binary in
// LIFELONG_BIN.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PASSWORD, crashWorld } from './lib.mjs';

const { tmp, KEY, run, startServer } = crashWorld('lifelong-xapi-crash-');
const CLIENTS = 32;

async function credentials(base) {
  const signIn = await fetch(`${base}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'inst.admin', password: PASSWORD }),
  });
  assert.equal(signIn.status, 200);
  const csrf = (await signIn.json()).csrf_token;
  const cookie = signIn.headers.get('set-cookie').split(';')[0];
  const res = await fetch(`${base}/api/v1/lrs/clients`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: JSON.stringify({ name: 'crash' }),
  });
  assert.equal(res.status, 201);
  const c = await res.json();
  return `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}`;
}

const headers = (auth) => ({ authorization: auth, 'x-experience-api-version': '1.0.3', 'content-type': 'application/json' });

test('a server killed under xAPI ingestion has kept every statement it answered for', async (t) => {
  run(['keygen', '--out', KEY]);
  run(['demo', '--persons', '200', '--no-outcomes']);
  let server = await startServer();
  t.after(() => server.child.kill('SIGKILL'));
  const auth = await credentials(server.base);

  const acknowledged = [];
  let isKilled = false;
  const sender = async (n) => {
    for (let i = 0; !isKilled; i++) {
      const id = crypto.randomUUID();
      const body = JSON.stringify({ id, actor: { mbox: `mailto:learner${n}@example.cn` }, verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
        object: { id: `https://learn.shlll.cn/lessons/${i}` } });
      try {
        const res = await fetch(`${server.base}/xapi/statements`, { method: 'POST', headers: headers(auth), body });
        await res.arrayBuffer();
        if (res.status === 200) acknowledged.push(id);
      } catch {
        return; // the connection died with the server
      }
    }
  };
  const senders = Array.from({ length: CLIENTS }, (_, n) => sender(n));
  while (acknowledged.length < 3000) await new Promise((r) => setTimeout(r, 5));
  server.child.kill('SIGKILL');
  isKilled = true;
  await new Promise((r) => server.child.once('exit', r));
  await Promise.all(senders);
  const answered = [...acknowledged];

  server = await startServer();
  const auth2 = await credentials(server.base);
  // Statements are read by the institution that stored them: the same institution's new client.
  const missing = [];
  for (let i = 0; i < answered.length; i += 50) {
    const batch = answered.slice(i, i + 50);
    const got = await Promise.all(batch.map(async (id) => {
      const res = await fetch(`${server.base}/xapi/statements?statementId=${id}`, { headers: headers(auth2) });
      await res.arrayBuffer();
      return res.status;
    }));
    got.forEach((status, k) => { if (status !== 200) missing.push(`${batch[k]}: ${status}`); });
  }
  assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered statements are gone`);
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  fs.rmSync(tmp, { recursive: true, force: true });
});
