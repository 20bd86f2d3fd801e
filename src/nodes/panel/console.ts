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

/** Device.interrupt(): Ctrl-C to the call the board runs now (it fails with KeyboardInterrupt). */
type Interruptible = { interrupt?: () => Promise<void> };

/** The console calls running per board, so Ctrl-C is sent only while one runs. */
const running = new Map<SharedBoard, Set<Promise<unknown>>>();

export async function runConsole(board: SharedBoard, code: string): Promise<ConsoleReply> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  if (board.configError) return { stdout: '', error: describeError(board.configError), ms: ms() };
  // A call on an idle board would connect it; the buttons are for that.
  if (board.state !== 'connected') {
    return { stdout: '', error: { type: 'ConnectionError', message: `${board.device.label} is ${board.state}: press Connect first`, traceback: '' }, ms: ms() };
  }
  const call = board.device.exec(code);
  const entry = call.catch(() => undefined);
  let calls = running.get(board);
  if (!calls) running.set(board, calls = new Set());
  calls.add(entry);
  try {
    const r = await call;
    const reply: ConsoleReply = { stdout: r.stdout, ms: ms() };
    if (r.value !== null && r.value !== undefined) reply.value = toPython(r.value);
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
 * Ctrl-C while a console call runs, as at a REPL: the board stops what it runs now. That is the
 * console's call unless a flow's call was queued before it, which is then the one interrupted.
 */
export async function interruptConsole(board: SharedBoard): Promise<InterruptReply> {
  const calls = [...(running.get(board) ?? [])];
  if (calls.length === 0) return { interrupted: false, message: t('panel.no-console-call') };
  const device = board.device as typeof board.device & Interruptible;
  if (typeof device.interrupt === 'function') await device.interrupt();
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    Promise.all(calls).then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), INTERRUPT_GRACE_MS); }),
  ]);
  clearTimeout(timer);
  if (ended) return { interrupted: true };
  return {
    interrupted: false,
    message: `the call goes on: the board did not stop it; it ends at its timeout (${board.timeout || 'no limit'} s)`,
  };
}
