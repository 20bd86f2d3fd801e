/**
 * The wire format between the host and the board-side agent (src/board/agent/*.py), in both
 * directions, and nothing else: every request encoder and the frame reader live here.
 *
 * Board → host, one frame per answer:   \x1e LEN ' ' CHECK ' ' KIND ID ' ' BODY \n
 *   BODY is a Python repr (it never holds \x1e or \n), or for S (a long str result) the text
 *   itself with backslash, LF, CR and \x1e escaped (see textOf); LEN is the len() on the board of
 *   what follows CHECK, CHECK binascii.crc32 of it where the board has a native one, else the port's
 *   hash() (8 or 16 bits): kind, id and body are all covered.
 *   A frame that fails LEN or CHECK is garbled; one that passes but whose ID is not awaited is
 *   stale (a late duplicate). Neither ever becomes a value: see Session.
 * Host → board, one request per line (dispatcher loop, core.py):   KIND ID ' ' PAYLOAD \n
 * Boards without the loop get one raw-REPL exec per request, built by execCode(): plain Python
 * that prints the same frames with hash() and leaves nothing on the board.
 */
import { crc32 } from 'node:zlib';
import { toPython, toJson, pyString, parsePython } from './python/literal';
import { logicalLines, tokenize, type Token } from './python/tokens';

/** Frames that answer a request (ID = the request's id). */
export type ReplyKind = 'R' | 'S' | 'I' | 'G' | 'E' | 'Q';
/** Frames of a board thread (ID = the thread id) and of the loop itself. */
export type ThreadKind = 'Y' | 'P' | 'X' | 'D';
export type FrameKind = ReplyKind | ThreadKind | 'L' | 'V';

export interface Frame {
  kind: FrameKind;
  id: string;
  body: string;
}

const KINDS = new Set<string>(['R', 'S', 'I', 'G', 'E', 'Q', 'Y', 'P', 'X', 'D', 'L', 'V']);
export const isThreadKind = (k: FrameKind): k is ThreadKind => k === 'Y' || k === 'P' || k === 'X' || k === 'D';

/** How the board checks its frames. */
export type CheckKind = 'crc32' | 'hash8' | 'hash16' | 'hash32';

/** djb2 with xor, as MicroPython's qstr_compute_hash, masked to the port's width (0 becomes 1). */
function djb2(data: Buffer, mask: number): number {
  let h = 5381;
  for (let i = 0; i < data.length; i++) h = (Math.imul(h, 33) ^ data[i]) >>> 0;
  h = mask === 0xffffffff ? h : h & mask;
  return h === 0 ? 1 : h;
}

export function checkOf(kind: CheckKind, body: Buffer): number {
  switch (kind) {
    case 'crc32': return crc32(body) >>> 0;
    case 'hash8': return djb2(body, 0xff);
    case 'hash16': return djb2(body, 0xffff);
    default: return djb2(body, 0xffffffff);
  }
}

/** Which hash() the board computes, from its hash('belay') (info.py); undefined if none fits. */
export function hashKind(belayHash: number): CheckKind | undefined {
  const probe = Buffer.from('belay');
  for (const k of ['hash8', 'hash16', 'hash32'] as const) if (checkOf(k, probe) === belayHash) return k;
  return undefined;
}

const RS = 0x1e;
const NL = 0x0a;
/** Longest frame taken (a 16 MB repr); a longer header is garbage. */
const MAX_FRAME = 16 * 1024 * 1024;
const HEADER = /^([0-9]{1,9}) ([0-9]{1,10}) ([A-Z])([0-9]{1,9}) /;

export interface FrameSink {
  /** a valid frame */
  frame(f: Frame): void;
  /** bytes that are no frame: what user code and the board printed */
  text(b: Buffer): void;
  /**
   * something shaped like a frame that fails its length or check: the link garbled a reply when
   * its id is awaited, else it is text that happens to look like one
   */
  garbled(raw: Buffer, head: { kind: FrameKind; id: string }): void;
}

