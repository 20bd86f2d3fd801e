/**
 * The "belay" sidebar tab in a real editor (headless Debian Chromium) against a real Node-RED 4.1
 * with this package installed and adminAuth on: an admin drives the demo board from the tab
 * (console, LED pin, a pressed input a flow reacts to), a read-only user may look but not run code.
 * Screenshots go to test-artifacts/ (BELAY_DOCS_SCREENSHOTS=1 also refreshes docs/panel.png).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { readExample, startNodeRedServer, type NodeRedServer } from '../support/nodered-server';
import { virtualPin, wipeVirtualBoards } from '../examples/virtual-pins';
import { listVirtualBoards, type PinState } from '../../src/virtual/index';
import { noChromium, Editor, escapeRe, shoot } from './editor-page';
import { BelayTab, launchBrowser, logIn, type Session } from './panel-page';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library.
declare const window: any;

const skip = noChromium;

const DEMO = '01 - Demo - LED, sensor and stream';
const DEMO_DEVICE = 'be1a010000000002';
const USERS: Record<string, { password: string; permissions: string }> = {
  admin: { password: 'admin-pass', permissions: '*' },
  viewer: { password: 'viewer-pass', permissions: 'read' },
};

/** A thread node on the demo tab that watches a button on GPIO14 and yields its level on each change. */
const WATCHER = [
  {
    id: 'be1a0100000000a1', type: 'belay-thread', z: 'be1a010000000001', device: DEMO_DEVICE, name: 'button', autostart: true, timeout: '',
    code: 'import time\n\ndef button():\n    btn = Pin(14, Pin.IN, Pin.PULL_UP)\n    last = btn.value()\n    while True:\n        v = btn.value()\n        if v != last:\n            last = v\n            yield v\n        time.sleep(0.02)\n',
    x: 380, y: 480, wires: [['be1a0100000000a2'], []],
  },
  {
    id: 'be1a0100000000a2', type: 'debug', z: 'be1a010000000001', name: 'button level', active: true, tosidebar: true, console: false,
    tostatus: false, complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 600, y: 480, wires: [],
  },
];

let nr: NodeRedServer;
let browser: Browser;
let admin: Session;
let ed: Editor;
let tab: BelayTab;

before(async () => {
  if (skip) return;
  wipeVirtualBoards(readExample(`${DEMO}.json`));
  nr = await startNodeRedServer({
    settings: {
      adminAuth: {
        type: 'credentials',
        users: async (username: string) => USERS[username] ? { username, permissions: USERS[username].permissions } : null,
        authenticate: async (username: string, password: string) =>
          USERS[username]?.password === password ? { username, permissions: USERS[username].permissions } : null,
      },
    },
  });
  browser = await launchBrowser();
  admin = await logIn(browser, nr.url, 'admin', USERS.admin.password);
  ed = new Editor(admin.page);
  tab = new BelayTab(admin.page);
  // The demo as a newcomer gets it, plus a thread node that watches a button.
  await ed.importExample(DEMO);
  await admin.page.evaluate((nodes) => {
    (window as any).RED.view.importNodes(nodes, { touchImport: true, generateIds: false, notify: false });
  }, WATCHER);
  await ed.deploy();
  await ed.dismissNotifications();
}, { timeout: 180_000 });

after(async () => {
  await browser?.close();
  await nr?.stop();
}, { timeout: 30_000 });

