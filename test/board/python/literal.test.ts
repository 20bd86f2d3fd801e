import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { toPython, toJson, parsePython, tryParsePython, pyBytes } from '../../../src/board/python/literal';
import { rng, randomValue, randomBytes } from './random-values';
import { loadWasmPython, WasmPython } from './wasm-python';

describe('toPython', () => {
  test('scalars', () => {
    assert.equal(toPython(null), 'None');
    assert.equal(toPython(undefined), 'None');
    assert.equal(toPython(true), 'True');
    assert.equal(toPython(false), 'False');
    assert.equal(toPython(42), '42');
    assert.equal(toPython(-7), '-7');
    assert.equal(toPython(1.5), '1.5');
    assert.equal(toPython(-0), '-0.0');
    assert.equal(toPython(1e300), '1e+300');
    assert.equal(toPython(2 ** 60), '1152921504606847000.0');
    assert.equal(toPython(NaN), "float('nan')");
    assert.equal(toPython(Infinity), "float('inf')");
    assert.equal(toPython(-Infinity), "-float('inf')");
    assert.equal(toPython(12345678901234567890n), '12345678901234567890');
  });

  test('strings escape everything that could end the literal or the raw REPL', () => {
    assert.equal(toPython("it's"), "'it\\'s'");
    assert.equal(toPython('a\\b'), "'a\\\\b'");
    assert.equal(toPython('l1\nl2\r\t'), "'l1\\nl2\\r\\t'");
    assert.equal(toPython('\x00\x03\x04\x1b\x7f'), "'\\x00\\x03\\x04\\x1b\\x7f'");
    assert.equal(toPython('"'), `'"'`);
    assert.equal(toPython('é😀'), "'é😀'");
    assert.equal(toPython('\ud800x'), "'\\ud800x'");
    assert.equal(toPython('x\udfff'), "'x\\udfff'");
    // message data can never become code
    const evil = "'); import os; os.remove('main.py'); ('";
    assert.equal(parsePython(toPython(evil)), evil);
    assert.doesNotMatch(toPython('\x00\x01\x02\x03\x04\x05'), /[\x00-\x1f]/);
  });

  test('bytes', () => {
    assert.equal(toPython(Buffer.from([0, 0x41, 0x27, 0x5c, 0x0a, 0xff])), "b'\\x00A\\'\\\\\\n\\xff'");
    assert.equal(toPython(new Uint8Array([1, 2])), "b'\\x01\\x02'");
    assert.equal(toPython(new Uint8Array([65, 66]).buffer), "b'AB'");
    assert.equal(pyBytes(new Uint8Array(0)), "b''");
  });

  test('containers', () => {
    assert.equal(toPython([1, 'a', [null]]), "[1, 'a', [None]]");
    assert.equal(toPython({ a: 1, 'b c': [true] }), "{'a': 1, 'b c': [True]}");
    assert.equal(toPython(new Map<unknown, unknown>([[1, 'x'], ['k', 2], [[1, 2], 3], [[5], 4]])), "{1: 'x', 'k': 2, (1, 2): 3, (5,): 4}");
    assert.equal(toPython(new Set([1, 2])), '[1, 2]');
    assert.equal(toPython(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), "'2024-01-02T03:04:05.000Z'");
    assert.equal(toPython([, 1]), '[None, 1]'); // eslint-disable-line no-sparse-arrays
    assert.equal(toPython(new Float32Array([0.5, 2])), '[0.5, 2]');
    assert.equal(toPython(Object.assign(Object.create(null), { x: 1 })), "{'x': 1}");
    assert.equal(toPython(new String('s')), "'s'");
    assert.equal(toPython({ u: undefined }), "{'u': None}");
    class Money { toJSON() { return { cents: 5 }; } }
    assert.equal(toPython(new Money()), "{'cents': 5}");
  });

  test('refuses what is not data, saying where', () => {
    assert.throws(() => toPython(() => 1), /function.*at value/);
    assert.throws(() => toPython({ a: [Symbol('s')] }), (e: Error) => e instanceof TypeError && /symbol/.test(e.message) && e.message.includes('value["a"][0]'));
    class Pin { n = 1; }
    assert.throws(() => toPython({ p: new Pin() }), /instance of Pin.*value\["p"\]/);
    assert.throws(() => toPython(new Date(NaN)), /invalid Date/);
    assert.throws(() => toPython(new Map([[{}, 1]])), /dict key/);
  });

  test('detects cycles but allows shared references', () => {
    const a: unknown[] = [1];
    a.push(a);
    assert.throws(() => toPython(a), /circular.*value\[1\]/);
    const o: Record<string, unknown> = {};
    o.self = { back: o };
    assert.throws(() => toPython(o), /circular/);
    const shared = { x: 1 };
    assert.equal(toPython([shared, shared]), "[{'x': 1}, {'x': 1}]");
  });
});

