/**
 * Python literals in both directions, so values cross to and from the board as data, never as code.
 *
 * toPython() writes a literal that MicroPython (and CircuitPython) compile back to the same value;
 * parsePython() reads what MicroPython's repr() prints, without ever evaluating it.
 * The mapping is the one in CONTRACT.md ("Python ↔ JavaScript values").
 */

// ---------------------------------------------------------------------------------------------
// JavaScript → Python
// ---------------------------------------------------------------------------------------------

/**
 * A Python literal for a JavaScript value.
 *
 * - `null` / `undefined` → `None`; booleans → `True` / `False`
 * - safe integers and BigInt → int; other numbers → a float literal that round-trips
 *   (`-0.0`, `float('nan')`, `float('inf')`, `-float('inf')`, `1e+300`, `1152921504606846976.0`)
 * - strings → `'...'`: `\\`, `\'`, `\n`, `\r`, `\t`, other ASCII controls and DEL as `\xNN`;
 *   other characters stay as UTF-8 text; a lone surrogate becomes `\uD800` (MicroPython keeps it)
 * - Buffer / Uint8Array / ArrayBuffer / DataView → `b'...'` with `\xNN` for every non-printable byte
 * - other typed arrays, arrays, Sets → lists; plain objects and Maps → dicts; Date → ISO string
 * - boxed primitives are unwrapped; a class instance with a `toJSON()` method is written as what it returns
 * Throws a TypeError naming where in the value the problem is for functions, symbols, class
 * instances without `toJSON`, invalid dates and circular structures.
 * The output is ASCII except for non-ASCII characters inside strings, and never contains a
 * control character, so it is safe inside raw-REPL code.
 */
export function toPython(value: unknown): string {
  const out: string[] = [];
  writeValue(value, out, [], 'value', false);
  return out.join('');
}

/** Thrown inside the JSON writer for a value JSON cannot carry exactly (toJson then says undefined). */
class NotJson extends Error {}

/**
 * The same value as toPython() writes, as JSON text that MicroPython's json.loads() (written in C)
 * turns into exactly the object the Python literal compiles to, without running the compiler; or
 * undefined when JSON cannot say it: bytes, non-finite floats, BigInt, Map, lone surrogates, and
 * everything toPython() refuses. Numbers are spelled as toPython() spells them (an integral
 * non-safe number stays a float). The text has no control characters and no line break.
 */
export function toJson(value: unknown): string | undefined {
  const out: string[] = [];
  try {
    writeValue(value, out, [], 'value', true);
  } catch {
    return undefined;
  }
  return out.join('');
}

/** A Python str literal (single-quoted) for a JavaScript string. */
export function pyString(s: string): string {
  return quote(s, false);
}

/**
 * A string literal: Python's (single quotes, \xNN controls, \uNNNN for a lone surrogate, which
 * MicroPython keeps) or JSON's (double quotes, \u00NN controls; a lone surrogate has no JSON form
 * MicroPython reads back, so NotJson).
 */
function quote(s: string, json: boolean): string {
  const q = json ? '"' : "'";
  const qc = q.charCodeAt(0);
  let out = q;
  let plainFrom = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x5c) esc = '\\\\';
    else if (c === qc) esc = '\\' + q;
    else if (c === 0x0a) esc = '\\n';
    else if (c === 0x0d) esc = '\\r';
    else if (c === 0x09) esc = '\\t';
    else if (c < 0x20 || c === 0x7f) esc = (json ? '\\u00' : '\\x') + hex2(c);
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) { i++; continue; } // a proper pair: keep as text
      if (json) throw new NotJson();
      // A lone surrogate has no UTF-8 form; MicroPython's \u escape stores it and repr prints it back.
      esc = '\\u' + c.toString(16).padStart(4, '0');
    }
    if (esc !== undefined) {
      out += s.slice(plainFrom, i) + esc;
      plainFrom = i + 1;
    }
  }
  return out + s.slice(plainFrom) + q;
}

