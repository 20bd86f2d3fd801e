import { Link, LinkError, LinkOptions } from './link';
import { parsePort, type ParsedPort } from './ports';
import { SerialLink } from './serial';
import { TcpLink } from './tcp';
import { WebReplLink } from './webrepl';

export type { Link, LinkOptions } from './link';
export { LinkError } from './link';
export type { ParsedPort, SerialPortInfo, PortListSources, VirtualPortOptions, VirtualProfile } from './ports';
export { parsePort, listSerialPorts, DEFAULT_WEBREPL_PORT, VIRTUAL_PROFILES } from './ports';
export { SerialLink, DEFAULT_BAUD } from './serial';
export { TcpLink } from './tcp';
export type { WebReplOptions } from './webrepl';
export { WebReplLink } from './webrepl';

type Kind = ParsedPort['kind'];
/** Makes the link for one kind of port, from the port as parsePort read it. */
export type LinkFactory<K extends Kind = Kind> = (parsed: Extract<ParsedPort, { kind: K }>, opts: LinkOptions) => Link;
type AnyFactory = (parsed: ParsedPort, opts: LinkOptions) => Link;

/**
 * Which link serves which kind of port. The board layer knows serial, WebREPL and TCP; the virtual
 * board registers itself when its package (src/virtual) is imported, so this layer never loads it.
 */
const links = new Map<Kind, AnyFactory>();

/** Registers (or replaces) the link for a kind of port. */
export function registerLink<K extends Kind>(kind: K, factory: LinkFactory<K>): void {
  links.set(kind, factory as unknown as AnyFactory);
}

registerLink('serial', (p, opts) => new SerialLink(p.path, opts));
registerLink('webrepl', (p, opts) => new WebReplLink(p.url, { password: opts.password }));
registerLink('tcp', (p) => new TcpLink(p.host, p.port));

/**
 * Makes the link for a port setting (see CONTRACT.md for the forms). Throws a LinkError for a
 * malformed port; the link itself is not opened yet.
 */
export function createLink(port: string, opts: LinkOptions = {}): Link {
  const parsed = parsePort(port);
  const factory = links.get(parsed.kind);
  if (!factory) {
    throw new LinkError(port.trim(), `no link for ${parsed.kind} ports is loaded in this process; `
      + `import the virtual board package first (require('@belay/node-red-micropython/dist/src/virtual'))`);
  }
  return factory(parsed, opts);
}
