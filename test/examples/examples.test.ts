/**
 * Every flow in examples/ deployed unchanged on a real Node-RED 4.1 (this package loaded the way
 * `npm start` loads it), its inject buttons pressed through the same admin endpoint the editor uses,
 * and the messages checked where users see them: the debug sidebar (the editor's /comms socket),
 * a real mosquitto broker for the MQTT examples, and the virtual board's pins.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Broker } from '../support/mosquitto';
import {
  EditorComms, exampleFiles, projectRoot, readExample, startNodeRedServer, type DebugMessage, type FlowNode, type NodeRedServer,
} from '../support/nodered-server';
import { driveVirtualPin, virtualPin, virtualPins, virtualPwmDuty, wipeVirtualBoards } from './virtual-pins';

/** The core MQTT nodes' status text is an i18n key the editor translates. */
const MQTT_CONNECTED = /(^|\.)connected$/;

let broker: Broker;
let nr: NodeRedServer;
let comms: EditorComms;
let flows: FlowNode[] = [];
/** nr.logs length when the current example was deployed */
let logMark = 0;

before(async () => {
  broker = await startMosquitto();
  // The MQTT examples read their broker from MQTT_BROKER (see their tab's environment).
  process.env.MQTT_BROKER = broker.url;
  nr = await startNodeRedServer();
  comms = await EditorComms.open(nr.url);
}, { timeout: 60_000 });

after(async () => {
  comms?.close();
  await nr?.stop();
  await broker?.stop();
}, { timeout: 30_000 });

/** Deploys one example as the only flow, as if imported into an empty workspace and deployed. */
async function deployExample(file: string): Promise<void> {
  flows = readExample(file);
  wipeVirtualBoards(flows);
  comms.clear();
  logMark = nr.logs.length;
  await nr.deploy(flows);
}

function nodeNamed(type: string, name: string): FlowNode {
  const n = flows.find((x) => x.type === type && x.name === name);
  assert.ok(n, `the example has no ${type} node named "${name}"`);
  return n;
}

/** Presses an inject node's button, exactly what the editor does. */
async function press(injectName: string): Promise<void> {
  const { id } = nodeNamed('inject', injectName);
  const res = await fetch(new URL(`inject/${id}`, nr.url), { method: 'POST' });
  assert.equal(res.status, 200, `pressing "${injectName}" answered ${res.status}`);
}

const shown = (debugName: string): DebugMessage[] => comms.from(nodeNamed('debug', debugName).id);

/** Waits until the debug node `debugName` has shown more than `already` messages; returns the next one. */
async function next(debugName: string, already: number, ms?: number): Promise<unknown> {
  const msgs = await comms.waitFor(`a message on debug "${debugName}"`, () => shown(debugName).length > already && shown(debugName), ms);
  return msgs[already].value;
}

/** Presses `injectName` and returns the next value debug node `debugName` shows. */
async function pressAndRead(injectName: string, debugName: string): Promise<unknown> {
  const before = shown(debugName).length;
  await press(injectName);
  return next(debugName, before);
}

/**
 * Errors and warnings in the debug sidebar and errors in Node-RED's log since the deploy, except
 * from the nodes named in `expected`.
 */
function unexpectedProblems(...expected: string[]): string[] {
  const ok = new Set(flows.filter((n) => expected.includes(String(n.name))).map((n) => n.id));
  const sidebar = comms.problems().filter((m) => !ok.has(m.id)).map((m) => `${m.name ?? m.id}: ${JSON.stringify(m.value)}`);
  const logged = nr.logs.slice(logMark).filter((e) => e.level <= 20 && !(e.id && ok.has(e.id)))
    .map((e) => `log: ${e.type ?? ''} ${e.name ?? e.id ?? ''}: ${String(e.msg)}`);
  return [...sidebar, ...logged];
}

function assertVolts(v: unknown, what: string): void {
  assert.equal(typeof v, 'number', `${what} should be a number, got ${JSON.stringify(v)}`);
  assert.ok((v as number) >= 0 && (v as number) <= 3.3, `${what} should be within 0..3.3 V, got ${v}`);
}

