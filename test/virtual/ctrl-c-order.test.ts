/**
 * A Ctrl-C that reaches the virtual board while it is only taking in REPL bytes (no code running)
 * is a REPL byte, and stays where the host wrote it: after the bytes written before it. In raw mode
 * it clears the line typed so far, so `print(1)` then Ctrl-C then `print(n)` runs `print(n)` alone.
 * (It was once fed ahead of the bytes still queued before it: `print(1)` joined the next line and
 * gave a SyntaxError a few times in a hundred.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawBoard } from './helpers';

test('a Ctrl-C written while the board takes in a long line keeps its place in the stream', { timeout: 60000 }, async () => {
  const b = await rawBoard(`ctrlc-order-${process.pid}`);
  try {
    const wrong: string[] = [];
    for (let n = 0; n < 300; n++) {
      // the long line keeps the REPL busy, so the Ctrl-C arrives while it takes in bytes
      b.board.write(Buffer.from(`a = ${'1'.repeat(3000)}\n`));
      b.board.write(Buffer.from('print(1)\x03'));
      b.board.write(Buffer.from(`print(${n})\x04`));
      const answer = await b.rx.until('\x04>');
      if (answer !== `OK${n}\r\n\x04\x04>`) wrong.push(answer);
    }
    assert.deepEqual(wrong.slice(0, 3), [], `${wrong.length} of 300 answers were not the last line's alone`);
  } finally {
    await b.close();
  }
});