/** How each byte value reads inside a bytes literal. */
const BYTE_TEXT: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  if (b === 0x5c) return '\\\\';
  if (b === 0x27) return "\\'";
  if (b === 0x0a) return '\\n';
  if (b === 0x0d) return '\\r';
  if (b === 0x09) return '\\t';
  if (b < 0x20 || b >= 0x7f) return '\\x' + hex2(b);
  return String.fromCharCode(b);
});

/** A Python bytes literal `b'...'` for raw bytes. */
export function pyBytes(data: Uint8Array): string {
  let out = "b'";
  for (let i = 0; i < data.length; i++) out += BYTE_TEXT[data[i]];
  return out + "'";
}

/** A Python number literal for a JavaScript number (see toPython). */
export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return "float('nan')";
  if (n === Infinity) return "float('inf')";
  if (n === -Infinity) return "-float('inf')";
  if (Object.is(n, -0)) return '-0.0';
  if (Number.isSafeInteger(n)) return String(n);
  // JS prints the shortest text that round-trips; an integral one needs '.0' to stay a float in Python.
  const s = String(n);
  return /[.e]/.test(s) ? s : s + '.0';
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (v !== null && typeof v === 'object') {
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    return name ? `an instance of ${name}` : 'an object';
  }
  return typeof v;
}

function writeValue(v: unknown, out: string[], stack: object[], where: string, json: boolean): void {
  switch (typeof v) {
    case 'undefined': out.push(json ? 'null' : 'None'); return;
    case 'boolean': out.push(json ? (v ? 'true' : 'false') : (v ? 'True' : 'False')); return;
    case 'number':
      if (json && !Number.isFinite(v)) throw new NotJson();
      out.push(pyNumber(v));
      return;
    case 'bigint':
      if (json) throw new NotJson();
      out.push(v.toString());
      return;
    case 'string': out.push(quote(v, json)); return;
    case 'function':
    case 'symbol':
      throw new TypeError(`Cannot write ${describe(v)} as a Python literal (at ${where}): only data can go to the board`);
  }
  if (v === null) { out.push(json ? 'null' : 'None'); return; }
  const obj = v as object;
  if (stack.includes(obj)) {
    throw new TypeError(`Cannot write a circular structure as a Python literal (at ${where} it contains itself)`);
  }
  stack.push(obj);
  try {
    writeObject(obj, out, stack, where, json);
  } finally {
    stack.pop();
  }
}

function writeObject(v: object, out: string[], stack: object[], where: string, json: boolean): void {
  if (json && (v instanceof Uint8Array || v instanceof ArrayBuffer || v instanceof DataView || v instanceof Map)) throw new NotJson();
  if (v instanceof Uint8Array) { out.push(pyBytes(v)); return; }
  if (v instanceof ArrayBuffer) { out.push(pyBytes(new Uint8Array(v))); return; }
  if (v instanceof DataView) { out.push(pyBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))); return; }
  if (ArrayBuffer.isView(v)) { writeSequence(Array.from(v as unknown as ArrayLike<unknown>), '[', ']', out, stack, where, json); return; }
  if (Array.isArray(v)) { writeSequence(v, '[', ']', out, stack, where, json); return; }
  if (v instanceof Set) { writeSequence([...v], '[', ']', out, stack, where, json); return; }
  if (v instanceof Map) { writeDict([...v.entries()], out, stack, where, true, false); return; }
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new TypeError(`Cannot write an invalid Date as a Python literal (at ${where})`);
    out.push(quote(v.toISOString(), json));
    return;
  }
  if (v instanceof String || v instanceof Number || v instanceof Boolean || v instanceof BigInt) {
    writeValue(v.valueOf(), out, stack, where, json);
    return;
  }
  if (isPlainObject(v)) {
    writeDict(Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]), out, stack, where, false, json);
    return;
  }
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    writeValue(toJSON.call(v), out, stack, where, json);
    return;
  }
  throw new TypeError(`Cannot write ${describe(v)} as a Python literal (at ${where}): pass plain data (objects, arrays, strings, numbers, Buffers)`);
}

