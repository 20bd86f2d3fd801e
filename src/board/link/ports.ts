import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { serialBinding } from './serial-binding';
import { LinkError } from './link';

export const DEFAULT_WEBREPL_PORT = 8266;

/** A port setting taken apart; see CONTRACT.md for the forms. */
export type ParsedPort =
  | { kind: 'serial'; path: string }
  | { kind: 'webrepl'; url: string; host: string; port: number; path: string }
  | { kind: 'tcp'; host: string; port: number }
  /** name is 'default' for plain `virtual`; options holds what the `?key=value&...` part set. */
  | { kind: 'virtual'; name: string; options: VirtualPortOptions };

/** Kinds of board the virtual board can be (`?profile=`): see src/virtual/README.md. */
export const VIRTUAL_PROFILES = ['micropython', 'circuitpython', 'small'] as const;
export type VirtualProfile = typeof VIRTUAL_PROFILES[number];

/** The `?key=value` options of a virtual port; a key left out takes the profile's default. */
export interface VirtualPortOptions {
  profile?: VirtualProfile;
  /** `thread=on|off` (also `threads=`) */
  threads?: boolean;
  /** `rawpaste=on|off` */
  rawPaste?: boolean;
}

const FORMS = 'a serial path (/dev/ttyACM0, COM3), ws://host[:port] for WebREPL, tcp://host:port, or virtual[:NAME]';

/** Parses and checks a port setting; throws a LinkError saying what is wrong and what was meant. */
export function parsePort(port: string): ParsedPort {
  const text = (port ?? '').trim();
  const fail = (why: string): never => {
    throw new LinkError(text === '' ? '(no port)' : text, why);
  };
  if (text === '') fail(`no port given; set one in the device's config: ${FORMS}`);

  const virtual = /^virtual(?::([^?]*))?(?:\?(.*))?$/.exec(text);
  if (virtual) return parseVirtual(virtual[1], virtual[2], fail);

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1].toLowerCase();
  if (scheme === 'ws') return parseWebRepl(text, fail);
  if (scheme === 'tcp') return parseTcp(text, fail);
  if (scheme === 'wss') fail('secure WebREPL (wss://) is not supported; use ws://host[:port]');
  if (scheme === 'http' || scheme === 'https') fail(`WebREPL is reached with ws://, not ${scheme}://; try ${text.replace(/^https?/i, 'ws')}`);
  if (scheme) fail(`unknown kind of port "${scheme}://"; use ${FORMS}`);
  if (/^exec:/i.test(text)) fail(`exec: ports are not supported; use ${FORMS}`);

  if (text.startsWith('/') || /^COM\d+$/i.test(text) || text.startsWith('\\\\.\\')) return { kind: 'serial', path: text };
  if (/^(tty|cu\.)/.test(text)) fail(`serial ports are given by their full path; did you mean /dev/${text}?`);
  if (/^[\w.-]+:\d+$/.test(text)) fail(`give the kind of connection: tcp://${text} for a raw byte stream or ws://${text} for WebREPL`);
  return fail(`not a port this node knows; use ${FORMS}`);
}

/** Virtual board names: also a folder name under the virtual boards' root. */
export const VIRTUAL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const VIRTUAL_KEYS = ['profile', 'thread', 'threads', 'rawpaste'];

function parseVirtual(name: string | undefined, query: string | undefined, fail: (why: string) => never): ParsedPort {
  if (name !== undefined && (!VIRTUAL_NAME.test(name) || /^\.+$/.test(name))) {
    fail('a virtual board name is 1 to 64 letters, digits, "_", "." and "-", e.g. virtual:demo');
  }
  const options: VirtualPortOptions = {};
  const seen = new Set<string>();
  for (const pair of (query ?? '').split('&').filter((p) => p !== '')) {
    const m = /^(\w+)=([\w-]+)$/.exec(pair);
    if (!m) fail(`virtual board options are written ?key=value&key=value, e.g. virtual:demo?profile=small; "${pair}" is not`);
    const key = m[1].toLowerCase();
    const value = m[2].toLowerCase();
    if (!VIRTUAL_KEYS.includes(key)) fail(`unknown virtual board option "${m[1]}" (known: profile, thread, rawpaste)`);
    const canonical = key === 'threads' ? 'thread' : key;
    if (seen.has(canonical)) fail(`virtual board option ${canonical} is given twice`);
    seen.add(canonical);
    if (key === 'profile') {
      if (!(VIRTUAL_PROFILES as readonly string[]).includes(value)) {
        fail(`virtual board profile "${m[2]}" does not exist (known: ${VIRTUAL_PROFILES.join(', ')})`);
      }
      options.profile = value as VirtualProfile;
      continue;
    }
    const on = /^(on|true|yes|1)$/.test(value);
    if (!on && !/^(off|false|no|0)$/.test(value)) fail(`virtual board option ${canonical} is on or off, not "${m[2]}"`);
    if (canonical === 'thread') options.threads = on;
    else options.rawPaste = on;
  }
  return { kind: 'virtual', name: name ?? 'default', options };
}

