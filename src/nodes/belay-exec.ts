/**
 * belay-exec: renders its code against the message (values go in as Python literals), runs it on
 * the board, and sends the expression's value and what the code printed.
 */
import type { Node, NodeAPI, NodeMessage, UserNodeConfig } from './red';
import { renderCode } from './template';
import { BoardUser } from './user';

interface ExecConfig extends UserNodeConfig {
  code?: string;
}

export = function (RED: NodeAPI) {
  function BelayExecNode(this: Node, config: ExecConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const user = new BoardUser(RED, node, config);
    const template = config.code ?? '';

    node.on('input', (msg: NodeMessage, send: (m: NodeMessage) => void, done: (e?: Error) => void) => {
      user.handle(msg, done, async (device) => {
        const code = await codeFor(msg);
        const result = await device.exec(code, user.callOptions(msg));
        msg.payload = result.value;
        msg.stdout = result.stdout;
        send(msg);
      });
    });

    /** The node's own code, or msg.code when the node has none; never msg.payload. */
    function codeFor(msg: NodeMessage): Promise<string> {
      if (template.trim()) return renderCode(RED, node, template, msg);
      if (typeof msg.code === 'string' && msg.code.trim()) return Promise.resolve(msg.code);
      return Promise.reject(new TypeError('nothing to run: this node has no code, so it runs msg.code, which must be a string of Python (msg.payload is never run)'));
    }
  }

  RED.nodes.registerType('belay-exec', BelayExecNode);
};
