/**
 * belay-task: its function (the last top-level def of its code) is defined on the board once per
 * connect; each message calls it with arguments taken from the message and sends the return
 * value, or one message per yielded value.
 */
import { migrate } from './migrations';
import { callArguments } from './args';
import { Definition, definitionLabel } from './definition';
import { PartsStream } from './parts';
import type { Node, NodeAPI, NodeMessage } from '@node-red/registry';
import { BoardUser, type UserNodeConfig } from './user';

interface TaskConfig extends UserNodeConfig {
  code?: string;
}

export = function (RED: NodeAPI) {
  function BelayTaskNode(this: Node, saved: TaskConfig) {
    // Node-RED hands the flow over in the saved object itself: the node is made from that one
    RED.nodes.createNode(this, saved);
    const config = migrate('belay-task', saved);
    const node = this;
    const user = new BoardUser(RED, node, config);
    const code = config.code ?? '';
    const fn = new Definition(user, node.id, code, definitionLabel('belay-task', config.name, code));

    node.on('input', (msg: NodeMessage, send: (m: NodeMessage) => void, done: (e?: Error) => void) => {
      user.handle(msg, done, async (device) => {
        const opts = user.callOptions(msg);
        const name = await fn.name(opts);
        const { args, kwargs } = callArguments(msg);
        const stream = new PartsStream(RED, msg, send);
        const result = await device.call(name, args, kwargs, { ...opts, onValue: (v) => stream.push(v) })
          .catch((err) => { stream.abort(); throw err; });
        if (result.generator) {
          stream.end(result.stdout);
          return;
        }
        msg.payload = result.value;
        msg.stdout = result.stdout;
        send(msg);
      });
    });
  }

  RED.nodes.registerType('belay-task', BelayTaskNode);
};