function writeSequence(items: unknown[], open: string, close: string, out: string[], stack: object[], where: string, json: boolean): void {
  out.push(open);
  // Array.from/index access so sparse holes become None rather than vanishing.
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.push(json ? ',' : ', ');
    writeValue(items[i], out, stack, `${where}[${i}]`, json);
  }
  if (open === '(' && items.length === 1) out.push(',');
  out.push(close);
}

function writeDict(entries: [unknown, unknown][], out: string[], stack: object[], where: string, anyKeys: boolean, json: boolean): void {
  out.push('{');
  entries.forEach(([k, val], i) => {
    if (i > 0) out.push(json ? ',' : ', ');
    const keyWhere = `${where}[${typeof k === 'string' ? JSON.stringify(k) : String(k)}]`;
    if (anyKeys) writeKey(k, out, stack, keyWhere);
    else out.push(quote(k as string, json));
    out.push(json ? ':' : ': ');
    writeValue(val, out, stack, keyWhere, json);
  });
  out.push('}');
}

/** Map keys must be hashable in Python: arrays become tuples, objects are refused. */
function writeKey(k: unknown, out: string[], stack: object[], where: string): void {
  if (Array.isArray(k)) {
    writeSequence(k, '(', ')', out, stack, where, false);
    return;
  }
  if (k !== null && typeof k === 'object' && !(k instanceof Uint8Array) && !(k instanceof Date)) {
    throw new TypeError(`Cannot use ${describe(k)} as a Python dict key (at ${where}): use a string, number or array`);
  }
  writeValue(k, out, stack, where, false);
}

// ---------------------------------------------------------------------------------------------
// Python repr → JavaScript
// ---------------------------------------------------------------------------------------------

/**
 * Reads a Python literal as MicroPython's repr() prints it, without evaluating anything.
 *
 * None, True, False; ints (number when safe, BigInt beyond 2^53); floats incl. inf, -inf, nan;
 * str in ' or " with every escape (\\ \' \" \a \b \f \n \r \t \v \xNN \uNNNN \UNNNNNNNN, octal, \<newline>);
 * bytes b'..' and bytearray(b'..') → Buffer; lists, tuples, sets (`{1, 2}`, `set()`, `frozenset(...)`)
 * → arrays; dicts → plain objects. Surrounding whitespace is ignored.
 *
 * Dict keys that are not strings become the text Python's str() gives them, which for every
 * literal type but str equals their repr as printed: `1` → "1", `1.5` → "1.5", `(1, 2)` → "(1, 2)",
 * `True` → "True", `None` → "None", `b'a'` → "b'a'". When keys collide the later one wins (as in
 * JSON). A key "__proto__" becomes an ordinary own property.
 *
 * Anything that is not a literal (`<Pin 25>`, `Pin(25, mode=OUT)`, `<function f at 0x...>`, `[...]`)
 * is returned as the original text unchanged.
 */
export function parsePython(text: string): unknown {
  const r = tryParsePython(text);
  return r.ok ? r.value : text;
}

/** Like parsePython, but says whether the text was a literal. */
export function tryParsePython(text: string): { ok: true; value: unknown } | { ok: false } {
  const p = new Parser(text);
  try {
    p.skipSpace();
    const value = p.value();
    p.skipSpace();
    if (p.pos !== text.length) return { ok: false };
    return { ok: true, value };
  } catch (e) {
    if (e instanceof NotLiteral) return { ok: false };
    throw e;
  }
}

class NotLiteral extends Error {}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class Parser {
  pos = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  private fail(): never {
    throw new NotLiteral();
  }

  skipSpace(): void {
    while (this.pos < this.s.length && ' \t\r\n'.includes(this.s[this.pos])) this.pos++;
  }

  private eat(token: string): boolean {
    if (this.s.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private expect(token: string): void {
    this.skipSpace();
    if (!this.eat(token)) this.fail();
  }

  /** A word (identifier) at pos, not consumed. */
  private word(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.pos, this.pos + 40));
    return m ? m[0] : '';
  }

