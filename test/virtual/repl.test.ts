import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VirtualLink } from '../../src/virtual/link';
import { Collector, parseRawAnswer, removeDir, tempDir } from './helpers';

const RAW = 'raw REPL; CTRL-B to exit\r\n>';

async function openRaw(name: string, fsDir: string): Promise<{ link: VirtualLink; rx: Collector }> {
  const link = new VirtualLink(`virtual:${name}`, { fsDir });
  const rx = new Collector(link);
  await link.open();
  await link.write(Buffer.from('\r\x01'));
  await rx.until(RAW);
  return { link, rx };
}

async function exec(link: VirtualLink, rx: Collector, code: string) {
  await link.write(Buffer.from(code + '\x04'));
  return parseRawAnswer(await rx.until('\x04>'));
}

test('friendly banner, raw REPL banner, CRLF line endings and a traceback on the stderr part', { timeout: 20000 }, async () => {
  const dir = tempDir('repl');
  const link = new VirtualLink('virtual:repl-basics', { fsDir: dir });
  const rx = new Collector(link);
  try {
    await link.open();
    assert.equal(link.description, 'virtual:repl-basics');
    await link.write(Buffer.from('\r\x02'));
    const friendly = await rx.until('>>> ');
    assert.match(friendly, /MicroPython v1\.27\.0 on 2025-12-10; virtual board wasm\r\nType "help\(\)" for more information\.\r\n>>> $/);
    await link.write(Buffer.from('\x01'));
    assert.ok((await rx.until(RAW)).endsWith('\r\n' + RAW));
    const ok = await exec(link, rx, 'print("a")\nprint("b")');
    assert.deepEqual(ok, { stdout: 'a\r\nb\r\n', stderr: '' });
    const bad = await exec(link, rx, 'x = 1\n1/0');
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, 'Traceback (most recent call last):\r\n  File "<stdin>", line 2, in <module>\r\nZeroDivisionError: divide by zero\r\n');
    const info = await exec(link, rx, 'import sys\nprint(sys.platform, sys.implementation._machine)');
    assert.equal(info.stdout, 'webassembly virtual board wasm\r\n');
  } finally {
    await link.close();
    removeDir(dir);
  }
});

test('Ctrl-D soft reset in raw mode keeps files and drops variables', { timeout: 20000 }, async () => {
  const dir = tempDir('reset');
  const { link, rx } = await openRaw('repl-reset', dir);
  try {
    await exec(link, rx, 'kept = 42\nwith open("/note.txt", "w") as f:\n    f.write("survives")');
    assert.equal((await exec(link, rx, 'print(kept)')).stdout, '42\r\n');
    await link.write(Buffer.from('\x04'));
    assert.equal(await rx.until(RAW), 'OK\r\nMPY: soft reboot\r\n' + RAW);
    const gone = await exec(link, rx, 'print(kept)');
    assert.match(gone.stderr, /NameError: name 'kept' isn't defined/);
    assert.equal((await exec(link, rx, 'print(open("/note.txt").read())')).stdout, 'survives\r\n');
    assert.equal(fs.readFileSync(path.join(dir, 'note.txt'), 'utf8'), 'survives');
  } finally {
    await link.close();
    removeDir(dir);
  }
});

test('filesystem errors carry MicroPython errno numbers', { timeout: 20000 }, async () => {
  const dir = tempDir('errno');
  const { link, rx } = await openRaw('repl-errno', dir);
  try {
    const r = await exec(link, rx, [
      'import os, errno',
      'def code(f, *a):',
      '    try:',
      '        f(*a)',
      '    except OSError as e:',
      '        return e.errno',
      'os.mkdir("/d")',
      'open("/d/f", "w").close()',
      'print(code(open, "/nope"), errno.ENOENT)',
      'print(code(os.mkdir, "/d"), errno.EEXIST)',
      // MicroPython's errno module has no ENOTEMPTY/ENOTDIR; boards raise Linux's 39 and 20.
      'print(code(os.rmdir, "/d"), 39)',
      'print(code(os.listdir, "/d/f"), 20)',
    ].join('\n'));
    assert.equal(r.stderr, '');
    for (const line of r.stdout.trim().split('\r\n')) {
      const [got, want] = line.split(' ');
      assert.equal(got, want, `errno ${got} should be MicroPython's ${want}`);
    }
    const shown = await exec(link, rx, 'open("/nope")');
    assert.match(shown.stderr, /OSError: \[Errno 2\] ENOENT\r\n$/);
  } finally {
    await link.close();
    removeDir(dir);
  }
});

test('a killed link closes with an error; a new link gets a fresh board with the same files', { timeout: 20000 }, async () => {
  const dir = tempDir('kill');
  const first = await openRaw('repl-kill', dir);
  await exec(first.link, first.rx, 'open("/k.txt", "w").write("k")');
  const closed = new Promise<Error | undefined>((resolve) => first.link.once('close', resolve));
  await first.link.kill();
  const err = await closed;
  assert.ok(err instanceof Error);
  assert.match(err.message, /virtual:repl-kill/);
  assert.equal(first.link.isOpen, false);
  await assert.rejects(first.link.write(Buffer.from('x')), /not open/);
  const second = await openRaw('repl-kill', dir);
  try {
    assert.equal((await exec(second.link, second.rx, 'print(open("/k.txt").read())')).stdout, 'k\r\n');
  } finally {
    await second.link.close();
    removeDir(dir);
  }
});