function parseWebRepl(text: string, fail: (why: string) => never): ParsedPort {
  const m = /^ws:\/\/(\[[0-9a-f:.]+\]|[^\s:/?#[\]@]+)?(?::(\d*))?(\/[^\s]*)?$/i.exec(text);
  if (!m) fail('not a valid WebREPL address; write ws://host or ws://host:port, e.g. ws://192.168.4.1:8266');
  if (!m[1]) fail('the WebREPL address has no host; write ws://host, e.g. ws://192.168.4.1');
  const port = m[2] === undefined ? DEFAULT_WEBREPL_PORT : checkPortNumber(m[2], fail);
  const host = m[1].replace(/^\[(.*)\]$/, '$1');
  const urlPath = m[3] ?? '/';
  return { kind: 'webrepl', url: `ws://${m[1]}:${port}${urlPath}`, host, port, path: urlPath };
}

function parseTcp(text: string, fail: (why: string) => never): ParsedPort {
  const m = /^tcp:\/\/(\[[0-9a-f:.]+\]|[^\s:/?#[\]@]+)?(?::(\d*))?\/?$/i.exec(text);
  if (!m) fail('not a valid TCP address; write tcp://host:port, e.g. tcp://192.168.1.20:2217');
  if (!m[1]) fail('the TCP address has no host; write tcp://host:port, e.g. tcp://192.168.1.20:2217');
  if (m[2] === undefined) fail(`a TCP address needs a port; write tcp://${m[1]}:PORT`);
  return { kind: 'tcp', host: m[1].replace(/^\[(.*)\]$/, '$1'), port: checkPortNumber(m[2], fail) };
}

function checkPortNumber(digits: string, fail: (why: string) => never): number {
  const n = Number(digits);
  if (digits === '' || !Number.isInteger(n) || n < 1 || n > 65535) fail(`"${digits}" is not a port number (1-65535)`);
  return n;
}

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

/** Where listSerialPorts looks; replaceable for tests. */
export interface PortListSources {
  list?: () => Promise<SerialPortInfo[]>;
  devDir?: string;
}

/** Device names that are USB serial boards on Linux (ttyACM, ttyUSB) and macOS (usbmodem, usbserial). */
const BOARD_DEVICE = /^(ttyACM\d+|ttyUSB\d+|(tty|cu)\.(usbmodem|usbserial|SLAB_USBtoUART|wchusbserial).*)$/;

/**
 * Lists serial ports for the config dialog. Never throws: when the system listing fails (it needs
 * udevadm on Linux, missing in many containers) it falls back to the /dev entries that look like
 * boards and says why in `error`.
 */
export async function listSerialPorts(sources: PortListSources = {}): Promise<{ ports: SerialPortInfo[]; error?: string }> {
  const list = sources.list ?? (() => serialBinding.list());
  try {
    const ports = (await list()).map(pick);
    // USB boards first: they carry a vendor id, built-in UARTs (ttyS*) do not.
    ports.sort((a, b) => Number(!a.vendorId) - Number(!b.vendorId) || a.path.localeCompare(b.path, 'en', { numeric: true }));
    return { ports };
  } catch (err) {
    const why = `the system could not list serial ports (${(err as Error).message})`;
    const devDir = sources.devDir ?? '/dev';
    try {
      const names = (await fs.readdir(devDir)).filter((n) => BOARD_DEVICE.test(n));
      names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      return { ports: names.map((n) => ({ path: path.join(devDir, n) })), error: `${why}; showing the ${devDir} entries that look like boards` };
    } catch (scanErr) {
      return { ports: [], error: `${why}, and ${devDir} could not be read (${(scanErr as Error).message}); type the port path by hand` };
    }
  }
}

function pick(info: SerialPortInfo): SerialPortInfo {
  const out: SerialPortInfo = { path: info.path };
  for (const key of ['manufacturer', 'vendorId', 'productId', 'serialNumber'] as const) {
    if (info[key]) out[key] = info[key];
  }
  return out;
}