  value(): unknown {
    // Deep nesting is a literal in principle, but only a hostile reply nests this far.
    if (++this.depth > 500) this.fail();
    try {
      return this.valueInner();
    } finally {
      this.depth--;
    }
  }

  private valueInner(): unknown {
    const c = this.s[this.pos];
    if (c === undefined) this.fail();
    if (c === '[') { this.pos++; return this.items(']'); }
    if (c === '(') return this.parenthesized();
    if (c === '{') { this.pos++; return this.braced(); }
    if (c === "'" || c === '"') return this.string();
    if ((c === '-' || c === '+') && this.s.startsWith('float(', this.pos + 1)) {
      this.pos++;
      const f = this.floatCall();
      return c === '-' ? -f : f;
    }
    if (c === '-' || c === '+' || c === '.' || (c >= '0' && c <= '9')) return this.number();
    const w = this.word();
    switch (w) {
      case 'None': this.pos += 4; return null;
      case 'True': this.pos += 4; return true;
      case 'False': this.pos += 5; return false;
      case 'inf': this.pos += 3; return Infinity;
      case 'nan': this.pos += 3; return NaN;
      case 'b': case 'B':
        if (this.s[this.pos + 1] === "'" || this.s[this.pos + 1] === '"') { this.pos++; return this.bytes(); }
        break;
      case 'bytearray': return this.call('bytearray', () => { this.expect('b'); return this.bytes(); }, () => Buffer.alloc(0));
      case 'float': return this.floatCall();
      case 'set': return this.call('set', () => this.setBody(), () => []);
      case 'frozenset': return this.call('frozenset', () => this.setBody(), () => []);
    }
    this.fail();
  }

  /** `name(inner)` or `name()`. */
  private call(name: string, inner: () => unknown, empty: () => unknown): unknown {
    this.pos += name.length;
    this.expect('(');
    this.skipSpace();
    if (this.eat(')')) return empty();
    const v = inner();
    this.expect(')');
    return v;
  }

  /** `float('nan')` / `float('inf')` as toPython writes them (repr prints plain nan / inf). */
  private floatCall(): number {
    const v = this.call('float', () => {
      const arg = this.string().trim().toLowerCase();
      const m = /^([+-]?)(inf|infinity|nan)$/.exec(arg);
      if (!m) this.fail();
      return m[2] === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
    }, () => this.fail());
    return v as number;
  }

  /** The `{...}` inside set(...) / frozenset(...). */
  private setBody(): unknown {
    this.expect('{');
    const v = this.braced();
    if (!Array.isArray(v) || v.length === 0) this.fail();
    return v;
  }

