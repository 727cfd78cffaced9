// Credentials anyone can verify (求职认证): a citizen has one of their outcomes issued as an Open
// Badges 3.0 credential, a W3C Verifiable Credential 2.0 secured as a compact JWS (VC-JOSE, EdDSA).
// The point of these scenarios is that the credential is checked the way an employer would check
// it, without Lifelong's own code: the JWS with panva's jose (a widely used JOSE library) against
// the keys the issuer publishes (its JWKS and did:web document), and the ledger proof it carries
// with node:crypto alone (RFC 9162 inclusion, the signed tree head). Then the node's own verifier
// (POST /api/v1/verify) must agree, tampering and foreign keys must fail both, a key rotation must
// leave older credentials verifiable, and refused requests must store nothing. Revocation is read
// the same way: the W3C Bitstring Status List the issuer publishes is verified with jose and
// inflated with node:zlib, and a credential whose outcome is revoked or corrected must show as
// revoked there and in the node's verifier.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import {
  CompactSign, calculateJwkThumbprint, compactVerify, createLocalJWKSet, decodeProtectedHeader, errors, generateKeyPair, importJWK, jwtVerify,
} from 'jose';

import {
  BASE, CHANGNING_COMMITTEE, XUHUI, anon, assertError, assertStatus, auditMark, auditSince, createInstitution, createStaff, registerCitizen,
  signInFixture,
} from './lib.mjs';
import { canonicalBytes, hex, leafHash, verifyInclusion, verifySth } from './ledger-proofs.mjs';

// The issuer's did:web, from the server's default --home-page (https://lifelong.sh.cn).
const DID = 'did:web:lifelong.sh.cn';
const ISSUER_URL = 'https://lifelong.sh.cn';
const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
const CHECKS = ['format', 'signature', 'validity', 'status', 'ledger'];
const ALL_PASSED = Object.fromEntries(CHECKS.map((c) => [c, 'passed']));
// W3C Bitstring Status List v1.0 as the issuer uses it: lists of 131,072 bits (16 KiB).
const STATUS_LIST_BITS = 131072;
// The format check's words for a text that is not a compact JWS.
const NOT_A_JWS_EN = 'This is not a credential in the compact JWS form (three base64url parts joined by dots).';

// ---- base64url (the ledger's proofs are checked with ledger-proofs.mjs) ----

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const unb64u = (s) => Buffer.from(s, 'base64url');
const jsonPart = (o) => b64u(Buffer.from(JSON.stringify(o), 'utf8'));
// ---- JWS surgery ----

const jwsParts = (jws) => {
  const [h, p, s] = jws.split('.');
  return { h, p, s, header: JSON.parse(unb64u(h)), payload: JSON.parse(unb64u(p)) };
};
const kidFragment = (kid) => kid.slice(kid.indexOf('#') + 1);

// Signs payload (an object) under header with a key of the test's own.
async function signOwn(header, payload, privateKey) {
  return new CompactSign(Buffer.from(JSON.stringify(payload), 'utf8')).setProtectedHeader(header).sign(privateKey);
}

// A verification report: its keys, and each check's status by name.
function checksOf(res) {
  assertStatus(res, 200);
  const r = res.json;
  assert.equal(typeof r.is_valid, 'boolean', res.text);
  assert.deepEqual(r.checks.map((c) => c.check), CHECKS, res.text);
  for (const c of r.checks) {
    assert.deepEqual(Object.keys(c).sort(), ['check', 'message', 'message_en', 'status'], res.text);
    assert.ok(['passed', 'failed', 'not_checked'].includes(c.status), res.text);
    assert.ok(c.message.length > 0 && c.message_en.length > 0, res.text);
  }
  return Object.fromEntries(r.checks.map((c) => [c.check, c.status]));
}

const verifyApi = (jws) => anon().post('/api/v1/verify', { credential: jws });

// Expects jose to refuse the JWS's signature.
async function joseRefuses(jws, key) {
  await assert.rejects(compactVerify(jws, key), errors.JWSSignatureVerificationFailed);
}

