// The authorisation walk: every operation of /api/openapi.json (generated from the route table,
// x-roles = the roles the table admits), called without credentials and as a signed-in user of
// each of the seven roles. A role outside x-roles must get 403, no credentials 401 on protected
// routes, and a role inside x-roles must never get 401 or 403 (400/404/409 for the minimal body
// are fine). Path parameters are ids the role could legitimately address (its own institution,
// a person it may see, its own token) and bodies are ones it could legitimately send where the
// route has one, so a 401 or 403 from a handler means the server and the table disagree.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  ROLES, XUHUI, anon, assertStatus, makeWorld, password, registerPerson, uniqueLogin, uniqueName,
} from './lib.mjs';

const doc = await (await fetch((process.env.LIFELONG_URL || 'http://127.0.0.1:8080') + '/api/openapi.json')).json();
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
const ops = [];
for (const [path, item] of Object.entries(doc.paths))
  for (const m of METHODS) if (item[m]) ops.push({ method: m.toUpperCase(), path, op: item[m] });
// Signing out ends the caller's session, so it goes last.
const isSignOut = (o) => o.method === 'DELETE' && o.path === '/api/v1/session';
ops.sort((a, b) => Number(isSignOut(a)) - Number(isSignOut(b)));

// The roles the route table gave each route when this suite was written. A change here is a
// change of who may do what: review it, then update this list. Routes added later are walked
// like the rest but not pinned.
const REVIEWED = {
  'GET /healthz': [],
  'GET /metrics': [],
  'GET /api/openapi.json': [],
  'POST /api/v1/session': [],
  'DELETE /api/v1/session': ROLES,
  'GET /api/v1/me': ROLES,
  'PUT /api/v1/me/preferences': ROLES,
  'POST /api/v1/me/password': ROLES,
  'GET /api/v1/me/account': ['citizen'],
  'GET /api/v1/me/access-log': ['citizen'],
  'GET /api/v1/tokens': ROLES.slice(1),
  'POST /api/v1/tokens': ROLES.slice(1),
  'DELETE /api/v1/tokens/{id}': ROLES.slice(1),
  'GET /api/v1/divisions': [],
  'GET /api/v1/institutions': ROLES.slice(1),
  'POST /api/v1/institutions': ['district_admin', 'city_admin'],
  'GET /api/v1/institutions/{id}': ROLES.slice(1),
  'GET /api/v1/institutions/{id}/staff': ['institution_admin', 'city_admin'],
  'POST /api/v1/institutions/{id}/staff': ['institution_admin', 'city_admin'],
  'POST /api/v1/users': ['city_admin'],
  'POST /api/v1/accounts': [],
  'POST /api/v1/accounts/activate': [],
  'GET /api/v1/accounts': ROLES.slice(1),
  'GET /api/v1/accounts/{id}': ROLES.slice(1),
  'GET /api/v1/stats/activations': ['district_admin', 'city_admin', 'auditor'],
  'GET /api/v1/audit': ['city_admin', 'auditor'],
};

