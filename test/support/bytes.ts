import { EventEmitter } from 'node:events';

/** Collects 'data' chunks from an emitter until `length` bytes have arrived (more fails the caller's compare). */
export function collect(source: EventEmitter, length: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Uint8Array) => {
      chunks.push(Buffer.from(chunk));
      got += chunk.length;
      if (got >= length) {
        source.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    source.on('data', onData);
  });
}

/** `length` bytes of a non-repeating-looking pattern covering every byte value. */
export function patternBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = 0x12345678;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
