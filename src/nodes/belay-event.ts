/**
 * belay-event: its code runs on the board on every connect and registers callbacks (pin IRQs,
 * timers, idle-time checks); each emit() there becomes one message here. msg.enable switches the
 * node's callbacks off and on; a redeploy, removal or close unregisters them on the board.
 */
import { migrate } from './migrations';
import fs from 'node:fs';
import path from 'node:path';
import { BoardEvents, type BoardEvent, type ExtensibleDevice } from '../board';
import { configError } from './errors';
import type { Node, NodeAPI, NodeMessage } from '@node-red/registry';
import { BoardUser, type UserNodeConfig } from './user';

interface EventConfig extends UserNodeConfig {
  code?: string;
}

let english: Record<string, string> | undefined;

/** This node's runtime texts from its catalogue (en-US when RED._ has none, as in the test helper). */
function say(RED: NodeAPI, key: string): string {
  const full = `belay-event.runtime.${key}`;
  let out: string | undefined;
  try {
    out = RED._(full);
  } catch {
    out = undefined;
  }
  if (out && out !== full) return out;
  if (!english) {
    try {
      const file = path.join(__dirname, 'locales', 'en-US', 'belay-event.json');
      english = (JSON.parse(fs.readFileSync(file, 'utf8')) as { 'belay-event': { runtime: Record<string, string> } })['belay-event'].runtime;
    } catch {
      english = {};
    }
  }
  return english[key] ?? key;
}

export = function (RED: NodeAPI) {
  function BelayEventNode(this: Node, saved: EventConfig) {
    // Node-RED hands the flow over in the saved object itself: the node is made from that one
    RED.nodes.createNode(this, saved);
    const config = migrate('belay-event', saved);
    const node = this;
    const user = new BoardUser(RED, node, config);
    const code = config.code ?? '';
    const label = config.name || 'belay-event';
    if (!user.board || user.board.configError) return;
    const events = BoardEvents.of(user.device as unknown as ExtensibleDevice);

    const out = (e: BoardEvent): NodeMessage => {
      const msg: NodeMessage = { payload: e.value, board_ms: e.boardMs, time: e.time };
      const topic = e.topic ?? config.name;
      if (topic) msg.topic = topic;
      if (e.dropped) msg.dropped = e.dropped;
      return msg;
    };

    if (code.trim()) {
      events.define(node.id, code, {
        onEvent: (e) => node.send(out(e)),
        onError: (err) => user.report(err),
      }, label).catch(() => undefined);
      user.onClose(() => events.remove(node.id));
    }

    node.on('input', (msg: NodeMessage, _send: unknown, done: (e?: Error) => void) => {
      user.handle(msg, done, async () => {
        if (msg.enable === undefined) return;
        if (typeof msg.enable !== 'boolean') throw configError(say(RED, 'enable-type'));
        await events.enable(node.id, msg.enable, user.callOptions(msg));
        user.setActivity(msg.enable ? undefined : { fill: 'grey', shape: 'ring', text: say(RED, 'off') });
      });
    });
  }

  RED.nodes.registerType('belay-event', BelayEventNode);
};
