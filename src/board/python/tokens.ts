/**
 * A small Python tokenizer: just enough to know, for every character, whether it is code, a string
 * or a comment, and where logical lines begin. The minifier and the function-name finder build on it,
 * so '#' or 'def' inside a string can never fool them.
 *
 * Joining every token's text gives back the (newline-normalized) source exactly.
 * Malformed input (an unterminated string) never throws: the rest of the line or file becomes the
 * string token, and the board's own compiler reports the error with its line number.
 */

export type TokenKind =
  | 'ws'       // spaces, tabs, form feeds
  | 'comment'  // from '#' to the end of the line, without the newline
  | 'newline'  // '\n'
  | 'cont'     // a backslash line continuation: '\\\n'
  | 'string'   // a complete string literal including its prefix and quotes
  | 'name'     // an identifier or keyword
  | 'number'
  | 'open'     // ( [ {
  | 'close'    // ) ] }
  | 'op';      // any other single character

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based line of the token's first character */
  line: number;
  /** for strings: an f-string (its braces hold code, so it may have effects) */
  fstring?: boolean;
}

/** '\r\n' and lone '\r' end lines in Python too; everything here works on '\n' alone. */
export function normalizeNewlines(source: string): string {
  return source.replace(/\r\n?/g, '\n');
}

const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 'br', 'rb', 'fr', 'rf']);

function isNameStart(ch: string): boolean {
  return /[\p{L}\p{Nl}_]/u.test(ch);
}

function isNameChar(ch: string): boolean {
  return /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u.test(ch);
}

/** Tokens of `source` (newlines normalized first). */
export function tokenize(source: string): Token[] {
  const s = normalizeNewlines(source);
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const push = (kind: TokenKind, end: number, extra?: Partial<Token>): void => {
    const text = s.slice(i, end);
    out.push({ kind, text, line, ...extra });
    for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
    i = end;
  };
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\f') {
      let j = i + 1;
      while (j < s.length && (s[j] === ' ' || s[j] === '\t' || s[j] === '\f')) j++;
      push('ws', j);
    } else if (c === '\n') {
      push('newline', i + 1);
    } else if (c === '#') {
      const nl = s.indexOf('\n', i);
      push('comment', nl < 0 ? s.length : nl);
    } else if (c === '\\' && s[i + 1] === '\n') {
      push('cont', i + 2);
    } else if (c === "'" || c === '"') {
      push('string', stringEnd(s, i), { fstring: false });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[i + 1] ?? ''))) {
      let j = i + 1;
      // exponent signs belong to the number: 1e-5
      while (j < s.length && (/[0-9A-Za-z_.]/.test(s[j]) || ((s[j] === '-' || s[j] === '+') && /[eE]/.test(s[j - 1]) && !/^0[xX]/.test(s.slice(i, j))))) j++;
      push('number', j);
    } else if (isNameStart(c)) {
      let j = i + 1;
      while (j < s.length && isNameChar(s[j])) j++;
      const word = s.slice(i, j);
      if ((s[j] === "'" || s[j] === '"') && STRING_PREFIXES.has(word.toLowerCase())) {
        push('string', stringEnd(s, j), { fstring: word.toLowerCase().includes('f') });
      } else {
        push('name', j);
      }
    } else if (c === '(' || c === '[' || c === '{') {
      push('open', i + 1);
    } else if (c === ')' || c === ']' || c === '}') {
      push('close', i + 1);
    } else {
      // Surrogate pairs stay together so a token never splits a character.
      const cp = s.codePointAt(i) ?? 0;
      push('op', i + (cp > 0xffff ? 2 : 1));
    }
  }
  return out;
}

/**
 * End index (exclusive) of the string literal whose opening quote is at `q`.
 * A backslash always takes the next character with it, in raw strings too: that is how Python
 * finds the end of r"\"" as well.
 */
function stringEnd(s: string, q: number): number {
  const quote = s[q];
  const triple = s.startsWith(quote.repeat(3), q);
  let j = q + (triple ? 3 : 1);
  while (j < s.length) {
    const c = s[j];
    if (c === '\\') { j += 2; continue; }
    if (triple) {
      if (s.startsWith(quote.repeat(3), j)) return j + 3;
    } else {
      if (c === quote) return j + 1;
      if (c === '\n') return j; // unterminated: stop at the line end
    }
    j++;
  }
  return s.length;
}

/** A logical line: the tokens that are code (no whitespace, comments, newlines or continuations). */
export interface LogicalLine {
  /** the whitespace before the first token ('' at top level) */
  indent: string;
  tokens: Token[];
}

const NOT_CODE: ReadonlySet<TokenKind> = new Set<TokenKind>(['ws', 'comment', 'newline', 'cont']);

/** Splits tokens into logical lines: a newline ends one only outside brackets. Blank lines are skipped. */
export function logicalLines(tokens: Token[]): LogicalLine[] {
  const out: LogicalLine[] = [];
  let depth = 0;
  let current: LogicalLine | undefined;
  let pendingIndent = '';
  for (const t of tokens) {
    if (t.kind === 'newline' && depth === 0) {
      if (current) out.push(current);
      current = undefined;
      pendingIndent = '';
      continue;
    }
    if (NOT_CODE.has(t.kind)) {
      if (!current && t.kind === 'ws') pendingIndent = t.text;
      continue;
    }
    if (t.kind === 'open') depth++;
    if (t.kind === 'close' && depth > 0) depth--;
    if (!current) current = { indent: pendingIndent, tokens: [] };
    current.tokens.push(t);
  }
  if (current) out.push(current);
  return out;
}

/** Width of an indentation string, tabs to the next multiple of 8 as Python does. */
export function indentWidth(indent: string): number {
  let w = 0;
  for (const ch of indent) w = ch === '\t' ? (Math.floor(w / 8) + 1) * 8 : w + 1;
  return w;
}