describe('parsePython', () => {
  test('scalars as MicroPython prints them', () => {
    assert.equal(parsePython('None'), null);
    assert.equal(parsePython('True'), true);
    assert.equal(parsePython('False'), false);
    assert.equal(parsePython('42'), 42);
    assert.equal(parsePython('-42'), -42);
    assert.equal(parsePython('9007199254740991'), 9007199254740991);
    assert.equal(parsePython('9007199254740992'), 9007199254740992n);
    assert.equal(parsePython('-1180591620717411303424'), -1180591620717411303424n);
    assert.equal(parsePython('1.5'), 1.5);
    assert.equal(parsePython('1e+100'), 1e100);
    assert.equal(parsePython('1.0e-05'), 1e-5);
    assert.equal(parsePython('1e-05'), 1e-5);
    assert.ok(Object.is(parsePython('-0.0'), -0));
    assert.equal(parsePython('inf'), Infinity);
    assert.equal(parsePython('-inf'), -Infinity);
    assert.ok(Number.isNaN(parsePython('nan')));
    assert.ok(Number.isNaN(parsePython('-nan')));
    assert.equal(parsePython('  7 \r\n'), 7);
  });

  test('strings with every escape', () => {
    assert.equal(parsePython(`'a\\'b"c'`), `a'b"c`);
    assert.equal(parsePython(`"it's"`), "it's");
    assert.equal(parsePython(`'\\\\ \\n \\r \\t \\a \\b \\f \\v'`), '\\ \n \r \t \x07 \b \f \v');
    assert.equal(parsePython(`'\\x00\\x7f\\xe9'`), '\x00\x7fé');
    assert.equal(parsePython(`'\\u2028\\U0001f600'`), '\u2028😀');
    assert.equal(parsePython(`'\\0\\12\\101\\1234'`), '\x00\nA' + 'S4');
    assert.equal(parsePython(`'\\d'`), '\\d');
    assert.equal(parsePython(`'\\ud800'`), '\ud800');
    assert.equal(parsePython(`'é'`), 'é');
  });

  test('bytes and bytearray become Buffers', () => {
    assert.deepEqual(parsePython(`b'\\x00A\\'\\\\\\n\\xff'`), Buffer.from([0, 0x41, 0x27, 0x5c, 0x0a, 0xff]));
    assert.deepEqual(parsePython(`b"'"`), Buffer.from("'"));
    assert.deepEqual(parsePython(`bytearray(b'ab')`), Buffer.from('ab'));
    assert.deepEqual(parsePython(`bytearray(b'')`), Buffer.alloc(0));
    assert.deepEqual(parsePython(`b'\\u1234'`), Buffer.from('\\u1234'));
    assert.ok(Buffer.isBuffer(parsePython(`b''`)));
  });

  test('containers', () => {
    assert.deepEqual(parsePython('[1, [2, (3,)], ()]'), [1, [2, [3]], []]);
    assert.deepEqual(parsePython('(1, 2)'), [1, 2]);
    assert.equal(parsePython('(1)'), 1);
    assert.deepEqual(parsePython('{2, 1}'), [2, 1]);
    assert.deepEqual(parsePython('set()'), []);
    assert.deepEqual(parsePython('frozenset({3})'), [3]);
    assert.deepEqual(parsePython('{}'), {});
    assert.deepEqual(parsePython(`{'a': 1, "b": {'c': [None]}}`), { a: 1, b: { c: [null] } });
    assert.deepEqual(parsePython(`[1, 2,]`), [1, 2]);
  });

  test('non-string dict keys become their str() text', () => {
    assert.deepEqual(parsePython(`{1: 'a', (1, 2): 3, True: 4, None: 5, 1.5: 6, b'k': 7, -2: 8}`),
      { '1': 'a', '(1, 2)': 3, True: 4, None: 5, '1.5': 6, "b'k'": 7, '-2': 8 });
    const o = parsePython(`{'__proto__': 1}`) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
    assert.deepEqual(Object.keys(o), ['__proto__']);
    assert.equal(o['__proto__'], 1);
  });

  test('anything that is no literal comes back as its text, never evaluated', () => {
    for (const text of ['<Pin 25>', 'Pin(25, mode=OUT)', '<function f at 0x20001230>', '[1, <Pin 2>]', '[[...]]',
      '1j', 'x', '__import__("os")', "'unterminated", '[1, 2', '1 2', 'OrderedDict({})', "b'\u00e9'", '', 'True False',
      '0x10', '{1: }', "'''x'''", 'set([1])']) {
      assert.equal(parsePython(text), text, text);
      assert.deepEqual(tryParsePython(text), { ok: false }, text);
    }
    assert.deepEqual(tryParsePython('[1]'), { ok: true, value: [1] });
    assert.deepEqual(tryParsePython('None'), { ok: true, value: null });
  });

  test('a hostile deeply nested reply does not blow the stack', () => {
    const deep = '['.repeat(100000) + ']'.repeat(100000);
    assert.equal(parsePython(deep), deep);
  });
});

