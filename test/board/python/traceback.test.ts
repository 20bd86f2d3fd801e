import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseTraceback, remapTraceback } from '../../../src/board/python/traceback';
import { loadWasmPython, WasmPython } from './wasm-python';

describe('parseTraceback', () => {
  test('the raw-REPL stderr of a MicroPython board', () => {
    const tb = parseTraceback('Traceback (most recent call last):\r\n  File "<stdin>", line 3, in foo\r\n  File "x.py", line 7\r\nZeroDivisionError: divide by zero\r\n');
    assert.equal(tb.type, 'ZeroDivisionError');
    assert.equal(tb.message, 'divide by zero');
    assert.deepEqual(tb.frames, [{ file: '<stdin>', line: 3, fn: 'foo' }, { file: 'x.py', line: 7 }]);
    assert.equal(tb.text, 'Traceback (most recent call last):\n  File "<stdin>", line 3, in foo\n  File "x.py", line 7\nZeroDivisionError: divide by zero');
  });

  test('exceptions without a message', () => {
    const k = parseTraceback('Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nKeyboardInterrupt: \r\n');
    assert.equal(k.type, 'KeyboardInterrupt');
    assert.equal(k.message, '');
    assert.deepEqual(k.frames, [{ file: '<stdin>', line: 1, fn: '<module>' }]);
    const s = parseTraceback('Traceback (most recent call last):\n  File "<stdin>", line 2, in g\nStopIteration\n');
    assert.equal(s.type, 'StopIteration');
    assert.equal(s.message, '');
    const bare = parseTraceback('KeyboardInterrupt: \r\n');
    assert.equal(bare.type, 'KeyboardInterrupt');
    assert.deepEqual(bare.frames, []);
  });

  test('multi-line messages and messages containing colons', () => {
    const tb = parseTraceback('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nValueError: first: line\n  second line\nthird\n');
    assert.equal(tb.type, 'ValueError');
    assert.equal(tb.message, 'first: line\n  second line\nthird');
  });

  test("CircuitPython's wording, errno prose and a translated traceback", () => {
    const cp = parseTraceback('Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nOSError: [Errno 2] No such file/directory: /x\r\n');
    assert.equal(cp.type, 'OSError');
    assert.equal(cp.message, '[Errno 2] No such file/directory: /x');
    const de = parseTraceback('Zurückverfolgung (jüngste Aufforderung zuletzt):\n  Datei "code.py", Zeile 5, in <module>\nZeroDivisionError: Division durch Null\n');
    assert.deepEqual(de.frames, [{ file: 'code.py', line: 5, fn: '<module>' }]);
    assert.equal(de.type, 'ZeroDivisionError');
    assert.equal(de.message, 'Division durch Null');
  });

  test('chained exceptions: the frames and type of the last one', () => {
    const text = [
      'Traceback (most recent call last):',
      '  File "<stdin>", line 2, in <module>',
      'ZeroDivisionError: division by zero',
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "<stdin>", line 4, in <module>',
      '  File "<stdin>", line 9, in helper',
      'ValueError: wrapped',
    ].join('\n');
    const tb = parseTraceback(text);
    assert.equal(tb.type, 'ValueError');
    assert.equal(tb.message, 'wrapped');
    assert.deepEqual(tb.frames.map((f) => f.line), [4, 9]);
  });

  test('source lines printed under frames are skipped', () => {
    const tb = parseTraceback('Traceback (most recent call last):\n  File "a.py", line 2, in <module>\n    f()\n  File "a.py", line 1, in f\n    1/0\nZeroDivisionError: division by zero\n');
    assert.deepEqual(tb.frames, [{ file: 'a.py', line: 2, fn: '<module>' }, { file: 'a.py', line: 1, fn: 'f' }]);
    assert.equal(tb.type, 'ZeroDivisionError');
  });

  test('text that names no exception', () => {
    const tb = parseTraceback('something went wrong\n');
    assert.equal(tb.type, 'Error');
    assert.equal(tb.message, 'something went wrong');
  });
});

describe('remapTraceback', () => {
  const text = 'Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\n  File "belay-task", line 12, in work\r\n  File "lib.py", line 7\r\nValueError: bad\r\n';

  test('rewrites the frames the map knows, leaves the others', () => {
    const out = remapTraceback(parseTraceback(text), (f) => (f.file === 'belay-task' ? 'my task' : null));
    assert.equal(out, 'Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n  File "my task", line 12, in work\n  File "lib.py", line 7\nValueError: bad');
    assert.deepEqual(parseTraceback(out).frames[1], { file: 'my task', line: 12, fn: 'work' });
  });

  test('accepts the raw text and can drop frames of host helper code', () => {
    const out = remapTraceback(text, (f) => (f.file === '<stdin>' ? false : null));
    assert.doesNotMatch(out, /<stdin>/);
    assert.match(out, /File "belay-task", line 12, in work/);
    assert.match(out, /ValueError: bad$/);
  });

  describe('on tracebacks from the real interpreter', () => {
    let mp: WasmPython;
    before(async () => { mp = await loadWasmPython(); });
    const fail = (code: string) => { try { mp.run(code); } catch (e) { return (e as Error).message; } throw new Error('did not raise'); };

    test('parses what MicroPython prints, with line numbers of a compiled node', { timeout: 20000 }, () => {
      const node = 'def work(x):\n    y = 2\n    return y / x\n';
      // compiled under its own file name, as the host does
      const text = fail(`src = ${JSON.stringify(node)}\nexec(compile(src, 'belay-task', 'exec'))\nwork(0)`);
      const tb = parseTraceback(text);
      assert.equal(tb.type, 'ZeroDivisionError');
      assert.equal(tb.message, 'divide by zero');
      const inner = tb.frames[tb.frames.length - 1];
      assert.deepEqual(inner, { file: 'belay-task', line: 3, fn: 'work' });
      const mapped = remapTraceback(tb, (f) => (f.file === 'belay-task' ? 'node' : null));
      assert.match(mapped, /File "node", line 3, in work/);

      const multi = parseTraceback(fail('raise ValueError("one\\ntwo")'));
      assert.equal(multi.message, 'one\ntwo');
      const bare = parseTraceback(fail('raise StopIteration'));
      assert.equal(bare.type, 'StopIteration');
      assert.equal(bare.message, '');
      const syntax = parseTraceback(fail('x = ('));
      assert.equal(syntax.type, 'SyntaxError');
      assert.equal(syntax.frames[0].fn, undefined);
    });
  });
});
