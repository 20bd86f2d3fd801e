import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { BOARD_HASH_SNIPPET, BOARD_WRITE_SNIPPET, encodeChunk } from '../../src/board/python/sync-snippets';
import { fnv1a32 } from '../../src/board/sync-plan';
import { parsePython, toPython } from '../../src/board/python/literal';
import { rng, randomBytes } from './random-values';
import { loadWasmPython, WasmPython } from './wasm-python';

describe('encodeChunk', () => {
  test('text goes as a bytes literal, binary as base64: whichever is shorter', () => {
    const text = Buffer.from('def f(x):\n    return x * 2\n');
    assert.equal(encodeChunk(text), toPython(text));
    const binary = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff));
    const e = encodeChunk(binary);
    assert.match(e, /^__belay_d\(b'[A-Za-z0-9+/=]*'\)$/);
    assert.ok(e.length < toPython(binary).length * 0.5);
    assert.doesNotMatch(e, /[\x00-\x1f\x7f-\uffff]/);
  });

  test('a view into a larger buffer encodes only its own bytes', () => {
    const big = Buffer.from(Array.from({ length: 100 }, (_, i) => 200 + (i % 50)));
    const view = big.subarray(10, 40);
    const b64 = /^__belay_d\(b'(.*)'\)$/.exec(encodeChunk(view));
    assert.ok(b64);
    assert.deepEqual(Buffer.from(b64[1], 'base64'), Buffer.from(view));
  });
});

describe('board snippets on the real interpreter (WebAssembly MicroPython)', () => {
  let mp: WasmPython;
  before(async () => {
    mp = await loadWasmPython();
    mp.run(BOARD_HASH_SNIPPET);
    mp.run(BOARD_WRITE_SNIPPET);
  });

  const hashes = (root: string) => parsePython(mp.run(`__belay_hashes(${toPython(root)}, True)`).trim()) as [Record<string, number>, string[]];

  test('__belay_hashes agrees with fnv1a32 on every file', { timeout: 30000 }, () => {
    const r = rng(99);
    mp.fs.mkdir('/h');
    mp.fs.mkdir('/h/lib');
    mp.fs.mkdir('/h/lib/deep');
    mp.fs.mkdir('/h/empty');
    const contents: Record<string, Buffer> = {
      '/h/a.txt': Buffer.from('a'),
      '/h/foobar': Buffer.from('foobar'),
      '/h/hello': Buffer.from('hello world\n'),
      '/h/empty.bin': Buffer.alloc(0),
      '/h/lib/x.py': Buffer.from('print("x")\n'),
      '/h/lib/deep/blob': randomBytes(r, 5000),
      '/h/lib/deep/exact1024': Buffer.alloc(1024, 0xab), // exactly one read buffer
      '/h/lib/deep/k2049': Buffer.alloc(2049, 0x5a),     // a 1-byte tail read
      "/h/it's.bin": randomBytes(r, 2000),
    };
    for (const [p, d] of Object.entries(contents)) mp.fs.writeFile(p, d);

    const [files, dirs] = hashes('/h');
    assert.deepEqual(Object.keys(files).sort(), Object.keys(contents).sort());
    for (const [p, d] of Object.entries(contents)) assert.equal(files[p], fnv1a32(d), p);
    assert.equal(files['/h/foobar'], 0xbf9cf968);
    assert.deepEqual(dirs.sort(), ['/h', '/h/empty', '/h/lib', '/h/lib/deep']);

    // a trailing slash means the same folder; a missing one gives nothing
    assert.deepEqual(hashes('/h/')[0], files);
    assert.deepEqual(hashes('/nope'), [{}, []]);
    // the returning form gives the same as the printing form
    assert.equal(mp.run(`print(repr(__belay_hashes('/h/lib')))`).trim(), mp.run(`__belay_hashes('/h/lib', True)`).trim());
  });

  test('the plain-Python FNV matches the host on random data', { timeout: 30000 }, () => {
    const r = rng(5);
    for (let i = 0; i < 30; i++) {
      const d = randomBytes(r, 700);
      const got = Number(mp.run(`print(__belay_f(${toPython(d)}, ${d.length}, 0x811c9dc5))`).trim());
      assert.equal(got, fnv1a32(d));
    }
    // a partial buffer (what readinto leaves at the end of a file) hashes only its first n bytes
    assert.equal(Number(mp.run(`print(__belay_f(b'foobarXYZ', 6, 0x811c9dc5))`).trim()), 0xbf9cf968);
  });

  test('__belay_w writes and appends binary-safe, from literals and from base64', { timeout: 30000 }, () => {
    const r = rng(11);
    const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(r, 3000)]);
    const text = Buffer.from("# a file\nprint('hi')\n\\ \x04 \x03 end\n");
    mp.fs.mkdir('/w');
    mp.run(`__belay_w('/w/t.py', ${encodeChunk(text)})`);
    assert.deepEqual(Buffer.from(mp.fs.readFile('/w/t.py')), text);
    for (let i = 0; i < data.length; i += 500) {
      mp.run(`__belay_w('/w/b.bin', ${encodeChunk(data.subarray(i, i + 500))}, ${i === 0 ? 0 : 1})`);
    }
    assert.deepEqual(Buffer.from(mp.fs.readFile('/w/b.bin')), data);
    mp.run(`__belay_w('/w/b.bin', b'')`);
    assert.equal(mp.fs.readFile('/w/b.bin').length, 0);
  });

  test('the plain-Python base64 decoder agrees with binascii', { timeout: 30000 }, () => {
    const r = rng(12);
    for (let i = 0; i < 20; i++) {
      const d = randomBytes(r, 200);
      const b64 = d.toString('base64');
      const out = mp.run(`print(repr(__belay_b64(b'${b64}')), __belay_b64(b'${b64}') == __belay_d(b'${b64}'))`).trim();
      assert.ok(out.endsWith(' True'), out);
      assert.deepEqual(parsePython(out.slice(0, -5)), d);
    }
  });

  test('__belay_mkdirs creates parents and tolerates existing folders; __belay_rm removes and skips missing', { timeout: 30000 }, () => {
    mp.run(`__belay_mkdirs(['/m/a/b/c', '/m/a', '/m/x'])`);
    mp.run(`__belay_mkdirs(['/m/a/b/c'])`);
    assert.deepEqual(hashes('/m')[1].sort(), ['/m', '/m/a', '/m/a/b', '/m/a/b/c', '/m/x']);
    mp.run(`__belay_w('/m/a/b/c/f', b'1')\n__belay_w('/m/a/g', b'2')`);
    mp.run(`__belay_rm(['/m/a/b/c/f', '/m/a/g', '/m/gone', '/m/a/b/c', '/m/a/b', '/m/x'])`);
    const [files, dirs] = hashes('/m');
    assert.deepEqual(files, {});
    assert.deepEqual(dirs.sort(), ['/m', '/m/a']);
  });

  test('a folder that is not empty is not removed silently', { timeout: 30000 }, () => {
    mp.run(`__belay_mkdirs(['/n/d'])\n__belay_w('/n/d/f', b'x')`);
    assert.throws(() => mp.run(`__belay_rm(['/n/d'])`), /OSError/);
  });
});
