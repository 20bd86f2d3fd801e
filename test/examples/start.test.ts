/**
 * `npm start` (scripts/start.js, after the build): Node-RED comes up, says where the editor is, and
 * the demo flow is deployed and running on the virtual board; Ctrl-C stops it cleanly. Runs in a
 * temporary user directory on a free port so it never touches a developer's .node-red-user/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EditorComms, projectRoot, readExample } from '../support/nodered-server';

test('npm start deploys the demo flow on the virtual board and stops on Ctrl-C', { timeout: 120_000 }, async () => {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-start-'));
  const child = spawn(process.execPath, [path.join(projectRoot, 'scripts', 'start.js')], {
    env: { ...process.env, PORT: '0', BELAY_USER_DIR: userDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { out += c; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let comms: EditorComms | undefined;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no editor URL in the log after 60 s:\n${out}`)), 60_000);
      const look = () => {
        const m = /Open the editor at (http:\/\/\S+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      };
      child.stdout.on('data', look);
      child.once('exit', () => { clearTimeout(timer); reject(new Error(`start.js exited early:\n${out}`)); });
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);

    const deployed = await (await fetch(new URL('flows', url), { headers: { Accept: 'application/json' } })).json() as Array<{ type: string }>;
    const demo = readExample('01 - Demo - LED, sensor and stream.json');
    assert.deepEqual(deployed.map((n) => n.type).sort(), demo.map((n) => n.type).sort(), 'the demo flow is what runs');

    // The demo's stream starts from its button (issue #10): press it as the editor does, and its
    // readings reach the debug sidebar.
    comms = await EditorComms.open(url);
    const streamId = demo.find((n) => n.type === 'debug' && n.name === 'stream')!.id;
    const start = demo.find((n) => n.type === 'inject' && n.name === 'start stream')!.id;
    await comms.waitFor('the board connected', () => [...comms!.statuses.values()].some((st) => /MicroPython/.test(String(st.text ?? ''))), 60_000);
    const pressed = await fetch(new URL(`inject/${start}`, url), { method: 'POST' });
    assert.equal(pressed.status, 200);
    const first = await comms.waitFor('a streamed reading', () => comms!.from(streamId)[0], 60_000);
    assert.equal(typeof first.value, 'number');
    assert.ok(fs.existsSync(path.join(userDir, 'flows.json')), 'the demo was written into the user directory');
  } finally {
    comms?.close();
    child.kill('SIGINT');
    const code = await exited;
    fs.rmSync(userDir, { recursive: true, force: true });
    assert.equal(code, 0, `start.js exit code after Ctrl-C; log:\n${out}`);
  }
});
