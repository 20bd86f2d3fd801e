import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PinState } from '../../src/virtual/pins';
import { rawBoard } from './helpers';

test('an LED the board turns on is seen by the host, with a change event', { timeout: 20000 }, async () => {
  const b = await rawBoard('m-led');
  try {
    // get() reads the shared pin bank (always current); 'change' events follow asynchronously.
    const lit = new Promise<PinState>((resolve) => {
      b.board.pins.on('change', (id: number, s: PinState) => { if (id === 25 && s.value === 1) resolve(s); });
    });
    assert.equal(b.board.pins.get(25).mode, 'unset');
    await b.exec('from machine import Pin\nled = Pin("LED", Pin.OUT)\nled.on()');
    assert.deepEqual(b.board.pins.get(25), { id: 25, mode: 'out', value: 1, pull: 'none' });
    assert.equal((await lit).mode, 'out');
    await b.exec('led.toggle()');
    assert.equal(b.board.pins.get(25).value, 0);
    assert.deepEqual(b.board.pins.list().map((s) => s.id), [25]);
  } finally {
    await b.close();
  }
});

test('a pin the host drives is read by board code; pulls apply when nothing drives it', { timeout: 20000 }, async () => {
  const b = await rawBoard('m-drive');
  try {
    await b.exec('from machine import Pin\nbtn = Pin(14, Pin.IN, Pin.PULL_UP)\nlow = Pin(15, Pin.IN, Pin.PULL_DOWN)');
    assert.equal((await b.exec('print(btn.value(), low.value())')).stdout, '1 0\r\n');
    b.board.pins.drive(14, 0);
    b.board.pins.drive(15, 1);
    assert.equal((await b.exec('print(btn.value(), low.value())')).stdout, '0 1\r\n');
    b.board.pins.drive(14, null);
    assert.equal((await b.exec('print(btn.value())')).stdout, '1\r\n');
    assert.throws(() => b.board.pins.drive(99, 1), /pin 99 does not exist/);
  } finally {
    await b.close();
  }
});

test('Pin.irq handlers run for host-driven edges, while idle and during sleep', { timeout: 20000 }, async () => {
  const b = await rawBoard('m-irq');
  try {
    await b.exec([
      'from machine import Pin',
      'import time',
      'hits = []',
      // pin 4 goes high once two edges were counted: the host sees it without sending code
      'counted = Pin(4, Pin.OUT, value=0)',
      'def hit(p):\n    hits.append(p.value())\n    counted.value(len(hits) >= 2)',
      'btn = Pin(3, Pin.IN, Pin.PULL_DOWN)',
      'btn.irq(hit, Pin.IRQ_RISING)',
    ].join('\n'));
    const two = new Promise<void>((resolve) => {
      b.board.pins.on('change', (id: number) => { if (id === 4 && b.board.pins.get(4).value === 1) resolve(); });
    });
    b.board.pins.drive(3, 1);
    b.board.pins.drive(3, 0);
    b.board.pins.drive(3, 1);
    // Idle: the handlers run without any code being sent.
    await two;
    assert.equal((await b.exec('print(len(hits))')).stdout, '2\r\n');
    // While code runs: the board waits (up to 5 s) until the handler has counted the next edge.
    const pressWhile = async (wait: string, want: number) => {
      b.board.write(Buffer.from(`t0 = time.ticks_ms()\nprint("waiting")\nwhile len(hits) < ${want} and time.ticks_diff(time.ticks_ms(), t0) < 5000:\n    ${wait}\nprint(len(hits))\x04`));
      await b.rx.until('OK');
      await b.rx.until('waiting\r\n');
      b.board.pins.drive(3, 0);
      b.board.pins.drive(3, 1);
      assert.equal(await b.rx.until('\x04>'), `${want}\r\n\x04\x04>`);
    };
    await pressWhile('time.sleep_ms(20)', 3);
    await pressWhile('pass', 4); // a loop that only reads the clock
  } finally {
    await b.close();
  }
});

test('PWM, a changing ADC reading the host can force, Timer during sleep, I2C, SPI, unique_id', { timeout: 20000 }, async () => {
  const b = await rawBoard('m-periph');
  try {
    await b.exec('from machine import PWM, ADC, Pin, Timer, I2C, SPI\nimport machine, time\npwm = PWM(Pin(16), freq=2000, duty_u16=16384)');
    assert.deepEqual(b.board.pins.get(16).pwm, { freq: 2000, duty_u16: 16384 });
    assert.equal(b.board.pins.get(16).mode, 'pwm');

    const adc = await b.exec('a = ADC(26)\nr = []\nfor i in range(5):\n    r.append(a.read_u16())\n    time.sleep_ms(40)\nprint(len(set(r)) > 1, all(0 <= x <= 65535 for x in r))');
    assert.equal(adc.stdout, 'True True\r\n');
    b.board.pins.setAnalog(26, 1234);
    assert.equal((await b.exec('print(a.read_u16())')).stdout, '1234\r\n');

    const timer = await b.exec('n = [0]\ndef tick(t):\n    n[0] += 1\ntm = Timer(period=20, mode=Timer.PERIODIC, callback=tick)\ntime.sleep_ms(210)\ntm.deinit()\nprint(n[0] >= 3)');
    assert.equal(timer.stdout, 'True\r\n');

    const i2c = await b.exec('i2c = I2C(0)\nprint(i2c.scan())\ni2c.writeto_mem(0x50, 4, b"hey")\nprint(i2c.readfrom_mem(0x50, 4, 3))');
    assert.equal(i2c.stdout, "[80]\r\nb'hey'\r\n");
    const spi = await b.exec('s = SPI(0)\nbuf = bytearray(3)\ns.write_readinto(b"abc", buf)\nprint(buf, s.read(2))');
    assert.equal(spi.stdout, "bytearray(b'abc') b'\\x00\\x00'\r\n");
    const id = await b.exec('print(machine.unique_id().hex(), len(machine.unique_id()))');
    assert.match(id.stdout, /^[0-9a-f]{16} 8\r\n$/);
  } finally {
    await b.close();
  }
});

test('machine.soft_reset gives a fresh interpreter in the same REPL mode', { timeout: 20000 }, async () => {
  const b = await rawBoard('m-reset');
  try {
    b.board.write(Buffer.from('x = 1\nimport machine\nmachine.soft_reset()\x04'));
    await b.rx.until('MPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>');
    assert.match((await b.exec('print(x)')).stderr, /NameError/);
  } finally {
    await b.close();
  }
});
