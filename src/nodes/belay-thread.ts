/**
 * belay-thread: its function runs in a background thread on the board. What the thread yields goes
 * out of output 1, what it prints out of output 2, what it returns out of output 1 with
 * msg.final = true; msg.stop, a redeploy or a close ask it to stop. A start while it runs restarts
 * it with the new arguments. The starting message is done once the thread runs; the thread's own
 * errors are reported later, against that message, so Catch nodes see where it came from.
 */
import { migrate } from './migrations';
import type { ThreadHandle } from '../board';
import { callArguments } from './args';
import { Definition, definitionLabel } from './definition';
import { t } from './i18n';
import type { Node, NodeAPI, NodeMessage } from '@node-red/registry';
import { BoardUser, type UserNodeConfig } from './user';

interface ThreadConfig extends UserNodeConfig {
  code?: string;
  autostart?: boolean;
}

/** One thread this node started; `handle` settles once the board confirmed the start (undefined: it failed). */
interface Running {
  handle?: Promise<ThreadHandle | undefined>;
  /** asked to stop: what it yields from now on is not sent on */
  stopping: boolean;
  /** by msg.stop: once it has ended the status says "stopped" */
  byMessage?: boolean;
}

export = function (RED: NodeAPI) {
  function BelayThreadNode(this: Node, saved: ThreadConfig) {
    // Node-RED hands the flow over in the saved object itself: the node is made from that one
    RED.nodes.createNode(this, saved);
    const config = migrate('belay-thread', saved);
    const node = this;
    const user = new BoardUser(RED, node, config);
    const code = config.code ?? '';
    const fn = new Definition(user, node.id, code, definitionLabel('belay-thread', config.name, code));
    const running = new Set<Running>();
    /** shown after msg.stop ended the thread, until the next start or connect */
    let stopped = false;

    node.on('input', (msg: NodeMessage, _send: unknown, done: (e?: Error) => void) => {
      user.handle(msg, done, async () => {
        if (msg.stop === true) {
          await stopAll(true);
          return;
        }
        // One thread per node: a start while it runs restarts it with the new arguments.
        await stopAll(false);
        await start(msg);
      });
    });

    if (config.autostart === true) {
      user.onConnected(() => { start(undefined).catch((err) => user.report(err)); });
    }
    user.onConnected(() => { stopped = false; show(); });
    user.onClose(() => stopAll(false));

    async function start(origin: NodeMessage | undefined): Promise<void> {
      const opts = user.callOptions(origin);
      const name = await fn.name(opts);
      const { args, kwargs } = origin ? callArguments(origin) : { args: [], kwargs: {} };
      const topic = config.name || name;
      const out = (payload: unknown): NodeMessage => {
        const m = origin ? RED.util.cloneMessage(origin) : {};
        m.payload = payload;
        m.topic = topic;
        return m;
      };
      const entry: Running = { stopping: false };
      running.add(entry);
      stopped = false;
      show();
      const starting = user.device.startThread(name, args, kwargs, {
        onYield: (value) => { if (!entry.stopping) node.send([out(value), null]); },
        onPrint: (line) => node.send([null, out(line)]),
        onReturn: (value) => {
          const m = out(value);
          m.final = true;
          node.send([m, null]);
        },
        onError: (err) => user.report(err, origin ? RED.util.cloneMessage(origin) : {}),
        onEnd: () => {
          running.delete(entry);
          if (entry.byMessage && running.size === 0) stopped = true;
          show();
        },
      }, opts);
      // A stop can come while the start is still on its way (its first yield is already out).
      entry.handle = starting.catch(() => undefined);
      try {
        await starting;
      } catch (err) {
        running.delete(entry);
        show();
        throw err;
      }
    }

    /** byMessage: msg.stop asked, so the status says "stopped" afterwards. */
    async function stopAll(byMessage: boolean): Promise<void> {
      const now = [...running];
      if (now.length === 0) return;
      for (const r of now) {
        r.stopping = true;
        r.byMessage = byMessage;
      }
      show();
      // Resolves when the thread has ended, or after a few seconds when it has not reached a yield
      // (it then still shows "stopping" until it does).
      await Promise.all(now.map(async (r) => (await r.handle)?.stop()));
    }

    function show(): void {
      const live = [...running];
      if (live.length === 0) {
        user.setActivity(stopped ? { fill: 'grey', shape: 'dot', text: t('status.stopped') } : undefined);
        return;
      }
      const text = live.every((r) => r.stopping) ? t('status.stopping')
        : live.length > 1 ? t('status.running-n', { n: live.length }) : t('status.running');
      user.setActivity({ fill: 'blue', shape: live.every((r) => r.stopping) ? 'ring' : 'dot', text });
    }
  }

  RED.nodes.registerType('belay-thread', BelayThreadNode);
};
