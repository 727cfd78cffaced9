// The authorisation walk: every operation of /api/openapi.json (generated from the route table,
// x-roles = the roles the table admits), called without credentials, as a signed-in user of each
// of the seven roles, and as an xAPI client (HTTP Basic with credentials an institution issued).
// Routes for other credit banks' nodes take only a signature by a key a city admin pinned
// (tests/api/federation-exchange.test.mjs signs as one): every caller here is a stranger to them.
// A role outside x-roles must get 403, no credentials 401 on protected routes, and a role inside
// x-roles must never get 401 or 403 (400/404/409 for the minimal body are fine). The xAPI routes
// know no user at all: a session or token there is no credentials (401); an xAPI client is no
// user anywhere else (401). Path parameters are ids the role could legitimately address (its own institution,
// a person it may see, its own token) and bodies are ones it could legitimately send where the
// route has one, so a 401 or 403 from a handler means the server and the table disagree.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  Client, ROLES, XUHUI, anon, assertStatus, makeWorld, password, registerPerson, uniqueLogin, uniqueName,
} from './lib.mjs';

const doc = await (await fetch((process.env.LIFELONG_URL || 'http://127.0.0.1:8080') + '/api/openapi.json')).json();
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
const ops = [];
for (const [path, item] of Object.entries(doc.paths))
  for (const m of METHODS) if (item[m]) ops.push({ method: m.toUpperCase(), path, op: item[m] });
// Signing out ends the caller's session, so it goes last.
const isSignOut = (o) => o.method === 'DELETE' && o.path === '/api/v1/session';
ops.sort((a, b) => Number(isSignOut(a)) - Number(isSignOut(b)));