/**
 * Splits the board's byte stream into frames and text, in order, across chunk boundaries.
 * A \x1e starts a candidate that ends at the next \n; a second \x1e before it makes the first a
 * plain byte of text. Candidates without the header shape are text (a program printing \x1e);
 * with the shape but a wrong length or check they go to garbled(), which decides.
 */
export class FrameReader {
  private partial: Buffer | undefined;

  constructor(private readonly sink: FrameSink, public check: CheckKind) {}

  reset(): void {
    this.partial = undefined;
    this.handback = undefined;
  }

  private handback: ((rest: Buffer) => void) | undefined;

  /**
   * Called from frame(): the frame just read is the last of this stream (the loop ended); the
   * bytes after it in the chunk go to `to` instead of being read as frames and text.
   */
  endAfterThisFrame(to: (rest: Buffer) => void): void {
    this.handback = to;
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.partial) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let i = 0;
    while (i < buf.length) {
      const rs = buf.indexOf(RS, i);
      if (rs === -1) {
        this.sink.text(buf.subarray(i));
        return;
      }
      if (rs > i) this.sink.text(buf.subarray(i, rs));
      const nl = buf.indexOf(NL, rs);
      const next = buf.indexOf(RS, rs + 1);
      if (next !== -1 && (nl === -1 || next < nl)) {
        // another frame starts before this one ended: this \x1e was printed text
        this.sink.text(buf.subarray(rs, next));
        i = next;
        continue;
      }
      if (nl === -1) {
        if (buf.length - rs > MAX_FRAME) {
          this.sink.text(buf.subarray(rs));
          return;
        }
        this.partial = Buffer.from(buf.subarray(rs));
        return;
      }
      this.take(buf.subarray(rs, nl + 1));
      i = nl + 1;
      if (this.handback) {
        const to = this.handback;
        this.handback = undefined;
        this.partial = undefined;
        to(buf.subarray(i));
        return;
      }
    }
  }

  private take(raw: Buffer): void {
    let end = raw.length - 1;
    if (end > 0 && raw[end - 1] === 0x0d) end--;
    const line = raw.subarray(1, end);
    const head = HEADER.exec(line.subarray(0, 40).toString('latin1'));
    if (!head) {
      this.sink.text(raw);
      return;
    }
    const kind = head[3] as FrameKind;
    const id = head[4];
    const payload = line.subarray(head[1].length + head[2].length + 2);
    const text = payload.toString('utf8');
    const len = Number(head[1]);
    const check = Number(head[2]);
    // invalid UTF-8 decodes to U+FFFD: a real U+FFFD re-encodes to the same bytes, garbage does not
    const intact = KINDS.has(kind) && (payload.length === len || codePoints(text) === len)
      && (!text.includes('\ufffd') || Buffer.from(text, 'utf8').equals(payload));
    let ok = intact && checkOf(this.check, payload) === check;
    if (!ok && intact && kind === 'L' && checkOf('crc32', payload) === check) {
      // the loop's first frame tells by its own check whether the board checks with a CRC
      this.check = 'crc32';
      ok = true;
    }
    if (ok) this.sink.frame({ kind, id, body: text.slice(head[3].length + id.length + 1) });
    else this.sink.garbled(raw, { kind, id });
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

// ------------------------------------------------------------------ requests

/** What the host asks of the board; encoded per mode by loopLine() or execCode(). */
export type Request =
  /** statements or one expression of user code, compiled under `file` where the board can */
  | { op: 'eval'; src: string; file: string }
  /** a definition (statements only): sent as it is in exec mode, so its lines are its own */
  | { op: 'define'; src: string; file: string }
  /** a call of a global function; `generator` says how exec mode reads its result */
  | { op: 'call'; name: string; args: unknown[]; kwargs: Record<string, unknown>; generator?: boolean }
  /** an expression the host built itself from Python literals (agent helpers) */
  | { op: 'expr'; expr: string }
  /** file data for sync (loop mode with a native decoder: base64 or hex text); flags: 1 = more of
   *  the file begun before, 2 = its last piece (agent/sync.py _bw) */
  | { op: 'write'; path: string; flags: number; data: string }
  /** leave the dispatcher loop */
  | { op: 'quit' };

export function checkName(name: string, what = 'function'): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`not a Python ${what} name: ${name}`);
}

