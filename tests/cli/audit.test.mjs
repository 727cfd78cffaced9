// The learning overpass on the command line: 'lifelong audit --programme ID' over a demo
// database's cohort of the open university's self-study programme (530601), with one JSON report
// per enrolled learner, the summary on standard error, --out, --quiet and --as-of, the same
// output on every run, and the usage and exit codes of its mistakes. Each engine gets its own
// demo database: SQLite in a temporary folder and, when LIFELONG_TEST_PG names a throw-away
// PostgreSQL database (scripts/pg-test.sh run sets it), a schema of its own there (cli_audit,
// made afresh and dropped at the end), so that node --test may run this file alongside the others
// that empty the public schema of the same database. Rows are read with the sqlite3 and psql
// clients.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BIN, PG, pgEngine, run, sqliteEngine } from './engines.mjs';

const AS_OF = '2026-06-30';
const SUMMARY = /^audited (\d+) learners in \d+\.\d s \(\d+ audits\/s\): (\d+) complete, (\d+) complete with transfers$/m;

// The reports of an audit's output: one JSON object a line, each line ending with a line break.
function reports(text) {
  assert.ok(text === '' || text.endsWith('\n'), 'the last report ends with a line break');
  return text.split('\n').filter((line, i, all) => i < all.length - 1 || line !== '').map((line, i) => {
    assert.doesNotThrow(() => JSON.parse(line), `line ${i + 1} is JSON`);
    return JSON.parse(line);
  });
}

test('audit --help and help audit print the usage and exit 0', () => {
  for (const args of [['audit', '--help'], ['help', 'audit']]) {
    const r = run(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, /^usage: lifelong audit --programme ID/, args.join(' '));
    for (const option of ['--as-of DATE', '--out FILE', '--quiet']) assert.ok(r.out.includes(option), `${option} is listed`);
  }
  assert.match(run(['--help']).out, /^ {2}audit /m, 'the command list names audit');
});

test('audit without --programme, with a stray argument or with a malformed --as-of exits 64', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lifelong-cli-audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const common = ['--db', `sqlite:${join(dir, 'db')}`, '--key-file', join(dir, 'key')];
  for (const args of [['audit', ...common], ['audit', '--as-of', AS_OF, ...common], ['audit', '--programme', 'p', 'extra', ...common],
    ['audit', '--programme', 'p', '--colour', ...common]]) {
    const r = run(args);
    assert.equal(r.code, 64, args.join(' '));
    assert.match(r.err, /usage: lifelong audit --programme ID/, args.join(' '));
    assert.equal(r.out, '');
  }
  for (const date of ['2026-02-30', '30/06/2026', '2026-6-30', 'today', '']) {
    const r = run(['audit', '--programme', 'p', '--as-of', date, ...common]);
    assert.equal(r.code, 64, `--as-of '${date}'`);
    assert.match(r.err, /--as-of is a date, YYYY-MM-DD/);
    assert.equal(r.out, '');
  }
  assert.equal(existsSync(join(dir, 'db')), false, 'a usage mistake opens no database');
});

const engines = [(dir) => sqliteEngine(dir)];
if (PG) engines.push(() => pgEngine(PG, 'cli_audit'));
else test('audit on postgres', { skip: 'LIFELONG_TEST_PG is not set (run under scripts/pg-test.sh run)' }, () => {});

