// 长三角学分银行互认 (/city/federation, from the city admin's nav). The node card shows this node
// (SH by default) with its names, issuer, address and signing keys, each key copied to the
// clipboard for another node's admin to pin. The city admin registers a peer through the dialog:
// an empty form is stopped at its fields and nothing is sent; a key the server refuses is shown at
// the keys field naming its line and nothing is stored; a good registration (this node's own key,
// node id JS) is listed as 已启用 with its address and the pinned key's id; registering the same
// node id again is refused at the node id field; the name is changed in the edit dialog (no status
// sent, the server keeps it); the peer is suspended after a confirmation (已暂停) and resumed
// (已启用). English labels; the page and its dialogs at 390px in elder mode; an auditor reads the
// list without a button to change it. Each run makes its own city admin and auditor through the
// API (the city admin of LIFELONG_CITY_ADMIN), so that the language and elder mode of the shared
// account stay as they were.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, openBrowser, shot, uniqueSuffix } from './lib.mjs';
import { apiSignIn, call, cityAdmin } from './ledger-lib.mjs';
import { assertElder, elderOff, elderOn, signInAt, viaNav } from './transfer-lib.mjs';

const skip = !cityAdmin && 'LIFELONG_CITY_ADMIN not set';
const tag = uniqueSuffix();
let city, boss, auditor, node, nodeId;
const NAME = '江苏省终身教育学分银行';
const NAME_EDITED = '江苏省终身教育学分银行（苏州分中心）';
const BASE_URL = 'https://credit.js.example.cn';

// A key id as the page shortens it: the fragment of a "did:…#kid", its first 8 characters.
const shortKid = (kid) => {
  const k = kid.includes('#') ? kid.slice(kid.lastIndexOf('#') + 1) : kid;
  return k.length > 10 ? k.slice(0, 8) + '…' : k;
};

