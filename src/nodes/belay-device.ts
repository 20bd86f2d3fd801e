/**
 * belay-device: the config node that owns one board. It reads its properties, joins the one
 * Device of its port (config nodes on the same port share it, see port-hub.ts), shares it with
 * every node that uses it, and lets go (its teardown first) on redeploy or shutdown.
 */
import { migrate } from './migrations';
import { Device } from '../board';
import type { DeviceOptions } from '../board';
// Registers the link for `virtual` ports with the board layer.
import { setVirtualRoot } from '../virtual';
import { liveBoards, registerAdminEndpoints } from './admin';
import { deviceOptions, type DeviceConfig } from './device-options';
import { configError } from './errors';
import { t, useRED } from './i18n';
import { PortHub, portKey } from './port-hub';
import type { NodeAPI, NodeDef } from '@node-red/registry';
import { SharedBoard } from './shared-board';
import type { DeviceNode } from './user';

export = function (RED: NodeAPI) {
  useRED(RED);
  if (RED.settings.userDir) setVirtualRoot(`${RED.settings.userDir}/belay-virtual`);

  function BelayDeviceNode(this: DeviceNode, saved: DeviceConfig & NodeDef) {
    // Node-RED hands the flow over in the saved object itself: the node is made from that one
    RED.nodes.createNode(this, saved);
    const config = migrate('belay-device', saved);
    const node = this;
    node.name = config.name;
    const port = String(config.port ?? 'virtual').trim();

    let problem: Error | undefined;
    let options: DeviceOptions | undefined;
    let key = '';
    try {
      options = deviceOptions(config, node.credentials?.password);
      key = portKey(options.port);
    } catch (err) {
      // A setting to fix (a port form, a baud): the board never connects, every message says why.
      problem = configError(String((err as Error).message ?? err));
    }
    const board = new SharedBoard({
      id: node.id,
      label: config.name || port,
      setup: options?.setup ?? '',
      teardown: options?.teardown ?? '',
      timeout: options?.timeout ?? 10,
      log: (text) => node.log(t('log.board-output', { text })),
    }, problem, problem ? new Device({ port: port || 'virtual', reconnect: false }) : undefined);
    if (options && !problem) {
      const { hub, warning } = PortHub.join(key, options, board, (o) => new Device(o));
      board.attach(hub);
      if (warning) node.warn(warning);
    }
    node.board = board;
    liveBoards.set(node.id, { port: options?.port ?? port, key, board });

    node.on('close', (_removed: boolean, done: () => void) => {
      liveBoards.delete(node.id);
      board.close().finally(done);
    });
  }

  RED.nodes.registerType<DeviceNode, DeviceConfig & NodeDef, unknown, { password?: string }>('belay-device', BelayDeviceNode, {
    credentials: { password: { type: 'password' } },
  });
  registerAdminEndpoints(RED);
};
