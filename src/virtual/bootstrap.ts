import { VBOARD_PY, VBTIME_PY } from './python/vboard';
import { MACHINE_PY } from './python/machine';
import { THREAD_PY } from './python/thread';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Calls into Python that the worker makes, proxied once at boot (see hardware.ts for why). */
export interface BootedPython {
  /** runs due timers and IRQ handlers; ms to the next timer, -1 none, -2 interrupted by Ctrl-C */
  idlePoll(): number;
  childMain(ident: number): void;
}

const BOOT = (threads: boolean) => `
def _boot():
    import sys, os, gc, builtins
    sys.path.append('/_vb')
    import _vboard, _vbtime, machine
    builtins.input = _vboard.input
    ${threads ? 'import _thread' : 'pass'}
    sys.path.remove('/_vb')
    _vbtime.__name__ = 'time'
    sys.modules['time'] = _vbtime
    del sys.modules['_vbtime']
    os.umount('/')
    os.mount(os.VfsPosix('/flash'), '/')
    os.chdir('/')
    gc.collect()
_boot()
del _boot
`;

/**
 * Makes a fresh interpreter look like a board: installs `machine`, `_thread` and the real-time `time`
 * from an in-memory folder, then makes the host folder mounted at /flash the root of MicroPython's VFS.
 * Runs identically in every worker of a board, so proxies line up between a thread and its parent.
 */
export function bootstrap(mp: any, threads: boolean): BootedPython {
  const FS = mp.FS;
  FS.mkdir('/_vb');
  FS.writeFile('/_vb/_vboard.py', VBOARD_PY);
  FS.writeFile('/_vb/_vbtime.py', VBTIME_PY);
  FS.writeFile('/_vb/machine.py', MACHINE_PY);
  FS.writeFile('/_vb/_thread.py', THREAD_PY);
  mp.runPython(BOOT(threads));
  const vb = mp.pyimport('_vboard');
  const idle = vb.idle_poll;
  const child = vb.child_main;
  return {
    idlePoll: () => Number(idle()),
    childMain: (ident: number) => { child(ident); },
  };
}
