/**
 * The wire format on its own: frames as the board's agent writes them (the Python of
 * src/board/agent/core.py run on the real interpreter), and what the reader makes of printed text,
 * forged, garbled, split and truncated frames.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { FrameReader, checkOf, execCode, hashKind, loopLine, type CheckKind, type Frame } from '../../src/board/wire';
import { agentPart } from '../../src/board/agent';
import { parsePython } from '../../src/board/python/literal';
import { loadWasmPython, type WasmPython } from './python/wasm-python';

type Event = Frame | { text: string } | { garbled: string };

function read(chunks: (string | Buffer)[], check: CheckKind = 'hash16'): Event[] {
  const out: Event[] = [];
  const r = new FrameReader({
    frame: (f) => out.push(f),
    text: (b) => {
      const last = out[out.length - 1];
      if (last && 'text' in last) last.text += b.toString('latin1'); else out.push({ text: b.toString('latin1') });
    },
    garbled: (raw) => out.push({ garbled: raw.toString('latin1') }),
  }, check);
  for (const c of chunks) r.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  return out;
}

/** A frame as core.py writes it, checked with the given kind. */
function frame(kind: string, id: string | number, body: string, check: CheckKind = 'hash16'): string {
  const p = `${kind}${id} ${body}`;
  return `\x1e${[...p].length} ${checkOf(check, Buffer.from(p, 'utf8'))} ${p}\n`;
}

test('the board hash() widths are told apart from hash("belay"), as measured on real firmware', () => {
  // micro:bit 1.9.2 and the Pico 1.26.1 print 86, the WebAssembly port 57174
  assert.equal(hashKind(86), 'hash8');
  assert.equal(hashKind(57174), 'hash16');
  assert.equal(hashKind(175562582), 'hash32');
  assert.equal(hashKind(12345), undefined);
  // hash("hello world") and hash("x"*40) on the micro:bit and the Pico: 69 and 5
  assert.equal(checkOf('hash8', Buffer.from('hello world')), 69);
  assert.equal(checkOf('hash8', Buffer.from('x'.repeat(40))), 5);
  // binascii.crc32("abc") on the Pico
  assert.equal(checkOf('crc32', Buffer.from('abc')), 891568578);
});

test('frames and text come out in order, across chunk boundaries, \\r\\n or \\n', () => {
  const f = frame('R', 7, "[1, 'é']");
  const all = `hello\r\n${f.replace('\n', '\r\n')}after`;
  for (let cut = 0; cut <= all.length; cut++) {
    const b = Buffer.from(all, 'utf8');
    const got = read([b.subarray(0, cut), b.subarray(cut)]);
    assert.deepEqual(got, [{ text: 'hello\r\n' }, { kind: 'R', id: '7', body: "[1, 'é']" }, { text: 'after' }], `cut at ${cut}`);
  }
});

test('printed text that looks like a tag stays text; a forged frame with a wrong check is garbled, never a frame', () => {
  assert.deepEqual(read(['\x1eR12345\n']), [{ text: '\x1eR12345\n' }]);
  assert.deepEqual(read(['a\x1eb\x1e', frame('R', 3, '1')]), [{ text: 'a\x1eb\x1e' }, { kind: 'R', id: '3', body: '1' }]);
  assert.deepEqual(read(['\x1e4 0 R3 5\n']), [{ garbled: '\x1e4 0 R3 5\n' }]);
  // a half-written fake header before the real frame: the fake is text, the frame survives
  assert.deepEqual(read(['\x1e9 1 R3', frame('R', 3, '42')]), [{ text: '\x1e9 1 R3' }, { kind: 'R', id: '3', body: '42' }]);
});