  /** Comma-separated values up to `close`; a trailing comma is allowed. */
  private items(close: string): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.eat(close)) return out;
      out.push(this.value());
      this.skipSpace();
      if (this.eat(close)) return out;
      if (!this.eat(',')) this.fail();
    }
  }

  private parenthesized(): unknown {
    this.pos++; // (
    this.skipSpace();
    if (this.eat(')')) return [];
    const first = this.value();
    this.skipSpace();
    if (this.eat(')')) return first; // (x) is just x
    if (!this.eat(',')) this.fail();
    return [first, ...this.items(')')];
  }

  /** After `{`: a dict, or a set (→ array). */
  private braced(): unknown {
    this.skipSpace();
    if (this.eat('}')) return {};
    const keyStart = this.pos;
    const first = this.value();
    const keyText = this.s.slice(keyStart, this.pos);
    this.skipSpace();
    if (this.eat(':')) return this.dictFrom(first, keyText);
    if (this.eat('}')) return [first];
    if (!this.eat(',')) this.fail();
    return [first, ...this.items('}')];
  }

  private dictFrom(firstKey: unknown, firstKeyText: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let key = firstKey;
    let keyText = firstKeyText;
    for (;;) {
      this.skipSpace();
      const val = this.value();
      const name = typeof key === 'string' ? key : keyText;
      Object.defineProperty(out, name, { value: val, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      if (this.eat('}')) return out;
      if (!this.eat(',')) this.fail();
      this.skipSpace();
      if (this.eat('}')) return out;
      const start = this.pos;
      key = this.value();
      keyText = this.s.slice(start, this.pos);
      this.expect(':');
    }
  }

  private number(): number | bigint {
    const m = /^([+-]?)(?:(inf|nan)\b|(\d+)(?![.eEjJ\w])|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![jJ\w]))/.exec(this.s.slice(this.pos));
    if (!m) this.fail();
    this.pos += m[0].length;
    const neg = m[1] === '-';
    if (m[2] !== undefined) {
      if (m[2] === 'nan') return NaN;
      return neg ? -Infinity : Infinity;
    }
    if (m[3] !== undefined) {
      const big = BigInt(m[3]);
      const v = neg ? -big : big;
      return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
    }
    const f = Number(m[4]);
    return neg ? -f : f;
  }

  private string(): string {
    const s = this.s;
    const quote = s[this.pos++];
    if (quote !== "'" && quote !== '"') this.fail();
    const q = quote.charCodeAt(0);
    // Runs of plain characters are taken whole: a string built a character at a time is a rope
    // that costs V8 about 25 bytes per character for as long as a flow keeps the value.
    const parts: string[] = [];
    for (;;) {
      const from = this.pos;
      let i = from;
      for (;;) {
        const c = s.charCodeAt(i);
        if (c === q || c === 0x5c || c === 0x0a || c === 0x0d || c !== c) break;
        i++;
      }
      if (i > from) parts.push(s.slice(from, i));
      const c = s[i];
      this.pos = i + 1;
      if (c === undefined || c === '\n' || c === '\r') this.fail();
      if (c === quote) return parts.length === 1 ? parts[0] : parts.join('');
      const e = s[this.pos++];
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) { parts.push(simple); continue; }
      if (e === 'x') { parts.push(String.fromCharCode(this.hexDigits(2))); continue; }
      if (e === 'u') { parts.push(String.fromCharCode(this.hexDigits(4))); continue; }
      if (e === 'U') {
        const cp = this.hexDigits(8);
        if (cp > 0x10ffff) this.fail();
        parts.push(String.fromCodePoint(cp));
        continue;
      }
      if (e >= '0' && e <= '7') { parts.push(String.fromCharCode(this.octal(e))); continue; }
      if (e === '\n') continue;
      if (e === undefined) this.fail();
      parts.push('\\' + e); // unknown escapes keep their backslash, as in Python
    }
  }

  private bytes(): Buffer {
    const quote = this.s[this.pos++];
    if (quote !== "'" && quote !== '"') this.fail();
    const out: number[] = [];
    for (;;) {
      const c = this.s[this.pos++];
      if (c === undefined || c === '\n' || c === '\r') this.fail();
      const code = c.charCodeAt(0);
      if (code > 0x7f) this.fail(); // bytes literals are ASCII-only
      if (c === quote) return Buffer.from(out);
      if (c !== '\\') { out.push(code); continue; }
      const e = this.s[this.pos++];
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) { out.push(simple.charCodeAt(0)); continue; }
      if (e === 'x') { out.push(this.hexDigits(2)); continue; }
      if (e >= '0' && e <= '7') { out.push(this.octal(e) & 0xff); continue; }
      if (e === '\n') continue;
      if (e === undefined || e.charCodeAt(0) > 0x7f) this.fail();
      out.push(0x5c, e.charCodeAt(0));
    }
  }

  private hexDigits(n: number): number {
    const h = this.s.slice(this.pos, this.pos + n);
    if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) this.fail();
    this.pos += n;
    return parseInt(h, 16);
  }

  /** Up to three octal digits, the first already read. */
  private octal(first: string): number {
    let v = first.charCodeAt(0) - 48;
    for (let k = 0; k < 2; k++) {
      const d = this.s[this.pos];
      if (d === undefined || d < '0' || d > '7') break;
      v = v * 8 + (d.charCodeAt(0) - 48);
      this.pos++;
    }
    return v;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};