/** `name(arg, ..., key=value)` from Python literals: message data never becomes code. */
export function callExpr(name: string, args: unknown[], kwargs: Record<string, unknown>): string {
  checkName(name);
  const parts = args.map((a) => toPython(a));
  for (const [k, v] of Object.entries(kwargs)) {
    checkName(k, 'keyword argument');
    parts.push(`${k}=${toPython(v)}`);
  }
  return `${name}(${parts.join(',')})`;
}

/**
 * A request line for the dispatcher loop. Calls whose arguments JSON carries exactly go as "j"
 * (json.loads in C, no compiler run) when the loop said it takes them; exec code with long string
 * literals goes as "b" once the board has agent/long.py (`strings`).
 */
export function loopLine(id: number, r: Request, json: boolean, strings = false): string {
  if (strings && r.op === 'eval' && r.src.length > BIG_STRING) {
    const apart = stringsApart(r.src);
    if (apart) return blobLine(id, r.file, apart.src, apart.strings);
  }
  const line = shortLine(id, r, json);
  // A long request goes after a line that gives its length in characters: the board takes it in
  // one read (readline takes a byte per call: 1 MB took seconds).
  if (line.length <= LONG_LINE || r.op === 'write') return line;
  return `X${codePoints(line)}\n${line}`;
}

/** Requests longer than this go as "X<length>" and the request itself. */
export const LONG_LINE = 1024;

/** A string literal longer than this in exec code goes apart from it (see stringsApart). */
export const BIG_STRING = 4096;

/** Names that put the rest of their line off until later (a body, a generator expression). */
const DEFERRING = new Set(['def', 'lambda', 'class', 'for', 'async', 'yield', 'await']);

/**
 * Exec code with its long str literals taken out, each replaced by `_bD[k]`, and their values: the
 * board then copies them instead of running its compiler over them (about 1 s per MB on the
 * WebAssembly port; a {{payload}} of 1 MB is such a literal). Only literals that the code reads
 * while it runs go apart: on a top-level line of one line, with nothing on it that reads them
 * later (a def, a lambda, a comprehension). undefined when there is none.
 */
export function stringsApart(src: string): { src: string; strings: string[] } | undefined {
  const tokens = tokenize(src);
  const apart = new Map<Token, number>();
  const strings: string[] = [];
  for (const line of logicalLines(tokens)) {
    if (line.indent !== '' || line.tokens.some((t) => t.kind === 'name' && DEFERRING.has(t.text))) continue;
    for (const t of line.tokens) {
      if (t.kind !== 'string' || t.fstring || t.text.length <= BIG_STRING || t.text.includes('\n')) continue;
      const v = literalString(t.text);
      if (v === undefined) continue;
      apart.set(t, strings.length);
      strings.push(v);
    }
  }
  if (strings.length === 0) return undefined;
  return { src: tokens.map((t) => (apart.has(t) ? `_bD[${apart.get(t)}]` : t.text)).join(''), strings };
}

