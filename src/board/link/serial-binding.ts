import { read as fsRead } from 'node:fs';
import { promisify } from 'node:util';
import { autoDetect } from '@serialport/bindings-cpp';
import type { LinuxPortBinding, DarwinPortBinding } from '@serialport/bindings-cpp';
// package.json pins @serialport/bindings-cpp exactly: this reaches into its dist/, which is no API.
import { unixRead } from '@serialport/bindings-cpp/dist/unix-read';

const readAsync = promisify(fsRead);

/**
 * On Linux and macOS a tty that hangs up (USB unplug, the far end of a pty closing) reads 0 bytes
 * forever, and bindings-cpp retries such reads in a busy loop instead of reporting a disconnect
 * (serialport/bindings-cpp#162). The port is opened non-blocking, so a read with no data fails with
 * EAGAIN: 0 bytes can only mean hang-up. Report it as an I/O error, which @serialport/stream turns
 * into its 'close' with a disconnect error.
 */
async function readOrHangUp(...args: Parameters<typeof readAsync>): Promise<{ bytesRead: number; buffer: NodeJS.ArrayBufferView }> {
  const result = await readAsync(...args);
  if (result.bytesRead === 0) {
    throw Object.assign(new Error('the port hung up (end of file on read)'), { code: 'EIO' });
  }
  return result;
}

type UnixPort = LinuxPortBinding | DarwinPortBinding;

const detected = autoDetect();

/**
 * The platform's serial binding, with hang-up detection on Unix (see readOrHangUp). Its `list()`
 * rejects where the system cannot list ports (no udevadm in a container, say): callers fall back.
 */
export const serialBinding: typeof detected = process.platform === 'win32' ? detected : {
  list: () => detected.list(),
  async open(options: Parameters<typeof detected.open>[0]) {
    const port = (await detected.open(options as never)) as UnixPort;
    port.read = (buffer, offset, length) =>
      unixRead({ binding: port, buffer, offset, length, fsReadAsync: readOrHangUp as typeof readAsync });
    return port;
  },
} as typeof detected;
