/**
 * Sync's raw file data (agent/sync.py _bwb, BoardContext.feed): on a link that carries raw bytes the
 * board asks for each piece and reads it as it is, with 0x03, 0x04 and the escape 0x10 escaped.
 * The board here is the virtual one behind a port that looks like a serial port (its own port form
 * keeps text lines: in process a byte costs less than a round trip).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Device } from '../../src/board/device';
import { createLink } from '../../src/board/link';
import { escapeRaw } from '../../src/board/sync';
import { BoardError } from '../../src/board/types';
import { defaultFsDir } from '../../src/virtual';
import '../../src/virtual/link';

const devices: Device[] = [];
const names: string[] = [];
const folders: string[] = [];
after(async () => {
  for (const d of devices) await d.close().catch(() => undefined);
  for (const n of names) fs.rmSync(defaultFsDir(n), { recursive: true, force: true });
  for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
});

/** A Device on a serial-looking port whose link is a virtual board; `writes` keeps what the host sent. */
function rawBoard(name: string): { d: Device; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const board = `raw-${name}-${process.pid}`;
  names.push(board);
  const d = new Device({ port: `/dev/belay-${board}`, timeout: 10 }, (_p, o) => {
    const link = createLink(`virtual:${board}`, o);
    const write = link.write.bind(link);
    link.write = (data: Uint8Array) => {
      writes.push(Buffer.from(data));
      return write(data);
    };
    return link;
  });
  devices.push(d);
  return { d, writes };
}

function folder(files: Record<string, Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-raw-'));
  folders.push(dir);
  for (const [rel, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, rel), data);
  return dir;
}

/** What _bwb undoes, written the slow way. */
function unescape(b: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0x10) out.push(b[i]);
    else out.push({ 0x20: 0x10, 0x23: 0x03, 0x24: 0x04 }[b[++i]]!);
  }
  return Buffer.from(out);
}

test('escapeRaw: no 0x03 or 0x04 left, every byte back as it was', () => {
  const every = Buffer.from(Array.from({ length: 256 * 3 }, (_, i) => i & 255));
  const tricky = Buffer.from([0x10, 0x23, 0x10, 0x10, 0x20, 0x03, 0x04, 0x24, 0x10]);
  for (const data of [every, tricky, Buffer.alloc(0), Buffer.from('plain text')]) {
    const e = escapeRaw(data);
    assert.ok(!e.includes(0x03) && !e.includes(0x04));
    assert.ok(unescape(e).equals(data));
  }
  assert.equal(escapeRaw(every).length, every.length + 9);
});

test('raw file data: pieces, batches, empty files and every byte value arrive as they are', { timeout: 60000 }, async () => {
  const { d, writes } = rawBoard('data');
  await d.connect();
  const every = Buffer.from(Array.from({ length: 256 * 4 }, (_, i) => i & 255));
  const big = Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 31 + (i >> 8)) & 255));
  const files: Record<string, Buffer> = {
    'every.bin': every,
    'tricky.bin': Buffer.from([0x10, 0x23, 0x10, 0x10, 0x20, 0x03, 0x04, 0x24, 0x10]),
    'big.bin': big,
    'empty.txt': Buffer.alloc(0),
    'tab\tname.txt': Buffer.from('a name the text lines cannot carry'),
  };
  // more files than one request takes
  for (let i = 0; i < 40; i++) files[`s${String(i).padStart(2, '0')}.py`] = Buffer.from(`x = ${i}\n`);
  const src = folder(files);
  await d.exec('import os\nos.mkdir("/r")');
  writes.length = 0;
  const progress: number[] = [];
  const r = await d.sync({ source: src, dest: '/r', minify: false }, (p) => progress.push(p.done));
  assert.equal(r.uploaded.length, Object.keys(files).length);
  assert.deepEqual(progress, Array.from({ length: r.uploaded.length + 1 }, (_, i) => i));
  const sent = writes.map((w) => w.toString('latin1'));
  assert.ok(!sent.some((w) => /^W\d+ /.test(w)), 'no text lines');
  assert.ok(sent.filter((w) => /^(X\d+\n)?[jc]\d+ _bwb\(?\[/.test(w)).length >= 2, 'several requests');
  // the data went raw: a quarter less than base64 would be, with nothing the REPL acts on
  const raw = writes.filter((w) => !/^(X\d+\n)?[A-Za-z]\d+ /.test(w.toString('latin1')));
  const total = Object.values(files).reduce((n, b) => n + b.length, 0);
  const rawBytes = raw.reduce((n, b) => n + b.length, 0);
  assert.ok(rawBytes >= total && rawBytes < total * 1.02, `${rawBytes} raw bytes for ${total}`);
  assert.ok(raw.every((w) => !w.includes(0x03) && !w.includes(0x04)));
  for (const [rel, data] of Object.entries(files)) {
    const back = (await d.exec(`open(${JSON.stringify(`/r/${rel}`)}, "rb").read()`)).value as Buffer;
    assert.ok(back.equals(data), rel);
  }
  const again = await d.sync({ source: src, dest: '/r', minify: false });
  assert.deepEqual(again.uploaded, []);
  assert.equal(again.unchanged.length, Object.keys(files).length);
});