describe('round trip', () => {
  test('random nested values survive toPython → parsePython', () => {
    const r = rng(20240601);
    for (let i = 0; i < 3000; i++) {
      const v = randomValue(r);
      const lit = toPython(v);
      assert.deepStrictEqual(parsePython(lit), v, lit);
    }
  });

  test('Map, Set and small BigInt come back in their contract form', () => {
    assert.deepStrictEqual(parsePython(toPython(new Map([['a', 1]]))), { a: 1 });
    assert.deepStrictEqual(parsePython(toPython(new Set(['x']))), ['x']);
    assert.equal(parsePython(toPython(5n)), 5);
  });

  describe('through the real MicroPython interpreter (WebAssembly port)', () => {
    let mp: WasmPython;
    before(async () => { mp = await loadWasmPython(); });

    test('MicroPython compiles what toPython writes and parsePython reads what it prints', { timeout: 60000 }, () => {
      const r = rng(7);
      for (let i = 0; i < 600; i++) {
        const v = randomValue(r);
        const lit = toPython(v);
        const printed = mp.run(`print(repr(${lit}))`).replace(/\n$/, '');
        assert.deepStrictEqual(parsePython(printed), v, `${lit}\n→ ${printed}`);
      }
    });

    test('json.loads reads what toJson writes as the very value toPython\'s literal compiles to', { timeout: 60000 }, () => {
      // Equal in type and value all the way down (1 == 1.0 in Python; dicts have no order to compare).
      mp.run([
        'def __same(a, b):',
        '    if type(a) is not type(b):',
        '        return False',
        '    if type(a) is list:',
        '        return len(a) == len(b) and all(__same(x, y) for x, y in zip(a, b))',
        '    if type(a) is dict:',
        '        return len(a) == len(b) and all(k in b and __same(a[k], b[k]) for k in a)',
        '    return repr(a) == repr(b)',
      ].join('\n'));
      const r = rng(11);
      let viaJson = 0;
      for (let i = 0; i < 600; i++) {
        const v = randomValue(r);
        const json = toJson(v);
        if (json === undefined) continue;
        viaJson++;
        assert.doesNotMatch(json, /[\x00-\x1f\x7f]/, 'no control character, no line break');
        const same = mp.run(`import json\nprint(__same(json.loads(${toPython(json)}), ${toPython(v)}))`).trim();
        assert.equal(same, 'True', json);
      }
      assert.ok(viaJson > 150, `only ${viaJson} random values had a JSON form`);
      // Where JSON would say something else, it says nothing and the literal is used.
      for (const v of [Buffer.from('a'), NaN, Infinity, 5n, new Map([[1, 2]]), 'lone \ud800', new Uint8Array(2), () => 1]) {
        assert.equal(toJson([v]), undefined, String(v));
      }
      assert.equal(toJson([2 ** 53, -0, 1e21, 'a"b\\c\n\x01é😀', null, true, { x: [1] }]),
        '[9007199254740992.0,-0.0,1e+21,"a\\"b\\\\c\\n\\u0001é😀",null,true,{"x":[1]}]');
    });

    test('every byte value and every string escape', { timeout: 20000 }, () => {
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      assert.deepStrictEqual(parsePython(mp.run(`print(repr(${toPython(all)}))`).trim()), all);
      assert.equal(mp.run(`print(len(${toPython(all)}))`).trim(), '256');
      const chars = Array.from({ length: 0x300 }, (_, i) => String.fromCharCode(i)).join('') + '😀\u2028\uffff\ud800\udc00';
      assert.equal(parsePython(mp.run(`print(repr(${toPython(chars)}))`).trim()), chars);
      const r = rng(3);
      for (let i = 0; i < 50; i++) {
        const b = randomBytes(r, 300);
        assert.deepStrictEqual(parsePython(mp.run(`print(repr(bytearray(${toPython(b)})))`).trim()), b);
      }
    });

    test('MicroPython reprs of non-literals stay strings; sets and odd keys parse', { timeout: 20000 }, () => {
      const fn = mp.run('def f(): pass\nprint(repr(f))').trim();
      assert.match(fn, /^<function f at/);
      assert.equal(parsePython(fn), fn);
      const cls = mp.run('class P:\n  pass\nprint(repr(P()))').trim();
      assert.equal(parsePython(cls), cls);
      assert.deepEqual((parsePython(mp.run('print(repr({3, 1, 2}))').trim()) as number[]).sort(), [1, 2, 3]);
      assert.deepEqual(parsePython(mp.run('print(repr({(1, 2): "t", 1: "i", None: 0}))').trim()), { '(1, 2)': 't', '1': 'i', None: 0 });
      assert.equal(parsePython(mp.run('print(repr(2**100))').trim()), 2n ** 100n);
      assert.equal(parsePython(mp.run('print(repr(-2**53))').trim()), -(2n ** 53n));
      assert.deepEqual(parsePython(mp.run('print(repr((1e100, 1e-5, 0.1, float("inf"), -float("inf"))))').trim()), [1e100, 1e-5, 0.1, Infinity, -Infinity]);
    });
  });
});

test("parsePython reads toPython's float('nan') / float('inf') forms too", () => {
  assert.ok(Number.isNaN(parsePython("float('nan')")));
  assert.equal(parsePython("float('inf')"), Infinity);
  assert.equal(parsePython("-float('inf')"), -Infinity);
  assert.equal(parsePython('float("-inf")'), -Infinity);
  assert.equal(parsePython("float('1.5')"), "float('1.5')");
  assert.equal(parsePython('float(x)'), 'float(x)');
});
