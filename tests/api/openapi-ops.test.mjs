// The API description (generated from the route table), health and metrics.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { ROOT, XUHUI, anon, assertError, assertStatus, createInstitution, createStaff, registerCitizen, signInFixture, sleep } from './lib.mjs';

// Every entry of THE route table, read from its source: { "METHOD", "/path", handler, ... },
// with whether it decodes a body and whether it is hidden from the description.
function routeTable() {
  const src = fs.readFileSync(path.join(ROOT, 'src/http/routes.c'), 'utf8');
  const starts = [...src.matchAll(/\{\s*"(GET|POST|PUT|DELETE|PATCH|HEAD)",\s*"([^"]+)"/g)];
  assert.ok(starts.length >= 20, 'cannot read the route table from src/http/routes.c');
  return starts.map((m, i) => {
    const entry = src.slice(m.index, i + 1 < starts.length ? starts[i + 1].index : src.indexOf('};', m.index));
    return {
      method: m[1],
      path: m[2],
      hasBody: /\.body_spec\s*=/.test(entry),
      bodySchema: (entry.match(/\.body_schema\s*=\s*"([^"]+)"/) || [])[1],
      hasRawBody: /\.body_media\s*=/.test(entry),
      isHidden: /\.is_hidden\s*=\s*true/.test(entry),
    };
  });
}

let doc;
const ops = () => {
  const out = [];
  for (const [p, item] of Object.entries(doc.paths))
    for (const [m, op] of Object.entries(item)) if (['get', 'post', 'put', 'delete', 'patch'].includes(m)) out.push({ method: m.toUpperCase(), path: p, op });
  return out;
};

describe('OpenAPI description', () => {
  before(async () => {
    const res = await anon().get('/api/openapi.json');
    assertStatus(res, 200);
    doc = res.json;
  });

  test('is OpenAPI 3.1.0 with a title and version', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.info.title);
    assert.ok(doc.info.version);
    assert.ok(doc.components.schemas.Error);
  });

  test('lists exactly the routes of the route table in src/http/routes.c', () => {
    const table = routeTable().filter((r) => !r.isHidden).map((r) => `${r.method} ${r.path}`).sort();
    const described = ops().map((o) => `${o.method} ${o.path}`).sort();
    assert.equal(new Set(table).size, table.length, 'the route table has a duplicate entry');
    assert.deepEqual(described, table);
  });

  test('every operation has a summary, an operationId, responses with a success and an error, and x-roles', () => {
    const ids = new Set();
    for (const { method, path: p, op } of ops()) {
      const what = `${method} ${p}`;
      assert.equal(typeof op.summary, 'string', what);
      assert.ok(op.summary.length > 3, what);
      assert.ok(op.operationId && !ids.has(op.operationId), `${what}: operationId missing or repeated`);
      ids.add(op.operationId);
      assert.ok(op.responses && typeof op.responses === 'object', what);
      assert.ok(Object.keys(op.responses).some((c) => /^2\d\d$/.test(c)), `${what}: no success response`);
      assert.equal(op.responses.default?.content?.['application/json']?.schema?.$ref, '#/components/schemas/Error', what);
      assert.ok(Array.isArray(op['x-roles']), what);
      const params = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      assert.deepEqual((op.parameters || []).filter((x) => x.in === 'path').map((x) => x.name), params, `${what}: path parameters`);
    }
  });

  test('routes with a body have a JSON requestBody schema; routes without have none', () => {
    for (const r of routeTable().filter((x) => !x.isHidden)) {
      const op = doc.paths[r.path][r.method.toLowerCase()];
      const what = `${r.method} ${r.path}`;
      if (r.bodySchema) {
        // A body the handler decodes itself names its schema among the components.
        const schema = op.requestBody?.content?.['application/json']?.schema;
        assert.equal(schema?.$ref, `#/components/schemas/${r.bodySchema}`, `${what} names its body schema`);
        assert.ok(doc.components.schemas[r.bodySchema], `${what}: schema ${r.bodySchema} exists`);
        continue;
      }
      if (r.hasRawBody) {
        assert.ok(op.requestBody?.content?.['application/octet-stream'], `${what} describes its raw body`);
        assert.ok(op.requestBody.description, `${what} names the media types of its raw body`);
        continue;
      }
      if (!r.hasBody) {
        assert.equal(op.requestBody, undefined, `${what} has a requestBody but decodes none`);
        continue;
      }
      const schema = op.requestBody?.content?.['application/json']?.schema;
      assert.ok(schema, `${what} has no application/json requestBody`);
      assert.equal(schema.type, 'object', what);
      assert.ok(Object.keys(schema.properties || {}).length > 0, `${what} has no properties`);
      assert.equal(schema.additionalProperties, false, `${what} must say unknown fields are refused`);
      for (const req of schema.required || []) assert.ok(req in schema.properties, `${what}: required ${req} is not a property`);
    }
  });

  test('POST /api/v1/accounts documents the fields it accepts', () => {
    const schema = doc.paths['/api/v1/accounts'].post.requestBody.content['application/json'].schema;
    for (const f of ['name', 'id_number', 'phone', 'committee_code', 'password']) assert.ok(f in schema.properties, f);
    assert.deepEqual([...schema.required].sort(), ['committee_code', 'id_number', 'name']);
    assert.equal(schema.properties.committee_code.type, 'string');
    const inst = doc.paths['/api/v1/institutions'].post.requestBody.content['application/json'].schema;
    assert.ok(inst.properties.type.enum.includes('community_school'));
    assert.deepEqual(doc.paths['/api/v1/tokens'].post.requestBody.content['application/json'].schema.properties.scope.enum, ['read', 'write']);
  });

  describe('the server decodes bodies exactly as described', () => {
    let city, inst, staff, instAdmin, citizen;
    before(async () => {
      city = await signInFixture('fx-city-admin');
      inst = await createInstitution(city, XUHUI, 'open_university');
      staff = await createStaff(city, 'staff', inst.id);
      instAdmin = await createStaff(city, 'institution_admin', inst.id);
      citizen = (await registerCitizen()).client;
    });

    // Bodies described field by field (a spec table): those the server decodes by that table.
    // A peer node's signed requests are checked the same way where a peer is played
    // (federation-exchange.test.mjs).
    const isNodeSigned = (o) => (o.op.security || []).some((s) => 'nodeSignature' in s);
    const bodyOps = () => ops().filter((o) => o.op.requestBody?.content?.['application/json']?.schema?.properties && !isNodeSigned(o));
    const callerFor = (o) => (o.op['x-roles'].length === 0 ? anon() : o.op['x-roles'].includes('city_admin') ? city
      : o.op['x-roles'].includes('staff') ? staff : o.op['x-roles'].includes('citizen') ? citizen
        : o.op['x-roles'].includes('institution_admin') ? instAdmin : null);
    const concrete = (p) => p.replace(/\{id\}/g, inst.id).replace(/\{level\}/g, '3').replace(/\{kind\}/g, 'community_education');

    test('every documented property is accepted (never unknown_field), an undocumented one is refused', async () => {
      assert.ok(bodyOps().length >= 8);
      for (const o of bodyOps()) {
        assert.ok(callerFor(o), `${o.method} ${o.path}: no caller for this check`);
        const schema = o.op.requestBody.content['application/json'].schema;
        for (const prop of Object.keys(schema.properties)) {
          // An object is the wrong type for every kind of field, so nothing is stored.
          const res = await callerFor(o).request(o.method, concrete(o.path), { json: { [prop]: { wrong: true } } });
          assert.equal(res.status, 400, `${o.method} ${o.path} {${prop}}: ${res.text}`);
          assert.notEqual(res.json.error.code, 'unknown_field', `${o.method} ${o.path} refuses its documented ${prop}`);
          assert.ok(res.json.error.field in schema.properties, `${o.method} ${o.path}: the error names ${res.json.error.field}`);
        }
        const unknown = await callerFor(o).request(o.method, concrete(o.path), { json: { zz_undocumented: 1 } });
        assertError(unknown, 400, 'unknown_field', 'zz_undocumented');
      }
    });

    test('an empty body misses exactly a documented required field', async () => {
      for (const o of bodyOps()) {
        const schema = o.op.requestBody.content['application/json'].schema;
        if (!schema.required?.length) continue;
        const res = await callerFor(o).request(o.method, concrete(o.path), { json: {} });
        assertError(res, 400, 'missing_field');
        assert.ok(schema.required.includes(res.json.error.field), `${o.method} ${o.path}: missing ${res.json.error.field} is not documented as required`);
      }
    });
  });
});

