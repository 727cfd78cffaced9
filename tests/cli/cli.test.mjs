// The command line: help for every command, key files, migrations and staff users, with the
// exit codes and messages a person or a script sees. Each scenario works in a fresh folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, chmodSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = process.env.LIFELONG_BIN || resolve(dirname(fileURLToPath(import.meta.url)), '../../build/src/cli/lifelong');
const COMMANDS = ['serve', 'migrate', 'demo', 'user', 'keygen', 'version'];

function run(args, opts = {}) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, ...opts.env }, cwd: opts.cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function folder(t) {
  const dir = mkdtempSync(join(tmpdir(), 'lifelong-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fresh(t) {
  const dir = folder(t);
  const key = join(dir, 'key');
  assert.equal(run(['keygen', '--out', key]).code, 0);
  return { dir, key, db: `sqlite:${join(dir, 'db')}`, common: ['--db', `sqlite:${join(dir, 'db')}`, '--key-file', key] };
}

test('--help lists every command and each command has its own --help', () => {
  const top = run(['--help']);
  assert.equal(top.code, 0);
  for (const c of COMMANDS) assert.match(top.out, new RegExp(`^  ${c} `, 'm'));
  for (const c of COMMANDS) {
    const r = run([c, '--help']);
    assert.equal(r.code, 0, `${c} --help exits 0`);
    assert.match(r.out, c === 'version' ? /lifelong/ : /usage: lifelong/, `${c} --help prints usage`);
  }
  assert.match(run(['help', 'user']).out, /user add/);
});

test('an unknown command exits 64 and says so', () => {
  const r = run(['frobnicate']);
  assert.equal(r.code, 64);
  assert.match(r.err, /unknown command 'frobnicate'/);
});

test('version prints the program and its version', () => {
  const r = run(['version']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^lifelong \S+/);
});

test('keygen writes a key file only its owner can read, and never overwrites one', (t) => {
  const dir = folder(t);
  const key = join(dir, 'k');
  assert.equal(run(['keygen', '--out', key]).code, 0);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  const before = readFileSync(key, 'utf8');
  const again = run(['keygen', '--out', key]);
  assert.notEqual(again.code, 0);
  assert.match(again.err, /cannot create key file/);
  assert.equal(readFileSync(key, 'utf8'), before, 'the existing keys are untouched');
  assert.equal(run(['keygen']).code, 64, '--out is required');
});

test('keygen --region adds a regional look-up key that other nodes copy; serve takes a key file with it or without', (t) => {
  const dir = folder(t);
  const plain = join(dir, 'plain'), region = join(dir, 'region');
  assert.equal(run(['keygen', '--out', plain]).code, 0);
  assert.equal(run(['keygen', '--region', '--out', region]).code, 0);
  assert.doesNotMatch(readFileSync(plain, 'utf8'), /^region=/m, 'no regional key unless asked');
  const line = readFileSync(region, 'utf8').split('\n').find((l) => l.startsWith('region='));
  assert.match(line, /^region=[0-9a-f]{64}$/);
  assert.match(run(['keygen', '--help']).out, /--region/);
  // Another node's key file with the line copied in loads (migrate reads the key file).
  writeFileSync(plain, `${readFileSync(plain, 'utf8')}${line}\n`);
  assert.equal(run(['migrate', '--db', `sqlite:${join(dir, 'db')}`, '--key-file', plain]).code, 0);
  // A malformed line is refused.
  writeFileSync(plain, `${readFileSync(plain, 'utf8')}region=zz\n`);
  const bad = run(['migrate', '--db', `sqlite:${join(dir, 'db')}`, '--key-file', plain]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /malformed 'region' line/);
  // The records asked of a peer per request: 1 to 100.
  for (const n of ['0', '101', 'x']) {
    const r = run(['serve', '--federation-page', n, '--db', `sqlite:${join(dir, 'db')}`, '--key-file', region]);
    assert.equal(r.code, 64, n);
    assert.match(r.err, /--federation-page is a whole number from 1 to 100/);
  }
});

test('a key file that others may read is refused and nothing is created', (t) => {
  const { dir, key, common } = fresh(t);
  chmodSync(key, 0o644);
  const r = run(['migrate', ...common]);
  assert.equal(r.code, 78);
  assert.match(r.err, /may be read by others/);
  assert.match(r.err, /key_file/);
  assert.equal(existsSync(join(dir, 'db')), false, 'no database was created');
});

test('a malformed key file is refused', (t) => {
  const { dir, common } = fresh(t);
  const bad = join(dir, 'bad');
  writeFileSync(bad, 'lifelong-keys v1\nseal=zz\n', { mode: 0o600 });
  const r = run(['migrate', '--db', common[1], '--key-file', bad]);
  assert.equal(r.code, 78);
  assert.match(r.err, /malformed|missing keys/);
});

test('migrate applies the schema once and loads the divisions; a second run applies nothing', (t) => {
  const { common } = fresh(t);
  const first = run(['migrate', ...common]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /schema version \d+ \(\d+ migrations applied, 6760 divisions loaded\)/);
  const second = run(['migrate', ...common]);
  assert.match(second.out, /\(0 migrations applied, 0 divisions loaded\)/);
});

test('LIFELONG_DB and LIFELONG_KEY_FILE stand in for --db and --key-file', (t) => {
  const { db, key } = fresh(t);
  const r = run(['migrate'], { env: { LIFELONG_DB: db, LIFELONG_KEY_FILE: key } });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /migrations applied/);
});

test('a database URL of an unknown kind is a configuration error', (t) => {
  const { key } = fresh(t);
  const r = run(['migrate', '--db', 'mysql://x', '--key-file', key]);
  assert.equal(r.code, 78);
  assert.match(r.err, /sqlite: or postgres:/);
});

test('user add creates staff users and refuses bad ones without storing them', (t) => {
  const { dir, common } = fresh(t);
  const pw = join(dir, 'pw');
  writeFileSync(pw, 'Strong-pass-2026\n');
  const weak = join(dir, 'weak');
  writeFileSync(weak, 'short\n');

  assert.equal(run(['user', 'add', ...common]).code, 64, 'role, login and password file are required');
  assert.equal(run(['user', 'add', '--role', 'wizard', '--login', 'x.y', '--password-file', pw, ...common]).code, 64);
  assert.equal(run(['user', 'add', '--role', 'citizen', '--login', 'x.y', '--password-file', pw, ...common]).code, 64,
    'citizens register accounts instead');

  const noInst = run(['user', 'add', '--role', 'staff', '--login', 'clerk', '--password-file', pw, ...common]);
  assert.equal(noInst.code, 65);
  assert.match(noInst.err, /missing_field: institution/);

  const badDistrict = run(['user', 'add', '--role', 'district_admin', '--login', 'dist', '--district', '310199000000',
    '--password-file', pw, ...common]);
  assert.equal(badDistrict.code, 65);
  assert.match(badDistrict.err, /unknown_division/);

  const weakPw = run(['user', 'add', '--role', 'auditor', '--login', 'aud', '--password-file', weak, ...common]);
  assert.equal(weakPw.code, 65);
  assert.match(weakPw.err, /weak_password/);

  const ok = run(['user', 'add', '--role', 'district_admin', '--login', 'dist', '--district', '310104000000',
    '--name', '徐汇区学习办', '--password-file', pw, ...common]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /created district_admin user 'dist'/);

  const dup = run(['user', 'add', '--role', 'auditor', '--login', 'dist', '--password-file', pw, ...common]);
  assert.equal(dup.code, 65);
  assert.match(dup.err, /already taken/);

  // The refused logins were never stored: each can now be created.
  const later = run(['user', 'add', '--role', 'auditor', '--login', 'aud', '--password-file', pw, ...common]);
  assert.equal(later.code, 0, later.err);
});

test('user add reads the password from standard input with --password-file -', (t) => {
  const { common } = fresh(t);
  const r = spawnSync(BIN, ['user', 'add', '--role', 'city_admin', '--login', 'city', '--password-file', '-', ...common],
    { input: 'Strong-pass-2026\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