test('every single-byte corruption of a reply is detected, with a CRC and with a 16-bit hash', () => {
  for (const check of ['crc32', 'hash16'] as CheckKind[]) {
    const good = Buffer.from(frame('R', 12, "{'a': [1, 2.5, 'xyz'], 'b': b'\\x00'}", check));
    let frames = 0;
    // every byte after the \x1e: a flipped id or kind is caught as surely as a flipped value
    for (let i = 1; i < good.length - 1; i++) {
      for (const flip of [0x01, 0x20, 0x80]) {
        const bad = Buffer.from(good);
        bad[i] ^= flip;
        for (const e of read([bad], check)) if ('kind' in e) frames++;
      }
    }
    assert.equal(frames, 0, check);
  }
  // dropped bytes and inserted NULs
  const good = frame('R', 5, "'some text'");
  for (let i = 1; i < good.length - 1; i++) {
    const cut = good.slice(0, i) + good.slice(i + 1);
    const nul = good.slice(0, i) + '\x00\x00' + good.slice(i);
    for (const bad of [cut, nul]) {
      assert.ok(!read([bad]).some((e) => 'kind' in e), JSON.stringify(bad));
    }
  }
});

test('the loop and exec requests carry their id; JSON calls only where JSON says what the literals say', () => {
  assert.equal(loopLine(4, { op: 'call', name: 'f', args: [1, 'a'], kwargs: {} }, true), 'j4 f[1,"a"]\n');
  assert.equal(loopLine(4, { op: 'call', name: 'f', args: [1, 'a'], kwargs: {} }, false), "c4 f(1,'a')\n");
  assert.equal(loopLine(5, { op: 'call', name: 'f', args: [NaN], kwargs: {} }, true), "c5 f(float('nan'))\n");
  assert.equal(loopLine(6, { op: 'write', path: '/a', flags: 3, data: 'QUJD' }, true), 'W6 34\t/a\nQUJD');
  assert.throws(() => loopLine(1, { op: 'call', name: 'f()', args: [], kwargs: {} }, true), /not a Python function name/);
  assert.throws(() => loopLine(1, { op: 'call', name: 'f', args: [], kwargs: { 'a=1': 0 } }, true), /keyword argument/);
  assert.equal(execCode(1, { op: 'write', path: '/a', flags: 2, data: '' }), undefined);
  // a long request follows a line with its length in characters (the board reads it in one go)
  const long = loopLine(7, { op: 'expr', expr: `'${'é'.repeat(2000)}'` }, true);
  const body = "c7 '" + 'é'.repeat(2000) + "'\n";
  assert.equal(long, `X${[...body].length}\n${body}`);
});

let mp: WasmPython;
before(async () => {
  mp = await loadWasmPython();
});

test('core.py on the real interpreter writes frames the reader takes, with the check the board has', () => {
  mp.run(agentPart('core'));
  const out = mp.run("_bout('R', 9, repr([1, 'é', b'\\x1e\\n']))\n_bout('G', 9, '3')\nprint('\\x1e4 0 R9 fake')");
  const check: CheckKind = mp.run("print(_bck is hash)").trim() === 'True' ? 'hash16' : 'crc32';
  const got = read([out], check);
  assert.deepEqual(parsePython((got[0] as Frame).body), [1, 'é', Buffer.from('\x1e\n')]);
  assert.deepEqual(got.slice(1), [
    { kind: 'G', id: '9', body: '3' },
    { garbled: '\x1e4 0 R9 fake\n' },
  ]);
});

test('exec-mode code (no agent on the board) prints the same frames, for values, generators and statements', () => {
  mp.run('def sq(n):\n    for i in range(n):\n        yield i * i\n');
  const value = mp.run(execCode(3, { op: 'call', name: 'len', args: [[1, 2, 3]], kwargs: {} })!);
  assert.deepEqual(read([value]), [{ kind: 'R', id: '3', body: '3' }]);
  const gen = mp.run(execCode(4, { op: 'call', name: 'sq', args: [3], kwargs: {}, generator: true })!);
  assert.deepEqual(read([gen]).map((e) => 'kind' in e ? [e.kind, e.body] : e), [['I', '0'], ['I', '1'], ['I', '4'], ['G', '']]);
  const stmts = mp.run(execCode(5, { op: 'eval', src: 'zz = 6\nprint("p")', file: 'x' })!);
  assert.deepEqual(read([stmts]), [{ text: 'p\n' }, { kind: 'R', id: '5', body: 'None' }]);
  const expr = mp.run(execCode(6, { op: 'eval', src: 'zz * 7', file: 'x' })!);
  assert.deepEqual(read([expr]), [{ kind: 'R', id: '6', body: '42' }]);
  // nothing is left behind
  assert.equal(mp.run("print('_b' in globals())").trim(), 'False');
});
