/**
 * belay-event in a real editor (headless Debian Chromium) against a real Node-RED 4.1 with this
 * package installed: example 10 imported from Import ▸ Examples and deployed, the button on GPIO14
 * pressed and released on the virtual board (as a button wired to it would), each edge and the
 * board's timer in the debug sidebar, the node switched off and on with the example's buttons.
 * Screenshots go to test-artifacts/ (BELAY_DOCS_SCREENSHOTS=1 also refreshes docs/event.png).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readExample, startNodeRedServer, type NodeRedServer } from '../support/nodered-server';
import { driveVirtualPin, wipeVirtualBoards } from '../examples/virtual-pins';
import { noChromium, Editor, launchEditor, shoot, type EditorBrowser } from './editor-page';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library.
declare const document: any;

const skip = noChromium;

const EXAMPLE = '10 - Events - button and timer';
const flow = readExample(`${EXAMPLE}.json`);
const id = (type: string, name: string): string => {
  const n = flow.find((x) => x.type === type && x.name === name);
  if (!n) throw new Error(`example 10 has no ${type} named "${name}"`);
  return n.id;
};
const EVENT = id('belay-event', 'button and timer');
const DEBUG = id('debug', 'events');
const BOARD = String(flow.find((n) => n.type === 'belay-device')!.port).replace(/^virtual:/, '');

let nr: NodeRedServer;
let eb: EditorBrowser;
let ed: Editor;

before(async () => {
  if (skip) return;
  wipeVirtualBoards(flow);
  nr = await startNodeRedServer();
  eb = await launchEditor(nr.url);
  ed = new Editor(eb.page);
}, { timeout: 120_000 });

after(async () => {
  await eb?.close();
  await nr?.stop();
}, { timeout: 30_000 });

describe('belay-event in the editor', { skip, timeout: 300_000 }, () => {
  test('example 10: a button pressed on the board and its timer reach the debug sidebar; off and on from its buttons', { timeout: 120_000 }, async () => {
    await ed.importExample(EXAMPLE);
    await ed.deploy();
    await ed.dismissNotifications();
    await ed.showDebug();
    // the board's timer emits by itself every 2 s, with no thread and nothing polling
    await ed.waitForDebug(DEBUG, /topic: "timer"/);
    await ed.statusText(EVENT).filter({ hasText: /MicroPython/ }).waitFor();

    const button = ed.debugMessages(DEBUG).filter({ hasText: /topic: "button"/ });
    assert.equal(await button.count(), 0, 'no button message before the press');
    driveVirtualPin(BOARD, 14, 0);
    await button.first().waitFor();
    assert.match(await button.first().innerText(), /payload: 0\b/, 'pressed: GPIO14 reads 0');
    driveVirtualPin(BOARD, 14, 1);
    await button.nth(1).waitFor();
    assert.match(await button.nth(1).innerText(), /payload: 1\b/, 'released: GPIO14 reads 1');
    // one more tick, so that the picture shows the timer after the button too
    const ticks = await ed.debugMessages(DEBUG).filter({ hasText: /topic: "timer"/ }).count();
    await ed.debugMessages(DEBUG).filter({ hasText: /topic: "timer"/ }).nth(ticks).waitFor();

    const page = eb.page;
    await page.locator('#red-ui-workspace-chart').click({ position: { x: 700, y: 600 } }); // nothing selected
    await page.mouse.move(700, 800);
    // the debug tab's tooltip (from showDebug's click) would cover the newest message
    await page.evaluate(() => document.querySelectorAll('.red-ui-popover').forEach((e: any) => e.remove()));
    await ed.dismissNotifications();
    await shoot(page, 'event', 'event', { x: 180, y: 44, width: 1220, height: 560 });

    await ed.press(id('inject', 'switch off'));
    await ed.statusText(EVENT).filter({ hasText: /^off$/ }).waitFor();
    driveVirtualPin(BOARD, 14, 0);
    await ed.press(id('inject', 'switch on'));
    await ed.statusText(EVENT).filter({ hasText: /MicroPython/ }).waitFor();
    const after = await ed.debugMessages(DEBUG).filter({ hasText: /topic: "timer"/ }).count();
    await ed.debugMessages(DEBUG).filter({ hasText: /topic: "timer"/ }).nth(after).waitFor();
    assert.equal(await button.count(), 2, 'the press while off sent nothing');
  });
});
