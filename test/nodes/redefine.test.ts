/**
 * A task whose definition stops working on a reconnect (its import is gone from the board): the
 * board still connects, the node reports the error and its messages fail with it, and once the
 * import is back, the next connect defines it again.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { catcher, connected, device, load, messageWhere, node, roundTrip, sink, statusOf, unload, virtualPort } from '../support/nr';

const z = 'tab';

after(async () => {
  await unload();
});

async function reconnect(): Promise<void> {
  const down = statusOf('exec', (s) => s.fill !== 'green');
  await node('dev').board.device.currentLink.close();
  await down;
  await statusOf('exec', (s) => s.fill === 'green', 30000);
}

test('a definition that fails when replayed on reconnect is reported, fails its messages, and comes back', { timeout: 90000 }, async () => {
  await load([
    { id: z, type: 'tab', label: 'redefine' },
    // The setup writes the module on every connect, unless a file named 'block' is there.
    device('dev', virtualPort('redefine'), { setup: "import os\nif 'block' not in os.listdir():\n    f = open('helper_mod.py', 'w')\n    f.write('VALUE = 7\\n')\n    f.close()" }),
    { id: 'exec', z, type: 'belay-exec', device: 'dev', name: '', code: '', timeout: '', wires: [['out']] },
    { id: 'task', z, type: 'belay-task', device: 'dev', name: '', code: 'import helper_mod\n\ndef value():\n    return helper_mod.VALUE', timeout: '', wires: [['out']] },
    { ...catcher('catch', 'caught'), z },
    { ...sink('out'), z },
    { ...sink('caught'), z },
  ]);
  await connected('task');
  assert.equal((await roundTrip('task', 'out', {})).payload, 7);

  // Take the module away, and keep the setup from writing it again.
  await roundTrip('exec', 'out', { code: "import os\nos.remove('helper_mod.py')\nopen('block', 'w').close()" });
  // (the lost connection is reported too, as a ConnectionError: not what this waits for)
  const reported = messageWhere('caught', (m) => m.error?.code === 'ImportError' && m.marker === undefined);
  await reconnect();
  assert.equal((await reported).error.source.id, 'task', 'the node reports its definition\'s failure');
  const failed = messageWhere('caught', (m) => m.marker === 'after');
  node('task').receive({ marker: 'after' });
  assert.equal((await failed).error.code, 'ImportError', 'messages fail with the definition\'s own error');
  assert.equal((await roundTrip('exec', 'out', { code: '1 + 1' })).payload, 2, 'the board is up for everyone else');

  await roundTrip('exec', 'out', { code: "import os\nos.remove('block')" });
  await reconnect();
  await statusOf('task', (s) => s.fill === 'green');
  assert.equal((await roundTrip('task', 'out', {})).payload, 7, 'defined again on the next connect');
});
