import { Link, LinkOptions } from './link';
import { parsePort } from './ports';
import { SerialLink } from './serial';
import { TcpLink } from './tcp';
import { VirtualLink } from './virtual';
import { WebReplLink } from './webrepl';

export type { Link, LinkOptions } from './link';
export { LinkError } from './link';
export type { ParsedPort, SerialPortInfo, PortListSources } from './ports';
export { parsePort, listSerialPorts, DEFAULT_WEBREPL_PORT } from './ports';
export { SerialLink, DEFAULT_BAUD } from './serial';
export { TcpLink } from './tcp';
export type { WebReplOptions } from './webrepl';
export { WebReplLink } from './webrepl';
export { VirtualLink } from './virtual';

/**
 * Makes the link for a port setting (see CONTRACT.md for the forms). Throws a LinkError for a
 * malformed port; the link itself is not opened yet.
 */
export function createLink(port: string, opts: LinkOptions = {}): Link {
  const parsed = parsePort(port);
  switch (parsed.kind) {
    case 'serial':
      return new SerialLink(parsed.path, opts);
    case 'webrepl':
      return new WebReplLink(parsed.url, { password: opts.password });
    case 'tcp':
      return new TcpLink(parsed.host, parsed.port);
    case 'virtual':
      return new VirtualLink(port.trim());
  }
}
