import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawBoard, sleep } from './helpers';

test('a thread keeps printing while the main interpreter answers calls', { timeout: 30000 }, async () => {
  const b = await rawBoard('t-print');
  try {
    const start = await b.exec([
      'import _thread, time',
      'def worker(n):',
      '    for i in range(n):',
      '        print("tick", i)',
      '        time.sleep_ms(30)',
      'tid = _thread.start_new_thread(worker, (15,))',
      'print(tid != _thread.get_ident())',
    ].join('\n'));
    assert.match(start.stdout, /True\r\n/);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await b.exec(`print(${i} * 7)`);
      answers.push(r.stdout.replace(/tick \d+\r\n/g, ''));
      await sleep(40);
    }
    assert.deepEqual(answers, ['0\r\n', '7\r\n', '14\r\n', '21\r\n', '28\r\n']);
    // the thread went on to the end while the main interpreter answered
    await b.rx.until('tick 14\r\n', 5000);
  } finally {
    await b.close();
  }
});

test('a thread sees a button the host presses, and drives an LED the host sees', { timeout: 30000 }, async () => {
  const b = await rawBoard('t-button');
  try {
    await b.exec([
      'import _thread, time',
      'from machine import Pin',
      'def watch():',
      '    btn = Pin(2, Pin.IN, Pin.PULL_UP)',
      '    led = Pin(25, Pin.OUT)',
      '    while btn.value():',
      '        time.sleep_ms(5)',
      '    led.on()',
      '    print("pressed")',
      '_thread.start_new_thread(watch, ())',
    ].join('\n'));
    await sleep(200);
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
    await b.exec([
      'import _thread, time',
      'from machine import Pin',
      'counter = 0',
      'fired = []',
      'Pin(4, Pin.IN).irq(lambda p: fired.append(_thread.get_ident()) or print("irq in", _thread.get_ident()), Pin.IRQ_RISING)',
      'lock = _thread.allocate_lock()',
      'lock.acquire()',
      'def child():',
      '    global counter',
      '    counter = 99',
      '    time.sleep_ms(600)',
      '    with lock:',
      '        print("child got the lock", counter)',
      '_thread.start_new_thread(child, ())',
    ].join('\n'));
    // An IRQ handler set before the fork runs once, in the main interpreter only (not in the thread,
    // which is sleeping and so running callbacks).
    await sleep(200);
    b.board.pins.drive(4, 1);
    await b.rx.until('irq in 1\r\n');
    await sleep(300);
    assert.ok(!b.rx.text.includes('irq in'), `the handler ran again: ${JSON.stringify(b.rx.text)}`);
    await sleep(300);
    assert.ok(!b.rx.text.includes('child got the lock'), 'the child must wait for the lock the main interpreter holds');
    const r = await b.exec('print(counter, lock.locked())\nlock.release()');
    assert.ok(r.stdout.startsWith('0 True\r\n'), JSON.stringify(r.stdout));
    // The child may print as soon as the lock is released: before, around or after this exec's end marker.
    let child = r.stdout.slice('0 True\r\n'.length) + r.stderr;
    if (!child.endsWith('99\r\n')) child += await b.rx.until('99\r\n', 5000);
    assert.equal(child, 'child got the lock 99\r\n');
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
    await sleep(200);
    b.rx.text = '';
    await sleep(200);
    assert.equal(b.rx.text, '');
    // The thread's worker is gone; the main interpreter was reset in place (spares are the process's).
    assert.equal(b.board.memoryUsage().workers, 1, 'only the main interpreter after the reset');
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
