/**
 * belay-device: the config node that owns one board. It builds the Device from its properties,
 * shares it with every node that uses it, and closes it (teardown first) on redeploy or shutdown.
 */
import { Device } from '../board/device';
import { parsePort } from '../board/link/ports';
import type { DeviceApi, DeviceOptions } from '../board/types';
import { liveBoards, registerAdminEndpoints } from './admin';
import { deviceOptions, type DeviceConfig } from './device-options';
import type { NodeAPI } from './red';
import { SharedBoard } from './shared-board';
import type { DeviceNode } from './user';

export = function (RED: NodeAPI) {
  function BelayDeviceNode(this: DeviceNode, config: DeviceConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.name = config.name;

    let configError: Error | undefined;
    let options: DeviceOptions | undefined;
    try {
      options = deviceOptions(config, node.credentials?.password);
      parsePort(options.port);
    } catch (err) {
      configError = err as Error;
    }
    // With a setting to fix, the Device is never connected: every user shows configError instead.
    const device: DeviceApi = new Device(options ?? { port: 'virtual' });
    const board = new SharedBoard(device, options?.timeout, configError);
    node.board = board;
    // What the board prints outside any call or thread (a reset banner, an IRQ handler's print) goes
    // to the Node-RED log rather than being lost.
    device.on('output', (text: string) => {
      const line = text.replace(/\s+$/, '');
      if (line) node.log(`board output: ${line}`);
    });
    liveBoards.set(node.id, { port: options?.port ?? '', board });

    node.on('close', (_removed: boolean, done: () => void) => {
      liveBoards.delete(node.id);
      board.close().finally(done);
    });
  }

  RED.nodes.registerType('belay-device', BelayDeviceNode, {
    credentials: { password: { type: 'password' } },
  });
  registerAdminEndpoints(RED);
};