before(async () => {
  if (skip) return;
  city = await apiSignIn(cityAdmin.login, cityAdmin.password);
  node = await call('GET', '/api/v1/federation/node');
  boss = { login: 'fedcity-' + tag, password: 'City-' + uniqueSuffix() + '-1' };
  await call('POST', '/api/v1/users', { login: boss.login, display_name: '陆处长', password: boss.password, role: 'city_admin' }, city);
  auditor = { login: 'fedaud-' + tag, password: 'Audit-' + uniqueSuffix() + '-1' };
  await call('POST', '/api/v1/users', { login: auditor.login, display_name: '冯审计', password: auditor.password, role: 'auditor' }, city);
  // JS, unless a server kept from an earlier run has it already (peers cannot be deleted).
  nodeId = (await peerByApi('JS')) ? 'JS' + Array.from({ length: 4 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('') : 'JS';
});

// The peer of node id as the server has it, or null when there is none.
async function peerByApi(id) {
  const r = await fetch(`${BASE}/api/v1/federation/peers/${id}`, { headers: { Cookie: city.cookie, Accept: 'application/json' } });
  if (r.status === 404) return null;
  assert.equal(r.status, 200);
  return r.json();
}

async function openFederation(page, who = boss) {
  await signInAt(page, who, '/city');
  await viaNav(page, 'federation', '/city/federation', 'federation-page');
  await page.locator('[data-test=node-id]').waitFor();
  await page.locator('[data-test=peer-list], [data-test=peers-empty]').first().waitFor();
}

// The requests of a method to a path, as they are sent.
function watch(page, method, path) {
  const seen = [];
  page.on('request', (r) => {
    if (r.method() === method && new URL(r.url()).pathname === path) seen.push(r.postDataJSON());
  });
  return seen;
}

const fieldError = (scope, field) => scope.locator(`[data-field="${field}"] .el-form-item__error`);
const peer = (page) => page.locator(`[data-test=peer][data-node="${nodeId}"]`);

test('the node card shows this node and its keys, each copied for a peer to pin', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openFederation(page);
    assert.equal((await page.locator('[data-test=nav-federation]').innerText()).trim(), '长三角互认');
    assert.equal((await page.locator('h1').innerText()).trim(), '长三角学分银行互认');
    assert.equal(await page.locator('[data-test=federation-readonly]').count(), 0, 'a city admin is not told the page is read-only');
    const card = page.locator('[data-test=node-card]');
    assert.equal(node.node_id, 'SH', 'run.sh starts the server without --node-id');
    assert.equal((await card.locator('[data-test=node-id]').innerText()).trim(), 'SH');
    assert.equal((await card.locator('[data-test=node-name]').innerText()).trim(), '上海市终身教育学分银行');
    assert.equal((await card.locator('[data-test=node-name-en]').innerText()).trim(), 'Shanghai Lifelong Education Credit Bank');
    assert.equal((await card.locator('[data-test=node-issuer]').innerText()).trim(), node.issuer);
    assert.equal((await card.locator('[data-test=node-url]').innerText()).trim(), node.base_url);

    // Each key: its id and its x shortened, the whole x kept for the copy.
    const keys = card.locator('[data-test=node-key]');
    assert.ok(node.keys.length >= 1);
    assert.equal(await keys.count(), node.keys.length);
    const k = node.keys[0];
    const first = card.locator(`[data-test=node-key][data-x="${k.x}"]`);
    assert.equal((await first.locator('[data-test=node-key-kid]').innerText()).trim(), `公钥 ${shortKid(k.kid)}`);
    const shown = (await first.locator('[data-test=node-key-x]').innerText()).trim();
    assert.ok(shown.length < k.x.length && shown.startsWith(k.x.slice(0, 10)) && shown.endsWith(k.x.slice(-6)), `the key shortened: ${shown}`);
    assert.equal(await first.locator('[data-test=node-key-x]').getAttribute('title'), k.x);

    // Copied: the key's x, as the peer's form takes it.
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin });
    await first.locator('[data-test=copy-key]').click();
    await card.locator('[data-test=copy-status][data-ok=true]').waitFor();
    assert.match(await card.locator('[data-test=copy-status]').innerText(), /已复制公钥/);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), k.x);
    await shot(page, 'federation-node');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the city admin registers a peer (empty form and a bad key refused), changes it, suspends and resumes it', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openFederation(page);
    const x = node.keys[0].x;
    const posts = watch(page, 'POST', '/api/v1/federation/peers');

    // An empty form: stopped at every field, nothing sent.
    await page.locator('[data-test=peer-new]').click();
    const dialog = page.locator('[data-test=peer-dialog]');
    await dialog.locator('[data-test=peer-save]').waitFor();
    assert.match(await dialog.locator('.el-dialog__title').innerText(), /登记对等节点/);
    await dialog.locator('[data-test=peer-save]').click();
    for (const f of ['node_id', 'name', 'base_url']) {
      await fieldError(dialog, f).waitFor();
      assert.match(await fieldError(dialog, f).innerText(), /请填写/, f);
    }
    await fieldError(dialog, 'keys').waitFor();
    assert.match(await fieldError(dialog, 'keys').innerText(), /请至少填写一个公钥/);
    await dialog.locator('[data-test=peer-form-error]').waitFor();
    await page.waitForTimeout(300);
    assert.equal(posts.length, 0, 'nothing was sent');

    // A bad key on the second line: the server refuses it, shown at the keys field naming the line.
    await dialog.locator('[data-test=peer-node-id-input]').fill(nodeId.toLowerCase());
    await dialog.locator('[data-test=peer-name-input]').fill(NAME);
    await dialog.locator('[data-test=peer-base-url-input]').fill(BASE_URL);
    await dialog.locator('[data-test=peer-keys-input]').fill(`${x}\nnot-a-key`);
    await fieldError(dialog, 'name').waitFor({ state: 'detached' }); // an error goes when its field is typed in
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/federation/peers') && r.request().method() === 'POST');
    await dialog.locator('[data-test=peer-save]').click();
    const bad = await refused;
    assert.equal(bad.status(), 400);
    assert.equal((await bad.json()).error.field, 'keys[1]');
    assert.deepEqual(posts, [{ node_id: nodeId, name: NAME, base_url: BASE_URL, keys: [x, 'not-a-key'] }], 'the node id sent in capitals');
    await fieldError(dialog, 'keys').waitFor();
    assert.match(await fieldError(dialog, 'keys').innerText(), /第 2 行不是有效的公钥/);
    for (const f of ['node_id', 'name', 'base_url']) assert.equal(await fieldError(dialog, f).count(), 0, `no error at ${f}`);
    assert.equal(await dialog.locator('[data-test=peer-node-id-input]').inputValue(), nodeId);
    assert.equal(await peerByApi(nodeId), null, 'nothing was stored');
    await shot(page, 'federation-register');

    // The good key alone (blank lines are skipped): registered and listed as 已启用.
    await dialog.locator('[data-test=peer-keys-input]').fill(`\n${x}\n\n`);
    await fieldError(dialog, 'keys').waitFor({ state: 'detached' });
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/federation/peers') && r.request().method() === 'POST');
    await dialog.locator('[data-test=peer-save]').click();
    const res = await created;
    assert.equal(res.status(), 201, await res.text());
    assert.deepEqual(posts[1], { node_id: nodeId, name: NAME, base_url: BASE_URL, keys: [x] });
    await dialog.waitFor({ state: 'hidden' });
    const item = peer(page);
    await item.waitFor();
    assert.equal(await page.locator('[data-test=federation-notice]').getAttribute('data-kind'), 'created');
    assert.equal(await item.getAttribute('data-status'), 'active');
    assert.equal((await item.locator('[data-test=peer-status]').innerText()).trim(), '已启用');
    assert.equal((await item.locator('[data-test=peer-name]').innerText()).trim(), NAME);
    assert.equal((await item.locator('[data-test=peer-id]').innerText()).trim(), nodeId);
    assert.equal((await item.locator('[data-test=peer-url]').innerText()).trim(), BASE_URL);
    // The pinned key is this node's own: the same RFC 7638 thumbprint, shortened.
    const thumb = node.keys[0].kid.slice(node.keys[0].kid.lastIndexOf('#') + 1);
    const pinned = item.locator('[data-test=peer-key]');
    assert.equal(await pinned.count(), 1);
    assert.equal(await pinned.getAttribute('data-kid'), thumb);
    assert.equal((await pinned.innerText()).trim(), shortKid(thumb));
    assert.match(await item.locator('[data-test=peer-created]').innerText(), /\d{4}\/\d{2}\/\d{2}/);
    const stored = await peerByApi(nodeId);
    assert.deepEqual([stored.name, stored.base_url, stored.status, stored.keys.map((k) => k.x)], [NAME, BASE_URL, 'active', [x]]);
    await shot(page, 'federation');

    // The same node id again: refused at the node id field.
    await page.locator('[data-test=peer-new]').click();
    await dialog.locator('[data-test=peer-save]').waitFor();
    assert.equal(await dialog.locator('[data-test=peer-node-id-input]').inputValue(), '', 'the form is empty again');
    await dialog.locator('[data-test=peer-node-id-input]').fill(nodeId);
    await dialog.locator('[data-test=peer-name-input]').fill('重复登记');
    await dialog.locator('[data-test=peer-base-url-input]').fill(BASE_URL);
    await dialog.locator('[data-test=peer-keys-input]').fill(x);
    await dialog.locator('[data-test=peer-save]').click();
    await fieldError(dialog, 'node_id').waitFor();
    assert.match(await fieldError(dialog, 'node_id').innerText(), new RegExp(`节点 ${nodeId} 已经登记过了`));
    await dialog.locator('[data-test=peer-cancel]').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await peerByApi(nodeId)).name, NAME, 'the peer is as it was');

    // Its name changed; the node id cannot be, and the status is kept.
    const puts = watch(page, 'PUT', `/api/v1/federation/peers/${nodeId}`);
    await item.locator('[data-test=peer-edit]').click();
    await dialog.locator('[data-test=peer-save]').waitFor();
    assert.match(await dialog.locator('.el-dialog__title').innerText(), /修改对等节点/);
    assert.equal(await dialog.locator('[data-test=peer-node-id-input]').inputValue(), nodeId);
    assert.equal(await dialog.locator('#peer-node-id').isDisabled(), true);
    assert.equal(await dialog.locator('[data-test=peer-name-input]').inputValue(), NAME);
    assert.equal(await dialog.locator('[data-test=peer-keys-input]').inputValue(), x);
    await dialog.locator('[data-test=peer-name-input]').fill(NAME_EDITED);
    const changed = page.waitForResponse((r) => r.url().endsWith(`/api/v1/federation/peers/${nodeId}`) && r.request().method() === 'PUT');
    await dialog.locator('[data-test=peer-save]').click();
    assert.equal((await changed).status(), 200);
    assert.deepEqual(puts, [{ name: NAME_EDITED, base_url: BASE_URL, keys: [x] }], 'no status: the server keeps it');
    await dialog.waitFor({ state: 'hidden' });
    await item.locator('[data-test=peer-name]', { hasText: NAME_EDITED }).waitFor();
    assert.equal(await page.locator('[data-test=federation-notice]').getAttribute('data-kind'), 'saved');
    assert.equal(await item.getAttribute('data-status'), 'active');
    assert.deepEqual([(await peerByApi(nodeId)).name, (await peerByApi(nodeId)).status], [NAME_EDITED, 'active']);

    // Suspended after the confirmation.
    await item.locator('[data-test=peer-suspend]').click();
    const confirm = page.locator('[data-test=status-dialog]');
    await confirm.locator('[data-test=status-confirm]').waitFor();
    assert.equal((await confirm.locator('[data-test=status-subject]').innerText()).trim(), `${NAME_EDITED}（${nodeId}）`);
    assert.match(await confirm.innerText(), /暂停互认[\s\S]*不再向该节点发出请求[\s\S]*确认暂停/);
    assert.equal(puts.length, 1, 'nothing sent before the confirmation');
    await confirm.locator('[data-test=status-confirm]').click();
    await page.locator(`[data-test=peer][data-node="${nodeId}"][data-status=suspended]`).waitFor();
    assert.deepEqual(puts[1], { name: NAME_EDITED, base_url: BASE_URL, keys: [x], status: 'suspended' });
    assert.equal((await item.locator('[data-test=peer-status]').innerText()).trim(), '已暂停');
    assert.equal(await page.locator('[data-test=federation-notice]').getAttribute('data-kind'), 'suspended');
    assert.equal(await item.locator('[data-test=peer-suspend]').count(), 0);
    assert.equal((await peerByApi(nodeId)).status, 'suspended');
    await shot(page, 'federation-suspended');

    // Resumed after its confirmation.
    await item.locator('[data-test=peer-resume]').click();
    await confirm.locator('[data-test=status-confirm]').waitFor();
    assert.match(await confirm.innerText(), /恢复互认[\s\S]*确认恢复/);
    await confirm.locator('[data-test=status-confirm]').click();
    await page.locator(`[data-test=peer][data-node="${nodeId}"][data-status=active]`).waitFor();
    assert.equal((await item.locator('[data-test=peer-status]').innerText()).trim(), '已启用');
    assert.equal(puts[2].status, 'active');
    assert.equal((await peerByApi(nodeId)).status, 'active');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the page in English', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openFederation(page);
    await page.locator('[data-test=lang-en]').click();
    try {
      await page.locator('h1', { hasText: 'Yangtze River Delta credit bank federation' }).waitFor();
      assert.equal((await page.locator('[data-test=nav-federation]').innerText()).trim(), 'YRD federation');
      assert.match(await page.locator('[data-test=node-card]').innerText(), /This node[\s\S]*Node id[\s\S]*SH[\s\S]*Signing keys[\s\S]*Copy key/);
      assert.match(await page.locator('[data-test=peers]').innerText(), /Peer nodes[\s\S]*Register a peer/);
      const item = peer(page);
      assert.equal((await item.locator('[data-test=peer-status]').innerText()).trim(), 'Active');
      assert.match(await item.innerText(), /Address[\s\S]*Pinned keys[\s\S]*Registered[\s\S]*Last changed[\s\S]*Edit[\s\S]*Suspend/);
      // The dialog's labels and a refused key in English.
      await page.locator('[data-test=peer-new]').click();
      const dialog = page.locator('[data-test=peer-dialog]');
      await dialog.locator('[data-test=peer-save]').waitFor();
      assert.match(await dialog.innerText(), /Register a peer[\s\S]*Node id[\s\S]*Name[\s\S]*Address[\s\S]*Public keys \(one per line\)/);
      await dialog.locator('[data-test=peer-node-id-input]').fill('ZJ');
      await dialog.locator('[data-test=peer-name-input]').fill('Zhejiang');
      await dialog.locator('[data-test=peer-base-url-input]').fill('https://credit.zj.example.cn');
      await dialog.locator('[data-test=peer-keys-input]').fill('short');
      await dialog.locator('[data-test=peer-save]').click();
      await fieldError(dialog, 'keys').waitFor();
      assert.match(await fieldError(dialog, 'keys').innerText(), /Line 1 is not a valid public key/);
      await dialog.locator('[data-test=peer-cancel]').click();
      await dialog.waitFor({ state: 'hidden' });
    } finally {
      await page.locator('[data-test=lang-zh]').click();
      await page.locator('h1', { hasText: '长三角学分银行互认' }).waitFor();
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the page and its dialogs at 390px in elder mode', { skip }, async () => {
  const b = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await openFederation(page);
    await elderOn(page);
    try {
      await peer(page).waitFor();
      await assertElder(page, 'the federation page');
      await shot(page, 'federation-elder-phone');

      await page.locator('[data-test=peer-new]').click();
      const dialog = page.locator('[data-test=peer-dialog]');
      await dialog.locator('[data-test=peer-save]').waitFor();
      await dialog.locator('[data-test=peer-save]').click();
      await fieldError(dialog, 'keys').waitFor();
      await page.waitForTimeout(400);
      await assertElder(page, 'the register dialog with its errors');
      await shot(page, 'federation-register-elder-phone');
      await dialog.locator('[data-test=peer-cancel]').click();
      await dialog.waitFor({ state: 'hidden' });

      await peer(page).locator('[data-test=peer-suspend]').click();
      const confirm = page.locator('[data-test=status-dialog]');
      await confirm.locator('[data-test=status-confirm]').waitFor();
      await page.waitForTimeout(400);
      await assertElder(page, 'the suspend confirmation');
      await confirm.locator('[data-test=status-cancel]').click();
      await confirm.waitFor({ state: 'hidden' });
      assert.equal((await peerByApi(nodeId)).status, 'active', 'going back changes nothing');
    } finally {
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => [...document.querySelectorAll('.el-overlay')].every((e) => getComputedStyle(e).display === 'none'));
      await elderOff(page);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('an auditor reads the node and the peers but cannot change them', { skip }, async () => {
  const b = await openBrowser();
  try {
    const { page } = b;
    await openFederation(page, auditor);
    await page.locator('[data-test=federation-readonly]').waitFor();
    assert.equal((await page.locator('[data-test=node-id]').innerText()).trim(), 'SH');
    const item = peer(page);
    await item.waitFor();
    assert.equal((await item.locator('[data-test=peer-status]').innerText()).trim(), '已启用');
    assert.equal((await item.locator('[data-test=peer-name]').innerText()).trim(), NAME_EDITED);
    for (const k of ['peer-new', 'peer-edit', 'peer-suspend', 'peer-resume']) assert.equal(await page.locator(`[data-test=${k}]`).count(), 0, `no ${k}`);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
