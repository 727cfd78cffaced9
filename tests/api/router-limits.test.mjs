// The router and the request limits: unknown paths, wrong methods, long URLs, huge headers,
// slow clients, and the one shape of every error.
import assert from 'node:assert/strict';
import net from 'node:net';
import { before, describe, test } from 'node:test';

import {
  BASE, ERROR_STATUS, anon, assertError, assertStatus, checkErrorShape, createInstitution, createStaff, signInFixture,
} from './lib.mjs';

const { hostname, port } = new URL(BASE);

// Sends raw bytes on a new connection; resolves with what came back when the server closes it
// (or after ms).
function rawExchange(bytes, ms = 5000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    const chunks = [];
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, ms);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      // A reset after the answer still counts: return what arrived.
      if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1'));
      else if (e.code === 'ECONNRESET' || e.code === 'EPIPE') resolve('');
      else reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    sock.write(bytes);
  });
}

async function healthy() {
  const res = await anon().get('/healthz');
  assertStatus(res, 200);
  assert.equal(res.json.status, 'ok');
}

describe('router', () => {
  test('an unknown path under /api is 404 JSON not_found', async () => {
    for (const p of ['/api/v1/nothing-here', '/api/v2/me', '/api/', '/api/v1/institutions/x/y/z', '/api/v1/me/']) {
      const res = await anon().get(p);
      assertError(res, 404, 'not_found');
    }
    assertError(await anon().request('POST', '/api/v1/nothing-here', { json: {} }), 404, 'not_found');
  });

  test('a wrong method is 405 with an Allow header listing the allowed methods', async () => {
    const cases = [
      ['PATCH', '/api/v1/me', ['GET']],
      ['PUT', '/api/v1/session', ['POST', 'DELETE']],
      ['DELETE', '/api/v1/institutions/some-id/staff', ['GET', 'POST']],
      ['PUT', '/api/v1/accounts', ['GET', 'POST']],
      ['DELETE', '/api/v1/accounts/activate', ['GET', 'POST']], // also matches /api/v1/accounts/{id}
      ['POST', '/healthz', ['GET']],
    ];
    for (const [method, p, allow] of cases) {
      const res = await anon().request(method, p);
      assertError(res, 405, 'method_not_allowed');
      const got = (res.headers.get('allow') || '').split(',').map((s) => s.trim()).filter(Boolean);
      assert.deepEqual(got.sort(), [...allow].sort(), `${method} ${p}: Allow`);
      for (const m of allow) assert.ok(res.json.error.message.includes(m), `the message names ${m}: ${res.json.error.message}`);
    }
  });

  test('a literal path wins over a parameterised sibling', async () => {
    // /api/v1/accounts/activate is not /api/v1/accounts/{id} with id "activate".
    const res = await anon().post('/api/v1/accounts/activate', {});
    assertError(res, 400, 'missing_field', 'account_no');
  });

  test('a URL longer than 2048 bytes is 414 url_too_long; the server keeps serving', async () => {
    const res = await anon().get('/api/v1/divisions?parent=' + '3'.repeat(2100));
    assertError(res, 414, 'url_too_long');
    const path = await anon().get('/api/v1/' + 'a'.repeat(2100));
    assertError(path, 414, 'url_too_long');
    // Just under the cap is routed as usual.
    assertError(await anon().get('/api/v1/' + 'a'.repeat(1900)), 404, 'not_found');
    await healthy();
  });

  test('huge headers (> 16 KiB) are refused with a 4xx and the server keeps serving', async () => {
    for (const size of [17 * 1024, 24 * 1024, 64 * 1024]) {
      let status;
      try {
        const res = await fetch(BASE + '/healthz', { headers: { 'x-padding': 'a'.repeat(size) } });
        status = res.status;
        await res.text();
      } catch {
        status = 'connection closed';
      }
      assert.ok(typeof status === 'number' && status >= 400 && status < 500, `${size} bytes of headers: got ${status}`);
      await healthy();
    }
    // Many headers adding up past the cap count too.
    const many = {};
    for (let i = 0; i < 40; i++) many[`x-h${i}`] = 'b'.repeat(500);
    const res = await fetch(BASE + '/healthz', { headers: many });
    await res.text();
    assert.ok(res.status >= 400 && res.status < 500, `40 x 500 bytes of headers: got ${res.status}`);
    // Headers under the cap are fine.
    const ok = await fetch(BASE + '/healthz', { headers: { 'x-padding': 'a'.repeat(12 * 1024) } });
    assert.equal(ok.status, 200);
    await healthy();
  });

  test('a malformed request line is refused without harm', async () => {
    const reply = await rawExchange('NOT A REQUEST\r\n\r\n', 4000);
    assert.match(reply, /^(HTTP\/1\.[01] 4\d\d|)/);
    await healthy();
  });
});

