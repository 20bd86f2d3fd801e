/**
 * Long strings both ways (issue #16: "large values should move at link speed"). Into the board, a
 * long str literal in exec code (what {{payload}} makes of a long string) goes apart from the code
 * (wire.ts stringsApart) so the board's compiler never runs over it; out of it, a long str result
 * goes as its text in an S frame instead of its repr. What must hold: every character comes through,
 * the code means what it meant (a literal the code reads later stays in it), lines count as written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoardError } from '../../src/board/types';
import { stringsApart, loopLine, BIG_STRING } from '../../src/board/wire';
import { toPython } from '../../src/board/python/literal';
import { virtualDevices } from '../support/virtual-devices';
import { longLiteralKeepsLines, longString } from '../support/long-strings';

const board = virtualDevices('long', 30);

const long = longString;

test('stringsApart takes out only long str literals the code reads as it runs, and leaves the lines where they were', () => {
  const big = toPython(long(BIG_STRING + 10));
  const src = `v = ${big}\nw = len(${big})\ndef f():\n    return ${big}\ng = lambda: ${big}\nif True:\n    h = ${big}\nb = ${toPython(Buffer.alloc(5000, 1))}\nt = 'short'\n`;
  const apart = stringsApart(src)!;
  assert.equal(apart.strings.length, 2, 'the two top-level reads');
  assert.deepEqual(apart.strings, [long(BIG_STRING + 10), long(BIG_STRING + 10)]);
  const lines = apart.src.split('\n');
  assert.equal(lines.length, src.split('\n').length, 'no line added or lost');
  assert.equal(lines[0], 'v = _bD[0]');
  assert.equal(lines[1], 'w = len(_bD[1])');
  assert.ok(lines[3].includes(big), 'a def\'s body reads it later: it stays');
  assert.ok(lines[4].includes(big), 'so does a lambda\'s');
  assert.ok(lines[6].includes(big), 'an indented line stays (it may run later, or never)');
  assert.equal(stringsApart('print(len("short"))'), undefined);
  // the request: after an X line, the code and its strings as raw text, Ctrl-C escaped
  const line = loopLine(7, { op: 'eval', src: `v = ${big}`, file: 'exec' }, true, true);
  assert.match(loopLine(7, { op: 'eval', src: `v = ${big}`, file: 'exec' }, true, false), /^X\d+\ne7 /, 'not before the board has agent/long.py');
  assert.match(line, /^X\d+\nb7 exec\t\d+,\d+\tv = _bD\[0\]/);
  assert.ok(!line.includes('\x03'), 'no Ctrl-C reaches the board raw');
  // a bare-metal board's text stdin reads CR as LF (the virtual board's does not; the Pico test shows it)
  assert.ok(!loopLine(8, { op: 'eval', src: `v = ${toPython(long(BIG_STRING + 10))}\r\nw = 1`, file: 'exec' }, true, true).includes('\r'), 'no CR either');
});

for (const dispatcher of [true, false]) {
  const mode = dispatcher ? 'dispatcher loop' : 'one raw exec per call';

  test(`a 1 MB string into exec code and back comes through whole (${mode})`, { timeout: 120000 }, async () => {
    const d = board(`mb${dispatcher}`, dispatcher);
    await d.connect();
    const s = long(dispatcher ? 1_000_000 : 20_000);
    const free = async () => (await d.exec('__import__("gc").collect() or __import__("gc").mem_free()')).value as number;
    const before = await free();
    if (dispatcher) assert.equal((await d.exec('_bse is None')).value, true, 'agent/long.py is not there before');
    assert.equal((await d.exec(`v = ${toPython(s)}\nlen(v)`)).value, null, 'statements');
    assert.equal((await d.exec(`len(${toPython(s)})`)).value, [...s].length);
    const back = await d.exec('v');
    assert.equal(back.value, s, 'the board\'s string, every character');
    assert.equal((await d.exec('v[:3] + v[-3:]')).value, s.slice(0, 3) + s.slice(-3), 'a short one still goes as a repr');
    await assert.rejects(d.exec('_bD'), (e: unknown) => e instanceof BoardError && e.type === 'NameError', 'nothing left behind');
    if (dispatcher) {
      assert.equal((await d.exec('_bse is None')).value, false, 'agent/long.py came with the first long literal');
      await d.exec('del v');
      const cost = before - await free();
      assert.ok(cost < 1024, `agent/long.py: ${cost} bytes`);
      console.log(`# agent/long.py on the board: ${cost} bytes`);
    }
  });

  test(`code with a long literal keeps its meaning and its line numbers (${mode})`, { timeout: 60000 }, async () => {
    const d = board(`lines${dispatcher}`, dispatcher);
    await d.connect();
    await longLiteralKeepsLines(d, long(BIG_STRING * 3));
  });
}