test('raw file data: a file that cannot be opened fails before its bytes are sent; the loop stays in step', { timeout: 30000 }, async () => {
  const { d, writes } = rawBoard('fail');
  await d.connect();
  const src = folder({ 'ok.bin': Buffer.alloc(3000, 0x41) });
  fs.mkdirSync(path.join(src, 'sub'));
  fs.writeFileSync(path.join(src, 'sub', 'x.bin'), Buffer.alloc(3000, 0x42));
  // the folder is never made: opening sub/x.bin fails on the board
  await d.withBoard(async (ctx) => { await ctx.ensure('fnv'); await ctx.ensure('sync'); });
  await d.exec('_bmk = lambda ps: None');
  writes.length = 0;
  await assert.rejects(d.sync({ source: src, dest: '/f' }), (e: unknown) => e instanceof BoardError && e.type === 'OSError');
  // /f/ok.bin is the first file and /f does not exist either: nothing raw went out
  assert.ok(!writes.some((w) => w.includes(0x42) || w.includes(0x41)));
  assert.equal((await d.exec('6 * 7')).value, 42);
  assert.equal((await d.call('len', [[1, 2, 3]])).value, 3);
});

test('raw file data: a Ctrl-C mid-piece interrupts the board, what is left of the piece runs nothing', { timeout: 30000 }, async () => {
  const { d } = rawBoard('intr');
  await d.connect();
  // a piece that would run code at a raw REPL, were 0x04 sent as it is
  const evil = Buffer.from('\x04import os\nos.mkdir("/pwned")\n\x04'.repeat(400), 'latin1');
  const src = folder({ 'evil.bin': evil });
  await d.withBoard(async (ctx) => { await ctx.ensure('fnv'); await ctx.ensure('sync'); });
  // a board that reads slowly: 64 bytes every 20 ms
  await d.exec('import sys, time\n_bsi0 = sys.stdin.buffer.readinto\ndef _bsi(m):\n    time.sleep_ms(20)\n    return _bsi0(m[:64])');
  const sync = d.sync({ source: src, dest: '/' }).then(() => undefined, (e: unknown) => e);
  await new Promise((r) => setTimeout(r, 300));
  await d.interrupt();
  const err = await sync;
  assert.ok(err instanceof BoardError && /KeyboardInterrupt|CancelledError/.test(err.type), String(err));
  assert.equal((await d.exec('6 * 7')).value, 42);
  assert.equal(await d.withBoard(async (ctx) => ctx.mode), 'loop');
  await d.exec('import os');
  assert.ok(!((await d.exec('os.listdir("/")')).value as string[]).includes('pwned'));
});

test('feed: an answer that throws ends the board\'s wait at once and fails with its error', { timeout: 30000 }, async () => {
  const { d } = rawBoard('throw');
  await d.connect();
  await d.withBoard(async (ctx) => { await ctx.ensure('fnv'); await ctx.ensure('sync'); });
  const t0 = Date.now();
  await assert.rejects(d.withBoard((ctx) => ctx.feed!('_bwb', [[['/t.bin', 10, 2]]], () => { throw new Error('no bytes here'); }, 30)),
    /no bytes here/);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal((await d.exec('6 * 7')).value, 42);
});

test('the virtual board\'s own port keeps text lines: no raw feed there', { timeout: 30000 }, async () => {
  const name = `raw-own-${process.pid}`;
  names.push(name);
  const d = new Device({ port: `virtual:${name}`, timeout: 10 });
  devices.push(d);
  await d.connect();
  assert.equal(await d.withBoard(async (ctx) => ctx.feed), undefined);
});