describe('health and metrics', () => {
  const counter = (text, route, status) => {
    const line = text.split('\n').find((l) => l.startsWith(`lifelong_http_requests_total{route="${route}",status="${status}"} `));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const value = (text, name) => {
    const line = text.split('\n').find((l) => l.startsWith(name + ' '));
    return line ? Number(line.split(' ').pop()) : NaN;
  };

  test('/healthz is 200 {"status":"ok"}', async () => {
    const res = await anon().get('/healthz');
    assertStatus(res, 200);
    assert.equal(res.json.status, 'ok');
    assert.ok(Number.isInteger(res.json.schema_version) && res.json.schema_version > 0);
  });

  test('/metrics is Prometheus text with requests, durations, database time and open connections', async () => {
    await anon().get('/healthz');
    await sleep(50);
    const res = await anon().get('/metrics');
    assertStatus(res, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain/);
    const t = res.text;
    assert.match(t, /^# TYPE lifelong_http_requests_total counter$/m);
    assert.match(t, /^lifelong_http_requests_total\{route="GET \/healthz",status="200"\} \d+$/m);
    assert.match(t, /^# TYPE lifelong_http_request_duration_seconds histogram$/m);
    const buckets = [...t.matchAll(/^lifelong_http_request_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)];
    assert.ok(buckets.length >= 5, 'histogram buckets');
    assert.equal(buckets.at(-1)[1], '+Inf');
    for (let i = 1; i < buckets.length; i++) assert.ok(Number(buckets[i][2]) >= Number(buckets[i - 1][2]), 'buckets are cumulative');
    assert.equal(Number(buckets.at(-1)[2]), value(t, 'lifelong_http_request_duration_seconds_count'));
    assert.ok(value(t, 'lifelong_http_request_duration_seconds_sum') >= 0);
    assert.match(t, /^# TYPE lifelong_db_time_seconds_total counter$/m);
    assert.ok(value(t, 'lifelong_db_time_seconds_total') > 0, 'database time is counted');
    assert.match(t, /^# TYPE lifelong_http_open_connections gauge$/m);
    assert.ok(value(t, 'lifelong_http_open_connections') >= 1, 'at least this connection is open');
    // Every sample line is "name{labels} number" or "name number".
    for (const line of t.split('\n').filter((l) => l && !l.startsWith('#')))
      assert.match(line, /^[a-z_]+(\{([a-z_]+="(?:[^"\\]|\\.)*",?)+\})? [0-9.e+-]+$/, line);
  });

  test('the request counter of /healthz goes up with calls', async () => {
    const before = counter((await anon().get('/metrics')).text, 'GET /healthz', 200);
    for (let i = 0; i < 3; i++) assertStatus(await anon().get('/healthz'), 200);
    let after = before;
    // The counter is bumped when the server finishes the request, just after the reply leaves.
    for (let i = 0; i < 20 && after < before + 3; i++) {
      await sleep(25);
      after = counter((await anon().get('/metrics')).text, 'GET /healthz', 200);
    }
    assert.ok(after >= before + 3, `counter went from ${before} to ${after}`);
  });

  test('errors are counted by route and status', async () => {
    const before = counter((await anon().get('/metrics')).text, 'GET /api/v1/me', 401);
    assertError(await anon().get('/api/v1/me'), 401, 'unauthenticated');
    let after = before;
    for (let i = 0; i < 20 && after < before + 1; i++) {
      await sleep(25);
      after = counter((await anon().get('/metrics')).text, 'GET /api/v1/me', 401);
    }
    assert.ok(after >= before + 1);
  });
});
