/**
 * Strings parsed from the board's replies are flat runs, not one rope node per character: a flow
 * that keeps 20,000 printed lines of 59 characters keeps about their size (issue #16: it was about
 * 1.5 KB a line). Measured in a child Node with --expose-gc, so that nothing else the test runner
 * holds is counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

test('a kept 59-character string costs a few hundred bytes at most, not a rope of its characters', () => {
  const literal = path.join(__dirname, '..', '..', '..', 'src', 'board', 'python', 'literal.js');
  const script = `
    const { parsePython } = require(${JSON.stringify(literal)});
    const lines = Array.from({ length: 20000 }, (_, i) => "'" + ('line ' + i + ' of the thread output, some sensor text: ok').padEnd(59, '.') + "'");
    global.gc(); const before = process.memoryUsage().heapUsed;
    const kept = lines.map((l) => parsePython(l));
    global.gc(); const after = process.memoryUsage().heapUsed;
    console.log(JSON.stringify({ per: (after - before) / kept.length, n: kept.length, len: kept[7].length }));
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { per, len } = JSON.parse(r.stdout);
  assert.equal(len, 59);
  assert.ok(per < 400, `${per.toFixed(0)} bytes per kept line`);
});