describe('slow clients', () => {
  // A client that reuses connections learns when an idle one will be closed, so it never sends a
  // request into one the server is closing (run.sh starts the server with --timeout 3).
  test('every reply, an error too, says how long an idle connection stays open', async () => {
    for (const res of [await anon().get('/healthz'), await anon().get('/api/v1/me')]) {
      assert.equal(res.headers.get('keep-alive'), 'timeout=3', `${res.path} ${res.status}`);
    }
  });

  test('a client that sends half a request line does not hold up others, and is cut off after --timeout', async () => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    await new Promise((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const opened = Date.now();
    const closed = new Promise((resolve) => {
      sock.on('error', () => {});
      sock.on('close', () => resolve(Date.now() - opened));
    });
    sock.write('GET /api/v1/divi');
    // Meanwhile the server answers everyone else promptly.
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      await healthy();
      assert.ok(Date.now() - t0 < 1000, 'healthz answered within a second while the slow client waits');
    }
    const slow = await Promise.race([closed, new Promise((r) => setTimeout(() => r(null), 10000))]);
    sock.destroy();
    assert.ok(slow !== null, 'the server never closed the slow connection');
    assert.ok(slow >= 2000 && slow <= 8000, `closed after ${slow} ms; --timeout is 3 s`);
  });

  test('many idle connections at once do not stop the server', async () => {
    const socks = [];
    for (let i = 0; i < 30; i++) {
      const s = net.connect({ host: hostname, port: Number(port) });
      s.on('error', () => {});
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // never finishes its headers
      socks.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
    await healthy();
    for (const s of socks) s.destroy();
  });
});

describe('errors', () => {
  let city, inst, staff;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    inst = await createInstitution(city);
    staff = await createStaff(city, 'staff', inst.id);
  });

  test('every error code in the table maps to a 4xx or 5xx status', () => {
    for (const [code, status] of ERROR_STATUS) if (code !== 'ok') assert.ok(status >= 400 && status < 600, code);
  });

  test('errors of every kind have exactly {"error":{"code","message"[,"field"]}} and the status of their code', async () => {
    const seen = new Set();
    const cases = [
      await anon().get('/api/v1/nope'),
      await anon().request('PATCH', '/api/v1/me'),
      await anon().get('/api/v1/' + 'x'.repeat(2100)),
      await anon().get('/api/v1/me'),
      await staff.get('/api/v1/audit'),
      await staff.post('/api/v1/tokens', { name: 'x', scope: 'write' }, { csrf: false }),
      await anon().post('/api/v1/session', { login: 'nobody-here', password: 'Wrong-pass-1' }),
      await anon().post('/api/v1/accounts', { nope: 1 }),
      await anon().post('/api/v1/accounts', { name: 1 }),
      await anon().request('POST', '/api/v1/accounts', { body: '{', contentType: 'application/json' }),
      await anon().request('POST', '/api/v1/accounts', { body: 'x', contentType: 'text/plain' }),
      await anon().post('/api/v1/accounts', { name: 'x'.repeat(5000) }),
      await staff.get('/api/v1/accounts?limit=0'),
      await staff.get('/api/v1/accounts?account_no=123'),
      await staff.get('/api/v1/institutions/no-such-id'),
      await anon().get('/api/v1/divisions?parent=abc'),
      await city.post('/api/v1/institutions', { name: inst.name, type: 'community_school', district_code: '310104000000' }),
      await city.post('/api/v1/institutions', { name: 'x', type: 'community_school', district_code: '310104003000' }),
      await city.post('/api/v1/users', { login: 'ab', display_name: 'x', password: 'Pw-123456', role: 'staff' }),
    ];
    for (const res of cases) {
      assert.ok(res.status >= 400, `${res.method} ${res.path} -> ${res.status}`);
      assert.match(res.headers.get('content-type') || '', /^application\/json/, `${res.method} ${res.path}`);
      checkErrorShape(res, `${res.method} ${res.path}`);
      seen.add(res.json.error.code);
    }
    for (const code of ['not_found', 'method_not_allowed', 'url_too_long', 'unauthenticated', 'forbidden', 'csrf',
      'bad_credentials', 'unknown_field', 'wrong_type', 'invalid_json', 'unsupported_media_type', 'body_too_large',
      'bad_query', 'invalid_account_no', 'conflict', 'unknown_division', 'invalid_value'])
      assert.ok(seen.has(code), `no case produced ${code}`);
  });

  test('an error never echoes the request id of another request and carries X-Request-Id', async () => {
    const a = await anon().get('/api/v1/nope');
    const b = await anon().get('/api/v1/nope');
    assert.match(a.headers.get('x-request-id') || '', /^[0-9a-f]{20}$/);
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
    assert.equal(a.headers.get('cache-control'), 'no-store');
    assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
  });
});
