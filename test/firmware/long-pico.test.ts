/**
 * Long strings both ways (issue #16) on a Raspberry Pi Pico: MicroPython 1.26.1 in rp2040js behind a
 * pty. What test/board/long-values.test.ts asks of the virtual board, on real firmware: a long str
 * literal in exec code goes beside the code (agent/long.py, sent with the first one), a long str
 * result comes back as its text in an S frame; every character comes through, the code keeps its
 * meaning and its line numbers, and the part costs the board's heap under 1 KB.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Device } from '../../src/board/device';
import { BoardError } from '../../src/board/types';
import { BIG_STRING } from '../../src/board/wire';
import { toPython } from '../../src/board/python/literal';
import { BOARD_NAMES, firmwareAvailable, startFirmware, type FirmwareBoard } from '../support/firmware';

const reason = firmwareAvailable('pico');
if (reason) {
  // In CI the boards are there by design: a missing one is a failure there, not a skip.
  if (process.env.CI) test(`the ${BOARD_NAMES.pico} runs in CI`, () => assert.fail(reason));
  else test(`long strings on the ${BOARD_NAMES.pico}`, { skip: reason }, () => undefined);
} else {
  picoLong();
}

/** Characters the two directions must carry as they are: controls, the escapes' own bytes, UTF-8 of 1 to 4 bytes. */
const NASTY = 'a\\b\nc\rd\x1ee\x03f\x04g\x10h\x10a\x10bi\x00jé€😀\u2028\'"';
const long = (n: number) => (NASTY + 'x'.repeat(97)).repeat(Math.ceil(n / (NASTY.length + 97))).slice(0, n);

function picoLong(): void {
  let board: FirmwareBoard;
  let d: Device;

  before(async () => {
    board = await startFirmware('pico');
    d = new Device({ port: board.port, timeout: 30 });
    const info = await d.connect();
    assert.equal(info.callPath, 'loop');
  });
  after(async () => {
    await d?.close();
    await board?.stop();
  });

  const free = async () => (await d.exec('__import__("gc").collect() or __import__("gc").mem_free()')).value as number;

  test('a 24 KB string into exec code and back comes through whole; agent/long.py costs under 1 KB', { timeout: 120000 }, async () => {
    const s = long(24_000);
    const before = await free();
    assert.equal((await d.exec('_bse is None')).value, true, 'agent/long.py is not there before');
    assert.equal((await d.exec(`len(${toPython(s)})`)).value, [...s].length);
    assert.equal((await d.exec('_bse is None')).value, false, 'agent/long.py came with the first long literal');
    const cost = before - await free();
    assert.ok(cost < 1024, `agent/long.py: ${cost} bytes`);
    console.log(`# agent/long.py on the Pico: ${cost} bytes`);
    assert.equal((await d.exec(`v = ${toPython(s)}\nlen(v)`)).value, null, 'statements');
    const back = await d.exec('v');
    assert.equal(back.value, s, 'the board\'s string, every character');
    assert.equal((await d.exec('v[:3] + v[-3:]')).value, s.slice(0, 3) + s.slice(-3), 'a short one still goes as a repr');
    await assert.rejects(d.exec('_bD'), (e: unknown) => e instanceof BoardError && e.type === 'NameError', 'nothing left behind');
    await d.exec('del v');
  });

  test('code with a long literal keeps its meaning and its line numbers', { timeout: 120000 }, async () => {
    const s = long(BIG_STRING * 2);
    await d.exec(`a = ${toPython(s)}\ndef later():\n    return ${toPython(s)}\nlate = lambda: ${toPython(s)}`);
    assert.equal((await d.exec('later() == a and late() == a')).value, true, 'read after the exec, as written');
    await assert.rejects(d.exec(`x = ${toPython(s)}\ny = 1\nz = x + y`, { file: 'mynode' }), (e: unknown) => {
      assert.ok(e instanceof BoardError && e.type === 'TypeError', String(e));
      assert.match((e as BoardError).traceback, /File "mynode", line 3/);
      return true;
    });
    await d.exec('del a, later, late');
  });

  test('a task given a long string gets it whole and its long result comes back whole', { timeout: 120000 }, async () => {
    await d.define('echo', 'def echo(t, n):\n    return t * n\n');
    const s = long(BIG_STRING + 500);
    const r = await d.call('echo', [s, 2]);
    assert.equal(r.value, s + s);
    // the board answers calls as before
    assert.equal((await d.call('echo', ['ab', 3])).value, 'ababab');
  });
}
