/** What the long-string tests (issue #16) send, and the checks the virtual board and real firmware share. */
import assert from 'node:assert/strict';
import type { Device } from '../../src/board/device';
import { BoardError } from '../../src/board/types';
import { toPython } from '../../src/board/python/literal';

/** Every character the two directions must carry as it is: controls, the escapes' own bytes, CR, quotes, UTF-8 of 1 to 4 bytes. */
const NASTY = 'a\\b\nc\rd\x1ee\x03f\x04g\x10h\x10a\x10b\x10ci\x00jé€😀\u2028\'"';

/** A string of n UTF-16 units, NASTY over and over with runs of plain text between. */
export const longString = (n: number): string => (NASTY + 'x'.repeat(97)).repeat(Math.ceil(n / (NASTY.length + 97))).slice(0, n);

/** Exec code with the long literal `s` keeps its meaning (what reads it later still can) and its line numbers. */
export async function longLiteralKeepsLines(d: Device, s: string): Promise<void> {
  await d.exec(`a = ${toPython(s)}\ndef later():\n    return ${toPython(s)}\nlate = lambda: ${toPython(s)}`);
  assert.equal((await d.exec('later() == a and late() == a')).value, true, 'read after the exec, as written');
  await assert.rejects(d.exec(`x = ${toPython(s)}\ny = 1\nz = x + y`, { file: 'mynode' }), (e: unknown) => {
    assert.ok(e instanceof BoardError && e.type === 'TypeError', String(e));
    assert.match((e as BoardError).traceback, /File "mynode", line 3/);
    return true;
  });
  await d.exec('del a, later, late');
}
