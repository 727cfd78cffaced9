// The credit bank's log: every ledger entry is a leaf of one RFC 9162 Merkle log whose tree
// heads the node signs with Ed25519. A client that trusts only the node's public key checks,
// with nothing but node:crypto, that an entry's hash is the hash of its content, that the entry
// is in the signed tree (inclusion proof), and that a later tree extends an earlier one
// (consistency proof).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import {
  CHANGNING, XUHUI, anon, assertError, assertStatus, createInstitution, createStaff, registerCitizen, signInFixture,
} from './lib.mjs';
import {
  canonicalBytes, hex, leafHash, mth, sha256, verifyConsistency, verifyInclusion, verifySth,
} from './ledger-proofs.mjs';

// ---- The scenarios ----

describe('the ledger log: entry hashes, inclusion, signed tree heads, consistency', () => {
  let city, staff, staffOther, citizen, other, publicKey;
  const deposits = []; // { entry_id, head } in the order deposited
  before(async () => {
    city = await signInFixture('fx-city-admin');
    const ou = await createInstitution(city, XUHUI, 'open_university');
    staff = await createStaff(city, 'staff', ou.id);
    const second = await createInstitution(city, CHANGNING, 'university');
    staffOther = await createStaff(city, 'staff', second.id);
    citizen = await registerCitizen();
    other = await registerCitizen();
    const sth = await anon().get('/api/v1/ledger/tree-head');
    assertStatus(sth, 200);
    publicKey = sth.json.public_key;
    // Nine deposits, each followed by its proof: the proof signs a tree head that covers it, so
    // the heads have consecutive sizes to check consistency between.
    for (let i = 0; i < 9; i++) {
      const who = i % 3 === 2 ? other : citizen;
      const res = await staff.post('/api/v1/ledger/outcomes', {
        account_no: who.account.account_no, kind: 'academic_credit', title: `课程 ${i} "引号" \\ 与/斜线`, code: `C${i}`,
        credits_milli: 1000 + i, result_kind: 'grade', result: 'B+', awarded_on: '2024-09-0' + (1 + (i % 9)),
      });
      assertStatus(res, 201);
      const p = await citizen.client.get(`/api/v1/ledger/entries/${res.json.entry_id}?proof=true`);
      const proof = who === citizen ? p : await other.client.get(`/api/v1/ledger/entries/${res.json.entry_id}?proof=true`);
      assertStatus(proof, 200);
      deposits.push({ entry_id: res.json.entry_id, person: who, proof: proof.json });
    }
  });

  test('the verifiers of this file accept what RFC 9162 builds and refuse what it does not', () => {
    const leaves = Array.from({ length: 13 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
    // Inclusion: for leaf 5 of 13 the audit path is built from the RFC's definition.
    const path = (m, d) => {
      if (d.length === 1) return [];
      let k = 1;
      while (k * 2 < d.length) k *= 2;
      return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
    };
    const root = mth(leaves);
    for (let m = 0; m < 13; m++) {
      const proof = path(m, leaves).map((h) => h.toString('hex'));
      assert.ok(verifyInclusion(m, 13, leaves[m], proof, root), `leaf ${m}`);
      assert.ok(!verifyInclusion(m, 13, leaves[(m + 1) % 13], proof, root));
    }
    // Consistency, from the RFC's SUBPROOF.
    const subproof = (m, d, b) => {
      const n = d.length;
      if (m === n) return b ? [] : [mth(d)];
      let k = 1;
      while (k * 2 < n) k *= 2;
      return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
    };
    for (let m = 1; m <= 13; m++) {
      const proof = m === 13 ? [] : subproof(m, leaves, true).map((h) => h.toString('hex'));
      assert.ok(verifyConsistency(m, 13, mth(leaves.slice(0, m)), root, proof), `consistency ${m} -> 13`);
      if (m < 13) assert.ok(!verifyConsistency(m, 13, mth(leaves.slice(1, m + 1)), root, proof), `bad first root ${m}`);
    }
  });

  test('an entry\'s hash is SHA-256(0x00 || its canonical JSON), and tampering shows', async () => {
    for (const d of deposits) {
      const e = d.proof.entry;
      assert.equal(leafHash(canonicalBytes(e)).toString('hex'), e.entry_hash, `entry ${e.id}`);
      assert.equal(e.id, d.entry_id);
    }
    const e = deposits[0].proof.entry;
    assert.notEqual(leafHash(canonicalBytes({ ...e, title: e.title + ' ' })).toString('hex'), e.entry_hash);
    assert.notEqual(leafHash(canonicalBytes({ ...e, credits_milli: e.credits_milli + 1 })).toString('hex'), e.entry_hash);
    assert.equal(e.v, 1);
    // created_at is the same instant as created_at_us, for people.
    assert.equal(Date.parse(e.created_at), Math.floor(e.created_at_us / 1000));
  });

  test('an entry whose text holds control characters, emoji and line separators hashes as JSON.stringify writes it', async () => {
    const title = 'Tab\there\nnew line \u0001\u001f\u007f \u2028\u2029 😀 𠀀 "q" \\ é';
    const res = await staff.post('/api/v1/ledger/outcomes', {
      account_no: citizen.account.account_no, kind: 'academic_credit', title, code: 'CTRL\u0002', credits_milli: 1500,
      result_kind: 'pass', result: 'pass', awarded_on: '2024-09-30',
    });
    assertStatus(res, 201);
    const got = await citizen.client.get(`/api/v1/ledger/entries/${res.json.entry_id}?proof=true`);
    assertStatus(got, 200);
    const e = got.json.entry;
    assert.equal(e.title, title);
    assert.equal(leafHash(canonicalBytes(e)).toString('hex'), e.entry_hash, `canonical bytes: ${canonicalBytes(e).toString()}`);
    const th = got.json.tree_head;
    assert.ok(verifySth(th, publicKey));
    assert.ok(verifyInclusion(got.json.leaf_index, th.tree_size, hex(e.entry_hash), got.json.inclusion_proof, hex(th.root_hash)));
  });

  test('?proof=true gives entry, leaf_index, tree_head and an inclusion proof that verifies against the signed root', async () => {
    for (const d of deposits) {
      const { entry, leaf_index, tree_head: th, inclusion_proof } = d.proof;
      assert.equal(leaf_index, entry.seq);
      assert.ok(th.tree_size >= leaf_index + 1, `tree ${th.tree_size} covers leaf ${leaf_index}`);
      assert.equal(th.algorithm, 'Ed25519');
      assert.equal(th.public_key, publicKey);
      assert.ok(verifySth(th, publicKey), `signature of the tree head of size ${th.tree_size}`);
      assert.ok(verifyInclusion(leaf_index, th.tree_size, hex(entry.entry_hash), inclusion_proof, hex(th.root_hash)),
        `inclusion of leaf ${leaf_index} in ${th.tree_size}`);
      // The same proof fails for another leaf or another root.
      assert.ok(!verifyInclusion(leaf_index, th.tree_size, leafHash(Buffer.from('x')), inclusion_proof, hex(th.root_hash)));
      if (inclusion_proof.length)
        assert.ok(!verifyInclusion(leaf_index, th.tree_size, hex(entry.entry_hash), ['00'.repeat(32), ...inclusion_proof.slice(1)], hex(th.root_hash)));
    }
    // Consecutive deposits were proven against heads of consecutive sizes.
    const sizes = deposits.map((d) => d.proof.tree_head.tree_size);
    assert.deepEqual(sizes, sizes.map((_, i) => sizes[0] + i));
    assert.deepEqual(deposits.map((d) => d.proof.leaf_index), sizes.map((s) => s - 1));
  });

  test('a tampered tree head fails its signature', () => {
    const th = deposits.at(-1).proof.tree_head;
    assert.ok(verifySth(th));
    assert.ok(!verifySth({ ...th, tree_size: th.tree_size + 1 }));
    assert.ok(!verifySth({ ...th, timestamp_us: th.timestamp_us + 1 }));
    assert.ok(!verifySth({ ...th, root_hash: sha256(Buffer.from('other')).toString('hex') }));
    assert.equal(Date.parse(th.timestamp), Math.floor(th.timestamp_us / 1000));
  });

  test('each person\'s entries are chained: person_seq counts up and prev_hash is the previous entry\'s hash', async () => {
    const mine = deposits.filter((d) => d.person === citizen).map((d) => d.proof.entry);
    for (let i = 1; i < mine.length; i++) {
      assert.equal(mine[i].person_seq, mine[i - 1].person_seq + 1);
      assert.equal(mine[i].prev_hash, mine[i - 1].entry_hash);
      assert.ok(mine[i].seq > mine[i - 1].seq);
    }
    assert.equal(mine[0].person_seq, 1);
    assert.equal(mine[0].prev_hash, '0'.repeat(64));
  });

  test('twelve deposits for one person at once are all stored, each in the log, and chained without gaps', async () => {
    const person = await registerCitizen();
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => staff.post('/api/v1/ledger/outcomes', {
      account_no: person.account.account_no, kind: 'community_education', title: `并发课程 ${i}`, hours_milli: 2000 + i, awarded_on: '2024-03-03',
    })));
    for (const r of replies) assertStatus(r, 201);
    const entries = [];
    for (const r of replies) {
      const got = await person.client.get(`/api/v1/ledger/entries/${r.json.entry_id}?proof=true`);
      assertStatus(got, 200);
      const th = got.json.tree_head;
      assert.ok(verifyInclusion(got.json.leaf_index, th.tree_size, hex(got.json.entry.entry_hash), got.json.inclusion_proof, hex(th.root_hash)));
      assert.equal(leafHash(canonicalBytes(got.json.entry)).toString('hex'), got.json.entry.entry_hash);
      entries.push(got.json.entry);
    }
    entries.sort((a, b) => a.person_seq - b.person_seq);
    assert.deepEqual(entries.map((e) => e.person_seq), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.equal(entries[0].prev_hash, '0'.repeat(64));
    for (let i = 1; i < entries.length; i++) {
      assert.equal(entries[i].prev_hash, entries[i - 1].entry_hash, `person_seq ${entries[i].person_seq}`);
      assert.ok(entries[i].seq > entries[i - 1].seq);
    }
    assert.equal(new Set(entries.map((e) => e.seq)).size, 12);
  });

  test('the tree head is public, signed by the key the proofs name, and covers every entry', async () => {
    const res = await anon().get('/api/v1/ledger/tree-head');
    assertStatus(res, 200);
    assert.match(res.headers.get('cache-control') || '', /public/);
    const th = res.json;
    assert.equal(th.public_key, publicKey);
    assert.match(th.root_hash, /^[0-9a-f]{64}$/);
    assert.match(th.signature, /^[0-9a-f]{128}$/);
    assert.ok(verifySth(th));
    const last = deposits.at(-1).proof.tree_head;
    assert.ok(th.tree_size >= last.tree_size);
    if (th.tree_size === last.tree_size) assert.equal(th.root_hash, last.root_hash);
  });

  test('consistency proofs between every pair of signed heads verify (RFC 9162 §2.1.4.2)', async () => {
    const heads = deposits.map((d) => d.proof.tree_head);
    const latest = (await anon().get('/api/v1/ledger/tree-head')).json;
    heads.push(latest);
    for (let i = 0; i < heads.length; i++)
      for (let j = i; j < heads.length; j++) {
        const [a, b] = [heads[i], heads[j]];
        const res = await anon().get(`/api/v1/ledger/consistency?first=${a.tree_size}&second=${b.tree_size}`);
        assertStatus(res, 200);
        assert.equal(res.json.first, a.tree_size);
        assert.equal(res.json.second, b.tree_size);
        const proof = res.json.consistency_proof;
        assert.ok(verifyConsistency(a.tree_size, b.tree_size, hex(a.root_hash), hex(b.root_hash), proof),
          `consistency ${a.tree_size} -> ${b.tree_size}`);
        if (a.tree_size < b.tree_size)
          assert.ok(!verifyConsistency(a.tree_size, b.tree_size, sha256(Buffer.from('forged')), hex(b.root_hash), proof));
      }
  });

  test('consistency sizes out of range are 400: beyond the log, first above second, negative, not numbers, missing', async () => {
    const size = (await anon().get('/api/v1/ledger/tree-head')).json.tree_size;
    const q = (s) => anon().get(`/api/v1/ledger/consistency?${s}`);
    assertError(await q(`first=1&second=${size + 1000}`), 400, 'out_of_range', 'second');
    assertError(await q(`first=3&second=2`), 400, 'out_of_range');
    assertError(await q(`first=-1&second=2`), 400, 'bad_query', 'first');
    assertError(await q(`first=1&second=two`), 400, 'bad_query', 'second');
    assertError(await q(`first=1`), 400, 'bad_query', 'second');
    assertError(await q(`second=1`), 400, 'bad_query', 'first');
    // Past int64: a 400 on second either way (the server reads it as the largest size).
    const huge = await q(`first=1&second=99999999999999999999`);
    assertStatus(huge, 400);
    assert.equal(huge.json.error.field, 'second');
  });

  test('entries are read by those who may read the person\'s record; others get 404; a bad ?proof is 400', async () => {
    const id = deposits[0].entry_id;
    assertStatus(await staff.get(`/api/v1/ledger/entries/${id}`), 200);
    assertStatus(await city.get(`/api/v1/ledger/entries/${id}`), 200);
    const plain = await citizen.client.get(`/api/v1/ledger/entries/${id}`);
    assertStatus(plain, 200);
    assert.deepEqual(Object.keys(plain.json), ['entry']);
    assertError(await other.client.get(`/api/v1/ledger/entries/${id}`), 404, 'not_found');
    assertError(await staffOther.get(`/api/v1/ledger/entries/${id}`), 404, 'not_found');
    assertError(await city.get(`/api/v1/ledger/entries/${crypto.randomUUID()}`), 404, 'not_found');
    assertError(await anon().get(`/api/v1/ledger/entries/${id}`), 401, 'unauthenticated');
    assertError(await citizen.client.get(`/api/v1/ledger/entries/${id}?proof=maybe`), 400, 'bad_query', 'proof');
    // proof=false is the plain entry.
    assert.deepEqual(Object.keys((await citizen.client.get(`/api/v1/ledger/entries/${id}?proof=false`)).json), ['entry']);
  });

  test('a proof asked for later is against a newer head and still verifies; the two heads are consistent', async () => {
    const first = deposits[0];
    const later = await citizen.client.get(`/api/v1/ledger/entries/${first.entry_id}?proof=true`);
    assertStatus(later, 200);
    const th = later.json.tree_head;
    assert.ok(th.tree_size >= deposits.at(-1).proof.tree_head.tree_size);
    assert.ok(verifySth(th, publicKey));
    assert.ok(verifyInclusion(later.json.leaf_index, th.tree_size, hex(later.json.entry.entry_hash), later.json.inclusion_proof, hex(th.root_hash)));
    const old = first.proof.tree_head;
    const c = await anon().get(`/api/v1/ledger/consistency?first=${old.tree_size}&second=${th.tree_size}`);
    assertStatus(c, 200);
    assert.ok(verifyConsistency(old.tree_size, th.tree_size, hex(old.root_hash), hex(th.root_hash), c.json.consistency_proof));
  });
});
