/**
 * The editor in a real browser (headless Debian Chromium) against a real Node-RED 4.1 with this
 * package installed: palette, each node's dialog and Python editor, the config dialog's port list
 * and Test button, and every example imported from Import ▸ Examples, deployed and run, with the
 * dashboard example's page. One Node-RED and one browser for the whole file, to stay quick in CI.
 * Screenshots go to test-artifacts/ (BELAY_DOCS_SCREENSHOTS=1 also refreshes docs/).
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startMosquitto, type Broker } from '../support/mosquitto';
import { exampleFiles, readExample, startNodeRedServer, type FlowNode, type NodeRedServer } from '../support/nodered-server';
import { virtualPin, wipeVirtualBoards } from '../examples/virtual-pins';
import { noChromium, Editor, launchEditor, shoot, type EditorBrowser } from './editor-page';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library.
declare const window: any;

const skip = noChromium;

let broker: Broker;
let nr: NodeRedServer;
let eb: EditorBrowser;
let ed: Editor;

before(async () => {
  if (skip) return;
  broker = await startMosquitto();
  process.env.MQTT_BROKER = broker.url;
  nr = await startNodeRedServer();
  eb = await launchEditor(nr.url);
  ed = new Editor(eb.page);
}, { timeout: 120_000 });

after(async () => {
  await eb?.close();
  await nr?.stop();
  await broker?.stop();
}, { timeout: 30_000 });

const CODE = {
  'belay-exec': "{{payload}} * 2",
  'belay-task': 'def triple(x):\n    # from the browser test\n    return x * 3\n',
  'belay-thread': 'import time\n\ndef ticks(period=1):\n    while True:\n        yield time.ticks_ms()\n        time.sleep(period)\n',
} as const;

describe('the editor in a browser', { skip, timeout: 900_000 }, () => {
  // What the editor looked like when each test ended (the first thing to look at when one fails),
  // then back to a clean editor: no dialog left open to block the next test.
  afterEach(async (t) => {
    await shoot(eb.page, `end-${t.name.slice(0, 40).replace(/[^\w]+/g, '-')}`);
    await ed.reset();
  });

  test('the palette shows the belay nodes in the belay category', async () => {
    const category = eb.page.locator('#red-ui-palette-container-belay');
    await category.waitFor();
    const types = await category.locator('.red-ui-palette-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-palette-type')));
    assert.deepEqual([...types].sort(), ['belay-event', 'belay-exec', 'belay-sync', 'belay-task', 'belay-thread']);
    // Labels that say what they are: Node-RED's own shell node is "exec" too.
    const labels = (await category.locator('.red-ui-palette-node .red-ui-palette-label').allTextContents()).map((l) => l.replace(/\s+/g, ' ').trim());
    for (const l of ['mpy exec', 'mpy task', 'mpy thread', 'mpy sync']) assert.ok(labels.includes(l), `palette labels: ${JSON.stringify(labels)}`);
    // The runtime's rule for the called function reached the editor (belay/editor/names.js).
    const called = await eb.page.evaluate(() => (window as any).belayNames.functionName('def _double(x):\n    return x * 2\n\ndef quadruple(x):\n    return _double(_double(x))'));
    assert.equal(called, 'quadruple');
    // The config node is no palette entry (Node-RED shows config nodes in the config sidebar).
    const device = await eb.page.evaluate(() => (window as any).RED.nodes.getType('belay-device')?.category);
    assert.equal(device, 'config');
    await shoot(category, 'palette-belay', 'palette');
  });

  test('each node dialog opens, its Python editor takes text and Done saves it; the config dialog lists ports and tests the board', { timeout: 180_000 }, async () => {
    const exec = await ed.addFromPalette('belay-exec', 200, 120);
    let tray = await ed.openDialog(exec);

    // No device yet: the + button opens the belay-device config dialog to add one.
    await tray.locator('#node-input-btn-device-add').click();
    const config = eb.page.locator('.red-ui-tray').last();
    await config.locator('#node-config-input-port').waitFor();
    await config.locator('#node-config-input-name').fill('browser board');
    await config.locator('#node-config-input-port').fill('');
    await config.locator('#node-config-belay-ports').click();
    const choice = eb.page.locator('ul.ui-autocomplete li', { hasText: /^virtual/ }).first();
    await choice.waitFor();
    const offered = await eb.page.locator('ul.ui-autocomplete li').allInnerTexts();
    assert.ok(offered.some((t) => /^virtual/.test(t)), `the port list offers the virtual board: ${JSON.stringify(offered)}`);
    await choice.click();
    assert.match(await config.locator('#node-config-input-port').inputValue(), /^virtual/);
    await config.locator('#node-config-input-port').fill('virtual:browser');
    await config.locator('#node-config-belay-probe').click();
    const result = config.locator('#node-config-belay-probe-result');
    await result.filter({ hasText: /MicroPython/ }).waitFor({ timeout: 60_000 });
    await shoot(config, 'dialog-belay-device', 'device-dialog');
    // The setup tab holds a Python editor too.
    await config.locator('#node-config-belay-tabs a', { hasText: /setup/i }).first().click();
    await ed.typeCode('from machine import Pin\nled = Pin(25, Pin.OUT)\n');
    await shoot(config, 'dialog-belay-device-setup');
    await ed.done();

    await ed.typeCode(CODE['belay-exec']);
    await shoot(tray, 'dialog-belay-exec', 'exec-dialog');
    await ed.done();
    const execProps = await ed.node(exec);
    assert.equal(execProps.code, CODE['belay-exec']);
    const deviceId = String(execProps.device);
    const device = await ed.node(deviceId);
    assert.equal(device.port, 'virtual:browser');
    assert.equal(device.setup, 'from machine import Pin\nled = Pin(25, Pin.OUT)\n');

    let y = 200;
    for (const type of ['belay-task', 'belay-thread'] as const) {
      const id = await ed.addFromPalette(type, 200, y);
      assert.equal((await ed.node(id)).device, deviceId, `a dropped ${type} gets the only belay-device`);
      tray = await ed.openDialog(id);
      // The code editor fits the dialog at its default width.
      // (measured in one frame: the tray slides in)
      const overflow = await tray.evaluate((t) => {
        const body = t.querySelector('.red-ui-tray-body')!.getBoundingClientRect();
        const code = t.querySelector('#node-input-code-editor')!.getBoundingClientRect();
        return { right: code.right - body.right, left: code.left - body.left };
      });
      assert.ok(overflow.right <= 1 && overflow.left >= 0, `${type}: the code editor sticks out of the dialog by ${JSON.stringify(overflow)}`);
      await tray.locator('#node-input-device').selectOption(deviceId);
      await ed.typeCode(CODE[type]);
      await shoot(tray, `dialog-${type}`, `${type.slice(6)}-dialog`);
      await ed.done();
      const props = await ed.node(id);
      assert.equal(props.code, CODE[type]);
      assert.equal(props.device, deviceId);
      y += 80;
    }
    const labels = await eb.page.locator('#red-ui-workspace-chart .red-ui-flow-node-label').allTextContents();
    assert.ok(labels.some((l) => l.includes('triple')) && labels.some((l) => l.includes('ticks')), `labels show the function names: ${labels}`);

    const sync = await ed.addFromPalette('belay-sync', 200, y);
    tray = await ed.openDialog(sync);
    await tray.locator('#node-input-device').selectOption(deviceId);
    await tray.locator('#node-input-source').fill('package:@belay/node-red-micropython/examples-data/sync-folder');
    await shoot(tray, 'dialog-belay-sync', 'sync-dialog');
    await ed.done();
    assert.equal((await ed.node(sync)).source, 'package:@belay/node-red-micropython/examples-data/sync-folder');

    // Deployed, the nodes connect to the virtual board and say so under each node.
    await ed.deploy();
    await ed.statusText(exec).filter({ hasText: /MicroPython/ }).waitFor({ timeout: 60_000 });

    // The config dialog's title names the board it edits.
    await ed.openDialog(exec);
    await eb.page.locator('.red-ui-tray').last().locator('#node-input-btn-device-edit').click();
    await eb.page.locator('.red-ui-tray').last().locator('#node-config-input-port').waitFor();
    const title = eb.page.locator('.red-ui-tray').last().locator('.red-ui-tray-breadcrumbs li').last();
    assert.match(await title.innerText(), /MicroPython board.*browser board/, 'the title names the board');
    await ed.closeDialogs();
    await shoot(eb.page.locator('#red-ui-workspace'), 'workspace-new-nodes');
  });

  // What each example shows in the debug sidebar once its buttons are pressed.
  const checks: Record<string, (f: FlowNode[]) => Promise<void>> = {
    '01': async (f) => {
      await ed.press(id(f, 'inject', 'toggle LED'));
      await ed.waitForDebug(id(f, 'debug', 'LED'), /"(on|off)"/);
      await ed.press(id(f, 'inject', 'read sensor'));
      await ed.waitForDebug(id(f, 'debug', 'sensor (V)'), /^\d/);
      await ed.press(id(f, 'inject', 'start stream'));
      await ed.waitForDebug(id(f, 'debug', 'stream'), /^\d/);
      await ed.waitForDebug(id(f, 'debug', 'thread prints'), /streaming every/);
    },
    '02': async (f) => {
      await ed.press(id(f, 'inject', 'expression'));
      await ed.waitForDebug(id(f, 'debug', 'result'), /\[\s*0,\s*1,\s*4,\s*9,\s*16\s*\]/);
      await ed.press(id(f, 'inject', '"Node-RED"'));
      await ed.waitForDebug(id(f, 'debug', 'result'), /NODE-RED!/);
      await ed.press(id(f, 'inject', 'print'));
      await ed.waitForDebug(id(f, 'debug', 'stdout'), /hello from/);
      await ed.press(id(f, 'inject', 'divide by zero'));
      await ed.waitForDebug(id(f, 'debug', 'error'), /ZeroDivisionError/);
    },
    '03': async (f) => {
      await ed.press(id(f, 'inject', '[2, 3]'));
      await ed.waitForDebug(id(f, 'debug', 'add'), /^5$/);
      await ed.press(id(f, 'inject', 'count down from 5'));
      await ed.waitForDebug(id(f, 'debug', 'joined'), /\[\s*5,\s*4,\s*3,\s*2,\s*1\s*\]/);
    },
    '04': async (f) => {
      await ed.press(id(f, 'inject', '5 samples'));
      await ed.waitForDebug(id(f, 'debug', 'prints'), /done after 5 samples/);
      assert.equal(await ed.debugMessages(id(f, 'debug', 'readings')).count(), 5);
    },
    '05': async (f) => {
      await ed.press(id(f, 'inject', 'state'));
      await ed.waitForDebug(id(f, 'debug', 'state'), /connects/);
    },
    '06': async (f) => {
      await ed.press(id(f, 'inject', 'sync'));
      await ed.waitForDebug(id(f, 'debug', 'sync summary'), /uploaded/);
      await ed.press(id(f, 'inject', 'use the synced code'));
      await ed.waitForDebug(id(f, 'debug', 'synced code'), /greeting/);
    },
    '07': async (f) => {
      await ed.press(id(f, 'inject', 'start sensor'));
      await ed.waitForDebug(id(f, 'debug', 'sensor'), /^\d/);
      await checkDashboard();
    },
    '08': async (f) => {
      await ed.statusText(id(f, 'mqtt in', 'LED command')).filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
      await checkMqttSensor('belay/ha/sensor/state');
    },
    '09': async (f) => {
      await ed.statusText(id(f, 'mqtt in', 'LED command')).filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
      await checkMqttSensor('belay/board1/sensor');
    },
    '10': async (f) => {
      // the board's timer emits by itself every 2 s: its message reaches the sidebar with no thread
      await ed.waitForDebug(id(f, 'debug', 'events'), /timer/);
    },
  };

  for (const file of exampleFiles()) {
    const title = file.replace(/\.json$/, '');
    test(`example "${title}" imports from Import ▸ Examples, deploys and runs`, { timeout: 120_000 }, async () => {
      const check = checks[file.slice(0, 2)];
      assert.ok(check, `no browser check for ${file}`);
      wipeVirtualBoards(readExample(file));
      await ed.importExample(title);
      await ed.deploy();
      await ed.showDebug();
      const flow = readExample(file);
      await check(flow);
      await ed.dismissNotifications();
      // The canvas and the debug sidebar, without the palette: what the README shows.
      await shoot(eb.page, `example-${file.slice(0, 2)}`, file.startsWith('01') ? 'demo-flow' : undefined, { x: 176, y: 44, width: 1224, height: 520 });
      const errors = await ed.debugMessages(id(flow, 'debug', 'error')).count().catch(() => 0);
      if (!file.startsWith('02')) assert.equal(errors, 0, `no board errors reached the Catch node: ${await ed.debugMessages(id(flow, 'debug', 'error')).allInnerTexts().catch(() => [])}`);
    });
  }
});

function id(flow: FlowNode[], type: string, name: string): string {
  const n = flow.find((x) => x.type === type && x.name === name);
  if (!n) throw new Error(`no ${type} node "${name}" in the example`);
  return n.id;
}

/** The dashboard example's page: widgets render, the LED switch moves pin 25 on the board. */
async function checkDashboard(): Promise<void> {
  const page = await eb.browser.newPage({ viewport: { width: 1200, height: 640 } });
  try {
    await page.goto(new URL('dashboard', nr.url).href);
    const sw = page.locator('.nrdb-ui-switch').first();
    await sw.waitFor({ timeout: 60_000 });
    await page.getByText('Brightness (%)').waitFor();
    await page.locator('.nrdb-ui-gauge').first().waitFor();
    const before = await virtualPin('dashboard', 25);
    await sw.locator('input').first().click();
    const deadline = Date.now() + 20_000;
    let now = before;
    while (now === before && Date.now() < deadline) {
      await page.waitForTimeout(100);
      now = await virtualPin('dashboard', 25);
    }
    assert.equal(now, before === 1 ? 0 : 1, 'the switch on the dashboard toggled pin 25 on the board');
    await page.waitForTimeout(1500); // let the chart draw a few points for the picture
    await shoot(page, 'dashboard', 'dashboard');
  } finally {
    await page.close();
  }
}

/** A sensor state published by the flow reaches an MQTT subscriber. */
async function checkMqttSensor(topic: string): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  try {
    const got = new Promise<string>((resolve) => client.on('message', (t, p) => { if (t === topic) resolve(p.toString()); }));
    await client.subscribeAsync(topic);
    const value = Number(await Promise.race([got, new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`no message on ${topic}`)), 30_000))]));
    assert.ok(Number.isFinite(value), `${topic} carries a number`);
  } finally {
    await client.endAsync();
  }
}
