/**
 * belay-sync: makes a board folder equal to a host folder, on a message or on every connect, and
 * sends what it did. Progress shows as "done/total" in the node status.
 */
import { migrate } from './migrations';
import os from 'node:os';
import path from 'node:path';
import type { DeviceApi, SyncResult } from '../board';
import type { Node, NodeAPI, NodeMessage } from '@node-red/registry';
import { t } from './i18n';
import { keepList, listOf, resolveSource } from './sync-source';
import { BoardUser, type UserNodeConfig } from './user';

interface SyncConfig extends UserNodeConfig {
  source?: string;
  dest?: string;
  keep?: string[] | string;
  ignore?: string[] | string;
  minify?: boolean;
  onConnect?: boolean;
}

export = function (RED: NodeAPI) {
  function BelaySyncNode(this: Node, saved: SyncConfig) {
    // Node-RED hands the flow over in the saved object itself: the node is made from that one
    RED.nodes.createNode(this, saved);
    const config = migrate('belay-sync', saved);
    const node = this;
    const user = new BoardUser(RED, node, config);
    const dest = (config.dest ?? '').trim() || '/';

    node.on('input', (msg: NodeMessage, send: (m: NodeMessage) => void, done: (e?: Error) => void) => {
      user.handle(msg, done, async (device) => {
        msg.payload = await mirror(device, msg);
        send(msg);
      });
    });

    if (config.onConnect === true) {
      user.onConnected(() => {
        mirror(user.device).then((payload) => node.send({ payload }), (err) => user.report(err));
      });
    }

    async function mirror(device: DeviceApi, msg?: NodeMessage): Promise<SyncResult> {
      // Node-RED's own default when settings name no user directory
      const source = resolveSource(config.source ?? '', RED.settings.userDir ?? path.join(os.homedir(), '.node-red'));
      try {
        return await device.sync({
          source, dest,
          keep: keepList(config.keep, dest),
          ignore: listOf(config.ignore, /\r?\n/) ?? [],
          minify: config.minify !== false,
        }, (p) => user.setActivity({ fill: 'blue', shape: 'dot', text: t('status.sync-progress', { done: p.done, total: p.total }) }), user.callOptions(msg));
      } finally {
        user.setActivity(undefined);
      }
    }
  }

  RED.nodes.registerType('belay-sync', BelaySyncNode);
};
