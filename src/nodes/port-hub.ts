/**
 * One port is one board: every belay-device config node naming the same port shares one Device
 * (one connection, one queue). Ports are compared by what they reach: serial paths through
 * symlinks (so /dev/serial/by-id/... and the /dev/ttyACM0 it points at are one board), host names
 * without case, `virtual` and `virtual:default` alike.
 *
 * Each config node on the port keeps its own setup and teardown: its setup is registered with the
 * Device like a task's definition (sent on every connect, after start-up, in the order the config
 * nodes came), its teardown runs when that config node closes or the board is let go. Connection
 * settings (baud, password, soft reset, reconnect, start-up) are the first config node's.
 */
import fs from 'node:fs';
import { parsePort } from '../board';
import type { DeviceApi, DeviceOptions } from '../board';
import { t } from './i18n';

/** Seconds a teardown may take when the board is let go (the Device allows its own the same). */
const TEARDOWN_S = 3;

/** A config node on a port, as the hub sees it. */
export interface PortMember {
  /** the config node's id: the key of its setup definition */
  readonly id: string;
  /** its name, else its port: how messages name it */
  readonly label: string;
  readonly setup: string;
  readonly teardown: string;
  /** how many nodes use the board through this config node now */
  readonly userCount: number;
  /** its setup failed on the board (or succeeded again: undefined) */
  setupFailed(err: Error | undefined): void;
  /** what the board printed outside any call */
  log(text: string): void;
}

/** What a port setting reaches, for comparing two of them; throws as parsePort does. */
export function portKey(port: string): string {
  const p = parsePort(port);
  switch (p.kind) {
    case 'serial': {
      if (/^COM\d+$/i.test(p.path)) return p.path.toUpperCase();
      try { return fs.realpathSync(p.path); } catch { return p.path; }
    }
    case 'webrepl': return `ws://${p.host.toLowerCase()}:${p.port}${p.path}`;
    case 'tcp': return `tcp://${p.host.toLowerCase()}:${p.port}`;
    case 'virtual': return `virtual:${p.name}`;
  }
}

/** The settings two config nodes must agree on to be one connection, for the warning. */
const CONNECTION_SETTINGS: { key: keyof DeviceOptions; label: string }[] = [
  { key: 'baud', label: 'baud' },
  { key: 'password', label: 'password' },
  { key: 'softReset', label: 'soft reset' },
  { key: 'reconnect', label: 'reconnect' },
  { key: 'startup', label: 'start-up' },
];

const hubs = new Map<string, PortHub>();

/** A definition key that can never be a node id's. */
const setupKey = (member: PortMember) => `setup of ${member.id}`;

export class PortHub {
  private readonly members: PortMember[] = [];
  private readonly options: DeviceOptions;

  private constructor(readonly key: string, options: DeviceOptions, makeDevice: (o: DeviceOptions) => DeviceApi) {
    // Setup and teardown are the members' own, sent by the hub; the Device gets none of its own.
    this.options = options;
    this.device = makeDevice({ ...options, setup: '', teardown: '' });
    this.device.on('define-error', (key: string, err: Error) => {
      this.members.find((m) => setupKey(m) === key)?.setupFailed(err);
    });
    this.device.on('state', (state) => {
      // A new attempt tries every setup again.
      if (state === 'connecting') for (const m of this.members) m.setupFailed(undefined);
    });
    // What the board prints outside any call (a reset banner, an IRQ handler's print) goes to the
    // Node-RED log once, not once per config node.
    this.device.on('output', (text: string) => {
      const line = text.replace(/\s+$/, '');
      if (line) this.members[0]?.log(line);
    });
  }

  readonly device: DeviceApi;

  /** The hub for the port, made with these options when it is the first config node there. */
  static join(key: string, options: DeviceOptions, member: PortMember, makeDevice: (o: DeviceOptions) => DeviceApi): { hub: PortHub; warning?: string } {
    let hub = hubs.get(key);
    let warning: string | undefined;
    if (!hub) {
      hub = new PortHub(key, options, makeDevice);
      hubs.set(key, hub);
    } else {
      const differ = CONNECTION_SETTINGS.filter((s) => (options[s.key] ?? '') !== (hub!.options[s.key] ?? '')).map((s) => s.label);
      const first = hub.members[0];
      if (differ.length && first) {
        warning = t('warn.port-shared', { port: options.port, other: first.label, settings: differ.join(', ') });
      }
    }
    hub.members.push(member);
    hub.sendSetup(member);
    return { hub, warning };
  }

  /** How many config nodes share the port now. */
  get size(): number { return this.members.length; }

  /** Whether any config node on the port has nodes using it. */
  get inUse(): boolean { return this.members.some((m) => m.userCount > 0); }

  private sendSetup(member: PortMember): void {
    if (!member.setup.trim()) return;
    // The Device runs it again on every connect, as it does definitions.
    this.device.addSetup(setupKey(member), member.setup, t('file.setup', { board: member.label }))
      .catch((err: Error) => member.setupFailed(err));
  }

  /** Runs the teardown of each config node given, in order, while the board is connected. */
  private async teardown(members: PortMember[]): Promise<void> {
    for (const m of members) {
      if (!m.teardown.trim() || this.device.state !== 'connected') continue;
      await this.device.exec(m.teardown, { timeout: TEARDOWN_S, file: t('file.teardown', { board: m.label }) }).catch(() => undefined);
    }
  }

  /** msg.action = "disconnect", or the last user gone: every teardown, then the link closes. */
  async disconnect(): Promise<void> {
    await this.teardown([...this.members]);
    await this.device.disconnect();
  }

  /**
   * A config node closes (redeploy, removal, shutdown): its teardown runs and its setup is
   * forgotten; the last one on the port closes the Device for good.
   */
  async leave(member: PortMember): Promise<void> {
    const i = this.members.indexOf(member);
    if (i === -1) return;
    await this.teardown([member]);
    this.members.splice(i, 1);
    this.device.undefine(setupKey(member));
    if (this.members.length > 0) return;
    if (hubs.get(this.key) === this) hubs.delete(this.key);
    await this.device.close();
  }
}