for (const make of engines) {
  const dir = mkdtempSync(join(tmpdir(), 'lifelong-cli-audit-'));
  const db = make(dir);
  const key = join(dir, 'key');
  const common = ['--db', db.url, '--key-file', key];
  let programme, enrolled;

  describe(`audit on ${db.name}`, () => {
    before(() => {
      db.reset();
      assert.equal(run(['keygen', '--out', key]).code, 0);
      const demo = run(['demo', '--persons', '600', ...common]);
      assert.equal(demo.code, 0, demo.err);
      programme = db.sql("SELECT id FROM programmes WHERE code = '530601'");
      assert.match(programme, /^\S+$/, 'the demo made programme 530601');
      enrolled = db.sql(`SELECT person_id FROM enrolments WHERE programme_id = '${programme}' ORDER BY person_id`)
        .split('\n').filter(Boolean);
      assert.ok(enrolled.length >= 5, `the demo enrolled learners in 530601 (${enrolled.length})`);
    });
    after(() => {
      db.drop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    test('an unknown programme exits non-zero with a message on stderr and no reports', () => {
      const r = run(['audit', '--programme', 'no-such-programme', '--as-of', AS_OF, ...common]);
      assert.notEqual(r.code, 0);
      assert.notEqual(r.code, null, 'it exits rather than crashing');
      assert.match(r.err, /no-such-programme/);
      assert.match(r.err, /not_found|no programme/);
      assert.equal(r.out, '');
      assert.doesNotMatch(r.err, /audited/);
    });

    test('audit of 530601 prints one report per enrolled learner, in person order, and a summary', () => {
      const r = run(['audit', '--programme', programme, '--as-of', AS_OF, ...common]);
      assert.equal(r.code, 0, r.err);
      const lines = reports(r.out);
      assert.equal(lines.length, enrolled.length, 'one line per enrolment');
      assert.deepEqual(lines.map((x) => x.person.id), enrolled, 'each enrolled learner once, in person order');
      const accounts = new Map(db.sql(`SELECT p.id, p.account_no FROM persons p JOIN enrolments e ON e.person_id = p.id WHERE e.programme_id = '${programme}'`)
        .split('\n').map((row) => row.split('|')));
      for (const x of lines) {
        assert.equal(x.programme.id, programme);
        assert.equal(x.programme.code, '530601');
        assert.equal(x.person.account_no, accounts.get(x.person.id));
        assert.equal(typeof x.person.name, 'string');
        assert.ok(Array.isArray(x.courses) && x.courses.length === 14, 'the plan\'s 14 courses');
        assert.ok(Array.isArray(x.rules));
        assert.ok(Array.isArray(x.unfit_rules));
        assert.equal(x.as_of, AS_OF);
        assert.equal(typeof x.is_complete, 'boolean');
        for (const c of x.courses) assert.ok(['completed', 'transferred', 'pending', 'available', 'missing'].includes(c.status), c.status);
      }
      // The demo's approved rules apply to some of its learners, and some of them applied: the
      // items the open university approved count as transferred under the CET-4 rule.
      assert.ok(lines.some((x) => x.courses.some((c) => c.status === 'available' && c.rule)), 'some course is available by a rule');
      const approved = Number(db.sql(`SELECT COUNT(*) FROM transfer_items WHERE programme_id = '${programme}' AND status = 'approved'`));
      assert.ok(approved > 0, 'the demo approved some transfers');
      assert.equal(lines.filter((x) => x.courses.some((c) => c.code === '00012' && c.status === 'transferred')).length, approved,
        'each approved CET-4 item transfers English I of its learner');
      const m = r.err.match(SUMMARY);
      assert.ok(m, `the summary on stderr: ${r.err}`);
      assert.equal(Number(m[1]), enrolled.length, 'the summary names how many learners were audited');
      assert.equal(Number(m[2]), lines.filter((x) => x.is_complete).length);
      assert.equal(Number(m[3]), lines.filter((x) => x.is_complete_with_transfers).length);
    });

    test('--as-of is the day of the audit: before the rules took effect none applies', () => {
      const r = run(['audit', '--programme', programme, '--as-of', '2019-06-30', '--quiet', ...common]);
      assert.equal(r.code, 0, r.err);
      const lines = reports(r.out);
      assert.equal(lines.length, enrolled.length);
      for (const x of lines) {
        assert.equal(x.as_of, '2019-06-30');
        assert.ok(x.courses.every((c) => c.status !== 'available'), `no rule applies in 2019 (${x.person.id})`);
      }
    });

    test('--out FILE writes the same lines to the file and none to stdout', () => {
      const stdout = run(['audit', '--programme', programme, '--as-of', AS_OF, '--quiet', ...common]);
      assert.equal(stdout.code, 0, stdout.err);
      const file = join(dir, 'reports.jsonl');
      const r = run(['audit', '--programme', programme, '--as-of', AS_OF, '--out', file, ...common]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, '');
      assert.equal(readFileSync(file, 'utf8'), stdout.out);
      assert.equal(Number(r.err.match(SUMMARY)?.[1]), enrolled.length, r.err);
      // '-' is standard output.
      const dash = run(['audit', '--programme', programme, '--as-of', AS_OF, '--out', '-', '--quiet', ...common]);
      assert.equal(dash.code, 0, dash.err);
      assert.equal(dash.out, stdout.out);
    });

    test('a failed run leaves an earlier --out FILE as it was', () => {
      const file = join(dir, 'kept.jsonl');
      const first = run(['audit', '--programme', programme, '--as-of', AS_OF, '--out', file, '--quiet', ...common]);
      assert.equal(first.code, 0, first.err);
      const before = readFileSync(file, 'utf8');
      assert.ok(before.length > 0);
      const bad = run(['audit', '--programme', 'no-such-programme', '--as-of', AS_OF, '--out', file, ...common]);
      assert.notEqual(bad.code, 0);
      assert.equal(readFileSync(file, 'utf8'), before, 'the earlier reports are kept');
      assert.equal(existsSync(`${file}.partial`), false, 'nothing is left beside it');
    });

    test('--quiet prints no summary', () => {
      const r = run(['audit', '--programme', programme, '--as-of', AS_OF, '--quiet', ...common]);
      assert.equal(r.code, 0, r.err);
      assert.equal(reports(r.out).length, enrolled.length);
      assert.doesNotMatch(r.err, /audited/);
      assert.equal(r.err, '');
    });

    test('the same audit twice gives the same output, byte for byte', () => {
      const args = ['audit', '--programme', programme, '--as-of', AS_OF, '--quiet', ...common];
      const first = run(args);
      const second = run(args);
      assert.equal(first.code, 0, first.err);
      assert.equal(second.code, 0, second.err);
      assert.ok(first.out.length > 0);
      assert.equal(second.out, first.out);
      // Without --as-of both runs audit as of today.
      const today = run(['audit', '--programme', programme, '--quiet', ...common]);
      const again = run(['audit', '--programme', programme, '--quiet', ...common]);
      assert.equal(today.code, 0, today.err);
      assert.equal(again.out, today.out);
      assert.equal(reports(today.out)[0].as_of, new Date().toISOString().slice(0, 10));
    });

    test('an audit writes nothing to the database', () => {
      const counts = () => db.sql('SELECT (SELECT COUNT(*) FROM audit_log) || \',\' || (SELECT COUNT(*) FROM enrolments) || \',\' || '
        + '(SELECT COUNT(*) FROM transfer_rule_versions) || \',\' || (SELECT COUNT(*) FROM programme_plans)');
      const was = counts();
      assert.equal(run(['audit', '--programme', programme, '--as-of', AS_OF, '--quiet', ...common]).code, 0);
      assert.equal(counts(), was);
    });
  });
}
