import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawBoard } from './helpers';

test('stdin: readline() returns long lines whole; reads land in memory the heap grew into', { timeout: 30000 }, async () => {
  const b = await rawBoard(`stdin-${process.pid}`);
  try {
    // readline() reads one byte per call: every byte of a long line must arrive, in order.
    const line = Array.from({ length: 6000 }, (_, i) => String.fromCharCode(33 + (i * 7) % 90)).join('');
    b.board.write(Buffer.from('import sys\nl = sys.stdin.readline()\nprint(len(l), l[:40], l[-41:-1])\x04'));
    await b.rx.until('OK');
    b.board.write(Buffer.from(line + '\n'));
    assert.equal(await b.rx.until('\x04>'), `6001 ${line.slice(0, 40)} ${line.slice(-40)}\r\n\x04\x04>`);

    // A 24 MB buffer reaches beyond the 16.2 MiB of memory the interpreter started with (the heap
    // grows on demand); 16.7 MB into it (memoryview's largest offset) is grown memory.
    b.board.write(Buffer.from('big = bytearray(24 * 1024 * 1024)\nmv = memoryview(big)[16777000:16777008]\n' +
      'print("reading")\nn = sys.stdin.buffer.readinto(mv)\nprint(n, bytes(mv))\x04'));
    // the bytes go once the buffer is made and the read is about to wait for them
    await b.rx.until('OK');
    await b.rx.until('reading\r\n');
    b.board.write(Buffer.from('grown!\r\n'));
    assert.equal(await b.rx.until('\x04>'), "8 b'grown!\\r\\n'\r\n\x04\x04>");
  } finally {
    await b.close();
  }
});
