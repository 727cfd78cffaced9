// The credit bank on the command line: 'lifelong ledger verify' over a demo database's learning
// histories, and after a stored entry was changed behind the ledger's back; 'lifelong import
// outcomes' with its summary, exit codes, report file and all-or-nothing mode; and the usage of
// both. Each engine gets its own demo database: SQLite in a temporary folder and, when
// LIFELONG_TEST_PG names a throw-away PostgreSQL database (scripts/pg-test.sh run sets it), that
// one, emptied first (DROP SCHEMA public). Rows are read and changed with the sqlite3 and psql
// clients.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BIN, PG, pgEngine, run, sqliteEngine } from './engines.mjs';


const HEAD = 'account_no,kind,title,hours,started_on,awarded_on,external_id';
const row = (acct, title, { kind = 'community_education', hours = '24', started = '', awarded = '2024-03-15', ext = '' } = {}) =>
  [acct, kind, title, hours, started, awarded, ext].join(',');

// RFC 4180 rows (CRLF, quotes doubled); the text must end with a line break.
function parseCsv(text) {
  const rows = [];
  let r = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { r.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { r.push(field); rows.push(r); r = []; field = ''; i++; }
    else field += ch;
  }
  assert.equal(field + r.join(''), '', 'CSV must end with CRLF');
  return rows;
}

test('help import, import --help and import outcomes --help print the usage and exit 0', () => {
  for (const args of [['help', 'import'], ['import', '--help'], ['import', 'outcomes', '--help']]) {
    const r = run(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, /^usage: lifelong import outcomes FILE --institution ID/, args.join(' '));
    assert.match(r.out, /--all-or-nothing/);
    assert.match(r.out, /--report FILE/);
    assert.match(r.out, /学习账号/, 'the Chinese headings are listed');
  }
  for (const args of [['help', 'ledger'], ['ledger', '--help']]) {
    const r = run(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, /usage: lifelong ledger verify/);
  }
  const verifyHelp = run(['ledger', 'verify', '--help']);
  assert.equal(verifyHelp.code, 0);
  assert.match(verifyHelp.out, /exits with 65/);
});

test('import without --institution, without a file or with an unknown --format exits 64 with the usage', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lifelong-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'a.csv');
  writeFileSync(file, `${HEAD}\n`);
  for (const args of [['import', 'outcomes', file], ['import', 'outcomes', '--institution', 'x'], ['import'], ['import', 'things', file]]) {
    const r = run(args);
    assert.equal(r.code, 64, args.join(' '));
    assert.match(r.err, /usage: lifelong import outcomes FILE --institution ID/, args.join(' '));
    assert.equal(r.out, '');
  }
  const fmt = run(['import', 'outcomes', file, '--institution', 'x', '--format', 'xlsx']);
  assert.equal(fmt.code, 64);
  assert.match(fmt.err, /--format must be csv or jsonl/);
  assert.equal(run(['ledger']).code, 64);
  assert.equal(run(['ledger', 'check']).code, 64);
});

const engines = [(dir) => sqliteEngine(dir)];
if (PG) engines.push(() => pgEngine(PG));
else test('ledger and import on postgres', { skip: 'LIFELONG_TEST_PG is not set (run under scripts/pg-test.sh run)' }, () => {});

