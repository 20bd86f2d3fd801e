import { openPtyPair } from '../test/support/pty';
import { SerialLink } from '../src/board/link/serial';
import { VirtualBoard } from '../src/virtual';

export interface PtyEndpoint {
  /** the serial path a Device opens, as it would a USB board's */
  path: string;
  close(): Promise<void>;
}

/** A virtual board behind a real pty pair (socat): the board holds one end, the host opens the other. */
export async function servePty(name: string): Promise<PtyEndpoint> {
  const pair = await openPtyPair();
  const board = new VirtualBoard({ name });
  await board.start();
  const end = new SerialLink(pair.a, { baud: 115200 });
  await end.open();
  end.on('data', (c: Buffer) => board.write(c));
  board.on('data', (c: Buffer) => { end.write(c).catch(() => undefined); });
  return {
    path: pair.b,
    async close() {
      await end.close().catch(() => undefined);
      await board.close();
      await pair.kill();
    },
  };
}