function literalString(text: string): string | undefined {
  try {
    const v = parsePython(text);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ctrl-C would interrupt the board mid-read, and a board's text stdin reads CR as LF (MicroPython's
 * stdio_read on bare-metal ports): \x10, \x03 and \r go as \x10a, \x10b and \x10c (long.py undoes it).
 */
function escapeBlob(s: string): string {
  return /[\x10\x03\r]/.test(s) ? s.replace(/\x10/g, '\x10a').replace(/\x03/g, '\x10b').replace(/\r/g, '\x10c') : s;
}

/**
 * "b": exec code and its long strings apart, always after an X line: the file name, the byte
 * lengths of the code and of each string, the code, the strings; all raw text.
 */
function blobLine(id: number, file: string, src: string, strings: string[]): string {
  const parts = [src, ...strings].map(escapeBlob);
  const body = `b${id} ${file.replace(/[\t\n]/g, '_')}\t${parts.map((p) => Buffer.byteLength(p, 'utf8')).join(',')}\t${parts.join('')}`;
  return `X${codePoints(body)}\n${body}`;
}

function shortLine(id: number, r: Request, json: boolean): string {
  switch (r.op) {
    case 'eval':
    case 'define':
      return `e${id} ${toPython([r.src, r.file])}\n`;
    case 'call': {
      if (json && Object.keys(r.kwargs).length === 0) {
        const j = toJson(r.args);
        if (j !== undefined) {
          checkName(r.name);
          return `j${id} ${r.name}${j}\n`;
        }
      }
      return `c${id} ${callExpr(r.name, r.args, r.kwargs)}\n`;
    }
    case 'expr':
      return `c${id} ${r.expr}\n`;
    case 'write':
      return `W${id} ${r.flags}${r.data.length}\t${r.path}\n${r.data}`;
    case 'quit':
      return `q${id} \n`;
  }
}

/**
 * Python that prints one frame of `kind` for the repr in variable `v` (exec mode: hash()); `v` is
 * reused. The id goes in as an int: a string literal per call would be interned for good.
 */
const printFrame = (kind: string, id: number, v: string) => `${v}='${kind}%d '%${id}+${v};print('\\x1e%d %d %s'%(len(${v}),hash(${v}),${v}))`;

/**
 * The raw-REPL exec for one request on a board without the loop: Belay's one exchange per call,
 * the answer printed as the same frames. With agent/exec.py on the board (`helpers`) the exec is a
 * single short call; without it, it carries the few lines itself and leaves nothing behind.
 * Returns undefined for requests that need the loop. Line 1 of a definition is line 1 of the exec,
 * so tracebacks count the node's own lines.
 */
export function execCode(id: number, r: Request, helpers = false): string | undefined {
  if (helpers) {
    switch (r.op) {
      case 'define': return `${r.src}\n_bR(${id},None)\n`;
      case 'eval': return `_bE(${id},${pyString(r.src)})\n`;
      case 'call': {
        const call = callExpr(r.name, r.args, r.kwargs);
        return r.generator ? `_bI(${id},${call})\n` : `_bR(${id},${call})\n`;
      }
      case 'expr': return `_bR(${id},${r.expr})\n`;
      default: return undefined;
    }
  }
  switch (r.op) {
    case 'define':
      return `${r.src}\n_b='None'\n${printFrame('R', id, '_b')}\ndel _b\n`;
    case 'eval': {
      const s = pyString(r.src);
      return `try:\n _b=eval(${s},globals())\nexcept SyntaxError:\n _b=None;exec(${s},globals())\n` +
        `_b=repr(_b)\n${printFrame('R', id, '_b')}\ndel _b\n`;
    }
    case 'call':
      return valueCode(id, callExpr(r.name, r.args, r.kwargs), r.generator === true);
    case 'expr':
      return valueCode(id, r.expr, false);
    default:
      return undefined;
  }
}

function valueCode(id: number, expr: string, generator: boolean): string {
  if (!generator) return `_b=repr(${expr})\n${printFrame('R', id, '_b')}\ndel _b\n`;
  return `_b=''\nfor _b in ${expr}:\n _b=repr(_b)\n ${printFrame('I', id, '_b')}\n` +
    `_b=''\n${printFrame('G', id, '_b')}\ndel _b\n`;
}

const TEXT_ESCAPES: Record<string, string> = { '\\': '\\', n: '\n', r: '\r', e: '\x1e' };

/** An S frame's body back to the string the board returned (core.py escapes it so: no \n in a frame). */
export function textOf(body: string): string {
  return body.includes('\\') ? body.replace(/\\([\\nre])/g, (_, c: string) => TEXT_ESCAPES[c]) : body;
}