describe('credentials anyone can verify', () => {
  let city, staff, citizen, other, ou, did, jwks, treeHead, issued, credit;

  // The JWKS entry a JWS names (by its header's kid, the DID URL), as a jose key.
  const keyFor = async (jws, set = jwks) => {
    const kid = decodeProtectedHeader(jws).kid;
    const jwk = set.keys.find((k) => k.kid === kid);
    assert.ok(jwk, `the JWKS has no key ${kid}`);
    return importJWK(jwk, 'EdDSA');
  };

  const myCredentials = async (who = citizen) => {
    const res = await who.client.get('/api/v1/me/credentials');
    assertStatus(res, 200);
    assert.deepEqual(Object.keys(res.json), ['items']);
    return res.json.items;
  };

  const deposit = async (person, over = {}) => {
    const res = await staff.post('/api/v1/ledger/outcomes', {
      account_no: person.account.account_no, kind: 'academic_credit', title: '高等数学（一）', code: 'MATH101', credits_milli: 4000,
      result_kind: 'grade', result: 'A', awarded_on: '2024-06-30', ...over,
    });
    assertStatus(res, 201);
    assert.equal(res.json.status, 'stored');
    return res.json;
  };

  const issue = async (outcomeId, who = citizen) => {
    const res = await who.client.post('/api/v1/me/credentials', { outcome_id: outcomeId });
    assertStatus(res, 201);
    return res.json;
  };

  const publicDocs = async () => {
    const d = await anon().get('/.well-known/did.json');
    assertStatus(d, 200);
    const k = await anon().get('/api/v1/credentials/jwks');
    assertStatus(k, 200);
    return { did: d.json, jwks: k.json };
  };

  before(async () => {
    city = await signInFixture('fx-city-admin');
    ou = await createInstitution(city, XUHUI, 'open_university');
    staff = await createStaff(city, 'staff', ou.id);
    citizen = await registerCitizen();
    other = await registerCitizen({ committee: CHANGNING_COMMITTEE });
    credit = await deposit(citizen, { title: '高等数学（一）"引号" 与/斜线', code: 'MATH101' });
    ({ did, jwks } = await publicDocs());
    const th = await anon().get('/api/v1/ledger/tree-head');
    assertStatus(th, 200);
    treeHead = th.json;
  });

  test('the issuer publishes a did:web document, a JWKS and a profile that agree with each other and with the ledger', async () => {
    assert.equal(did.id, DID);
    assert.equal(did['@context'][0], 'https://www.w3.org/ns/did/v1');
    assert.ok(jwks.keys.length >= 1, 'the issuer has a key from the start');
    for (const k of jwks.keys) {
      assert.deepEqual(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      assert.deepEqual([k.kty, k.crv, k.alg, k.use], ['OKP', 'Ed25519', 'EdDSA', 'sig']);
      assert.equal(unb64u(k.x).length, 32);
      // The kid is the DID URL a credential's header names: the issuer's DID and, as its
      // fragment, the key's RFC 7638 thumbprint as jose computes it.
      assert.equal(k.kid, `${DID}#${await calculateJwkThumbprint(k, 'sha256')}`);
    }
    // Every issuer key is a verification method for assertions, in the JWKS's order, named by
    // the same DID URL as its JWKS entry; the ledger key is a method too, but asserts nothing.
    const methods = new Map(did.verificationMethod.map((m) => [m.id, m]));
    assert.equal(did.verificationMethod.length, jwks.keys.length + 1);
    assert.equal(methods.size, did.verificationMethod.length, 'method ids are distinct');
    assert.deepEqual(did.assertionMethod, jwks.keys.map((k) => k.kid));
    for (const k of jwks.keys) {
      const m = methods.get(k.kid);
      assert.deepEqual(m, { id: k.kid, type: 'JsonWebKey2020', controller: DID, publicKeyJwk: k });
    }
    const ledger = methods.get(`${DID}#ledger`);
    assert.ok(ledger, 'did.json names the ledger key');
    assert.equal(ledger.type, 'JsonWebKey2020');
    assert.equal(ledger.controller, DID);
    assert.ok(!did.assertionMethod.includes(`${DID}#ledger`), 'the ledger key does not sign credentials');
    assert.equal(ledger.publicKeyJwk.kty, 'OKP');
    assert.equal(ledger.publicKeyJwk.crv, 'Ed25519');
    assert.equal(unb64u(ledger.publicKeyJwk.x).toString('hex'), treeHead.public_key);

    const profile = await anon().get('/api/v1/credentials/issuer');
    assertStatus(profile, 200);
    assert.deepEqual(profile.json, {
      id: DID, type: ['Profile'], name: '上海终身教育学分银行', url: ISSUER_URL,
      jwks_uri: `${ISSUER_URL}/api/v1/credentials/jwks`, did_document: `${ISSUER_URL}/.well-known/did.json`,
    });
  });

  test('the public documents may be read from any origin and say they may be cached', async () => {
    for (const p of ['/.well-known/did.json', '/api/v1/credentials/jwks', '/api/v1/credentials/issuer']) {
      const res = await anon().get(p);
      assertStatus(res, 200);
      assert.match(res.headers.get('content-type') || '', /^application\/json/, p);
      assert.match(res.headers.get('cache-control') || '', /\bpublic\b/, p);
      assert.match(res.headers.get('cache-control') || '', /\bmax-age=\d+/, p);
      assert.equal(res.headers.get('access-control-allow-origin'), '*', p);
    }
  });

  // fetch joins repeated fields with ", "; a cache combines them the same way (RFC 9111 §5.2),
  // and no-store beside public forbids storing the document at all.
  test('the public documents carry one Cache-Control, without no-store; a verification is no-store once', async () => {
    for (const p of ['/.well-known/did.json', '/api/v1/credentials/jwks', '/api/v1/credentials/issuer']) {
      const res = await anon().get(p);
      assertStatus(res, 200);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=60', p);
    }
    const v = await verifyApi('abc');
    assertStatus(v, 200);
    assert.equal(v.headers.get('cache-control'), 'no-store');
  });

  test('a citizen issues a credential for a deposited outcome (201): an OpenBadgeCredential as a VC-JOSE JWS', async () => {
    const before = await myCredentials();
    issued = await issue(credit.outcome_id);
    const c = issued;
    assert.deepEqual(Object.keys(c).sort(), ['credential', 'entry_id', 'id', 'issued_at', 'jws', 'kid', 'outcome_id', 'records', 'title', 'type']);
    assert.match(c.id, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.equal(c.type, 'OpenBadgeCredential');
    assert.equal(c.outcome_id, credit.outcome_id);
    assert.equal(c.entry_id, credit.entry_id);
    // The answer names the key by its bare thumbprint; the newest key signs.
    assert.match(c.kid, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(`${DID}#${c.kid}`, jwks.keys[0].kid, 'the newest key signs');
    assert.equal(c.title, '高等数学（一）"引号" 与/斜线');
    assert.ok(Math.abs(Date.parse(c.issued_at) - Date.now()) < 60e3, c.issued_at);
    assert.match(c.jws, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

    const { header } = jwsParts(c.jws);
    assert.deepEqual(header, { alg: 'EdDSA', kid: `${DID}#${c.kid}`, typ: 'vc+jwt', cty: 'vc', iss: DID });

    const vc = c.credential;
    assert.equal(vc['@context'][0], VC_CONTEXT, '@context starts with VC 2.0');
    assert.deepEqual(vc.type, ['VerifiableCredential', 'OpenBadgeCredential']);
    assert.equal(vc.id, c.id);
    assert.deepEqual(vc.issuer, { id: DID, type: ['Profile'], name: '上海终身教育学分银行', url: ISSUER_URL });
    assert.equal(Date.parse(vc.validFrom), Date.parse(c.issued_at));
    const s = vc.credentialSubject;
    assert.deepEqual(s.type, ['AchievementSubject']);
    assert.equal(s.achievement.name, c.title);
    assert.equal(s.achievement.humanCode, 'MATH101');
    assert.equal(s.achievement.creditsAvailable, 4);
    assert.equal(s.achievement.creator.name, ou.name);
    assert.equal(s.creditsEarned, 4);
    assert.deepEqual(s.result, [{ type: ['Result'], value: 'A' }]);
    assert.ok(s.identifier.some((i) => i.identityType === 'identifier' && i.identityHash === citizen.account.account_no), JSON.stringify(s.identifier));
    // The ID number and phone number stay out of a credential the holder hands to anyone.
    const text = Buffer.from(c.jws.split('.')[1], 'base64url').toString('utf8');
    assert.ok(!text.includes(citizen.idNumber), 'the ID number is not in the credential');
    assert.ok(!text.includes(citizen.phone), 'the phone number is not in the credential');

    const l = vc.lifelongLedger;
    assert.equal(l.entryId, credit.entry_id);
    assert.equal(l.treeHeadKey, `${DID}#ledger`);
    assert.match(l.entryHash, /^[0-9a-f]{64}$/);
    for (const k of ['tree_size', 'timestamp_us', 'root_hash', 'signature']) assert.ok(k in l.treeHead, `treeHead.${k}`);
    assert.ok(Array.isArray(l.inclusionProof));

    // Where its revocation is published: a Bitstring Status List entry at the issuer's address.
    const st = vc.credentialStatus;
    assert.match(st.statusListIndex, /^(0|[1-9][0-9]*)$/, 'the index is a string of digits');
    const list = `${ISSUER_URL}/api/v1/credentials/status/${Math.floor(Number(st.statusListIndex) / STATUS_LIST_BITS)}`;
    assert.deepEqual(st, {
      id: `${list}#${st.statusListIndex}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation',
      statusListIndex: st.statusListIndex, statusListCredential: list,
    });

    assert.equal((await myCredentials()).length, before.length + 1);
  });

  test('jose verifies the JWS with the issuer\'s published key; the payload is the credential, the key is in did.json', async () => {
    const key = await keyFor(issued.jws);
    const { payload, protectedHeader } = await compactVerify(issued.jws, key, { algorithms: ['EdDSA'] });
    assert.deepEqual(protectedHeader, { alg: 'EdDSA', kid: `${DID}#${issued.kid}`, typ: 'vc+jwt', cty: 'vc', iss: DID });
    assert.deepEqual(JSON.parse(Buffer.from(payload).toString('utf8')), issued.credential);

    // jwtVerify takes it too (the payload is a JSON object) and checks the media type.
    const jwt = await jwtVerify(issued.jws, key, { typ: 'vc+jwt', algorithms: ['EdDSA'] });
    assert.deepEqual(jwt.payload, issued.credential);
    await assert.rejects(jwtVerify(issued.jws, key, { typ: 'JWT' }), errors.JWTClaimValidationFailed);

    // The JWKS as jose reads it, unchanged: its kids are the DID URLs the headers carry, so the
    // set finds the key by the header's kid as it stands, and jwtVerify resolves it through the set.
    const set = createLocalJWKSet(jwks);
    const viaJwks = await jwtVerify(issued.jws, set, { typ: 'vc+jwt', algorithms: ['EdDSA'] });
    assert.deepEqual(viaJwks.payload, issued.credential);
    assert.deepEqual(viaJwks.protectedHeader, protectedHeader);
    await compactVerify(issued.jws, await set(protectedHeader));
    // The bare thumbprint (the kid of the API's answers) is not a key name of the set.
    assert.equal(kidFragment(protectedHeader.kid), issued.kid);
    await assert.rejects(set({ ...protectedHeader, kid: issued.kid }), errors.JWKSNoMatchingKey);

    // The DID document's assertion methods: each publicKeyJwk is named by its method's id, so
    // they make a JWKS as they are.
    const asserting = did.verificationMethod.filter((m) => did.assertionMethod.includes(m.id));
    for (const m of asserting) assert.equal(m.publicKeyJwk.kid, m.id);
    const didSet = createLocalJWKSet({ keys: asserting.map((m) => m.publicKeyJwk) });
    const viaDid = await jwtVerify(issued.jws, didSet, { typ: 'vc+jwt', algorithms: ['EdDSA'] });
    assert.deepEqual(viaDid.payload, issued.credential);
    assert.ok(did.assertionMethod.includes(protectedHeader.kid), 'the kid is an assertion method of the issuer');
    const method = did.verificationMethod.find((m) => m.id === protectedHeader.kid);
    assert.deepEqual(method.publicKeyJwk, jwks.keys.find((k) => k.kid === protectedHeader.kid));

    // The ledger key is published too, but it did not sign the credential.
    const ledgerJwk = did.verificationMethod.find((m) => m.id === `${DID}#ledger`).publicKeyJwk;
    await joseRefuses(issued.jws, await importJWK(ledgerJwk, 'EdDSA'));
  });

  test('the ledger proof checks with node:crypto alone: entry hash, inclusion in the signed tree, the did.json ledger key', async () => {
    const l = issued.credential.lifelongLedger;
    const entryBytes = unb64u(l.entry);
    assert.equal(leafHash(entryBytes).toString('hex'), l.entryHash, 'SHA-256(0x00 || entry) is entryHash');
    const entry = JSON.parse(entryBytes.toString('utf8'));
    assert.equal(entry.id, l.entryId);
    assert.equal(entry.seq, l.leafIndex);
    assert.equal(entry.title, issued.title);
    // They are the bytes of the entry the ledger holds.
    const held = await citizen.client.get(`/api/v1/ledger/entries/${l.entryId}`);
    assertStatus(held, 200);
    assert.ok(canonicalBytes(held.json.entry).equals(entryBytes), 'the carried entry is the ledger\'s entry, byte for byte');
    assert.equal(held.json.entry.entry_hash, l.entryHash);

    const th = l.treeHead;
    assert.ok(th.tree_size > l.leafIndex, `the tree of ${th.tree_size} holds leaf ${l.leafIndex}`);
    assert.ok(verifyInclusion(l.leafIndex, th.tree_size, hex(l.entryHash), l.inclusionProof, hex(th.root_hash)), 'inclusion proof');
    assert.ok(!verifyInclusion(l.leafIndex, th.tree_size, leafHash(Buffer.concat([entryBytes, Buffer.from(' ')])), l.inclusionProof, hex(th.root_hash)));

    const ledgerJwk = did.verificationMethod.find((m) => m.id === l.treeHeadKey).publicKeyJwk;
    const raw = unb64u(ledgerJwk.x);
    assert.equal(raw.toString('hex'), (await anon().get('/api/v1/ledger/tree-head')).json.public_key);
    assert.ok(verifySth(th, raw), 'the tree head bears the ledger key\'s signature');
    assert.ok(!verifySth({ ...th, tree_size: th.tree_size + 1 }, raw));
    assert.ok(!verifySth(th, unb64u(jwks.keys[0].x)), 'an issuer key did not sign the tree head');
  });

  test('POST /api/v1/verify, without any session, says valid with all five checks passed', async () => {
    const res = await verifyApi(issued.jws);
    assert.deepEqual(checksOf(res), ALL_PASSED);
    assert.equal(res.json.is_valid, true);
    assert.equal(res.json.issuer, DID);
    assert.equal(res.json.kid, `${DID}#${issued.kid}`);
    assert.deepEqual(res.json.credential, issued.credential);
    // A signed-in verifier needs no CSRF token: verifying changes nothing.
    const signedIn = await other.client.post('/api/v1/verify', { credential: issued.jws }, { csrf: false });
    assert.equal(signedIn.json.is_valid, true, signedIn.text);
  });

  test('the holder lists their credentials (without the JWS) and reads one with its JWS and credential', async () => {
    const second = await issue(credit.outcome_id);
    assert.notEqual(second.id, issued.id, 'each issue is a credential of its own');
    const items = await myCredentials();
    assert.deepEqual(items.slice(0, 2).map((i) => i.id), [second.id, issued.id], 'newest first');
    for (const i of items) assert.deepEqual(Object.keys(i).sort(), ['entry_id', 'id', 'issued_at', 'kid', 'outcome_id', 'records', 'title', 'type']);
    assert.ok(items.every((i) => i.records === 1), 'a badge speaks for one ledger entry');
    const { jws, credential, ...summary } = issued;
    assert.deepEqual(items[1], summary);
    const one = await citizen.client.get(`/api/v1/me/credentials/${issued.id}`);
    assertStatus(one, 200);
    assert.deepEqual(one.json, issued);
    await compactVerify(one.json.jws, await keyFor(one.json.jws));
    // Nobody else sees any of them.
    assert.deepEqual(await myCredentials(other), []);
  });

  test('a claim changed after signing fails jose and the verifier (signature failed)', async () => {
    const { h, s, payload } = jwsParts(issued.jws);
    payload.credentialSubject.achievement.name = '高等数学（一）满分';
    const forged = `${h}.${jsonPart(payload)}.${s}`;
    await joseRefuses(forged, await keyFor(issued.jws));
    const res = await verifyApi(forged);
    const checks = checksOf(res);
    assert.equal(res.json.is_valid, false);
    assert.equal(checks.format, 'passed');
    assert.equal(checks.signature, 'failed');
    assert.notEqual(checks.validity, 'passed');
    assert.notEqual(checks.status, 'passed');
    assert.notEqual(checks.ledger, 'passed');
    // Re-encoding the same claims differently breaks it too: the signature covers the bytes.
    const reencoded = `${h}.${jsonPart(jwsParts(issued.jws).payload)}.${s}`;
    if (reencoded !== issued.jws) assert.equal(checksOf(await verifyApi(reencoded)).signature, 'failed');
    // Changing the header breaks it as well.
    const header = { ...jwsParts(issued.jws).header, typ: 'JWT' };
    const otherHeader = `${jsonPart(header)}.${issued.jws.split('.')[1]}.${s}`;
    await joseRefuses(otherHeader, await keyFor(issued.jws));
    assert.equal(checksOf(await verifyApi(otherHeader)).signature, 'failed');
  });

  test('a JWS re-signed with another key under the issuer\'s kid fails (signature failed)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const { header, payload } = jwsParts(issued.jws);
    payload.credentialSubject.achievement.name = '博士学位';
    const forged = await signOwn(header, payload, privateKey);
    await compactVerify(forged, publicKey); // a good signature, by the wrong key
    await joseRefuses(forged, await keyFor(issued.jws));
    const res = await verifyApi(forged);
    assert.equal(res.json.is_valid, false);
    assert.equal(checksOf(res).signature, 'failed');
    assert.equal(res.json.kid, header.kid);
  });

  test('a kid the issuer never published, or another issuer\'s, fails the signature check', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const { header, payload } = jwsParts(issued.jws);
    const unknown = await signOwn({ ...header, kid: `${DID}#${b64u(crypto.randomBytes(32))}` }, payload, privateKey);
    let res = await verifyApi(unknown);
    assert.equal(res.json.is_valid, false);
    assert.equal(checksOf(res).signature, 'failed');
    await assert.rejects(jwtVerify(unknown, createLocalJWKSet(jwks)), errors.JWKSNoMatchingKey);
    // The ledger key's name is not an assertion method.
    res = await verifyApi(await signOwn({ ...header, kid: `${DID}#ledger` }, payload, privateKey));
    assert.equal(checksOf(res).signature, 'failed');
    // A kid that is not the issuer's DID URL at all.
    res = await verifyApi(await signOwn({ ...header, kid: issued.kid }, payload, privateKey));
    assert.equal(checksOf(res).signature, 'failed');
    // An issuer this node does not know.
    const evil = 'did:web:evil.example';
    res = await verifyApi(await signOwn({ ...header, kid: `${evil}#k1`, iss: evil }, { ...payload, issuer: { ...payload.issuer, id: evil } }, privateKey));
    assert.equal(res.json.is_valid, false);
    assert.equal(checksOf(res).signature, 'failed');
    assert.equal(res.json.issuer, evil);
  });

  test('garbage is format failed with nothing else checked; a body without a credential is 400', async () => {
    for (const bad of ['abc', 'abc.def', 'a.b.c.d', `${b64u('{"alg":"EdDSA"}')}.${b64u('{}')}.`, '...']) {
      const res = await verifyApi(bad);
      const checks = checksOf(res);
      assert.equal(res.json.is_valid, false, bad);
      assert.equal(checks.format, 'failed', bad);
      assert.equal(res.json.checks[0].message_en, NOT_A_JWS_EN, bad);
      assert.deepEqual([checks.signature, checks.validity, checks.status, checks.ledger], ['not_checked', 'not_checked', 'not_checked', 'not_checked'], bad);
      for (const key of ['issuer', 'kid', 'credential']) assert.ok(!(key in res.json), `${bad}: nothing is said of the ${key}`);
    }
    // A JWS whose payload is no credential, or whose algorithm is not EdDSA.
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const { header } = jwsParts(issued.jws);
    let res = await verifyApi(await signOwn(header, { hello: 'world' }, privateKey));
    assert.equal(checksOf(res).format, 'failed');
    const hs = await new CompactSign(Buffer.from(JSON.stringify(issued.credential))).setProtectedHeader({ ...header, alg: 'HS256' })
      .sign(crypto.randomBytes(32));
    res = await verifyApi(hs);
    assert.equal(res.json.is_valid, false);
    assert.equal(checksOf(res).format, 'failed');

    assertError(await anon().post('/api/v1/verify', {}), 400, 'missing_field', 'credential');
    assertError(await anon().post('/api/v1/verify', { credential: '' }), 400, 'missing_field', 'credential');
    assertError(await anon().post('/api/v1/verify', { credential: issued.jws, strict: true }), 400, 'unknown_field', 'strict');
  });

  test('rotating the issuer key (city admin, 201): both keys published newest first; new credentials name the new key, old ones still verify', async () => {
    const old = await publicDocs();
    const mark = await auditMark(city);
    const res = await city.post('/api/v1/credentials/keys');
    assertStatus(res, 201);
    assert.deepEqual(Object.keys(res.json), ['kid']);
    const kid = res.json.kid;
    assert.match(kid, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(!old.jwks.keys.some((k) => k.kid === `${DID}#${kid}`), 'a new key');

    const now = await publicDocs();
    assert.deepEqual(now.jwks.keys.map((k) => k.kid), [`${DID}#${kid}`, ...old.jwks.keys.map((k) => k.kid)], 'newest first, none dropped');
    assert.deepEqual(now.did.assertionMethod, [`${DID}#${kid}`, ...old.did.assertionMethod]);
    assert.ok(now.did.verificationMethod.some((m) => m.id === `${DID}#${kid}`));
    const rows = await auditSince(city, mark);
    assert.ok(rows.some((r) => r.action === 'credential_key.rotate'), `audit: ${JSON.stringify(rows.map((r) => r.action))}`);

    const fresh = await issue(credit.outcome_id);
    assert.equal(fresh.kid, kid);
    assert.equal(jwsParts(fresh.jws).header.kid, `${DID}#${kid}`);
    await compactVerify(fresh.jws, await keyFor(fresh.jws, now.jwks));
    await joseRefuses(fresh.jws, await keyFor(issued.jws, now.jwks));
    assert.equal((await verifyApi(fresh.jws)).json.is_valid, true);

    // The credential issued before the rotation: its own key still verifies it, with jose and here.
    assert.notEqual(issued.kid, kid);
    const { payload } = await compactVerify(issued.jws, await keyFor(issued.jws, now.jwks));
    assert.deepEqual(JSON.parse(Buffer.from(payload).toString('utf8')), issued.credential);
    const didSet = createLocalJWKSet({ keys: now.did.verificationMethod.filter((m) => now.did.assertionMethod.includes(m.id)).map((m) => m.publicKeyJwk) });
    await jwtVerify(issued.jws, didSet, { typ: 'vc+jwt' });
    await jwtVerify(fresh.jws, didSet, { typ: 'vc+jwt' });
    // The JWKS as it is served finds either key by the header's kid.
    await jwtVerify(issued.jws, createLocalJWKSet(now.jwks), { typ: 'vc+jwt' });
    await jwtVerify(fresh.jws, createLocalJWKSet(now.jwks), { typ: 'vc+jwt' });
    const before = await verifyApi(issued.jws);
    assert.equal(before.json.is_valid, true, before.text);
    assert.deepEqual(checksOf(before), ALL_PASSED);
    jwks = now.jwks;
    did = now.did;
  });

  test('rotating needs the city admin and a CSRF token: without it 403 csrf, a citizen or staff 403, anonymous 401; no key is added', async () => {
    const count = (await publicDocs()).jwks.keys.length;
    assertError(await city.post('/api/v1/credentials/keys', undefined, { csrf: false }), 403, 'csrf');
    assertError(await citizen.client.post('/api/v1/credentials/keys'), 403, 'forbidden');
    assertError(await staff.post('/api/v1/credentials/keys'), 403, 'forbidden');
    assertError(await anon().post('/api/v1/credentials/keys'), 401, 'unauthenticated');
    assert.equal((await publicDocs()).jwks.keys.length, count);
  });

  test('a current outcome after a correction: the credential speaks for the corrected entry, and it verifies', async () => {
    const d = await deposit(citizen, { title: '大学英语', code: 'ENG101', result: 'B' });
    const c = await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/corrections`, {
      account_no: citizen.account.account_no, kind: 'academic_credit', title: '大学英语', code: 'ENG101', credits_milli: 4000,
      result_kind: 'grade', result: 'A-', awarded_on: '2024-06-30', reason: '成绩复核更正',
    });
    assertStatus(c, 201);
    const cred = await issue(d.outcome_id);
    assert.equal(cred.outcome_id, d.outcome_id);
    assert.equal(cred.entry_id, c.json.entry_id, 'the current version');
    assert.deepEqual(cred.credential.credentialSubject.result, [{ type: ['Result'], value: 'A-' }]);
    const l = cred.credential.lifelongLedger;
    assert.equal(JSON.parse(unb64u(l.entry)).op, 'correct');
    assert.ok(verifyInclusion(l.leafIndex, l.treeHead.tree_size, leafHash(unb64u(l.entry)), l.inclusionProof, hex(l.treeHead.root_hash)));
    await jwtVerify(cred.jws, await keyFor(cred.jws), { typ: 'vc+jwt' });
    assert.equal((await verifyApi(cred.jws)).json.is_valid, true);
    // The correction's entry id names no outcome.
    assertError(await citizen.client.post('/api/v1/me/credentials', { outcome_id: c.json.entry_id }), 404, 'not_found', 'outcome_id');
  });

  // A status list as a verifier reads it: fetched from the address a credential names (here on
  // the test server rather than at the issuer's public address), its JWS verified with jose
  // against the JWKS, its bitstring inflated with node:zlib. The bits, as a Buffer of 16 KiB.
  async function fetchStatusList(entry, keys) {
    const url = entry.statusListCredential;
    assert.ok(url.startsWith(`${ISSUER_URL}/api/v1/credentials/status/`), url);
    const res = await fetch(BASE + url.slice(ISSUER_URL.length));
    const text = await res.text();
    assert.equal(res.status, 200, `GET ${url}: ${text.slice(0, 300)}`);
    assert.equal(res.headers.get('content-type'), 'application/vc+jwt');
    // Kept by a cache for five seconds at most, so a revocation shows within seconds.
    assert.equal(res.headers.get('cache-control'), 'public, max-age=5');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const { payload, protectedHeader } = await jwtVerify(text, createLocalJWKSet(keys), { typ: 'vc+jwt', algorithms: ['EdDSA'] });
    assert.deepEqual(protectedHeader, { alg: 'EdDSA', kid: keys.keys[0].kid, typ: 'vc+jwt', cty: 'vc', iss: DID }, 'signed like a credential, by the newest key');
    assert.deepEqual(Object.keys(payload).sort(), ['@context', 'credentialSubject', 'id', 'issuer', 'type', 'validFrom']);
    assert.deepEqual(payload['@context'], [VC_CONTEXT]);
    assert.equal(payload.id, url);
    assert.deepEqual(payload.type, ['VerifiableCredential', 'BitstringStatusListCredential']);
    assert.equal(payload.issuer, DID);
    assert.ok(Math.abs(Date.parse(payload.validFrom) - Date.now()) < 60e3, `the list as it is now: ${payload.validFrom}`);
    const subject = payload.credentialSubject;
    assert.deepEqual(Object.keys(subject).sort(), ['encodedList', 'id', 'statusPurpose', 'type']);
    assert.deepEqual([subject.id, subject.type, subject.statusPurpose], [`${url}#list`, 'BitstringStatusList', 'revocation']);
    assert.match(subject.encodedList, /^u[A-Za-z0-9_-]+$/, 'multibase "u": base64url without padding');
    const bits = zlib.gunzipSync(unb64u(subject.encodedList.slice(1)));
    assert.equal(bits.length, STATUS_LIST_BITS / 8, '131,072 bits');
    return bits;
  }

  // Bit i of a list: index 0 is the most significant bit of the first byte.
  const bitAt = (bits, i) => (bits[i >> 3] >> (7 - (i & 7))) & 1;
  const bitOf = (bits, entry) => bitAt(bits, Number(entry.statusListIndex) % STATUS_LIST_BITS);
  const setBits = (bits) => {
    const out = [];
    for (let i = 0; i < bits.length * 8; i++) if (bitAt(bits, i)) out.push(i);
    return out;
  };

  // A report that says revoked: the credential is sound but for its status.
  function assertRevoked(res) {
    const checks = checksOf(res);
    assert.equal(res.json.is_valid, false, res.text);
    assert.deepEqual([checks.format, checks.signature, checks.validity, checks.status], ['passed', 'passed', 'passed', 'failed'], res.text);
  }

  test('revocation: the status list verifies with jose and inflates with node:zlib; a revoked or corrected outcome sets its credentials\' bits and /verify says status failed at once', async () => {
    const { jwks: keys } = await publicDocs();
    const d = await deposit(citizen, { title: '离散数学', code: 'MATH202' });
    const cred = await issue(d.outcome_id);
    const entry = cred.credential.credentialStatus;
    const list = Math.floor(Number(entry.statusListIndex) / STATUS_LIST_BITS);
    let bits = await fetchStatusList(entry, keys);
    assert.equal(bitOf(bits, entry), 0, 'a credential just issued is not revoked');
    const setBefore = setBits(bits);
    let res = await verifyApi(cred.jws);
    assert.deepEqual(checksOf(res), ALL_PASSED);
    assert.equal(res.json.is_valid, true);

    // The depositor revokes the outcome: the verifier, which reads the ledger, says so at once,
    // and the list fetched again (its max-age allows it) has the credential's bit set, and only it.
    const revoked = await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '存入有误' });
    assertStatus(revoked, 201);
    assertRevoked(await verifyApi(cred.jws));
    bits = await fetchStatusList(entry, keys);
    assert.equal(bitOf(bits, entry), 1, 'the revoked credential\'s bit is set');
    assert.deepEqual(setBits(bits), [...setBefore, Number(entry.statusListIndex) % STATUS_LIST_BITS].sort((a, b) => a - b));

    // A correction supersedes the entry a credential speaks for: that credential is revoked,
    // while one issued for the corrected version verifies, its bit clear.
    const e = await deposit(citizen, { title: '数据库原理', code: 'CS301', result: 'B' });
    const old = await issue(e.outcome_id);
    assert.equal(bitOf(await fetchStatusList(old.credential.credentialStatus, keys), old.credential.credentialStatus), 0);
    const c = await staff.post(`/api/v1/ledger/outcomes/${e.outcome_id}/corrections`, {
      account_no: citizen.account.account_no, kind: 'academic_credit', title: '数据库原理', code: 'CS301', credits_milli: 4000,
      result_kind: 'grade', result: 'A', awarded_on: '2024-06-30', reason: '成绩复核更正',
    });
    assertStatus(c, 201);
    assertRevoked(await verifyApi(old.jws));
    const renewed = await issue(e.outcome_id);
    assert.equal(renewed.entry_id, c.json.entry_id, 'the corrected version');
    assert.notEqual(renewed.credential.credentialStatus.statusListIndex, old.credential.credentialStatus.statusListIndex, 'a status index of its own');
    await jwtVerify(renewed.jws, createLocalJWKSet(keys), { typ: 'vc+jwt' });
    res = await verifyApi(renewed.jws);
    assert.deepEqual(checksOf(res), ALL_PASSED);
    assert.equal(res.json.is_valid, true);
    assert.equal(bitOf(await fetchStatusList(old.credential.credentialStatus, keys), old.credential.credentialStatus), 1, 'the superseded credential\'s bit is set');
    assert.equal(bitOf(await fetchStatusList(renewed.credential.credentialStatus, keys), renewed.credential.credentialStatus), 0, 'the new credential\'s bit is clear');

    // A list no credential reaches is not there.
    assertError(await anon().get('/api/v1/credentials/status/999'), 404, 'not_found');
    assertError(await anon().get(`/api/v1/credentials/status/${list + 1}`), 404, 'not_found');
  });

  test('refusals store nothing: another person\'s outcome 404, no outcome_id 400, a revoked outcome 404, unknown fields 400', async () => {
    const others = await deposit(other, { title: '线性代数', code: 'MATH201' });
    const mine = (await myCredentials()).length;
    const theirs = (await myCredentials(other)).length;
    assertError(await citizen.client.post('/api/v1/me/credentials', { outcome_id: others.outcome_id }), 404, 'not_found', 'outcome_id');
    assertError(await citizen.client.post('/api/v1/me/credentials', { outcome_id: crypto.randomUUID() }), 404, 'not_found', 'outcome_id');
    assertError(await citizen.client.post('/api/v1/me/credentials', {}), 400, 'missing_field', 'outcome_id');
    assertError(await citizen.client.post('/api/v1/me/credentials', { outcome_id: credit.outcome_id, kind: 'diploma' }), 400, 'unknown_field', 'kind');
    const d = await deposit(citizen, { title: '概率论', code: 'MATH301' });
    const revoked = await staff.post(`/api/v1/ledger/outcomes/${d.outcome_id}/revocation`, { reason: '重复存入' });
    assertStatus(revoked, 201);
    assertError(await citizen.client.post('/api/v1/me/credentials', { outcome_id: d.outcome_id }), 404, 'not_found', 'outcome_id');
    assert.equal((await myCredentials()).length, mine);
    assert.equal((await myCredentials(other)).length, theirs);
  });

  test('only a citizen has credentials: anonymous 401, staff and the city admin 403; another person\'s credential is 404', async () => {
    const mine = (await myCredentials()).length;
    assertError(await anon().post('/api/v1/me/credentials', { outcome_id: credit.outcome_id }), 401, 'unauthenticated');
    assertError(await anon().get('/api/v1/me/credentials'), 401, 'unauthenticated');
    assertError(await staff.post('/api/v1/me/credentials', { outcome_id: credit.outcome_id }), 403, 'forbidden');
    assertError(await city.post('/api/v1/me/credentials', { outcome_id: credit.outcome_id }), 403, 'forbidden');
    assertError(await staff.get('/api/v1/me/credentials'), 403, 'forbidden');
    assertError(await citizen.client.post('/api/v1/me/credentials', { outcome_id: credit.outcome_id }, { csrf: false }), 403, 'csrf');
    assert.equal((await myCredentials()).length, mine);
    assertError(await other.client.get(`/api/v1/me/credentials/${issued.id}`), 404, 'not_found');
    assertError(await citizen.client.get(`/api/v1/me/credentials/urn:uuid:${crypto.randomUUID()}`), 404, 'not_found');
    assertError(await anon().get(`/api/v1/me/credentials/${issued.id}`), 401, 'unauthenticated');
  });

  // A page of another origin (an employer's applicant-tracking system) verifies in the browser:
  // fetch sends a CORS preflight for a JSON POST, and reads the answer only when it allows the origin.
  test('verifying and the public documents may be called from any origin: preflights answered, answers allow it', async () => {
    const origin = { origin: 'https://hr.example.com' };
    const pre = await anon().request('OPTIONS', '/api/v1/verify', {
      headers: { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(pre.status, 204, pre.text);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'POST');
    assert.match(pre.headers.get('access-control-allow-headers') || '', /content-type/i);
    assert.match(pre.headers.get('access-control-max-age') || '', /^\d+$/);
    const v = await anon().post('/api/v1/verify', { credential: issued.jws }, { headers: origin });
    assert.equal(v.status, 200);
    assert.equal(v.headers.get('access-control-allow-origin'), '*');
    // Refusals too, so that the page can read why.
    const bad = await anon().post('/api/v1/verify', {}, { headers: origin });
    assertError(bad, 400, 'missing_field', 'credential');
    assert.equal(bad.headers.get('access-control-allow-origin'), '*');
    const preGet = await anon().request('OPTIONS', '/api/v1/credentials/status/0', {
      headers: { ...origin, 'access-control-request-method': 'GET' },
    });
    assert.equal(preGet.status, 204);
    assert.equal(preGet.headers.get('access-control-allow-methods'), 'GET');
    // A person's own routes are not for other origins: no preflight, no allowance.
    const mine = await anon().request('OPTIONS', '/api/v1/me/credentials', {
      headers: { ...origin, 'access-control-request-method': 'POST' },
    });
    assertError(mine, 405, 'method_not_allowed');
    assert.equal(mine.headers.get('access-control-allow-origin'), null);
    assert.equal((await citizen.client.get('/api/v1/me/credentials', { headers: origin })).headers.get('access-control-allow-origin'), null);
  });

  test('/api/openapi.json describes every credentials route', async () => {
    const res = await anon().get('/api/openapi.json');
    assertStatus(res, 200);
    const want = [
      ['get', '/.well-known/did.json'], ['get', '/api/v1/credentials/issuer'], ['get', '/api/v1/credentials/jwks'],
      ['post', '/api/v1/credentials/keys'], ['get', '/api/v1/me/credentials'], ['post', '/api/v1/me/credentials'],
      ['get', '/api/v1/me/credentials/{id}'], ['post', '/api/v1/verify'], ['get', '/api/v1/credentials/status/{list}'],
      ['get', '/api/v1/me/credential-shares'], ['post', '/api/v1/me/credential-shares'],
      ['get', '/api/v1/me/credential-shares/{id}'], ['delete', '/api/v1/me/credential-shares/{id}'],
      ['get', '/api/v1/me/credential-shares/{id}/qr.svg'], ['get', '/api/v1/me/credential-shares/{id}/qr.png'],
      ['get', '/api/v1/shared/{token}'],
    ];
    for (const [m, p] of want) assert.ok(res.json.paths[p]?.[m], `${m.toUpperCase()} ${p} is described`);
  });
});
