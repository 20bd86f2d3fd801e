/**
 * belay-thread: its function runs in a background thread on the board. What the thread yields goes
 * out of output 1, what it prints out of output 2; msg.stop, a redeploy or a close ask it to stop.
 * The starting message is done once the thread runs; the thread's own errors are reported later,
 * against that message, so Catch nodes see where it came from.
 */
import type { ThreadHandle } from '../board/types';
import { callArguments } from './args';
import { Definition } from './definition';
import type { Node, NodeAPI, NodeMessage, UserNodeConfig } from './red';
import { BoardUser } from './user';

interface ThreadConfig extends UserNodeConfig {
  code?: string;
  autostart?: boolean;
}

/** One thread this node started; `handle` is set once the board confirmed the start. */
interface Running {
  handle?: ThreadHandle;
  ended: boolean;
}

export = function (RED: NodeAPI) {
  function BelayThreadNode(this: Node, config: ThreadConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const user = new BoardUser(RED, node, config);
    const fn = new Definition(user, node.id, config.code ?? '');
    const running = new Set<Running>();

    node.on('input', (msg: NodeMessage, _send: unknown, done: (e?: Error) => void) => {
      user.handle(msg, done, async () => {
        if (msg.stop === true) await stopAll();
        else await start(msg);
      });
    });

    if (config.autostart === true) {
      user.onConnected(() => { start(undefined).catch((err) => user.report(err)); });
    }
    user.onClose(stopAll);

    async function start(origin: NodeMessage | undefined): Promise<void> {
      const name = await fn.name(user.waitSeconds(origin));
      const { args, kwargs } = origin ? callArguments(origin) : { args: [], kwargs: {} };
      const topic = config.name || name;
      const out = (payload: unknown): NodeMessage => {
        const m = origin ? RED.util.cloneMessage(origin) : {};
        m.payload = payload;
        m.topic = topic;
        return m;
      };
      const entry: Running = { ended: false };
      running.add(entry);
      showRunning();
      try {
        entry.handle = await user.device.startThread(name, args, kwargs, {
          onYield: (value) => node.send([out(value), null]),
          onPrint: (line) => node.send([null, out(line)]),
          onError: (err) => user.report(err, origin ? RED.util.cloneMessage(origin) : {}),
          onEnd: () => {
            entry.ended = true;
            running.delete(entry);
            showRunning();
          },
        });
      } catch (err) {
        running.delete(entry);
        showRunning();
        throw err;
      }
    }

    async function stopAll(): Promise<void> {
      await Promise.all([...running].map((r) => r.handle?.stop()));
    }

    function showRunning(): void {
      const n = running.size;
      user.setActivity(n === 0 ? undefined : { fill: 'blue', shape: 'dot', text: n > 1 ? `running (${n})` : 'running' });
    }
  }

  RED.nodes.registerType('belay-thread', BelayThreadNode);
};
