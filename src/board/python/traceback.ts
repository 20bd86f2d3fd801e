/**
 * MicroPython / CircuitPython tracebacks, as the raw REPL returns them in its stderr part:
 *
 *   Traceback (most recent call last):
 *     File "<stdin>", line 3, in foo
 *     File "x.py", line 7
 *   ZeroDivisionError: divide by zero
 *
 * Frame lines are matched by shape rather than by their English words, because CircuitPython
 * translates "Traceback", "File", "line" and "in" into the board's language.
 */

export interface TracebackFrame {
  file: string;
  line: number;
  /** the function, '<module>' at top level; absent when the board printed none */
  fn?: string;
}

export interface ParsedTraceback {
  /** the exception class, e.g. 'ZeroDivisionError'; 'Error' when the text names none */
  type: string;
  /** the text after 'Type: ' ('' for a bare 'StopIteration' or 'KeyboardInterrupt: '); may span lines */
  message: string;
  /** innermost frame last, as printed; those of the last exception when several are chained */
  frames: TracebackFrame[];
  /** the whole text, '\n' line endings, without trailing blank lines */
  text: string;
}

// Indented `WORD "file", WORD N[, WORD fn]`: `  File "<stdin>", line 3, in foo`, `  Datei "x.py", Zeile 7`.
const FRAME = /^(\s+[^\s"]+ ")([^"]*)(", [^\s,]+ )(\d+)((?:, [^\s,]+ (.*))?)$/;
const EXCEPTION = /^([A-Za-z_][\w.]*)(?::(?: ?)([\s\S]*))?$/;

function normalize(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
}

/** Parses the exception type, message and frames out of a board's traceback text. */
export function parseTraceback(text: string): ParsedTraceback {
  const norm = normalize(text);
  const lines = norm.split('\n');

  // The last run of frame lines belongs to the exception that was finally raised.
  let runStart = -1;
  let runEnd = -1; // index after the last frame of the last run
  for (let i = 0; i < lines.length; i++) {
    if (!FRAME.test(lines[i])) continue;
    const continuesRun = runEnd >= 0 && lines.slice(runEnd, i).every((l) => /^\s/.test(l));
    if (!continuesRun) runStart = i;
    runEnd = i + 1;
  }
  const frames: TracebackFrame[] = [];
  if (runStart >= 0) {
    for (const l of lines.slice(runStart, runEnd)) {
      const m = FRAME.exec(l);
      if (!m) continue; // a source line some ports print under the frame
      const frame: TracebackFrame = { file: m[2], line: Number(m[4]) };
      if (m[6] !== undefined) frame.fn = m[6];
      frames.push(frame);
    }
  }

  let rest = lines.slice(runEnd >= 0 ? runEnd : 0);
  if (runEnd < 0) rest = rest.filter((l) => !/^Traceback \(most recent call last\):\s*$/.test(l));
  // Blank lines, and the source line some ports print under the innermost frame, come before the exception.
  while (rest.length > 0 && (rest[0].trim() === '' || (runEnd >= 0 && /^\s/.test(rest[0])))) rest.shift();
  const excText = rest.join('\n');
  const m = EXCEPTION.exec(rest[0] ?? '');
  if (m) {
    const message = [m[2] ?? '', ...rest.slice(1)].join('\n');
    return { type: m[1], message, frames, text: norm };
  }
  return { type: 'Error', message: excText.trim(), frames, text: norm };
}

/**
 * What a frame becomes: a new file name for it, `null` to leave it as printed, or `false` to drop the
 * frame line (the host's own helper code, which means nothing to the user).
 */
export type FrameMap = (frame: TracebackFrame) => string | null | false;

/**
 * Renames or drops frame lines of a traceback (chained ones too) through `map`; every other line,
 * and frames the map leaves alone, stay as they are. Line numbers never change: the host compiles a
 * node's code so that they are the node's own.
 */
export function remapTraceback(tb: ParsedTraceback | string, map: FrameMap): string {
  const text = typeof tb === 'string' ? normalize(tb) : tb.text;
  const out: string[] = [];
  for (const l of text.split('\n')) {
    const m = FRAME.exec(l);
    if (!m) { out.push(l); continue; }
    const frame: TracebackFrame = { file: m[2], line: Number(m[4]) };
    if (m[6] !== undefined) frame.fn = m[6];
    const to = map(frame);
    if (to === false) continue;
    out.push(to === null ? l : `${m[1]}${to}${m[3]}${m[4]}${m[5]}`);
  }
  return out.join('\n');
}