const DEPOSIT = ['staff', 'institution_admin'];
const CLIENT = 'lrs_client';
const isXapi = (op) => (op.security || []).some((s) => 'xapiBasic' in s);
const PEER = 'peer_node';
const isNodeSigned = (op) => (op.security || []).some((s) => 'nodeSignature' in s);
// The kind of credentials a route takes, and the kind a caller of the walk has.
const kindOfRoute = (op) => (isXapi(op) ? 'xapi' : isNodeSigned(op) ? 'node' : 'user');
const kindOfCaller = (role) => (role === CLIENT ? 'xapi' : 'user');
const REVIEW = ['reviewer', 'city_admin'];

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
  'GET /api/v1/institutions': ROLES,
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
  // The credit bank: depositors are an institution's staff and admins, deciders reviewers and the
  // city admin; every role reads what it may see of the ledger; reference data and the log's
  // tree heads are public.
  'GET /api/v1/ledger/levels': [],
  'PUT /api/v1/ledger/levels/{level}': ['city_admin'],
  'GET /api/v1/ledger/standards': [],
  'GET /api/v1/ledger/standards/{kind}': [],
  'PUT /api/v1/ledger/standards/{kind}': ['city_admin'],
  'POST /api/v1/ledger/evidence': DEPOSIT,
  'GET /api/v1/ledger/evidence/{id}': ROLES,
  'POST /api/v1/ledger/outcomes': DEPOSIT,
  'GET /api/v1/ledger/outcomes/{id}/history': ROLES,
  'POST /api/v1/ledger/outcomes/{id}/corrections': DEPOSIT,
  'POST /api/v1/ledger/outcomes/{id}/revocation': [...DEPOSIT, ...REVIEW],
  'GET /api/v1/ledger/submissions': [...DEPOSIT, ...REVIEW, 'auditor'],
  'POST /api/v1/ledger/submissions/decisions': REVIEW,
  'GET /api/v1/ledger/submissions/{id}': ROLES,
  'PUT /api/v1/ledger/submissions/{id}': DEPOSIT,
  'POST /api/v1/ledger/submissions/{id}/decision': REVIEW,
  'GET /api/v1/ledger/entries/{id}': ROLES,
  'GET /api/v1/ledger/tree-head': [],
  'GET /api/v1/ledger/consistency': [],
  'GET /api/v1/me/transcript': ['citizen'],
  'GET /api/v1/me/transcript.csv': ['citizen'],
  'POST /api/v1/ledger/imports': DEPOSIT,
  'GET /api/v1/ledger/imports': [...DEPOSIT, ...REVIEW, 'auditor'],
  'GET /api/v1/ledger/imports/{id}': [...DEPOSIT, ...REVIEW, 'auditor'],
  'GET /api/v1/ledger/imports/{id}/errors': [...DEPOSIT, ...REVIEW, 'auditor'],
  'GET /api/v1/ledger/imports/{id}/errors.csv': [...DEPOSIT, ...REVIEW, 'auditor'],
  'GET /api/v1/me/shares': ['citizen'],
  'POST /api/v1/me/shares': ['citizen'],
  'DELETE /api/v1/me/shares/{id}': ['citizen'],
  'GET /api/v1/institutions/{id}/archive': [...DEPOSIT, 'city_admin', 'auditor'],
  'GET /api/v1/accounts/{id}/transcript': [...DEPOSIT, ...REVIEW, 'auditor', 'district_admin'],
  'GET /api/v1/accounts/{id}/transcript.csv': [...DEPOSIT, ...REVIEW, 'auditor', 'district_admin'],
  // The learning overpass: every role reads programmes and their rules; an institution's staff and
  // admins keep its programmes, rules and enrolments and audit its learners; the city admin
  // decides on rule versions; a citizen follows programmes and audits themself.
  'GET /api/v1/transfer/programmes': ROLES,
  'POST /api/v1/transfer/programmes': DEPOSIT,
  'GET /api/v1/transfer/programmes/{id}': ROLES,
  'PUT /api/v1/transfer/programmes/{id}/plan': DEPOSIT,
  'GET /api/v1/transfer/programmes/{id}/rules': ROLES,
  'POST /api/v1/transfer/programmes/{id}/rules': DEPOSIT,
  'PUT /api/v1/transfer/programmes/{id}/rules/{rule}': DEPOSIT,
  'GET /api/v1/transfer/rules': ['city_admin'],
  'POST /api/v1/transfer/rules/{rule}/versions/{version}/decision': ['city_admin'],
  'POST /api/v1/transfer/programmes/{id}/enrolments': DEPOSIT,
  'GET /api/v1/transfer/programmes/{id}/audits/{account_no}': DEPOSIT,
  'GET /api/v1/me/programmes': ['citizen'],
  'POST /api/v1/me/programmes': ['citizen'],
  'GET /api/v1/me/programmes/{id}/audit': ['citizen'],
  'GET /api/v1/me/transfer-options': ['citizen'],
  'DELETE /api/v1/me/programmes/{id}': ['citizen'],
  'GET /api/v1/transfer/programmes/{id}/enrolments': DEPOSIT,
  'POST /api/v1/me/programmes/{id}/applications': ['citizen'],
  'GET /api/v1/me/applications': ['citizen'],
  'GET /api/v1/transfer/items': DEPOSIT,
  'POST /api/v1/transfer/items/{id}/decision': DEPOSIT,
  'GET /api/v1/transfer/units': ROLES,
  'POST /api/v1/transfer/units': DEPOSIT,
  'POST /api/v1/transfer/units/{id}/decision': ['city_admin'],
  'GET /api/v1/transfer/stats': ['city_admin', 'auditor'],
  // The learning record store: institutions issue and revoke credentials; learning platforms
  // holding them use xAPI, and nobody else does.
  'GET /api/v1/lrs/clients': DEPOSIT,
  'GET /api/v1/me/activity': ['citizen'],
  'POST /api/v1/lrs/clients': ['institution_admin'],
  'DELETE /api/v1/lrs/clients/{id}': ['institution_admin'],
  // Check-ins and points: a citizen checks in, earns and redeems; an institution's staff show
  // its sites' codes and take its vouchers, its admin opens and retires sites; the city keeps
  // the earning rules (the auditor reads them) and the incentives catalogue.
  'GET /api/v1/me/checkins': ['citizen'],
  'POST /api/v1/me/checkins': ['citizen'],
  'GET /api/v1/checkin-sites': DEPOSIT,
  'POST /api/v1/checkin-sites': ['institution_admin'],
  'GET /api/v1/checkin-sites/{id}': ROLES,
  'DELETE /api/v1/checkin-sites/{id}': ['institution_admin'],
  'GET /api/v1/checkin-sites/{id}/code': DEPOSIT,
  'GET /api/v1/checkin-sites/{id}/qr.svg': DEPOSIT,
  'GET /api/v1/me/points': ['citizen'],
  'GET /api/v1/me/points/statement': ['citizen'],
  'GET /api/v1/points/rules': ['city_admin', 'auditor'],
  'POST /api/v1/points/rules': ['city_admin'],
  'PUT /api/v1/points/rules/{id}': ['city_admin'],
  'GET /api/v1/incentives': ROLES,
  'POST /api/v1/incentives': ['city_admin'],
  'PUT /api/v1/incentives/{id}': ['city_admin'],
  'POST /api/v1/incentives/{id}/stock': ['city_admin'],
  'POST /api/v1/me/redemptions': ['citizen'],
  'GET /api/v1/me/redemptions': ['citizen'],
  'GET /api/v1/redemptions': DEPOSIT,
  'POST /api/v1/redemptions/use': DEPOSIT,
  'GET /xapi/about': [],
  'PUT /xapi/statements': [CLIENT],
  'POST /xapi/statements': [CLIENT],
  'GET /xapi/statements': [CLIENT],
  'GET /xapi/activities': [CLIENT],
  'GET /xapi/agents': [CLIENT],
  'PUT /xapi/activities/state': [CLIENT],
  'POST /xapi/activities/state': [CLIENT],
  'GET /xapi/activities/state': [CLIENT],
  'DELETE /xapi/activities/state': [CLIENT],
  'PUT /xapi/activities/profile': [CLIENT],
  'POST /xapi/activities/profile': [CLIENT],
  'GET /xapi/activities/profile': [CLIENT],
  'DELETE /xapi/activities/profile': [CLIENT],
  'PUT /xapi/agents/profile': [CLIENT],
  'POST /xapi/agents/profile': [CLIENT],
  'GET /xapi/agents/profile': [CLIENT],
  'DELETE /xapi/agents/profile': [CLIENT],
  'GET /api/v1/federation/stats': [PEER],
};