describe('example flows on a real Node-RED', { timeout: 600_000 }, () => {
  test('every example is covered by a test below', () => {
    const covered = ['01 -', '02 -', '03 -', '04 -', '05 -', '06 -', '07 -', '08 -', '09 -', '10 -'];
    for (const f of exampleFiles()) assert.ok(covered.some((c) => f.startsWith(c)), `no test for example "${f}"`);
  });

  test('Import ▸ Examples lists flows only; the dashboard example says it needs Dashboard 2.0; MQTT examples name mosquitto-clients', () => {
    const entries = fs.readdirSync(path.join(projectRoot, 'examples'));
    assert.deepEqual(entries.filter((f) => !f.endsWith('.json')), [], 'no folder that Node-RED would list as an example');
    assert.ok(exampleFiles().some((f) => /^07 - Dashboard 2\.0 /.test(f)));
    for (const f of exampleFiles().filter((x) => /^0[89] /.test(x))) {
      assert.match(String(readExample(f).find((n) => n.type === 'comment')?.info), /mosquitto-clients/, f);
    }
    // a thread that starts on its own says so on the canvas
    for (const f of exampleFiles()) {
      const flow = readExample(f);
      for (const t of flow.filter((n) => n.type === 'belay-thread' && n.autostart === true)) {
        assert.ok(flow.some((n) => n.type === 'comment' && String(n.name).includes(String(t.name)) && /starts by itself/.test(String(n.name))), `${f}: ${t.name} autostarts without saying so`);
      }
    }
  });

  test('every example has a comment node, a virtual port and says how to use a real board', () => {
    for (const file of exampleFiles()) {
      const f = readExample(file);
      const comment = f.find((n) => n.type === 'comment');
      assert.ok(comment, `${file}: no comment node`);
      assert.match(String(comment.info), /real board/i, `${file}: the comment does not say what to change for a real board`);
      for (const d of f.filter((n) => n.type === 'belay-device')) {
        assert.match(String(d.port), /^virtual(:[\w-]+)?$/, `${file}: device "${d.name}" is not on a virtual port`);
      }
    }
  });

  test('01 demo: the LED toggles, the sensor reads, the stream streams and stops', { timeout: 90_000 }, async () => {
    await deployExample('01 - Demo - LED, sensor and stream.json');
    const first = await pressAndRead('toggle LED', 'LED');
    const second = await pressAndRead('toggle LED', 'LED');
    assert.deepEqual(new Set([first, second]), new Set(['on', 'off']), 'two toggles give both states');
    assert.equal(await virtualPin('demo', 25), second === 'on' ? 1 : 0, 'pin 25 on the board matches the reported state');
    assertVolts(await pressAndRead('read sensor', 'sensor (V)'), 'the sensor task');
    // The thread starts with the board (autostart) and prints once before its first value.
    // The stream waits for its button (issue #10: no autostart flooding the debug sidebar).
    assert.equal(nodeNamed('belay-thread', 'stream').autostart, false);
    await press('start stream');
    const value = await next('stream', 0);
    assert.equal(typeof value, 'number');
    assert.match(String(await next('thread prints', 0)), /streaming every 0\.5 s/);
    await press('stop stream');
    await stopped('stream');
    const prints = shown('thread prints').length;
    await press('start stream');
    assert.match(String(await next('thread prints', prints)), /streaming every 0\.5 s/);
    await press('stop stream');
    assert.deepEqual(unexpectedProblems(), []);
  });

  test('02 basics: statements, expressions, templates, msg.code, stdout and errors', { timeout: 60_000 }, async () => {
    await deployExample('02 - Basics - statements, expressions and templates.json');
    assert.equal(await pressAndRead('statement', 'result'), null);
    assert.deepEqual(await pressAndRead('expression', 'result'), [0, 1, 4, 9, 16]);
    assert.equal(await pressAndRead('"Node-RED"', 'result'), 'NODE-RED!');
    assert.equal(await pressAndRead('{"readings":[3,1,2],"scale":10}', 'result'), 30);
    const hostile = nodeNamed('inject', 'hostile string').payload as string;
    assert.equal(await pressAndRead('hostile string', 'result'), hostile.length, 'the hostile string arrives as data');
    assert.equal(await pressAndRead('msg.code', 'result'), 'run from msg.code');
    assert.match(String(await pressAndRead('print', 'stdout')), /^hello from \S+/);
    // Node-RED's Catch puts its own msg.error (the Python type as .code) and keeps the node's as msg._error.
    const err = await pressAndRead('divide by zero', 'error') as { code?: string; message?: string };
    assert.equal(err.code, 'ZeroDivisionError', `msg.error was ${JSON.stringify(err)}`);
    assert.match(String(err.message), /divide by zero/);
    assert.deepEqual(unexpectedProblems('raise an error'), []);
  });

  test('03 tasks: arguments from payload, args and kwargs; a generator rebuilt by Join', { timeout: 60_000 }, async () => {
    await deployExample('03 - Tasks - arguments and a generator.json');
    assert.equal(await pressAndRead('[2, 3]', 'add'), 5);
    assert.equal(await pressAndRead('{"a": 10, "b": 5}', 'add'), 15);
    assert.equal(await pressAndRead('7', 'add'), 7);
    assert.equal(await pressAndRead('args [1], kwargs {"b": 41}', 'add'), 42);
    const each = shown('each value').length;
    assert.deepEqual(await pressAndRead('count down from 5', 'joined'), [5, 4, 3, 2, 1]);
    assert.deepEqual(shown('each value').slice(each).map((m) => m.value), [5, 4, 3, 2, 1]);
    assert.deepEqual(unexpectedProblems(), []);
  });

  test('04 thread: yields to output 1, prints to output 2, stops on msg.stop', { timeout: 60_000 }, async () => {
    await deployExample('04 - Thread - stream a sensor.json');
    await press('5 samples');
    await comms.waitFor('5 readings', () => shown('readings').length >= 5);
    await comms.waitFor('the end print', () => shown('prints').some((m) => /done after 5 samples/.test(String(m.value))));
    assert.equal(shown('readings').length, 5, 'exactly five samples');
    assert.match(String(shown('prints')[0].value), /sampling every 0\.2 s/);
    for (const m of shown('readings')) assert.equal(typeof m.value, 'number');

    await press('start (every 0.5 s)');
    await comms.waitFor('readings from the endless thread', () => shown('readings').length >= 7);
    await press('stop');
    await stopped('sample_sensor');
    assert.deepEqual(unexpectedProblems(), []);
  });

  test('05 setup and teardown: setup runs on every connect, teardown on disconnect', { timeout: 60_000 }, async () => {
    await deployExample('05 - Setup and teardown.json');
    const before = await pressAndRead('state', 'state') as { connects: number; led: number; teardown: string | null };
    assert.equal(before.led, 1, 'setup switched the LED on');
    await press('disconnect');
    await waitForStatus(nodeNamed('belay-exec', 'board state').id, /disconnected|not connected/);
    await press('connect');
    const afterReconnect = await pressAndRead('state', 'state') as typeof before;
    assert.equal(afterReconnect.connects, before.connects + 1, 'setup ran again on connect');
    assert.equal(afterReconnect.teardown, `teardown after connect ${before.connects}`, 'teardown ran on disconnect');
    assert.equal(afterReconnect.led, 1);
    assert.deepEqual(unexpectedProblems(), []);
  });

  test('06 sync: the shipped folder reaches the board, then nothing changes', { timeout: 60_000 }, async () => {
    await deployExample('06 - Sync a folder to the board.json');
    const first = await pressAndRead('sync', 'sync summary') as { uploaded: string[]; unchanged: string[]; bytes: number };
    assert.deepEqual([...first.uploaded].sort(), ['/lib/greeting.py', '/sensors.py']);
    assert.ok(first.bytes > 0);
    const second = await pressAndRead('sync', 'sync summary') as typeof first;
    assert.deepEqual(second.uploaded, []);
    assert.deepEqual([...second.unchanged].sort(), ['/lib/greeting.py', '/sensors.py']);
    const used = await pressAndRead('use the synced code', 'synced code') as { greeting: string; average: number };
    assert.match(used.greeting, /^Hello, Node-RED, from \S+$/);
    assert.ok(Math.abs(used.average - 64 / 3) < 1e-9);
    const files = await pressAndRead('list files', 'files') as Record<string, string[]>;
    assert.ok(files['/'].includes('sensors.py') && !files['/'].includes('README.md'), JSON.stringify(files));
    assert.deepEqual(files['/lib'], ['greeting.py']);
    assert.deepEqual(unexpectedProblems(), []);
  });

  test('10 events: a button on GPIO14 and a timer send messages with no thread; switched off, nothing comes', { timeout: 90_000 }, async () => {
    await deployExample('10 - Events - button and timer.json');
    type Ev = { payload: unknown; topic: string; board_ms: number; time: number };
    const events = (): Ev[] => shown('events').map((m) => m.value as Ev);
    await comms.waitFor('a timer event', () => events().some((e) => e.topic === 'timer'));
    const before = events().length;
    driveVirtualPin('events', 14, 0);
    await comms.waitFor('the button press', () => events().slice(before).some((e) => e.topic === 'button' && e.payload === 0));
    driveVirtualPin('events', 14, 1);
    await comms.waitFor('the button release', () => events().slice(before).some((e) => e.topic === 'button' && e.payload === 1));
    for (const e of events()) {
      assert.equal(typeof e.board_ms, 'number');
      assert.ok(Math.abs(e.time - Date.now()) < 60_000, `msg.time is the host time of the event: ${e.time}`);
    }
    await press('switch off');
    await waitUntilQuiet('events');
    const off = events().length;
    driveVirtualPin('events', 14, 0);
    driveVirtualPin('events', 14, 1);
    await waitUntilQuiet('events');
    assert.equal(events().length, off, 'no button or timer event while switched off');
    await press('switch on');
    await comms.waitFor('events again after switching on', () => events().length > off);
    assert.deepEqual(unexpectedProblems(), []);
  });

  test('07 dashboard: the page is served, widgets drive the pins, the thread feeds the gauge', { timeout: 60_000 }, async () => {
    await deployExample('07 - Dashboard 2.0 - control panel.json');
    assert.equal(nodeNamed('belay-thread', 'sensor_volts').autostart, false, 'the stream starts from its button');
    await press('start sensor');
    assertVolts(await next('sensor', 0), 'a streamed reading');
    const page = await fetch(new URL('dashboard', nr.url));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app"/);
    // What the switch sends when clicked, delivered to the switch's own output wire.
    const sw = flows.find((n) => n.type === 'ui-switch');
    assert.deepEqual((sw!.wires as string[][])[0], [nodeNamed('belay-exec', 'set LED').id], 'the switch drives "set LED"');
    const pins: Source = [virtualPins('dashboard'), 'change'];
    nr.RED.nodes.getNode(nodeNamed('belay-exec', 'set LED').id).receive({ payload: true });
    await waitFor('pin 25 high', async () => (await virtualPin('dashboard', 25)) === 1, pins);
    nr.RED.nodes.getNode(nodeNamed('belay-exec', 'set LED').id).receive({ payload: false });
    await waitFor('pin 25 low', async () => (await virtualPin('dashboard', 25)) === 0, pins);
    // What the slider sends: a percentage, which becomes the PWM duty on pin 15.
    nr.RED.nodes.getNode(nodeNamed('belay-exec', 'set PWM duty').id).receive({ payload: 50 });
    await waitFor('PWM duty 50 % on pin 15', async () => virtualPwmDuty('dashboard', 15) === Math.floor(50 * 65535 / 100), pins);
    assert.deepEqual(unexpectedProblems(), []);
  });

  for (const [file, base, cmdTopic, stateTopic, sensorTopic, board] of [
    ['08 - Home Assistant - MQTT discovery.json', 'belay/ha', 'belay/ha/led/set', 'belay/ha/led/state', 'belay/ha/sensor/state', 'ha'],
    ['09 - MQTT - plain topics.json', 'belay/board1', 'belay/board1/led/set', 'belay/board1/led', 'belay/board1/sensor', 'mqtt'],
  ] as const) {
    test(`${file.slice(0, 2)} MQTT against mosquitto: commands switch the pin, states arrive`, { timeout: 60_000 }, async () => {
      await deployExample(file);
      const client = await mqtt.connectAsync(broker.url, { clientId: `belay-test-${board}`, reconnectPeriod: 0 });
      const seen: Array<{ topic: string; payload: string; retain: boolean }> = [];
      client.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
      try {
        await client.subscribeAsync([`${base}/#`, 'homeassistant/#']);
        /** Waits for a message matching pred that arrived after the first `from` messages. */
        const wait = (what: string, pred: (m: typeof seen[number]) => boolean, from = 0) =>
          waitFor(what, async () => seen.slice(from).some(pred), [client, 'message'], 30_000, () => `messages so far: ${JSON.stringify(seen)}`);

        if (board === 'ha') {
          // Home Assistant announces itself; the flow answers with its discovery configs.
          await waitForStatus(nodeNamed('mqtt in', 'HA status').id, MQTT_CONNECTED);
          await client.publishAsync('homeassistant/status', 'online');
          await wait('the switch discovery config', (m) => m.topic === 'homeassistant/switch/belay_ha/led/config');
          await wait('the sensor discovery config', (m) => m.topic === 'homeassistant/sensor/belay_ha/sensor/config');
          // A fresh subscriber gets them too: they are retained, as Home Assistant needs.
          const retained = await retainedMessages(broker.url, 'homeassistant/#');
          const sw = JSON.parse(retained.get('homeassistant/switch/belay_ha/led/config') ?? 'null');
          const sensor = JSON.parse(retained.get('homeassistant/sensor/belay_ha/sensor/config') ?? 'null');
          assert.ok(sw && sensor, `retained discovery configs: ${JSON.stringify([...retained.keys()])}`);
          assert.equal(sw.command_topic, cmdTopic);
          assert.equal(sw.state_topic, stateTopic);
          assert.equal(sensor.state_topic, sensorTopic);
          assert.equal(sw.device.identifiers[0], sensor.device.identifiers[0], 'one device in Home Assistant');
        }
        await wait('availability online', (m) => m.topic === `${base}/${board === 'ha' ? 'availability' : 'status'}` && m.payload === 'online');

        await waitForStatus(nodeNamed('mqtt in', 'LED command').id, MQTT_CONNECTED);
        let from = seen.length;
        await client.publishAsync(cmdTopic, 'ON');
        await wait('the LED state ON', (m) => m.topic === stateTopic && m.payload === 'ON', from);
        assert.equal(await virtualPin(board, 25), 1, 'the command set pin 25 high on the board');
        from = seen.length;
        await client.publishAsync(cmdTopic, 'OFF');
        await wait('the LED state OFF', (m) => m.topic === stateTopic && m.payload === 'OFF', from);
        assert.equal(await virtualPin(board, 25), 0, 'the command set pin 25 low on the board');

        await wait('a sensor state', (m) => m.topic === sensorTopic);
        assertVolts(Number(seen.find((m) => m.topic === sensorTopic)!.payload), 'the sensor state');
      } finally {
        await client.endAsync();
      }
      assert.deepEqual(unexpectedProblems(), []);
    });
  }
});