describe('authorisation walk over every route of the API description', () => {
  let w, person;
  const tokens = {};
  before(async () => {
    w = await makeWorld();
    // A person of 徐汇区 registered by institution A: every staff role may address them.
    person = (await registerPerson(w.staffA)).account;
    // A token of each role that may have tokens, for the caller to revoke.
    for (const role of ROLES.slice(1)) {
      const res = await w.byRole[role].post('/api/v1/tokens', { name: 'to revoke', scope: 'read' });
      assertStatus(res, 201);
      tokens[role] = res.json.id;
    }
  });

  test('the API description lists operations with x-roles drawn from the seven roles', () => {
    assert.ok(ops.length >= 20, `only ${ops.length} operations`);
    for (const { method, path, op } of ops) {
      assert.ok(Array.isArray(op['x-roles']), `${method} ${path} has no x-roles`);
      for (const r of op['x-roles']) assert.ok(ROLES.includes(r), `${method} ${path}: unknown role ${r}`);
      assert.equal(new Set(op['x-roles']).size, op['x-roles'].length);
      // Protected routes say so in the standard way too.
      assert.equal(op.security.length > 0, op['x-roles'].length > 0, `${method} ${path}: security vs x-roles`);
    }
  });

  test('the roles of the routes are the reviewed ones', () => {
    for (const { method, path, op } of ops) {
      const key = `${method} ${path}`;
      if (REVIEWED[key]) assert.deepEqual([...op['x-roles']].sort(), [...REVIEWED[key]].sort(), `${key} changed roles`);
    }
    for (const key of Object.keys(REVIEWED))
      assert.ok(ops.some((o) => `${o.method} ${o.path}` === key), `${key} vanished from the API description`);
  });

  // A real id the caller could legitimately use for each path parameter.
  function concretePath(path, role) {
    const caller = role ? w.byRole[role] : null;
    return path.replace(/\{(\w+)\}/g, (_, name) => {
      if (name === 'id' && path.startsWith('/api/v1/institutions/'))
        return caller?.user?.institution?.id || w.instA.id;
      if (name === 'id' && path.startsWith('/api/v1/accounts/'))
        return role === 'citizen' ? w.citizen.account.id : person.id;
      if (name === 'id' && path.startsWith('/api/v1/tokens/') && tokens[role]) return tokens[role];
      // Parameters this suite does not know yet: an id nobody has.
      return crypto.randomUUID();
    });
  }

  // A body the caller could legitimately send, so that the handler gets past decoding and any
  // role check of its own runs. Routes not listed get {} (a 400 for a missing field is fine).
  const BODIES = {
    'PUT /api/v1/me/preferences': () => ({ locale: 'zh-CN' }),
    'POST /api/v1/me/password': (c) => ({ current_password: c?.password || 'x', new_password: c?.password || 'x' }),
    'POST /api/v1/tokens': () => ({ name: 'walk', scope: 'read' }),
    'POST /api/v1/institutions': (c) => ({ name: uniqueName('巡检机构'), type: 'learning_point', district_code: c?.user?.district?.code || XUHUI }),
    'POST /api/v1/institutions/{id}/staff': () => ({ login: uniqueLogin('walk'), display_name: 'walk', password: password(), role: 'staff' }),
    'POST /api/v1/users': () => ({ login: uniqueLogin('walk'), display_name: 'walk', password: password(), role: 'staff', institution_id: w.instA.id }),
  };
  const bodyFor = (method, path, op, caller) => {
    const make = BODIES[`${method} ${path}`];
    if (make) return make(caller);
    return op.requestBody ? {} : undefined;
  };

  for (const { method, path, op } of ops) {
    const allowed = op['x-roles'];
    const isPublic = allowed.length === 0;
    test(`${method} ${path}: ${isPublic ? 'public' : 'only ' + allowed.join(', ')}`, async () => {
      const problems = [];
      for (const role of [null, ...ROLES]) {
        const caller = role ? w.byRole[role] : anon();
        const p = concretePath(path, role);
        const body = bodyFor(method, path, op, role ? caller : null);
        const res = await caller.request(method, p, body === undefined ? {} : { json: body });
        const who = role || 'no credentials';
        const got = `${res.status} ${res.json?.error?.code || ''}`.trim();
        if (res.status >= 500) problems.push(`${who}: ${got} ${res.text.slice(0, 200)}`);
        else if (isPublic || (role && allowed.includes(role))) {
          if (res.status === 401 || res.status === 403) problems.push(`${who} is allowed but got ${got}: ${res.json?.error?.message}`);
          else if (role && BODIES[`${method} ${path}`] && (res.status < 200 || res.status > 299))
            problems.push(`${who} sent a legitimate body but got ${got}: ${res.json?.error?.message}`);
        } else if (!role) {
          if (res.status !== 401 || res.json?.error?.code !== 'unauthenticated') problems.push(`${who}: want 401 unauthenticated, got ${got}`);
        } else if (res.status !== 403 || res.json?.error?.code !== 'forbidden') {
          problems.push(`${who} is not allowed but got ${got}`);
        }
      }
      assert.deepEqual(problems, [], `${method} ${path}:\n  ${problems.join('\n  ')}`);
    });
  }

  test('every caller of the walk was a real signed-in user of its role', async () => {
    for (const role of ROLES) assert.equal(w.byRole[role].user.role, role);
    // The walk signed everyone out last; their sessions are gone.
    for (const role of ROLES) assertStatus(await w.byRole[role].get('/api/v1/me'), 401);
  });
});
