// Institutions and the division tree.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  CHANGNING, XUHUI, anon, assertError, assertStatus, auditMark, auditSince, signInFixture, uniqueName,
} from './lib.mjs';

describe('institutions', () => {
  let city, xuhui;
  before(async () => {
    city = await signInFixture('fx-city-admin');
    xuhui = await signInFixture('fx-xuhui-admin');
  });

  const listed = async (name, district = XUHUI) =>
    (await city.get(`/api/v1/institutions?district=${district}&limit=1000`)).json.items.filter((i) => i.name === name);

  test('the city admin creates an institution: 201, readable, listed and audited', async () => {
    const mark = await auditMark(city);
    const name = uniqueName('徐汇区社区学校');
    const res = await city.post('/api/v1/institutions', { name, name_en: 'Xuhui Community School', type: 'community_school', district_code: XUHUI });
    assertStatus(res, 201);
    assert.equal(res.json.name, name);
    assert.equal(res.json.type, 'community_school');
    assert.equal(res.json.district.code, XUHUI);
    assert.equal(res.json.district.name, '徐汇区');
    const got = await city.get(`/api/v1/institutions/${res.json.id}`);
    assertStatus(got, 200);
    assert.deepEqual(got.json, res.json);
    assert.equal((await listed(name)).length, 1);
    const byType = await city.get(`/api/v1/institutions?district=${XUHUI}&type=community_school&limit=1000`);
    assert.ok(byType.json.items.some((i) => i.id === res.json.id));
    assert.ok(byType.json.items.every((i) => i.type === 'community_school' && i.district.code === XUHUI));
    const audit = (await auditSince(city, mark)).filter((r) => r.action === 'institution.create');
    assert.equal(audit.length, 1);
    assert.equal(audit[0].target_id, res.json.id);
    assert.equal(audit[0].actor_id, city.user.id);
  });

  test('?q= finds institutions by part of their Chinese or English name; pattern characters are literal', async () => {
    const tag = uniqueName('检索');
    const res = await city.post('/api/v1/institutions', { name: `${tag}职业培训学校`, name_en: `Findme ${tag.length} Training School`, type: 'training_institution', district_code: XUHUI });
    assertStatus(res, 201);
    const byName = await city.get(`/api/v1/institutions?q=${encodeURIComponent(tag)}`);
    assertStatus(byName, 200);
    assert.deepEqual(byName.json.items.map((i) => i.id), [res.json.id]);
    const byEnglish = await city.get(`/api/v1/institutions?q=${encodeURIComponent(`findme ${tag.length} training`)}&type=training_institution`);
    assert.ok(byEnglish.json.items.some((i) => i.id === res.json.id), 'English names match in any case');
    // % and _ are not wildcards: no name holds them, so nothing is found.
    assert.deepEqual((await city.get('/api/v1/institutions?q=%25')).json.items, []);
    assert.deepEqual((await city.get('/api/v1/institutions?q=_')).json.items, []);
    assertError(await city.get(`/api/v1/institutions?q=${'长'.repeat(101)}`), 400, 'bad_query', 'q');
  });

  test('a duplicate name is 409 conflict and stores nothing', async () => {
    const name = uniqueName('重名机构');
    assertStatus(await city.post('/api/v1/institutions', { name, type: 'university', district_code: XUHUI }), 201);
    assertError(await city.post('/api/v1/institutions', { name, type: 'elder_university', district_code: CHANGNING }), 409, 'conflict', 'name');
    assert.equal((await listed(name)).length, 1);
    assert.equal((await listed(name, CHANGNING)).length, 0);
  });

  test('a bad type is 400 invalid_value on type', async () => {
    const name = uniqueName('类型错误');
    assertError(await city.post('/api/v1/institutions', { name, type: 'casino', district_code: XUHUI }), 400, 'invalid_value', 'type');
    assertError(await city.post('/api/v1/institutions', { name, type: 7, district_code: XUHUI }), 400, 'wrong_type', 'type');
    assert.equal((await listed(name)).length, 0);
  });

  test('the district must be a district', async () => {
    const name = uniqueName('区划错误');
    assertError(await city.post('/api/v1/institutions', { name, type: 'university', district_code: '310104003000' }), 400, 'unknown_division', 'district_code');
    assertError(await city.post('/api/v1/institutions', { name, type: 'university', district_code: '310199000000' }), 400, 'unknown_division', 'district_code');
    assertError(await city.post('/api/v1/institutions', { name, type: 'university', district_code: '3101' }), 400, 'invalid_value', 'district_code');
  });

  test('a district admin creates institutions only in their own district', async () => {
    const own = uniqueName('徐汇区老年学校');
    const res = await xuhui.post('/api/v1/institutions', { name: own, type: 'elder_school', district_code: XUHUI });
    assertStatus(res, 201);
    assert.equal(res.json.district.code, XUHUI);
    const other = uniqueName('长宁区老年学校');
    assertError(await xuhui.post('/api/v1/institutions', { name: other, type: 'elder_school', district_code: CHANGNING }), 403, 'forbidden');
    assert.equal((await listed(other, CHANGNING)).length, 0);
  });

  test('an unknown institution id is 404', async () => {
    assertError(await city.get('/api/v1/institutions/01234567-89ab-cdef-0123-456789abcdef'), 404, 'not_found');
  });
});

describe('divisions', () => {
  test('?parent=310104000000 lists the subdistricts of 徐汇区', async () => {
    const res = await anon().get('/api/v1/divisions?parent=310104000000');
    assertStatus(res, 200);
    const items = res.json.items;
    assert.ok(items.length >= 10, `${items.length} subdistricts`);
    for (const d of items) {
      assert.equal(d.level, 3);
      assert.match(d.code, /^310104\d{6}$/);
      assert.ok(d.name.length > 0);
    }
    assert.ok(items.some((d) => d.code === '310104003000' && d.name === '天平路街道'));
    const codes = items.map((d) => d.code);
    assert.deepEqual(codes, [...codes].sort(), 'ordered by code');
  });

  test('without a parent it lists the 16 districts of the city', async () => {
    const res = await anon().get('/api/v1/divisions');
    assertStatus(res, 200);
    assert.equal(res.json.items.length, 16);
    assert.ok(res.json.items.every((d) => d.level === 2));
    assert.ok(res.json.items.some((d) => d.code === XUHUI && d.name === '徐汇区'));
  });

  test('a subdistrict lists its committees; a committee has none; a bad code is 400 bad_query', async () => {
    const res = await anon().get('/api/v1/divisions?parent=310104003000');
    assertStatus(res, 200);
    assert.ok(res.json.items.some((d) => d.code === '310104003001' && d.level === 4));
    assert.deepEqual((await anon().get('/api/v1/divisions?parent=310104003001')).json.items, []);
    assertError(await anon().get('/api/v1/divisions?parent=31010'), 400, 'bad_query', 'parent');
  });
});
