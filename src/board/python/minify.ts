/**
 * Shrinks Python source for the board without moving any line, so a traceback's line numbers still
 * point at the host file (as Belay's minifier does).
 */
import { tokenize, Token } from './tokens';

/**
 * Drops comments, docstrings and trailing whitespace; keeps every line and all indentation.
 *
 * A "docstring" here is any statement that is nothing but string literals (the docstring of a
 * module, class or def, or any other bare string statement: none of them has an effect). It becomes
 * `0` on its first line, so a block that held only a docstring stays valid, and its other lines
 * become empty. f-strings are never dropped (their braces may call code), and strings that are part
 * of a larger statement (assigned, passed, joined) are kept byte for byte, trailing spaces inside
 * them included. Line endings come out as '\n'.
 */
export function minify(source: string): string {
  const tokens = tokenize(source);
  const out: string[] = [];
  let depth = 0;
  let atLineStart = true; // at the start of a logical line (only indentation seen so far)
  let pendingWs = '';     // whitespace kept only if code follows it on the same line
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    switch (t.kind) {
      case 'ws':
        pendingWs += t.text;
        continue;
      case 'comment':
        continue;
      case 'newline':
        pendingWs = '';
        out.push('\n');
        if (depth === 0) atLineStart = true;
        continue;
    }
    if (atLineStart && t.kind === 'string') {
      const end = bareStringStatementEnd(tokens, i);
      if (end > i) {
        out.push(pendingWs, '0');
        pendingWs = '';
        for (let k = i; k < end; k++) out.push('\n'.repeat(countNewlines(tokens[k].text)));
        atLineStart = false;
        i = end - 1;
        continue;
      }
    }
    out.push(pendingWs, t.text);
    pendingWs = '';
    atLineStart = false;
    if (t.kind === 'open') depth++;
    else if (t.kind === 'close' && depth > 0) depth--;
  }
  return out.join('');
}

/**
 * If the logical line starting at tokens[start] is only string literals (no f-string), returns the
 * index just after its last string/continuation token; otherwise `start`.
 */
function bareStringStatementEnd(tokens: Token[], start: number): number {
  let end = start;
  for (let j = start; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.kind === 'newline' || t.kind === 'comment') return end;
    if (t.kind === 'string' && !t.fstring) end = j + 1;
    else if (t.kind === 'cont') end = j + 1;
    else if (t.kind !== 'ws') return start;
  }
  return end;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) === 10) n++;
  return n;
}
