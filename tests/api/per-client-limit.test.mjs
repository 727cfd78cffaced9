// Connections per client: a server started with --max-per-ip N holds at most N connections from
// one address; the next is closed unanswered, and a slot frees when a connection ends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { freePort, sleep } from './lib.mjs';

const BIN = process.env.LIFELONG_BIN;
const LIMIT = 3;


// Opens a connection and asks for /healthz on it; resolves with the status line, or '' when the
// server closes the connection without an answer.
function ask(sock) {
  return new Promise((resolve) => {
    let data = '';
    sock.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\r\n\r\n')) resolve(data.split('\r\n')[0]);
    });
    sock.on('close', () => resolve(data.split('\r\n')[0] || ''));
    sock.on('error', () => resolve(''));
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

function connect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => resolve(sock));
    sock.on('error', () => resolve(sock));
  });
}

describe('connections per client', () => {
  let server, port;
  before(async () => {
    port = await freePort();
    server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--max-per-ip', String(LIMIT), '--access-log', 'off'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    // Raw sockets, closed after each try: fetch would keep a connection open and use a slot.
    for (let i = 0; i < 100; i++) {
      const sock = await connect(port);
      const status = await ask(sock);
      sock.destroy();
      if (/^HTTP\/1\.1 200/.test(status)) {
        await sleep(100);
        return;
      }
      await sleep(100);
    }
    throw new Error('the second server did not start');
  });
  after(() => server.kill('SIGTERM'));

  test(`the connection past --max-per-ip ${LIMIT} is closed unanswered; a freed slot is used again`, async () => {
    const held = [];
    for (let i = 0; i < LIMIT; i++) {
      const sock = await connect(port);
      assert.match(await ask(sock), /^HTTP\/1\.1 200/, `connection ${i + 1} is served`);
      held.push(sock);
    }
    const extra = await connect(port);
    assert.equal(await ask(extra), '', 'the connection over the limit gets no answer');
    extra.destroy();

    held.pop().destroy();
    await sleep(200);
    const again = await connect(port);
    assert.match(await ask(again), /^HTTP\/1\.1 200/, 'a freed slot serves a new connection');
    again.destroy();
    for (const s of held) s.destroy();
  });
});
