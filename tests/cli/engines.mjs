// What the command-line tests share: running the program, and a database on either engine
// (SQLite in a test's folder; PostgreSQL from LIFELONG_TEST_PG, in a schema of the test's own
// when two test files could run at once).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = process.env.LIFELONG_BIN || resolve(dirname(fileURLToPath(import.meta.url)), '../../build/src/cli/lifelong');
export const PG = process.env.LIFELONG_TEST_PG || '';

export function run(args, opts = {}) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, ...opts.env }, cwd: opts.cwd, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// One engine's database: its URL, a SQL client for it, and how to empty it.
export function sqliteEngine(dir) {
  const path = join(dir, 'db');
  return {
    name: 'sqlite',
    url: `sqlite:${path}`,
    reset() { for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true }); },
    sql(text) {
      const r = spawnSync('sqlite3', ['-batch', path, text], { encoding: 'utf8' });
      assert.equal(r.status, 0, `sqlite3: ${text}: ${r.stderr}`);
      return r.stdout.trim();
    },
  };
}

// The PostgreSQL database at base, with the search path set to schema (public by default) for the
// program and for psql.
export function pgEngine(base, schema = 'public') {
  const url = schema === 'public' ? base : `${base}${base.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
  const psql = (text) => {
    const r = spawnSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', url, '-c', text],
      { encoding: 'utf8', env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' } });
    assert.equal(r.status, 0, `psql: ${text}: ${r.stderr}`);
    return r.stdout.trim();
  };
  return {
    name: 'postgres',
    url,
    reset() { psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`); },
    drop() { if (schema !== 'public') psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); },
    sql: psql,
  };
}
