import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRawAnswer, rawBoard } from './helpers';

type Board = Awaited<ReturnType<typeof rawBoard>>;

/**
 * A raw exec whose whole text is kept: what threads print may come before the answer's OK as well
 * as inside it. Returns that text and the answer's stdout.
 */
async function execAll(b: Board, code: string): Promise<{ text: string; stdout: string }> {
  b.board.write(Buffer.from(code + '\x04'));
  const text = await b.rx.until('\x04>');
  return { text, stdout: parseRawAnswer(text.slice(text.lastIndexOf('OK'))).stdout };
}

test('a thread keeps printing while the main interpreter answers calls', { timeout: 30000 }, async () => {
  const b = await rawBoard('t-print');
  try {
    const start = await execAll(b, [
      'import _thread, time',
      'run = _thread.allocate_lock()',
      'run.acquire()',
      'def worker():',
      '    i = 0',
      '    while run.locked():',
      '        print("tick", i)',
      '        i += 1',
      '        time.sleep_ms(30)',
      '    print("worker done", i)',
      'tid = _thread.start_new_thread(worker, ())',
      'print(tid != _thread.get_ident())',
    ].join('\n'));
    assert.match(start.stdout, /True\r\n/);
    /** everything the board printed so far */
    let printed = start.text;
    const ticks = () => [...printed.matchAll(/tick (\d+)\r\n/g)].map((m) => Number(m[1]));
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      // each call comes after the thread printed another tick: the calls and the ticks interleave
      const before = ticks().length;
      while (ticks().length === before) printed += await b.rx.until('\r\n');
      const r = await execAll(b, `print(${i} * 7)`);
      printed += r.text;
      answers.push(r.stdout.replace(/tick \d+\r\n/g, ''));
    }
    assert.deepEqual(answers, ['0\r\n', '7\r\n', '14\r\n', '21\r\n', '28\r\n']);
    // the thread went on, every tick in order, until told to stop
    printed += (await execAll(b, 'run.release()')).text;
    while (!/worker done \d+\r\n/.test(printed)) printed += await b.rx.until('\r\n', 5000);
    const done = Number(/worker done (\d+)\r\n/.exec(printed)?.[1]);
    assert.deepEqual(ticks(), [...Array(done).keys()]);
  } finally {
    await b.close();
  }
});

test('a thread sees a button the host presses, and drives an LED the host sees', { timeout: 30000 }, async () => {
  const b = await rawBoard('t-button');
  try {
    const r = await execAll(b, [
      'import _thread, time',
      'from machine import Pin',
      'def watch():',
      '    btn = Pin(2, Pin.IN, Pin.PULL_UP)',
      '    led = Pin(25, Pin.OUT)',
      '    print("watching")',
      '    while btn.value():',
      '        time.sleep_ms(5)',
      '    led.on()',
      '    print("pressed")',
      '_thread.start_new_thread(watch, ())',
    ].join('\n'));
    // the thread has set up its pins and waits for the button
    if (!r.text.includes('watching\r\n')) await b.rx.until('watching\r\n');
    assert.equal(b.board.pins.get(25).value, 0);
    const lit = new Promise<void>((resolve) => {
      b.board.pins.on('change', (id: number, s: { value: number }) => { if (id === 25 && s.value === 1) resolve(); });
    });
    b.board.pins.drive(2, 0);
    await lit;
    await b.rx.until('pressed\r\n');
    assert.equal(b.board.pins.get(25).value, 1);
  } finally {
    await b.close();
  }
});

test('threads get copies of globals; locks made before the fork are shared', { timeout: 30000 }, async () => {
  const b = await rawBoard('t-lock');
  try {
    const setup = await execAll(b, [
      'import _thread, time, sys',
      'from machine import Pin',
      'counter = 0',
      'Pin(4, Pin.IN).irq(lambda p: print("irq in", _thread.get_ident()), Pin.IRQ_RISING)',
      'lock = _thread.allocate_lock()',
      'lock.acquire()',
      'def child():',
      '    global counter',
      '    counter = 99',
      '    print("child started")',
      '    p = Pin(4)',
      '    while not p.value():',
      '        time.sleep_ms(5)',
      // sleeping runs callbacks: a handler copied from the parent would run here, after the edge
      '    time.sleep_ms(50)',
      '    print("child saw the pin; lock free:", lock.acquire(0))',
      '    with lock:',
      // one write: print() writes its pieces one by one, and the main interpreter's answer may
      // land between them
      '        sys.stdout.write("child got the lock %d\\n" % counter)',
      '_thread.start_new_thread(child, ())',
    ].join('\n'));
    let printed = setup.text;
    if (!printed.includes('child started\r\n')) printed += await b.rx.until('child started\r\n');
    b.board.pins.drive(4, 1);
    // The handler set before the fork runs once, in the main interpreter only (idle in the REPL).
    printed += await b.rx.until('child saw the pin; lock free: False\r\n');
    if (!printed.includes('irq in 1\r\n')) printed += await b.rx.until('irq in 1\r\n');
    assert.equal((printed.match(/irq in \d+/g) ?? []).join(), 'irq in 1', printed);
    // The child waits for the lock the main interpreter holds, and its global is its own.
    const r = await execAll(b, 'print(counter, lock.locked())\nlock.release()');
    assert.ok(r.stdout.startsWith('0 True\r\n'), JSON.stringify(r.stdout));
    // The child may print as soon as the lock is released: before, around or after this exec's end
    // marker, and (each interpreter has its own output ring, read as each tells) even ahead of what
    // the main interpreter printed just before.
    let child = r.text.replace('0 True\r\n', '');
    if (!child.includes('99\r\n')) child += await b.rx.until('99\r\n', 5000);
    assert.match(child, /child got the lock 99\r\n/);
    assert.equal(child.replace(/^[\s\S]*?OK/, '').replace(/\x04>?/g, '').replace('child got the lock 99\r\n', ''), '', 'nothing else printed');
  } finally {
    await b.close();
  }
});

test('soft reset stops threads; threads=off makes _thread missing', { timeout: 30000 }, async () => {
  const b = await rawBoard('t-reset');
  try {
    await b.exec('import _thread, time\ndef spin():\n    while True:\n        print("alive")\n        time.sleep_ms(20)\n_thread.start_new_thread(spin, ())');
    await b.rx.until('alive\r\n');
    b.board.write(Buffer.from('\x04'));
    await b.rx.until('raw REPL; CTRL-B to exit\r\n>');
    // The thread's worker is gone before the new interpreter greets; the main interpreter was reset
    // in place (spares are the process's).
    assert.equal(b.board.memoryUsage().workers, 1, 'only the main interpreter after the reset');
    // nothing more from it: all the board prints after the greeting is the next call's answer
    const after = await execAll(b, 'print("after")');
    assert.equal(after.text, 'OKafter\r\n\x04\x04>');
  } finally {
    await b.close();
  }
  const off = await rawBoard('t-off', { threads: false });
  try {
    const r = await off.exec('import _thread');
    assert.match(r.stderr, /ImportError: no module named '_thread'\r\n$/);
  } finally {
    await off.close();
  }
});
