import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Device } from '../../src/board/device';
import { createLink } from '../../src/board/link';
import type { Link } from '../../src/board/link/link';
import { servePty } from '../../bench/pty-endpoint';

/**
 * A serial link whose write() resolves late, as tcdrain does on a busy machine: the board's answer
 * (a raw-paste window grant, the raw banner, OK) is then back before the write that asked for it
 * has resolved. The host must still take it as that answer. A write resolves once the board's
 * answer has begun to come; one the board answers nothing to (code inside a paste window) after
 * delayMs.
 */
function slowDrainLink(port: string, o: { baud?: number; password?: string }, delayMs: number): Link {
  const link = createLink(port, o);
  const write = link.write.bind(link);
  link.write = async (data: Uint8Array) => {
    let answered!: () => void;
    const answer = new Promise<void>((resolve) => { answered = resolve; });
    link.once('data', answered);
    let timer: NodeJS.Timeout | undefined;
    try {
      await write(data);
      timer = setTimeout(answered, delayMs);
      await answer;
    } finally {
      clearTimeout(timer);
      link.off('data', answered);
    }
  };
  return link;
}

test('Devices connect one after another to one virtual board behind a pty, each doing calls', { timeout: 90000 }, async () => {
  const pty = await servePty(`reconnect-pty-${process.pid}`);
  try {
    // Slow-draining links first (they stalled the raw-paste upload), then plain ones.
    for (const delayMs of [15, 15, 15, 0, 0]) {
      const d = new Device({ port: pty.path, timeout: 5 }, (p, o) => (delayMs ? slowDrainLink(p, o, delayMs) : createLink(p, o)));
      const unsolicited: string[] = [];
      d.on('output', (s: string) => unsolicited.push(s));
      try {
        const info = await d.connect();
        assert.equal(info.implementation, 'micropython');
        assert.equal(info.rawPaste, true);
        await d.define('k-add', 'def add(a, b):\n    return a + b\n');
        for (let i = 0; i < 3; i++) assert.equal((await d.call('add', [i, 40])).value, i + 40);
        assert.deepEqual(await d.exec('print("hi")'), { value: null, stdout: 'hi\n' });
        assert.deepEqual(await d.exec('7 * 6'), { value: 42, stdout: '' });
        // Protocol bytes (grants, OK, prompts) all went to the reads that waited for them.
        assert.deepEqual(unsolicited.filter((s) => /[\x01\x04]|OK|raw REPL/.test(s)), []);
      } finally {
        await d.close();
      }
    }
  } finally {
    await pty.close();
  }
});
