/**
 * The belay tab's console: a line (or lines) of Python run through the board's queue like any
 * flow's call, answered with its value, what it printed, or its traceback.
 */
import { t } from '../i18n';
import { toPython } from '../../board';
import { describeError, type MsgError } from '../errors';
import type { SharedBoard } from '../shared-board';

export interface ConsoleReply {
  /** the expression's value written as Python; absent for statements and None */
  value?: string;
  /** what the code printed */
  stdout: string;
  error?: MsgError;
  ms: number;
}

export interface InterruptReply {
  /** whether a running console call ended on the Ctrl-C */
  interrupted: boolean;
  /** why not, when it did not */
  message?: string;
}

/** How long an interrupted call may take to end before the tab is told it goes on. */
const INTERRUPT_GRACE_MS = 1500;

interface ConsoleCall {
  ended: Promise<unknown>;
  abort: AbortController;
}

/** The console calls per board, so that Ctrl-C stops those and never a flow's call. */
const running = new Map<SharedBoard, Set<ConsoleCall>>();

export async function runConsole(board: SharedBoard, code: string): Promise<ConsoleReply> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  if (board.configError) return { stdout: '', error: describeError(board.configError), ms: ms() };
  // A call on an idle board would connect it; the buttons are for that.
  if (board.state !== 'connected') {
    return { stdout: '', error: { type: 'ConnectionError', message: t('panel.not-connected', { board: board.device.label, state: board.state }), traceback: '' }, ms: ms() };
  }
  const abort = new AbortController();
  const call = board.device.exec(code, { signal: abort.signal, repr: true });
  const entry: ConsoleCall = { ended: call.catch(() => undefined), abort };
  let calls = running.get(board);
  if (!calls) running.set(board, calls = new Set());
  calls.add(entry);
  try {
    const r = await call;
    const reply: ConsoleReply = { stdout: r.stdout, ms: ms() };
    // the board's own repr, as its REPL would show it (None shows nothing)
    const shown = r.repr ?? (r.value === null || r.value === undefined ? undefined : toPython(r.value));
    if (shown !== undefined && shown !== 'None') reply.value = shown;
    return reply;
  } catch (err) {
    const error = describeError(err);
    return { stdout: (err as { stdout?: string }).stdout ?? '', error, ms: ms() };
  } finally {
    calls.delete(entry);
    if (calls.size === 0) running.delete(board);
  }
}

/**
 * Ctrl-C for the console, as at a REPL: its call running on the board is interrupted
 * (KeyboardInterrupt), one still waiting behind a flow's call is taken out of the queue; the flows'
 * calls are never touched.
 */
export async function interruptConsole(board: SharedBoard): Promise<InterruptReply> {
  const calls = [...(running.get(board) ?? [])];
  if (calls.length === 0) return { interrupted: false, message: t('panel.no-console-call') };
  for (const c of calls) c.abort.abort();
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    Promise.all(calls.map((c) => c.ended)).then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), INTERRUPT_GRACE_MS); }),
  ]);
  clearTimeout(timer);
  if (ended) return { interrupted: true };
  return {
    interrupted: false,
    message: t('panel.call-goes-on', { timeout: board.timeout ? `${board.timeout} s` : t('panel.no-limit') }),
  };
}