describe('the belay sidebar tab', { skip, timeout: 600_000 }, () => {
  test('opens, lists the demo board and shows its state, board info and pins', { timeout: 60_000 }, async () => {
    await tab.open();
    await tab.pick('demo board');
    await tab.stateText().filter({ hasText: /^MicroPython 1\.\d+/ }).waitFor({ timeout: 60_000 });
    // The tab and the node's status word come from the same state, by two different paths (the
    // tab polls, the status comes over comms): wait for the node to show the tab's words.
    const words = (await tab.stateText().innerText()).trim();
    await ed.statusText('be1a010000000005').filter({ hasText: new RegExp(`^\\s*${escapeRe(words)}\\s*$`) })
      .waitFor({ timeout: 30_000 });
    assert.equal(words, (await ed.statusText('be1a010000000005').textContent())?.trim(), 'the words under the nodes');
    const info = tab.root.locator('.red-ui-belay-info');
    await info.locator('tr[data-row="firmware"]').filter({ hasText: /MicroPython 1\.\d+\.\d+ \(webassembly\)/ }).waitFor();
    await info.locator('tr[data-row="threads"]').filter({ hasText: /yes/ }).waitFor();
    // the demo's button watcher runs from the deploy on
    await info.locator('tr[data-row="running"] .red-ui-belay-thread').filter({ hasText: /^button\(\) #\d+ since / }).waitFor();
    await info.locator('tr[data-row="memory"]').filter({ hasText: /\d+(\.\d)? (KiB|MiB|B)/ }).waitFor();
    assert.match(await info.locator('tr[data-row="users"]').innerText(), /toggle_led/);
    await tab.pin(25).filter({ hasText: /out/ }).waitFor();
    await tab.pin(26).filter({ hasText: /adc/ }).waitFor();
  });

  test('the console runs 1+1 and shows 2; a line that raises shows its traceback; ↑ brings a line back', { timeout: 60_000 }, async () => {
    const two = await tab.run('1+1');
    assert.equal(await two.locator('.red-ui-belay-console-value').innerText(), '2');
    const printed = await tab.run("for i in range(2):\n    print('hello', i)");
    assert.equal(await printed.locator('.red-ui-belay-console-stdout').innerText(), 'hello 0\nhello 1');
    const raised = await tab.run('1/0');
    const tb = await raised.locator('.red-ui-belay-console-error').innerText();
    assert.match(tb, /^Traceback \(most recent call last\):\n[\s\S]*\nZeroDivisionError: divide by zero$/);
    await tab.input.click();
    await admin.page.keyboard.press('ArrowUp');
    assert.equal(await tab.input.inputValue(), '1/0');
    await admin.page.keyboard.press('ArrowDown');
    assert.equal(await tab.input.inputValue(), '');
  });

  test('the LED pin changes when the demo\'s toggle LED inject is clicked', { timeout: 60_000 }, async () => {
    const led = tab.pin(25);
    const before = await led.getAttribute('data-value');
    await ed.press('be1a010000000004');
    const after = before === '1' ? '0' : '1';
    await tab.root.locator(`.red-ui-belay-pins tr[data-pin="25"][data-value="${after}"]`).waitFor();
    assert.equal(String(await virtualPin('demo', 25)), after, 'the tab shows what the board has');
  });

  test('pressing a virtual input makes a flow react', { timeout: 60_000 }, async () => {
    const button = tab.pin(14);
    await button.filter({ hasText: /in, pull up/ }).waitFor({ timeout: 30_000 });
    assert.equal(await button.getAttribute('data-value'), '1', 'pulled up');
    await button.locator('.red-ui-belay-pin-press').click();
    await tab.root.locator('.red-ui-belay-pins tr[data-pin="14"][data-value="0"]').waitFor();
    await ed.showDebug();
    await ed.waitForDebug('be1a0100000000a2', /^0$/);
    await tab.open();
    await button.locator('.red-ui-belay-pin-letgo').click();
    await tab.root.locator('.red-ui-belay-pins tr[data-pin="14"][data-value="1"]').waitFor();
  });

  test('dragging the ADC slider sets what the board reads', { timeout: 60_000 }, async () => {
    const slider = tab.pin(26).locator('input[type="range"]');
    await slider.scrollIntoViewIfNeeded();
    const box = (await slider.boundingBox())!;
    const page = admin.page;
    await page.mouse.move(box.x + 3, box.y + box.height / 2);
    // A tooltip left over from the last test's button would take the press.
    await page.locator('.red-ui-popover').first().waitFor({ state: 'hidden' });
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 12 });
    await page.mouse.up();
    const shown = Number(await tab.pin(26).locator('.red-ui-belay-pin-reading').innerText());
    assert.ok(shown > 30000 && shown < 50000, `the slider shows about 60 % (${shown})`);
    await pinTakes('demo', 26, (p) => p.analog === shown, 'the dragged value');
    const read = await tab.run('sensor.read_u16()');
    assert.equal(await read.locator('.red-ui-belay-console-value').innerText(), String(shown));
  });

  test('the picture for the README', { timeout: 60_000 }, async () => {
    const page = admin.page;
    await tab.run("print('LED is', 'on' if led.value() else 'off')");
    await tab.run('round(sensor.read_u16() * 3.3 / 65535, 3)');
    // Room for the whole tab: a taller window and a wider sidebar, dragged as a user would.
    await page.setViewportSize({ width: 1400, height: 1160 });
    const bar = (await page.locator('#red-ui-sidebar-separator').boundingBox())!;
    await page.mouse.move(bar.x + bar.width / 2, bar.y + 200);
    await page.mouse.down();
    await page.mouse.move(bar.x - 160, bar.y + 200, { steps: 8 });
    await page.mouse.up();
    await page.locator('#red-ui-workspace-chart').click({ position: { x: 600, y: 900 } }); // nothing selected
    await ed.dismissNotifications();
    await shoot(page, 'panel', 'panel', { x: 180, y: 44, width: 1220, height: 1110 });
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  test('Ctrl-C interrupts while True: pass from the console', { timeout: 60_000 }, async () => {
    const entry = await tab.type('while True: pass');
    await tab.root.locator('.red-ui-belay-console-running').filter({ hasText: /running/ }).waitFor();
    await admin.page.keyboard.press('Control+c');
    await entry.locator('.red-ui-belay-console-error').filter({ hasText: /KeyboardInterrupt/ }).waitFor({ timeout: 3_000 });
    assert.equal(await (await tab.run('1+1')).locator('.red-ui-belay-console-value').innerText(), '2');
  });

  test('a read-only user sees the board but cannot run code or press its buttons', { timeout: 90_000 }, async () => {
    const viewer = await logIn(browser, nr.url, 'viewer', USERS.viewer.password);
    try {
      const seen = new BelayTab(viewer.page);
      await seen.open();
      await seen.pick('demo board');
      await seen.stateText().filter({ hasText: /MicroPython/ }).waitFor({ timeout: 30_000 });
      await seen.root.locator('.red-ui-belay-readonly').waitFor();
      assert.equal(await seen.input.isDisabled(), true, 'the console takes no input');
      for (const action of ['connect', 'disconnect', 'reset']) {
        assert.equal(await seen.root.locator(`.red-ui-belay-action[data-action="${action}"]`).isDisabled(), true, `${action} is disabled`);
      }
      assert.equal(await seen.pin(14).locator('.red-ui-belay-pin-press').isDisabled(), true, 'pins cannot be pressed');
      // And the runtime refuses the viewer's own session, whatever the page shows.
      const status = await viewer.page.evaluate((id) => new Promise<number>((resolve) => {
        (window as any).$.ajax({ url: `belay/panel/boards/${id}/exec`, method: 'POST', contentType: 'application/json', data: JSON.stringify({ code: '1+1' }) })
          .then(() => resolve(200), (xhr: { status: number }) => resolve(xhr.status));
      }), DEMO_DEVICE);
      assert.equal(status, 401);
      const look = await viewer.page.evaluate((id) => new Promise<number>((resolve) => {
        (window as any).$.ajax({ url: `belay/panel/boards/${id}` }).then(() => resolve(200), (xhr: { status: number }) => resolve(xhr.status));
      }), DEMO_DEVICE);
      assert.equal(look, 200, 'looking is allowed');
      await shoot(viewer.page, 'panel-read-only');
    } finally {
      await viewer.context.close();
    }
  });
});

function virtualBoard(name: string) {
  const vb = listVirtualBoards().find((b) => b.name === name);
  if (!vb) throw new Error(`no virtual board ${name} runs in this process`);
  return vb;
}

/** Resolves when pin `id` of virtual board `name` is (or becomes) as `test` wants; fails after 10 s. */
function pinTakes(name: string, id: number, test: (p: PinState) => boolean, what: string): Promise<void> {
  const pins = virtualBoard(name).pins;
  if (test(pins.get(id))) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { pins.off('change', onChange); reject(new Error(`pin ${id} of ${name} never took ${what}: ${JSON.stringify(pins.get(id))}`)); }, 10_000);
    function onChange(pin: number, state: PinState) {
      if (pin !== id || !test(state)) return;
      clearTimeout(timer);
      pins.off('change', onChange);
      resolve();
    }
    pins.on('change', onChange);
  });
}