describe('authorisation walk over every route of the API description', () => {
  let w, person, ledger, points;
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
    ledger = await makeLedger();
    points = await makePoints();
    const issued = await w.byRole.institution_admin.post('/api/v1/lrs/clients', { name: '巡检平台' });
    assertStatus(issued, 201);
    w.byRole[CLIENT] = new Client({ basic: { key: issued.json.key, secret: issued.json.secret } });
  });

  // Credit-bank records of the citizen of the world, deposited by institution A (a community
  // school), so that every role that may read them addresses real ones: an outcome with its entry
  // and submission, an evidence file a pending submission of the citizen names, an outcome to
  // revoke for each role that may revoke, a returned submission for each depositor to resubmit, a
  // pending one for each reviewer to decide, and one for the bulk decision.
  const community = (title) => ({ account_no: w.citizen.account.account_no, kind: 'community_education', title, hours_milli: 12000, awarded_on: '2024-04-01' });
  const otherLearning = (evidenceId) => ({ account_no: w.citizen.account.account_no, kind: 'other_learning', title: '社区志愿服务', hours_milli: 8000, evidence_id: evidenceId, awarded_on: '2024-05-01' });
  async function makeLedger() {
    const deposit = async (body) => {
      const res = await w.staffA.post('/api/v1/ledger/outcomes', body);
      assertStatus(res, 201);
      return res.json;
    };
    const up = await w.staffA.request('POST', '/api/v1/ledger/evidence', { body: pdf(), contentType: 'application/pdf' });
    assertStatus(up, 201);
    const out = { evidence: up.json.id, revoke: {}, resubmit: {}, decide: {} };
    const stored = await deposit(community('巡检：社区课程'));
    Object.assign(out, { outcome: stored.outcome_id, entry: stored.entry_id, submission: stored.submission_id });
    for (const role of [...DEPOSIT, ...REVIEW]) out.revoke[role] = (await deposit(community(`巡检：撤销 ${role}`))).outcome_id;
    for (const role of DEPOSIT) {
      const id = (await deposit(otherLearning(out.evidence))).submission_id;
      assertStatus(await w.reviewer.post(`/api/v1/ledger/submissions/${id}/decision`, { decision: 'return', reason: 'walk' }), 200);
      out.resubmit[role] = id;
    }
    for (const role of REVIEW) out.decide[role] = (await deposit(otherLearning(out.evidence))).submission_id;
    out.bulk = (await deposit(otherLearning(out.evidence))).submission_id;
    const levels = await anon().get('/api/v1/ledger/levels');
    out.level = levels.json.items.find((l) => l.level === 5);
    const standards = await anon().get('/api/v1/ledger/standards');
    out.rules = standards.json.items.find((x) => x.kind === 'other_learning').rules;
    return out;
  }
  // Check-ins and points of institution A and the city: a site to show and one for its admin to
  // retire, an earning rule (inactive, so that it awards nothing) and an incentive A provides.
  const incentive = () => ({ kind: 'course_voucher', name: uniqueName('巡检激励'), institution_id: w.instA.id, edu_type: 'community', cost: 1, stock: 1 });
  async function makePoints() {
    const site = async (name) => {
      const res = await w.instAdminA.post('/api/v1/checkin-sites', { name });
      assertStatus(res, 201);
      return res.json.id;
    };
    const rule = await w.city.post('/api/v1/points/rules', { event: 'checkin', name: uniqueName('巡检规则'), points: 1, is_active: false });
    assertStatus(rule, 201);
    const inc = await w.city.post('/api/v1/incentives', incentive());
    assertStatus(inc, 201);
    return { site: await site('巡检打卡点'), retire: await site('巡检：撤销'), rule: rule.json, incentive: inc.json.id };
  }
  const pdf = () => Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(64), Buffer.from('\n%%EOF\n')]);

  test('the API description lists operations with x-roles drawn from the seven roles', () => {
    assert.ok(ops.length >= 20, `only ${ops.length} operations`);
    for (const { method, path, op } of ops) {
      assert.ok(Array.isArray(op['x-roles']), `${method} ${path} has no x-roles`);
      for (const r of op['x-roles']) assert.ok(ROLES.includes(r) || r === CLIENT || r === PEER, `${method} ${path}: unknown role ${r}`);
      // xAPI's routes are its clients' alone, and theirs are xAPI's alone; so for other nodes.
      assert.equal(isXapi(op), op['x-roles'].includes(CLIENT), `${method} ${path}: xAPI security vs x-roles`);
      assert.equal(isNodeSigned(op), op['x-roles'].includes(PEER), `${method} ${path}: node signature vs x-roles`);
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
  function concretePath(method, path, role) {
    const caller = role ? w.byRole[role] : null;
    return path.replace(/\{(\w+)\}/g, (_, name) => {
      if (name === 'level') return String(ledger.level.level);
      if (name === 'id' && path.startsWith('/api/v1/checkin-sites/'))
        return method === 'DELETE' ? points.retire : points.site;
      if (name === 'id' && path === '/api/v1/points/rules/{id}') return points.rule.id;
      if (name === 'id' && path.startsWith('/api/v1/incentives/')) return points.incentive;
      if (name === 'kind') return 'other_learning';
      // The share the citizen made just before (POST /api/v1/me/shares comes first).
      if (name === 'id' && path === '/api/v1/me/shares/{id}') return w.instB.id;
      if (name === 'id' && path.startsWith('/api/v1/ledger/')) {
        if (path === '/api/v1/ledger/evidence/{id}') return ledger.evidence;
        if (path === '/api/v1/ledger/outcomes/{id}/revocation') return ledger.revoke[role] || ledger.outcome;
        if (path.startsWith('/api/v1/ledger/outcomes/')) return ledger.outcome;
        if (path === '/api/v1/ledger/submissions/{id}/decision') return ledger.decide[role] || ledger.bulk;
        if (path === '/api/v1/ledger/submissions/{id}' && method === 'PUT') return ledger.resubmit[role] || ledger.submission;
        if (path === '/api/v1/ledger/submissions/{id}') return ledger.submission;
        if (path === '/api/v1/ledger/entries/{id}') return ledger.entry;
      }
      // A transcript the depositor, the citizen's district and the city's roles may read.
      if (name === 'id' && /^\/api\/v1\/accounts\/\{id\}\/transcript/.test(path)) return w.citizen.account.id;
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
    'PUT /api/v1/ledger/levels/{level}': () => {
      const { name, name_en, descriptor, descriptor_en } = ledger.level;
      return { name, name_en, descriptor, descriptor_en };
    },
    'PUT /api/v1/ledger/standards/{kind}': () => ledger.rules,
    'POST /api/v1/ledger/evidence': () => ({ raw: pdf(), contentType: 'application/pdf' }),
    'POST /api/v1/ledger/outcomes': () => community('巡检：存入'),
    'POST /api/v1/ledger/outcomes/{id}/corrections': () => ({ ...community('巡检：社区课程'), hours_milli: 13000, reason: 'walk' }),
    'POST /api/v1/ledger/outcomes/{id}/revocation': () => ({ reason: 'walk' }),
    'POST /api/v1/ledger/submissions/decisions': () => ({ ids: [ledger.bulk], decision: 'reject', reason: 'walk' }),
    'PUT /api/v1/ledger/submissions/{id}': () => otherLearning(ledger.evidence),
    'POST /api/v1/ledger/submissions/{id}/decision': () => ({ decision: 'approve' }),
    'POST /api/v1/me/shares': () => ({ institution_id: w.instB.id }),
    'POST /api/v1/me/checkins': () => ({ note: '巡检' }),
    'POST /api/v1/checkin-sites': () => ({ name: uniqueName('巡检打卡点') }),
    'POST /api/v1/points/rules': () => ({ event: 'completion', name: uniqueName('巡检规则'), points: 1, is_active: false }),
    'PUT /api/v1/points/rules/{id}': () => { const { id, ...rule } = points.rule; return rule; },
    'POST /api/v1/incentives': incentive,
    'PUT /api/v1/incentives/{id}': () => ({ ...incentive(), stock: undefined }),
    'POST /api/v1/incentives/{id}/stock': () => ({ add: 1 }),
    'POST /api/v1/transfer/programmes': () => ({
      code: uniqueLogin('prog').slice(0, 40), name: uniqueName('巡检计划'), kind: 'certificate',
      plan: { total_credits_milli: 2000, transfer_max_permille: 500, groups: [{ code: 'core', name: '核心课' }],
        courses: [{ code: 'C1', name: '巡检课程', group: 'core', credits_milli: 2000 }] },
    }),
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
      for (const role of [null, ...ROLES, CLIENT]) {
        const caller = role ? w.byRole[role] : anon();
        const p = concretePath(method, path, role);
        const body = bodyFor(method, path, op, role ? caller : null);
        const opts = body === undefined ? {} : body.raw ? { body: body.raw, contentType: body.contentType } : { json: body };
        if (isXapi(op)) opts.headers = { 'X-Experience-API-Version': '1.0.3' };
        const res = await caller.request(method, p, opts);
        const who = role || 'no credentials';
        const got = `${res.status} ${res.json?.error?.code || ''}`.trim();
        // Credentials of the other kind are no credentials.
        const isStranger = role && !isPublic && kindOfRoute(op) !== kindOfCaller(role);
        if (res.status >= 500) problems.push(`${who}: ${got} ${res.text.slice(0, 200)}`);
        else if (isStranger) {
          if (res.status !== 401 || res.json?.error?.code !== 'unauthenticated') problems.push(`${who}: want 401 unauthenticated, got ${got}`);
        } else if (isPublic || (role && allowed.includes(role))) {
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
