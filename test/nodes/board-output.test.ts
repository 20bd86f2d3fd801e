/**
 * What a board prints outside any call or Belay thread (here a plain _thread, as an IRQ handler
 * would) is not lost: the belay-device node writes it to the Node-RED log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const helper = require('node-red-node-test-helper');
import { connected, device, load, node, roundTrip, sink, unload, virtualPort } from '../support/nr';

const z = 'tab';

before(async () => {
  await load([
    { id: z, type: 'tab', label: 'output' },
    device('dev', virtualPort('output')),
    { id: 'run', z, type: 'belay-exec', device: 'dev', name: '', code: '', timeout: '', wires: [['out']] },
    { ...sink('out'), z },
  ]);
  await connected('run');
});

after(async () => {
  await unload();
});

test('a print from a plain board thread reaches the Node-RED log, naming it board output', { timeout: 30000 }, async () => {
  const logged = () => helper.log().args.some((a: any[]) => JSON.stringify(a).includes('board output: irq fired 7'));
  // the device node logs the line (the helper tells of each node.log call)
  const line = new Promise<void>((resolve) => {
    const onLog = (call: { args: unknown[] }) => {
      if (!JSON.stringify(call.args).includes('irq fired 7')) return;
      node('dev').off('call:log', onLog);
      resolve();
    };
    node('dev').on('call:log', onLog);
  });
  await roundTrip('run', 'out', { code: 'import _thread, time\ndef later():\n    time.sleep(0.3)\n    print("irq fired 7")\n_thread.start_new_thread(later, ())' });
  await line;
  assert.ok(logged(), 'the board line was logged');
});
