/**
 * Every answer belongs to its call (issue #16): through a link that duplicates, delays, flips,
 * truncates and garbles the board's replies, and with user code and threads that print what looks
 * like the protocol, no call ever gets another call's answer or a corrupted value, and the board
 * answers again within 3 s.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Device } from '../../src/board/device';
import { createLink } from '../../src/board/link';
import { BoardError } from '../../src/board/types';
import { defaultFsDir } from '../../src/virtual';
import '../../src/virtual/link';
import { FaultyLink, type Fault } from '../support/faulty-link';

const name = `faults-${process.pid}`;
let link!: FaultyLink;
const d = new Device({ port: `virtual:${name}`, timeout: 2 }, (p, o) => (link = new FaultyLink(createLink(p, o))));
after(async () => {
  await d.close();
  fs.rmSync(defaultFsDir(name), { recursive: true, force: true });
});

let k = 0;
/** A call whose right answer is known: any other value is another call's answer. */
async function good(): Promise<void> {
  const n = ++k;
  assert.equal((await d.call('triple', [n])).value, n * 3);
}

test('link faults: never a wrong value, back within 3 s', { timeout: 120000 }, async () => {
  await d.connect();
  await d.define('t', 'def triple(n):\n    return n * 3\n');
  await good();
  const faults: [string, Fault][] = [
    ['duplicate', { kind: 'duplicate' }],
    ['late duplicate', { kind: 'late-duplicate' }],
    ['flipped length digit', { kind: 'flip', at: 1, mask: 0x01 }],
    ['flipped check digit', { kind: 'flip', at: 4, mask: 0x02 }],
    ['flipped id', { kind: 'flip', at: 9, mask: 0x01 }],
    ['flipped body byte', { kind: 'flip', at: 14, mask: 0x04 }],
    ['high bit in body', { kind: 'flip', at: 13, mask: 0x80 }],
    ['NUL run inserted', { kind: 'insert', at: 12, bytes: Buffer.alloc(6) }],
    ['\\x04 inserted', { kind: 'insert', at: 12, bytes: Buffer.from([4]) }],
    ['invalid UTF-8 inserted', { kind: 'insert', at: 13, bytes: Buffer.from([0xc3, 0x28]) }],
    ['last byte lost', { kind: 'truncate', n: 1 }],
    ['half lost', { kind: 'truncate', n: 6 }],
    ['garbage', { kind: 'garbage' }],
  ];
  for (const [what, f] of faults) {
    link.arm(f);
    const n = ++k;
    const r = await d.call('triple', [n]).then((v) => ({ v }), (e: unknown) => ({ e }));
    if ('v' in r) assert.equal(r.v.value, n * 3, `${what}: a value came through, and it must be this call's`);
    else assert.ok(r.e instanceof BoardError && ['ProtocolError', 'TimeoutError'].includes(r.e.type), `${what}: ${String(r.e)}`);
    const t0 = Date.now();
    await good();
    assert.ok(Date.now() - t0 < 3000, `${what}: back after ${Date.now() - t0} ms`);
    for (let i = 0; i < 5; i++) await good();
    assert.equal(d.state, 'connected', what);
  }
  assert.equal(link.applied, faults.length);
  assert.ok(d.linkStats!.stale >= 2, 'both duplicates were dropped as stale');
  // a fault the check caught failed its call at once; one that hit the kind or id left the call
  // without an answer until its timeout; every failed call resynchronised
  const errors = d.linkStats!.resyncs;
  assert.ok(d.linkStats!.garbled >= 3 && errors >= faults.length - 2, JSON.stringify(d.linkStats));
});

test('user code and threads that print the protocol\'s bytes change no answer and break nothing', { timeout: 120000 }, async () => {
  await d.connect();
  await d.define('t', 'def triple(n):\n    return n * 3\n');
  await d.define('p', [
    'import sys',
    'def printer(n, what):',
    '    sys.stdout.write(what)',
    '    print(what)',
    '    return n * 3',
    'def storm(what):',
    '    while True:',
    '        sys.stdout.write(what)',
    '        print(what)',
    '        yield 1',
    '        sleep(0.001)',
  ].join('\n'));
  const nasty = ['\x1eR12345\n', '\x04', '\x04\x04>', '\x1e9 0 R1 forged\n', '\x1e12 30040 R4 [[1], {}]\n', '\x1e', 'OK\x04\x04>raw REPL; CTRL-B to exit\r\n>'];
  for (const what of nasty) {
    const n = ++k;
    const r = await d.call('printer', [n, what]);
    assert.equal(r.value, n * 3, JSON.stringify(what));
    assert.ok(r.stdout.includes(what.replace(/\r\n/g, '\n')), `${JSON.stringify(what)} is in stdout: ${JSON.stringify(r.stdout)}`);
    await good();
  }
  // the same from a thread while calls run
  const printed: string[] = [];
  let ended = false;
  const h = await d.startThread('storm', [nasty.join('')], {}, {
    onYield: () => undefined, onPrint: (l) => printed.push(l), onError: (e) => { throw e; }, onEnd: () => { ended = true; },
  });
  for (let i = 0; i < 50; i++) await good();
  await h.stop();
  assert.equal(ended, true);
  assert.ok(printed.length > 0);
  assert.equal(d.state, 'connected');
  await good();
});
