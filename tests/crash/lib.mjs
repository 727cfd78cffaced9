// What the crash tests share: a temporary folder with a key file and a database (the one in
// LIFELONG_TEST_DB, which must be fresh, or a new SQLite file), the CLI on them, and servers
// started on a free port whose log each test may read.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.LIFELONG_BIN || path.join(root, 'build/src/cli/lifelong');
export const PASSWORD = 'Demo-2026!';

export function crashWorld(prefix) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const DB = process.env.LIFELONG_TEST_DB || `sqlite:${tmp}/db`;
  const KEY = path.join(tmp, 'key');
  const run = (args) => execFileSync(BIN, args, { encoding: 'utf8', env: { ...process.env, LIFELONG_DB: DB, LIFELONG_KEY_FILE: KEY } });
  async function startServer() {
    const log = path.join(tmp, `server-${Date.now()}.log`);
    const fd = fs.openSync(log, 'w');
    const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--db', DB, '--key-file', KEY, '--access-log', 'off'],
      { stdio: ['ignore', 'ignore', fd] });
    for (let i = 0; i < 200; i++) {
      const m = fs.readFileSync(log, 'utf8').match(/listening on \S+ \(port (\d+)\)/);
      if (m) return { child, base: `http://127.0.0.1:${m[1]}` };
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`the server did not start: ${fs.readFileSync(log, 'utf8')}`);
  }
  return { tmp, DB, KEY, run, startServer };
}