for (const make of engines) {
  const dir = mkdtempSync(join(tmpdir(), 'lifelong-cli-ledger-'));
  const db = make(dir);
  const key = join(dir, 'key');
  const common = ['--db', db.url, '--key-file', key];
  let institution, accounts;
  const tag = crypto.randomBytes(3).toString('hex');
  const file = (name, text) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const entries = () => Number(db.sql('SELECT COUNT(*) FROM ledger_entries'));
  const storedTitles = (prefix) => db.sql(`SELECT title FROM submissions WHERE title LIKE '${prefix}%' ORDER BY title`).split('\n').filter(Boolean);

  let demoOut = '';
  describe(`ledger and import on ${db.name}`, () => {
    before(() => {
      db.reset();
      assert.equal(run(['keygen', '--out', key]).code, 0);
      const demo = run(['demo', '--persons', '500', ...common]);
      assert.equal(demo.code, 0, demo.err);
      demoOut = demo.out;
      institution = db.sql("SELECT id FROM institutions WHERE type = 'open_university' ORDER BY id LIMIT 1");
      accounts = db.sql('SELECT account_no FROM persons ORDER BY account_no LIMIT 3').split('\n');
      assert.equal(accounts.length, 3);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('the demo\'s learning platform: its credentials printed once, its statements stored, the demo citizen\'s among them', () => {
      const m = demoOut.match(/Learning record store: (\d+) xAPI statements .* key (llx_[0-9a-f]{24}), secret ([0-9a-f]{64})/);
      assert.ok(m, demoOut);
      assert.equal(Number(db.sql('SELECT COUNT(*) FROM lrs_statements')), Number(m[1]));
      assert.equal(db.sql(`SELECT name FROM lrs_clients WHERE api_key = '${m[2]}'`), '上海学习网');
      assert.ok(!db.sql('SELECT COUNT(*) FROM lrs_clients WHERE secret_hash LIKE \'%' + m[3] + '%\'').startsWith('1'), 'only a hash of the secret is stored');
      // Thirty lessons, courses, quizzes and live classes, and the pass of 上海开放大学's certification unit.
      assert.equal(db.sql("SELECT COUNT(*) FROM lrs_statements s JOIN persons p ON p.id = s.person_id WHERE p.account_no = '3100000000000011'"), '31');
      assert.equal(db.sql("SELECT COUNT(*) FROM lrs_statements s JOIN lrs_iris a ON a.id = s.activity_iri WHERE a.iri = 'https://lifelong.sh.cn/units/SOU-PY101'"), '1');
    });

    test('ledger verify on the demo\'s learning histories exits 0 and prints "ledger verified: N entries"', () => {
      const n = entries();
      // More than the verifier reads at a time (8192), so that both of its passes page.
      assert.ok(n > 8192, `the demo made learning histories (${n} entries)`);
      const r = run(['ledger', 'verify', ...common]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^ledger verified: ${n} entries of 500 persons, \\d+ tree nodes, \\d+ signed tree heads`));
      const quiet = run(['ledger', 'verify', '--quiet', ...common]);
      assert.equal(quiet.code, 0, quiet.err);
      assert.equal(quiet.out, '');
    });

    test('import outcomes of a small CSV prints the summary and exits 0 when every row is stored', () => {
      const before = entries();
      const p = file('good.csv', [HEAD,
        row(accounts[0], `命令行导入 一 ${tag}`, { ext: `cli-1-${tag}` }),
        row(accounts[1], `命令行导入 二 ${tag}`, { ext: `cli-2-${tag}` }),
        row(accounts[2], `命令行导入 三 ${tag}`, { kind: 'non_degree_training', hours: '8.5', started: '2024-03-01', ext: `cli-3-${tag}` }),
      ].join('\n') + '\n');
      const r = run(['import', 'outcomes', p, '--institution', institution, '--quiet', ...common]);
      assert.equal(r.code, 0, r.err + r.out);
      assert.match(r.out, /^import [0-9a-f-]{36}: done; 3 rows read, 3 stored, 0 pending review, 0 already there, 0 rejected\n$/);
      assert.equal(entries(), before + 3);
      assert.deepEqual(storedTitles('命令行导入'), [`命令行导入 一 ${tag}`, `命令行导入 三 ${tag}`, `命令行导入 二 ${tag}`].sort());
      assert.equal(db.sql(`SELECT hours_milli FROM ledger_entries WHERE title = '命令行导入 三 ${tag}'`), '8500');
      assert.equal(db.sql(`SELECT COUNT(*) FROM ledger_entries WHERE title LIKE '命令行导入%' AND institution_id <> '${institution}'`), '0');
      // The same file again: every row already there, nothing new, still exit 0.
      const again = run(['import', 'outcomes', p, '--institution', institution, '--quiet', ...common]);
      assert.equal(again.code, 0, again.err + again.out);
      assert.match(again.out, /done; 3 rows read, 0 stored, 0 pending review, 3 already there, 0 rejected/);
      assert.equal(entries(), before + 3);
      // What the import appended verifies with the rest.
      const v = run(['ledger', 'verify', ...common]);
      assert.equal(v.code, 0, v.err);
      assert.match(v.out, new RegExp(`^ledger verified: ${before + 3} entries`));
    });

    test('rows rejected: the good rows are stored, the exit status is 65, and --report writes them as CSV', () => {
      const before = entries();
      const p = file('mixed.csv', [HEAD,
        row(accounts[0], `部分导入 好 ${tag}`),
        row(accounts[0], `部分导入 坏日期 ${tag}`, { awarded: '2024-02-30' }),
        row('3100000000099999', `部分导入 无账号 ${tag}`),
        row(accounts[1], `部分导入 老年 ${tag}`, { kind: 'elder_education' }),
      ].join('\r\n') + '\r\n');
      const report = join(dir, 'report.csv');
      const r = run(['import', 'outcomes', p, '--institution', institution, '--report', report, '--quiet', ...common]);
      assert.equal(r.code, 65, r.err + r.out);
      assert.match(r.out, /done; 4 rows read, 1 stored, 0 pending review, 0 already there, 3 rejected/);
      assert.match(r.out, new RegExp(`rejected rows: ${report.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.equal(entries(), before + 1);
      assert.deepEqual(storedTitles('部分导入'), [`部分导入 好 ${tag}`]);
      const bytes = readFileSync(report);
      assert.equal(bytes.subarray(0, 3).toString('hex'), 'efbbbf', 'the report has a UTF-8 BOM for Excel');
      const rows = parseCsv(bytes.toString('utf8').slice(1));
      assert.deepEqual(rows[0], ['行号', '字段', '错误代码', '说明']);
      assert.deepEqual(rows.slice(1).map((x) => x.slice(0, 3)), [
        ['3', 'awarded_on', 'invalid_date'], ['4', 'account_no', 'unknown_account'], ['5', 'kind', 'kind_not_allowed'],
      ]);
      for (const x of rows.slice(1)) assert.ok(x[3].length > 0, 'each error has its message');
    });

    test('--all-or-nothing stores nothing when a row fails (exit 65) and everything when none does (exit 0)', () => {
      const before = entries();
      const bad = file('all-bad.csv', [HEAD,
        row(accounts[0], `全部或无 一 ${tag}`),
        row(accounts[1], `全部或无 二 ${tag}`, { hours: '0.5' }),
        row(accounts[2], `全部或无 三 ${tag}`),
      ].join('\n') + '\n');
      const report = join(dir, 'all-report.csv');
      const r = run(['import', 'outcomes', bad, '--institution', institution, '--all-or-nothing', '--report', report, '--quiet', ...common]);
      assert.equal(r.code, 65, r.err + r.out);
      assert.match(r.out, /: rejected; 3 rows read, 0 stored, 0 pending review, 0 already there, 1 rejected/);
      assert.match(r.out, /nothing was stored/);
      assert.equal(entries(), before);
      assert.deepEqual(storedTitles('全部或无'), []);
      assert.deepEqual(parseCsv(readFileSync(report, 'utf8').slice(1)).slice(1).map((x) => [x[0], x[2]]), [['3', 'out_of_range']]);
      const good = file('all-good.csv', [HEAD,
        row(accounts[0], `全部或无 一 ${tag}`),
        row(accounts[1], `全部或无 二 ${tag}`),
      ].join('\n') + '\n');
      const ok = run(['import', 'outcomes', good, '--institution', institution, '--all-or-nothing', '--quiet', ...common]);
      assert.equal(ok.code, 0, ok.err + ok.out);
      assert.match(ok.out, /: done; 2 rows read, 2 stored/);
      assert.equal(entries(), before + 2);
    });

    test('a JSON Lines file is read as such from its .jsonl name', () => {
      const before = entries();
      const p = file('rows.jsonl', [
        { account_no: accounts[0], kind: 'community_education', title: `JSONL 一 ${tag}`, hours: 3, awarded_on: '2024-04-01' },
        { 学习账号: accounts[1], 类别: '社区教育', 名称: `JSONL 二 ${tag}`, 学时: '1.5', 获得日期: '2024-04-02' },
      ].map((o) => JSON.stringify(o)).join('\n') + '\n');
      const r = run(['import', 'outcomes', p, '--institution', institution, '--quiet', ...common]);
      assert.equal(r.code, 0, r.err + r.out);
      assert.match(r.out, /done; 2 rows read, 2 stored/);
      assert.equal(entries(), before + 2);
    });

    test('an unreadable file exits with an error and makes no job', () => {
      const jobs = db.sql('SELECT COUNT(*) FROM import_jobs');
      const r = run(['import', 'outcomes', join(dir, 'no-such.csv'), '--institution', institution, '--quiet', ...common]);
      assert.notEqual(r.code, 0);
      assert.match(r.err, /cannot open/);
      assert.equal(db.sql('SELECT COUNT(*) FROM import_jobs'), jobs);
    });

    // An institution id that names nothing is the caller's mistake, like a bad account number,
    // not a fault of the database: exit 65 with the error's name, and no job.
    test('an --institution that names no institution is refused as unknown_institution (exit 65) and makes no job', () => {
      const jobs = db.sql('SELECT COUNT(*) FROM import_jobs');
      const p = file('nobody.csv', `${HEAD}\n${row(accounts[0], `无机构 ${tag}`)}\n`);
      const r = run(['import', 'outcomes', p, '--institution', crypto.randomUUID(), '--quiet', ...common]);
      assert.deepEqual({ code: r.code, says: /unknown_institution|unknown institution/.test(r.err) }, { code: 65, says: true }, r.err);
      assert.equal(db.sql('SELECT COUNT(*) FROM import_jobs'), jobs);
    });

    // Last: it breaks the ledger for good.
    test('ledger verify exits 65 and names entry 5 after its title was changed behind the ledger\'s back', () => {
      assert.equal(db.sql("UPDATE ledger_entries SET title = 'x' WHERE seq = 5; SELECT COUNT(*) FROM ledger_entries WHERE seq = 5 AND title = 'x'"), '1');
      const r = run(['ledger', 'verify', ...common]);
      assert.equal(r.code, 65, r.out + r.err);
      assert.match(r.err, /ledger verify: FAILED: entry 5\b/);
      assert.doesNotMatch(r.out, /ledger verified/);
      const quiet = run(['ledger', 'verify', '--quiet', ...common]);
      assert.equal(quiet.code, 65);
      assert.match(quiet.err, /entry 5\b/, '--quiet still names the failure');
    });
  });
}
