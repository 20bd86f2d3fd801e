import { configError } from './errors';
import { t } from './i18n';
import type { NodeMessage } from '@node-red/registry';

export interface CallArgs {
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** Plain data objects only: a Buffer, Date or Map is a single value, not keyword arguments. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * How a message becomes a function's arguments (CONTRACT, belay-task): msg.args / msg.kwargs when
 * present; otherwise msg.payload — an array is the positional arguments, a plain object the keyword
 * arguments, undefined none, anything else the one positional argument.
 */
export function callArguments(msg: NodeMessage): CallArgs {
  if (msg.args !== undefined || msg.kwargs !== undefined) {
    if (msg.args !== undefined && !Array.isArray(msg.args)) {
      throw configError(t('errors.args'));
    }
    if (msg.kwargs !== undefined && !isPlainObject(msg.kwargs)) {
      throw configError(t('errors.kwargs'));
    }
    return { args: msg.args ?? [], kwargs: msg.kwargs ?? {} };
  }
  const p = msg.payload;
  if (p === undefined) return { args: [], kwargs: {} };
  if (Array.isArray(p)) return { args: p, kwargs: {} };
  if (isPlainObject(p)) return { args: [], kwargs: p };
  return { args: [p], kwargs: {} };
}
