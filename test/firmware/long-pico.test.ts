/**
 * Long strings both ways (issue #16) on a Raspberry Pi Pico: MicroPython 1.26.1 in rp2040js behind a
 * pty. What test/board/long-values.test.ts asks of the virtual board, on real firmware: a long str
 * literal in exec code goes beside the code (agent/long.py, sent with the first one), a long str
 * result comes back as its text in an S frame; every character comes through (a CR too: the board's
 * text stdin reads CR as LF, the virtual board's does not), the code keeps its meaning and its line
 * numbers, and the part costs the board's heap under 1 KB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoardError } from '../../src/board/types';
import { BIG_STRING } from '../../src/board/wire';
import { toPython } from '../../src/board/python/literal';
import { firmwareDevice, onFirmware } from '../support/firmware-tests';
import { longLiteralKeepsLines, longString } from '../support/long-strings';

onFirmware('pico', 'long strings', () => {
  const board = firmwareDevice('pico', 30, (info) => assert.equal(info.callPath, 'loop'));
  const free = async () => (await board.device.exec('__import__("gc").collect() or __import__("gc").mem_free()')).value as number;

  test('a 24 KB string into exec code and back comes through whole; agent/long.py costs under 1 KB', { timeout: 120000 }, async () => {
    const d = board.device;
    const s = longString(24_000);
    const before = await free();
    assert.equal((await d.exec('_bse is None')).value, true, 'agent/long.py is not there before');
    assert.equal((await d.exec(`len(${toPython(s)})`)).value, [...s].length);
    assert.equal((await d.exec('_bse is None')).value, false, 'agent/long.py came with the first long literal');
    const cost = before - await free();
    assert.ok(cost < 1024, `agent/long.py: ${cost} bytes`);
    console.log(`# agent/long.py on the Pico: ${cost} bytes`);
    assert.equal((await d.exec(`v = ${toPython(s)}\nlen(v)`)).value, null, 'statements');
    assert.equal((await d.exec('v')).value, s, 'the board\'s string, every character');
    assert.equal((await d.exec('v[:3] + v[-3:]')).value, s.slice(0, 3) + s.slice(-3), 'a short one still goes as a repr');
    await assert.rejects(d.exec('_bD'), (e: unknown) => e instanceof BoardError && e.type === 'NameError', 'nothing left behind');
    await d.exec('del v');
  });

  test('code with a long literal keeps its meaning and its line numbers', { timeout: 120000 }, async () => {
    await longLiteralKeepsLines(board.device, longString(BIG_STRING * 2));
  });

  test('a task given a long string gets it whole and its long result comes back whole', { timeout: 120000 }, async () => {
    const d = board.device;
    await d.define('echo', 'def echo(t, n):\n    return t * n\n');
    const s = longString(BIG_STRING + 500);
    assert.equal((await d.call('echo', [s, 2])).value, s + s);
    // the board answers calls as before
    assert.equal((await d.call('echo', ['ab', 3])).value, 'ababab');
  });
});
