// Sign-in, lock-out, sign-out and password change.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  Client, XUHUI_COMMITTEE, anon, assertError, assertStatus, createInstitution, createStaff, fixtures, idNumber,
  password, registerCitizen, signIn, trySignIn,
} from './lib.mjs';

describe('sign-in', () => {
  let city, inst;
  before(async () => {
    const f = fixtures()['fx-city-admin'];
    city = await signIn(f.login, f.password);
    inst = await createInstitution(city);
  });

  test('the right password signs in with an HttpOnly SameSite=Strict cookie and a CSRF token', async () => {
    const f = fixtures()['fx-city-admin'];
    const res = await trySignIn(f.login, f.password);
    assertStatus(res, 200);
    assert.match(res.setCookie, /^ll_session=[0-9a-f]{32,};/);
    assert.match(res.setCookie, /;\s*HttpOnly/i);
    assert.match(res.setCookie, /;\s*SameSite=Strict/i);
    assert.match(res.setCookie, /;\s*Path=\//);
    assert.equal(typeof res.json.csrf_token, 'string');
    assert.ok(res.json.csrf_token.length >= 32);
    assert.equal(res.json.user.login, f.login);
    assert.equal(res.json.user.role, 'city_admin');
    assert.ok(!JSON.stringify(res.json).includes(f.password), 'the reply must not echo the password');
    const me = await res.client.get('/api/v1/me');
    assertStatus(me, 200);
    assert.equal(me.json.login, f.login);
    assert.equal(me.json.csrf_token, res.json.csrf_token);
  });

  test('a wrong password is 401 bad_credentials', async () => {
    const user = await createStaff(city, 'staff', inst.id);
    const res = await trySignIn(user.login, user.password + 'x');
    assertError(res, 401, 'bad_credentials');
    assert.equal(res.headers.getSetCookie().length, 0, 'no cookie after a failed sign-in');
  });

  test('an unknown login is 401 with the same code and message as a wrong password', async () => {
    const user = await createStaff(city, 'staff', inst.id);
    const wrong = await trySignIn(user.login, 'Wrong-pass-1');
    const unknown = await trySignIn('nobody-' + user.login, 'Wrong-pass-1');
    assertError(unknown, 401, 'bad_credentials');
    assert.deepEqual(unknown.json, wrong.json, 'an unknown login must not be told apart from a wrong password');
  });

  test('repeated failures lock the login: 429 locked with Retry-After even with the right password', async () => {
    const user = await createStaff(city, 'staff', inst.id);
    for (let i = 0; i < 3; i++) {
      const res = await trySignIn(user.login, `Wrong-pass-${i}`);
      assertError(res, 401, 'bad_credentials');
    }
    const locked = await trySignIn(user.login, user.password);
    assertError(locked, 429, 'locked');
    assert.match(locked.headers.get('retry-after') || '', /^\d+$/, 'Retry-After must be given');
    assert.equal(locked.headers.getSetCookie().length, 0);
    // Another user is not affected by this user's lock.
    const f = fixtures()['fx-auditor'];
    assertStatus(await trySignIn(f.login, f.password), 200);
  });

  test('sign-out ends the session: /api/v1/me is 401 afterwards, also for a copy of the cookie', async () => {
    const user = await createStaff(city, 'staff', inst.id);
    assertStatus(await user.get('/api/v1/me'), 200);
    const copy = new Client({ cookie: user.cookie, csrf: user.csrf });
    const out = await user.del('/api/v1/session');
    assertStatus(out, 204);
    assert.ok(out.headers.getSetCookie().some((c) => /^ll_session=;/.test(c) && /Max-Age=0/i.test(c)), 'the cookie is cleared');
    assertError(await user.get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await copy.get('/api/v1/me'), 401, 'unauthenticated');
  });

  test('/api/v1/me without credentials is 401 unauthenticated', async () => {
    assertError(await anon().get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await new Client({ cookie: 'f'.repeat(64) }).get('/api/v1/me'), 401, 'unauthenticated');
  });

  test('a citizen signs in with the account number and with the phone number', async () => {
    const c = await registerCitizen({ withPhone: true });
    const byNo = await trySignIn(c.account.account_no, c.password);
    assertStatus(byNo, 200);
    assert.equal(byNo.json.user.role, 'citizen');
    assert.equal(byNo.json.user.person_id, c.account.id);
    const byPhone = await trySignIn(c.phone, c.password);
    assertStatus(byPhone, 200);
    assert.equal(byPhone.json.user.id, byNo.json.user.id);
    assertError(await trySignIn(c.phone, c.password + 'x'), 401, 'bad_credentials');
  });

  test('a phone shared by two accounts signs neither in; the account numbers still work', async () => {
    const first = await registerCitizen({ withPhone: true });
    const id = idNumber({ region: '310104' });
    const pw = password();
    const res = await anon().post('/api/v1/accounts',
      { name: '家人', id_number: id, phone: first.phone, committee_code: XUHUI_COMMITTEE, password: pw });
    assertStatus(res, 201);
    const byPhone = await trySignIn(first.phone, first.password);
    assertError(byPhone, 401, 'bad_credentials', 'login');
    assert.match(byPhone.json.error.message, /several accounts/);
    assertStatus(await trySignIn(first.account.account_no, first.password), 200);
    assertStatus(await trySignIn(res.json.account_no, pw), 200);
  });

  test('a missing login or password is 400, not a sign-in attempt', async () => {
    assertError(await anon().post('/api/v1/session', { login: 'someone' }), 400, 'missing_field', 'password');
    assertError(await anon().post('/api/v1/session', { login: '', password: 'x' }), 400, 'missing_field', 'login');
  });
});

describe('password change', () => {
  let user;
  before(async () => {
    const f = fixtures()['fx-city-admin'];
    const city = await signIn(f.login, f.password);
    const inst = await createInstitution(city);
    user = await createStaff(city, 'staff', inst.id);
  });

  test('a wrong current password is 401 and changes nothing', async () => {
    const res = await user.post('/api/v1/me/password', { current_password: user.password + 'x', new_password: password() });
    assertError(res, 401, 'bad_credentials', 'current_password');
    assertStatus(await trySignIn(user.login, user.password), 200);
  });

  test('guessing the current password locks the login like failed sign-ins do', async () => {
    const f = fixtures()['fx-city-admin'];
    const city = await signIn(f.login, f.password);
    const inst = await createInstitution(city);
    const guesser = await createStaff(city, 'staff', inst.id);
    let last;
    for (let i = 0; i < 5; i++) {
      last = await guesser.post('/api/v1/me/password', { current_password: `wrong-guess-${i}`, new_password: password() });
      if (last.status === 429) break;
    }
    // Back-off starts after the third wrong password: the guesser is stopped before the fifth.
    assertError(last, 429, 'locked');
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
    assertError(await trySignIn(guesser.login, guesser.password), 429, 'locked');
  });

  test('a weak new password is 400 weak_password on new_password and changes nothing', async () => {
    for (const weak of ['short1!', 'onlyletters', '1234567890']) {
      const res = await user.post('/api/v1/me/password', { current_password: user.password, new_password: weak });
      assertError(res, 400, 'weak_password', 'new_password');
    }
    assertStatus(await trySignIn(user.login, user.password), 200);
  });

  test('a successful change: the old password fails, the new one works, other sessions end', async () => {
    const other = await signIn(user.login, user.password);
    const fresh = password();
    const res = await user.post('/api/v1/me/password', { current_password: user.password, new_password: fresh });
    assertStatus(res, 204);
    assertStatus(await user.get('/api/v1/me'), 200); // the session that changed it stays
    assertError(await other.get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await trySignIn(user.login, user.password), 401, 'bad_credentials');
    assertStatus(await trySignIn(user.login, fresh), 200);
  });
});
