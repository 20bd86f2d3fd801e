/**
 * What the host needs to know about a task or thread node's code before sending it: the name of
 * the function it defines, and whether that function is a generator. Both read tokens, so a `def`
 * or `yield` inside a string or comment never counts.
 *
 * The rule "which function a task calls" lives here only: the runtime imports it, and the editor
 * runs this same compiled module (served by src/nodes/editor-script.ts) for labels and checks.
 */
import { tokenize, logicalLines, indentWidth, LogicalLine } from './tokens';

export interface TopLevelFunction {
  name: string;
  /** `async def`: cannot be called through the raw REPL */
  isAsync: boolean;
  /** index of its `def` line among the logical lines (internal use) */
  index: number;
}

function isDefLine(l: LogicalLine): { name: string; isAsync: boolean } | undefined {
  const t = l.tokens;
  const at = t[0]?.kind === 'name' && t[0].text === 'async' ? 1 : 0;
  if (t[at]?.kind === 'name' && t[at].text === 'def' && t[at + 1]?.kind === 'name' && t[at + 2]?.text === '(') {
    return { name: t[at + 1].text, isAsync: at === 1 };
  }
  return undefined;
}

/** Every top-level `def NAME(` / `async def NAME(`, in source order. */
export function topLevelFunctions(source: string): TopLevelFunction[] {
  const lines = logicalLines(tokenize(source));
  const out: TopLevelFunction[] = [];
  lines.forEach((l, index) => {
    if (l.indent !== '') return;
    const d = isDefLine(l);
    if (d) out.push({ ...d, index });
  });
  return out;
}

/**
 * The function a task or thread node calls: the last top-level `def` (CONTRACT: "one function
 * definition plus any lines it needs above it", so helpers, imports, constants and decorators come
 * first). Undefined when the code defines none.
 */
export function calledFunction(source: string): TopLevelFunction | undefined {
  const fns = topLevelFunctions(source);
  return fns[fns.length - 1];
}

/**
 * The name of the function the code's node calls (see calledFunction), or undefined when it
 * defines none. Throws when that function is `async def`: the board's raw REPL has no event loop
 * to run it.
 */
export function functionName(source: string): string | undefined {
  const fn = calledFunction(source);
  if (!fn) return undefined;
  if (fn.isAsync) {
    throw new Error(`"async def ${fn.name}" cannot be called from Node-RED: the board runs a task by calling it directly, with no event loop. Use a plain "def ${fn.name}(...)" (a generator with yield streams values).`);
  }
  return fn.name;
}

/**
 * Best effort: whether the called function (or the one named) is a generator, i.e. its own
 * body contains `yield` outside strings and comments. `yield` inside a nested def or class body does
 * not count, as in Python. Not detected: `yield` inside a lambda (which would make that lambda, not
 * the function, a generator, and is counted wrongly) — asking the board is the exact answer.
 */
export function isGeneratorFunction(source: string, name?: string): boolean {
  const lines = logicalLines(tokenize(source));
  const fns = topLevelFunctions(source);
  // A name defined twice is the later definition, as Python binds it.
  const fn = name === undefined ? fns[fns.length - 1] : fns.filter((f) => f.name === name).pop();
  if (!fn) return false;

  const header = lines[fn.index];
  // A one-line body (`def f(): yield 1`) follows the header's colon; parameter defaults cannot yield.
  const colon = header.tokens.findIndex((t, k) => t.text === ':' && k > 2 && closesSignature(header, k));
  if (colon >= 0 && yieldsItself(header.tokens.slice(colon + 1))) return true;

  let nestedIndent = -1; // indent width of a nested def/class whose body we are skipping
  for (let i = fn.index + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.indent === '') break; // back at top level: the function has ended
    const w = indentWidth(l.indent);
    if (nestedIndent >= 0 && w > nestedIndent) continue;
    nestedIndent = -1;
    const first = l.tokens[0];
    if (isDefLine(l) || (first.kind === 'name' && first.text === 'class')) {
      nestedIndent = w;
      continue;
    }
    if (yieldsItself(l.tokens)) return true;
  }
  return false;
}

/**
 * Whether a line yields for the function it is in: a yield in a lambda's body makes the lambda the
 * generator. A lambda's body runs to the next "," or closing bracket at its own depth, or the line's end.
 */
function yieldsItself(tokens: { kind: string; text: string }[]): boolean {
  let depth = 0;
  // open lambdas: the depth each began at, and whether its ":" has come (a default value before it
  // is evaluated by the function itself)
  const lambdas: { depth: number; body: boolean }[] = [];
  const top = () => lambdas[lambdas.length - 1];
  for (const t of tokens) {
    if (t.kind === 'open') depth++;
    else if (t.kind === 'close') {
      depth--;
      while (lambdas.length && top().depth > depth) lambdas.pop();
    } else if (t.kind === 'op' && t.text === ',' && lambdas.length && top().depth === depth && top().body) lambdas.pop();
    else if (t.kind === 'op' && t.text === ':' && lambdas.length && top().depth === depth) top().body = true;
    else if (t.kind === 'name' && t.text === 'lambda') lambdas.push({ depth, body: false });
    else if (isYield(t) && !lambdas.some((l) => l.body)) return true;
  }
  return false;
}

function isYield(t: { kind: string; text: string }): boolean {
  return t.kind === 'name' && t.text === 'yield';
}

/** True when the ':' at index k is outside the parameter list's brackets. */
function closesSignature(l: LogicalLine, k: number): boolean {
  let depth = 0;
  for (let j = 0; j < k; j++) {
    if (l.tokens[j].kind === 'open') depth++;
    else if (l.tokens[j].kind === 'close') depth--;
  }
  return depth === 0;
}
