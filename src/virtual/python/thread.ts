/**
 * `_thread` for the virtual board. Each started thread runs in its own interpreter worker, forked from
 * a copy of the caller's memory: it sees the caller's globals as they were at the call (a copy, not
 * shared), the same pins and files, and locks made before the fork (lock state lives in shared memory).
 */
export const THREAD_PY = String.raw`
import _vboard as _b
from time import ticks_ms, ticks_diff

_stack = 0


class LockType:
    def __init__(self):
        self._id = _b.lock_new()

    def acquire(self, waitflag=1, timeout=-1):
        if not waitflag:
            return bool(_b.lock_acquire(self._id, 0))
        t0 = ticks_ms()
        while True:
            if _b.lock_acquire(self._id, 20):
                return True
            if timeout >= 0 and ticks_diff(ticks_ms(), t0) >= timeout * 1000:
                return False

    def release(self):
        if not _b.lock_release(self._id):
            raise RuntimeError('release unlocked lock')

    def locked(self):
        return bool(_b.lock_locked(self._id))

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *args):
        self.release()


def allocate_lock():
    return LockType()


def get_ident():
    return _b.ident


def start_new_thread(function, args, kwargs=None):
    if not isinstance(args, (tuple, list)):
        raise TypeError('expecting a tuple')
    tid = _b.thread_new()
    if not tid:
        raise OSError("can't create thread")
    try:
        _b.pending[tid] = (function, tuple(args), kwargs or {})
        _b.fork(tid, _b.epitaph(function, args))
    except BaseException:
        # not forked: it does not count against the board's threads
        _b.thread_drop()
        raise
    finally:
        _b.pending.pop(tid, None)
    return tid


def exit():
    raise SystemExit


def stack_size(size=0):
    global _stack
    old = _stack
    _stack = size
    return old
`;
