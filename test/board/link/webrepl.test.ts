import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import WebSocket from 'ws';
import { WebReplLink } from '../../../src/board/link/webrepl';
import { LinkError } from '../../../src/board/link/link';
import { startWebReplServer, WebReplServer, WebReplServerOptions } from '../../support/webrepl-server';
import { collect, patternBytes } from '../../support/bytes';

async function withServer(options: WebReplServerOptions, fn: (server: WebReplServer) => Promise<void>): Promise<void> {
  const server = await startWebReplServer(options);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** Opens a link expected to fail and returns its LinkError. */
async function openError(link: WebReplLink): Promise<LinkError> {
  const err = await link.open().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof LinkError, `expected a LinkError, got ${err}`);
  assert.equal(link.isOpen, false);
  return err;
}

for (const binaryReplies of [false, true]) {
  test(`WebReplLink logs in and carries every byte value both ways (${binaryReplies ? 'binary' : 'text'} replies)`, { timeout: 15000 }, async () => {
    await withServer({ password: 'pa55', binaryReplies }, async (server) => {
      const link = new WebReplLink(server.url, { password: 'pa55' });
      try {
        await link.open();
        assert.equal(link.isOpen, true);
        assert.equal(link.description, server.url);
        const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        const echoed = collect(link, all.length);
        await link.write(all);
        assert.deepEqual(await echoed, all);
        assert.equal(server.relayed, all.length);
        assert.equal(server.binaryFramesIn, 0, 'a WebREPL client sends text frames');
      } finally {
        await link.close();
      }
    });
  });
}

test('WebReplLink logs in to a board without a password', { timeout: 10000 }, async () => {
  await withServer({ password: null }, async (server) => {
    const link = new WebReplLink(server.url);
    try {
      await link.open();
      const echoed = collect(link, 3);
      await link.write(Buffer.from('\r\x01x'));
      assert.deepEqual(await echoed, Buffer.from('\r\x01x'));
    } finally {
      await link.close();
    }
  });
});

test('WebReplLink passes on board output that follows the welcome at once', { timeout: 10000 }, async () => {
  for (const password of ['belay', null]) {
    await withServer({ password, afterWelcome: 'boot message\r\n' }, async (server) => {
      const link = new WebReplLink(server.url, { password: 'belay' });
      const got = collect(link, 'boot message\r\n'.length);
      try {
        await link.open();
        assert.equal((await got).toString(), 'boot message\r\n');
      } finally {
        await link.close();
      }
    });
  }
});

test('WebReplLink with a wrong password fails clearly, naming the host', { timeout: 10000 }, async () => {
  await withServer({ password: 'right' }, async (server) => {
    const err = await openError(new WebReplLink(server.url, { password: 'wrong' }));
    assert.match(err.message, /wrong WebREPL password/);
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${server.port}`));
    assert.equal(server.relayed, 0);
  });
});

test('WebReplLink without a password, asked for one, says to set it', { timeout: 10000 }, async () => {
  await withServer({ password: 'right' }, async (server) => {
    const err = await openError(new WebReplLink(server.url));
    assert.match(err.message, /asks for a WebREPL password/);
  });
});

test('WebReplLink gives up with a clear error when no prompt comes', { timeout: 10000 }, async () => {
  await withServer({ silent: true }, async (server) => {
    const err = await openError(new WebReplLink(server.url, { password: 'belay', loginTimeoutMs: 500 }));
    assert.match(err.message, /no WebREPL password prompt within 0\.5 s/);
  });
});

test('WebReplLink explains a connection the board rejects because another client is connected', { timeout: 10000 }, async () => {
  await withServer({}, async (server) => {
    const first = new WebReplLink(server.url, { password: 'belay' });
    try {
      await first.open();
      const err = await openError(new WebReplLink(server.url, { password: 'belay' }));
      assert.match(err.message, /only one WebREPL client/);
      assert.equal(first.isOpen, true);
    } finally {
      await first.close();
    }
  });
});

test('WebReplLink on a refused port fails with a hint', { timeout: 10000 }, async () => {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const err = await openError(new WebReplLink(`ws://127.0.0.1:${port}`, { password: 'x' }));
  assert.match(err.message, /connection refused: is WebREPL started/);
  assert.equal(err.board, `ws://127.0.0.1:${port}`);
});

test('WebReplLink emits one close with an Error when the board closes the socket', { timeout: 10000 }, async () => {
  await withServer({}, async (server) => {
    const link = new WebReplLink(server.url, { password: 'belay' });
    const closes: (Error | undefined)[] = [];
    link.on('close', (err?: Error) => closes.push(err));
    await link.open();
    const closed = once(link, 'close');
    server.disconnectAll();
    await closed;
    assert.equal(closes.length, 1);
    assert.ok(closes[0] instanceof LinkError);
    assert.match(closes[0].message, /closed the WebREPL connection \(code 1001\)/);
    assert.equal(link.isOpen, false);
    await assert.rejects(link.write(Buffer.from('x')), LinkError);
    await link.close();
    assert.equal(closes.length, 1);
  });
});

test('WebReplLink.close() emits close without an error', { timeout: 10000 }, async () => {
  await withServer({}, async (server) => {
    const link = new WebReplLink(server.url, { password: 'belay' });
    const closes: unknown[] = [];
    link.on('close', (err?: Error) => closes.push(err));
    await link.open();
    await link.close();
    await link.close();
    assert.deepEqual(closes, [undefined]);
  });
});

test('WebReplLink paces large writes so an ESP32-like board drops nothing', { timeout: 30000 }, async () => {
  // The simulated board keeps 2048 bytes per 50 ms; the link sends at most 256 bytes per 15 ms.
  const dropBeyond = { bytes: 2048, ms: 50 };
  const data = patternBytes(16 * 1024);

  await withServer({ dropBeyond }, async (server) => {
    // Unpaced, the same bytes overflow the board: this is what the pacing is for.
    const raw = new WebSocket(server.url, { perMessageDeflate: false, skipUTF8Validation: true });
    await once(raw, 'message');
    raw.send('belay\r');
    await once(raw, 'message');
    for (let at = 0; at < data.length; at += 256) raw.send(data.subarray(at, at + 256), { binary: false });
    // the server answers a ping after it has taken every frame sent before it
    raw.ping();
    await once(raw, 'pong');
    assert.ok(server.dropped > 0, 'the simulated board should drop unpaced input');
    raw.close();
    await once(raw, 'close');
  });

  await withServer({ dropBeyond }, async (server) => {
    const link = new WebReplLink(server.url, { password: 'belay' });
    try {
      await link.open();
      const echoed = collect(link, data.length);
      await link.write(data);
      assert.deepEqual(await echoed, data);
      assert.equal(server.dropped, 0);
    } finally {
      await link.close();
    }
  });
});

test('WebReplLink keeps writes in order when they overlap', { timeout: 15000 }, async () => {
  await withServer({}, async (server) => {
    const link = new WebReplLink(server.url, { password: 'belay', pacing: { chunk: 64, pauseMs: 2 } });
    try {
      await link.open();
      const parts = [patternBytes(1000), Buffer.from('second'), patternBytes(300).reverse()];
      const expected = Buffer.concat(parts);
      const echoed = collect(link, expected.length);
      await Promise.all(parts.map((p) => link.write(p)));
      assert.deepEqual(await echoed, expected);
    } finally {
      await link.close();
    }
  });
});
