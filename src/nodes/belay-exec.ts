/**
 * belay-exec: renders its code against the message (values go in as Python literals), runs it on
 * the board, and sends the expression's value and what the code printed.
 */
import { migrate } from './migrations';
import { configError } from './errors';
import { t } from './i18n';
import type { Node, NodeAPI, NodeMessage } from '@node-red/registry';
import { renderCode } from './template';
import { BoardUser, type UserNodeConfig } from './user';

interface ExecConfig extends UserNodeConfig {
  code?: string;
}

export = function (RED: NodeAPI) {
  function BelayExecNode(this: Node, saved: ExecConfig) {
    // Node-RED hands the flow over in the saved object itself: the node is made from that one
    RED.nodes.createNode(this, saved);
    const config = migrate('belay-exec', saved);
    const node = this;
    const user = new BoardUser(RED, node, config);
    const template = config.code ?? '';
    // Tracebacks name the node: its name, else its type (and where the code came from).
    const file = config.name || (template.trim() ? 'belay-exec node' : 'belay-exec msg.code');

    node.on('input', (msg: NodeMessage, send: (m: NodeMessage) => void, done: (e?: Error) => void) => {
      user.handle(msg, done, async (device) => {
        const code = await codeFor(msg);
        const result = await device.exec(code, { ...user.callOptions(msg), file });
        msg.payload = result.value;
        msg.stdout = result.stdout;
        send(msg);
      });
    });

    /** The node's own code, or msg.code when the node has none; never msg.payload. */
    async function codeFor(msg: NodeMessage): Promise<string> {
      if (template.trim()) {
        try {
          return await renderCode(RED, node, template, msg);
        } catch (err) {
          throw configError(t('errors.template', { why: (err as Error).message }));
        }
      }
      if (typeof msg.code === 'string' && msg.code.trim()) return msg.code;
      throw configError(t('errors.nothing-to-run'));
    }
  }

  RED.nodes.registerType('belay-exec', BelayExecNode);
};
