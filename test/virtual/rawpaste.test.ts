import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rawBoard } from './helpers';

test('raw-paste: R\\x01 with a 128-byte window, one \\x01 grant per window, then \\x04 stdout \\x04 stderr \\x04>', { timeout: 20000 }, async () => {
  const b = await rawBoard('paste-on');
  const bytes: number[] = [];
  b.board.on('data', (d: Buffer) => bytes.push(...d));
  try {
    b.board.write(Buffer.from('\x05A\x01'));
    const head = await b.rx.until('R');
    assert.equal(head, 'R');
    await b.rx.until('\x01');
    while (bytes.length < 4) await once(b.board, 'data');
    assert.deepEqual(bytes.slice(0, 4), [0x52, 0x01, 128, 0]);
    b.rx.text = b.rx.text.slice(1); // the window size bytes
    const code = Buffer.from(`s = "${'x'.repeat(300)}"\nprint(len(s))\nimport sys\nprint("err", file=sys.stderr)\n1/0\n`);
    let granted = 128;
    let sent = 0;
    let grants = 0;
    while (sent < code.length) {
      const n = Math.min(granted, code.length - sent);
      b.board.write(code.subarray(sent, sent + n));
      sent += n;
      granted -= n;
      if (granted === 0 && sent < code.length) {
        await b.rx.until('\x01');
        grants++;
        granted += 128;
      }
    }
    assert.equal(grants, Math.floor((code.length - 1) / 128));
    b.board.write(Buffer.from('\x04'));
    const answer = await b.rx.until('\x04>');
    // After the last full window the board may grant once more before the end marker arrives.
    const trimmed = answer.replace(/^\x01/, '');
    // As on a board, sys.stderr shares the UART: only the traceback sits between the two \x04.
    assert.equal(trimmed, '\x04300\r\nerr\r\n\x04Traceback (most recent call last):\r\n  File "<stdin>", line 5, in <module>\r\nZeroDivisionError: divide by zero\r\n\x04>');
    // plain raw mode still works after a paste
    assert.deepEqual(await b.exec('print(s[:3])'), { stdout: 'xxx\r\n', stderr: '' });
  } finally {
    await b.close();
  }
});

test('rawpaste off: the board answers R\\x00 and the plain raw REPL fallback works', { timeout: 20000 }, async () => {
  const b = await rawBoard('paste-off', { rawPaste: false });
  try {
    b.board.write(Buffer.from('\x05A\x01'));
    assert.equal(await b.rx.until('R\x00'), 'R\x00');
    assert.deepEqual(await b.exec('print("fallback")'), { stdout: 'fallback\r\n', stderr: '' });
  } finally {
    await b.close();
  }
});
