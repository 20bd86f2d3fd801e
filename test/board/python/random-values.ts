/** Seeded random JavaScript values for property tests: reproducible, so a failure can be replayed. */

export type Rng = () => number;

/** mulberry32: a tiny seeded generator, good enough to spread test cases. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function int(r: Rng, n: number): number {
  return Math.floor(r() * n);
}

function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[int(r, xs.length)];
}

/** One UTF-16 chunk from a class of characters that string escaping must get right. */
function randomChar(r: Rng, loneSurrogates: boolean): string {
  switch (int(r, loneSurrogates ? 9 : 8)) {
    case 0: return String.fromCharCode(int(r, 0x20)); // C0 controls incl. \0 \n \r \t \x04
    case 1: return pick(r, ["'", '"', '\\', '\x7f', '#', '{', '}', '\\x', '\\n']);
    case 2: return String.fromCharCode(0x80 + int(r, 0x80)); // C1 controls and Latin-1
    case 3: return String.fromCodePoint(0x100 + int(r, 0xd800 - 0x100)); // rest of the BMP below surrogates
    case 4: return String.fromCodePoint(0xe000 + int(r, 0x2000)); // private use, U+FEFF, U+FFFF...
    case 5: return String.fromCodePoint(0x10000 + int(r, 0x100000)); // astral: emoji and beyond
    case 6: return pick(r, ['😀', '\u2028', '\u2029', '\ufeff', '\uffff', '\u{10ffff}', 'é']);
    case 7: return String.fromCharCode(0x20 + int(r, 0x5f)); // printable ASCII
    default: return String.fromCharCode(0xd800 + int(r, 0x800)); // a lone surrogate
  }
}

export function randomString(r: Rng, maxLen = 12, loneSurrogates = true): string {
  const n = int(r, maxLen + 1);
  let s = '';
  for (let i = 0; i < n; i++) s += randomChar(r, loneSurrogates);
  // Two random lone surrogates may have formed a proper pair: that is still a fine test string.
  return s;
}

export function randomBytes(r: Rng, maxLen = 24): Buffer {
  const b = Buffer.alloc(int(r, maxLen + 1));
  for (let i = 0; i < b.length; i++) b[i] = int(r, 256);
  return b;
}

function randomFloat(r: Rng): number {
  switch (int(r, 6)) {
    case 0: return pick(r, [NaN, Infinity, -Infinity, -0, 0.1, 5e-324, Number.MAX_VALUE, -Number.MIN_VALUE, 2 ** 53, 2 ** 60, 1e21, 1e22]);
    case 1: { // any bit pattern
      const dv = new DataView(new ArrayBuffer(8));
      for (let i = 0; i < 8; i++) dv.setUint8(i, int(r, 256));
      return dv.getFloat64(0);
    }
    case 2: return (r() - 0.5) * 10 ** int(r, 40);
    case 3: return r() * 10 ** -int(r, 40);
    case 4: return Math.round((r() - 0.5) * 1e6) / 100;
    default: return (r() - 0.5) * 2 ** int(r, 80);
  }
}

function randomBigInt(r: Rng): bigint {
  // Only beyond 2^53: a smaller BigInt comes back as a number, by contract.
  let v = BigInt(Number.MAX_SAFE_INTEGER) + 1n + BigInt(int(r, 1000));
  const extra = int(r, 6);
  for (let i = 0; i < extra; i++) v = v * BigInt(1 + int(r, 1 << 30));
  return r() < 0.5 ? -v : v;
}

/** A random value of the kinds that survive JS → Python → JS unchanged. */
export function randomValue(r: Rng, depth = 3, loneSurrogates = true): unknown {
  const kinds = depth > 0 ? 10 : 7;
  switch (int(r, kinds)) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return (r() < 0.5 ? -1 : 1) * int(r, 2 ** int(r, 54)); // safe integers of every size
    case 3: return randomFloat(r);
    case 4: return randomBigInt(r);
    case 5: return randomString(r, 12, loneSurrogates);
    case 6: return randomBytes(r);
    case 7: case 8: {
      const n = int(r, 5);
      return Array.from({ length: n }, () => randomValue(r, depth - 1, loneSurrogates));
    }
    default: {
      const o: Record<string, unknown> = {};
      const n = int(r, 5);
      for (let i = 0; i < n; i++) o[randomString(r, 6, loneSurrogates)] = randomValue(r, depth - 1, loneSurrogates);
      return o;
    }
  }
}