/** What tells of a change outside the debug sidebar: a board's pins, an MQTT client. */
type Source = [{ on(event: string, fn: () => void): unknown; off(event: string, fn: () => void): unknown }, string];

/** Waits until an async condition holds, looking again each time `source` tells of a change. */
async function waitFor(what: string, check: () => Promise<boolean>, [source, event]: Source, ms = 20_000, detail = () => ''): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  let changed = false;
  let wake = () => undefined as void;
  const onEvent = () => { changed = true; wake(); };
  source.on(event, onEvent);
  try {
    for (;;) {
      changed = false;
      if (await check()) return;
      if (changed) continue; // it changed while check() ran
      const next = new Promise<true>((resolve) => { wake = () => resolve(true); });
      if (!(await Promise.race([next, timedOut]))) throw new Error(`timed out after ${ms} ms waiting for ${what}. ${detail()}`);
    }
  } finally {
    clearTimeout(timer);
    source.off(event, onEvent);
  }
}

async function waitForStatus(id: string, text: RegExp): Promise<void> {
  await comms.waitFor(`status ${text} on node ${id}`, () => text.test(String(comms.statuses.get(id)?.text ?? '')));
}

/**
 * Resolves once thread node `name` shows "stopped": the board has said that the thread ended after
 * msg.stop (what it yields after the stop is not sent on), so nothing more comes from it.
 */
async function stopped(name: string): Promise<void> {
  await waitForStatus(nodeNamed('belay-thread', name).id, /^stopped$/);
}

/**
 * Resolves once debug node `name` has shown nothing new for two seconds. Switched off, example 10's
 * 2 s Timer must not fire: no marker comes after a tick that does not happen, only time does.
 */
async function waitUntilQuiet(name: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  let count = -1;
  while (count !== shown(name).length) {
    if (Date.now() > deadline) throw new Error(`debug "${name}" kept receiving messages after the stop`);
    count = shown(name).length;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** The retained messages a new subscriber gets for `filter`. */
async function retainedMessages(url: string, filter: string): Promise<Map<string, string>> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const got = new Map<string, string>();
  client.on('message', (topic, payload, packet) => { if (packet.retain) got.set(topic, payload.toString()); });
  // Retained messages arrive right after SUBACK; our own message through the broker comes after them.
  await client.subscribeAsync([filter, 'belay-test/flush']);
  const flushed = new Promise<void>((resolve) => client.on('message', (t) => { if (t === 'belay-test/flush') resolve(); }));
  await client.publishAsync('belay-test/flush', 'x');
  await flushed;
  await client.endAsync();
  return got;
}
