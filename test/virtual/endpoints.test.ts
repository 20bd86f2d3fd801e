import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import { SerialPortStream } from '@serialport/stream';
import { autoDetect } from '@serialport/bindings-cpp';
import { servePty, serveTcp } from '../../src/virtual/serve';
import { Collector, removeDir, sleep, tempDir } from './helpers';

/**
 * A raw-REPL client written from the protocol description alone (BELAY.md): it knows nothing of the
 * virtual board, only bytes on a serial line.
 */
class ProtocolClient {
  private readonly rx: Collector;
  constructor(private readonly send: (b: Buffer) => Promise<void>, source: EventEmitter) {
    this.rx = new Collector(source);
  }

  /** Two Ctrl-C: the second once the board has answered the first with a prompt. */
  async interrupt(): Promise<void> {
    this.rx.text = ''; // what came before (a banner) is not the answer
    await this.send(Buffer.from('\r\x03'));
    await this.rx.until('>>> ');
    await this.send(Buffer.from('\x03'));
  }

  async enterRaw(): Promise<void> {
    await this.send(Buffer.from('\r\x01'));
    await this.rx.until('raw REPL; CTRL-B to exit\r\n>');
  }

  async softReset(): Promise<string> {
    await this.send(Buffer.from('\x04'));
    return this.rx.until('raw REPL; CTRL-B to exit\r\n>');
  }

  /** Plain raw mode: send at most 256 bytes every 10 ms, then Ctrl-D. */
  async exec(code: string): Promise<{ out: string; err: string }> {
    const data = Buffer.from(code);
    for (let i = 0; i < data.length; i += 256) {
      await this.send(data.subarray(i, i + 256));
      await sleep(10);
    }
    await this.send(Buffer.from('\x04'));
    await this.rx.until('OK');
    const out = await this.rx.until('\x04');
    const err = await this.rx.until('\x04');
    await this.rx.until('>');
    return { out: out.slice(0, -1), err: err.slice(0, -1) };
  }

  /** Raw-paste mode; returns null when the board refuses it. */
  async execPaste(code: string): Promise<{ out: string; err: string } | null> {
    await this.send(Buffer.from('\x05A\x01'));
    await this.rx.until('R');
    if ((await this.rx.take(1)) === '\x00') return null;
    const size = await this.rx.take(2);
    const window0 = size.charCodeAt(0) | (size.charCodeAt(1) << 8);
    let window = window0;
    const data = Buffer.from(code);
    let sent = 0;
    while (sent < data.length) {
      if (window === 0) {
        await this.rx.until('\x01');
        window += window0;
      }
      const n = Math.min(window, data.length - sent);
      await this.send(data.subarray(sent, sent + n));
      sent += n;
      window -= n;
    }
    await this.send(Buffer.from('\x04'));
    await this.rx.until('\x04');
    const out = await this.rx.until('\x04');
    const err = await this.rx.until('\x04');
    await this.rx.until('>');
    return { out: out.slice(0, -1).replace(/^\x01+/, ''), err: err.slice(0, -1) };
  }

  async leaveRaw(): Promise<string> {
    await this.send(Buffer.from('\r\x02'));
    return this.rx.until('>>> ');
  }
}

test('a raw-REPL session over a real pty made by socat', { timeout: 30000 }, async () => {
  const dir = tempDir('pty');
  const link = path.join(dir, 'ttyVIRTUAL');
  const ep = await servePty(link, { name: 'ep-pty', fsDir: path.join(dir, 'fs') });
  const port = new SerialPortStream({ binding: autoDetect(), path: link, baudRate: 115200, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const send = (b: Buffer) => new Promise<void>((resolve, reject) => port.write(b, (e) => (e ? reject(e) : port.drain(() => resolve()))));
    const c = new ProtocolClient(send, port);
    await c.interrupt();
    await c.enterRaw();
    assert.deepEqual(await c.exec('x = 6\nprint(x * 7)'), { out: '42\r\n', err: '' });
    const long = `s = "${'y'.repeat(600)}"\nprint(len(s))`;
    assert.deepEqual(await c.exec(long), { out: '600\r\n', err: '' });
    assert.deepEqual(await c.execPaste(long + '\nprint(x)'), { out: '600\r\n6\r\n', err: '' });
    const bad = await c.exec('import nothing_here');
    assert.match(bad.err, /ImportError: no module named 'nothing_here'\r\n$/);
    assert.match(await c.softReset(), /^OK\r\nMPY: soft reboot\r\n/);
    assert.match((await c.exec('print(x)')).err, /NameError/);
    assert.match(await c.leaveRaw(), /MicroPython v1\.27\.0 on [\d-]+; virtual board wasm\r\nType "help\(\)" for more information\.\r\n>>> $/);
  } finally {
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    await ep.close();
    removeDir(dir);
  }
});

test('the tcp endpoint carries the same byte stream', { timeout: 20000 }, async () => {
  const dir = tempDir('tcp');
  const ep = await serveTcp('127.0.0.1', 0, { name: 'ep-tcp', fsDir: dir });
  const sock = net.connect(ep.port, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    const send = (b: Buffer) => new Promise<void>((resolve) => sock.write(b, () => resolve()));
    const c = new ProtocolClient(send, sock);
    await c.interrupt();
    await c.enterRaw();
    assert.deepEqual(await c.exec('print(sum(range(10)))'), { out: '45\r\n', err: '' });
  } finally {
    sock.destroy();
    await ep.close();
    removeDir(dir);
  }
});
