import { VBOARD_PY, VBTIME_PY } from './python/vboard';
import { MACHINE_PY } from './python/machine';
import { THREAD_PY } from './python/thread';
import { BINASCII_PY, GC_PY, IMPORTS_PY } from './python/common';
import { CPBOOT, CP_MODULES } from './python/circuitpython';
import type { BoardProfile } from './profile';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Calls into Python that the worker makes, proxied once at boot (see hardware.ts for why). */
export interface BootedPython {
  /** runs due timers and IRQ handlers; ms to the next timer, -1 none, -2 interrupted by Ctrl-C */
  idlePoll(): number;
  /** runs the forked thread's function; false when it did not return (it raised, see child_main) */
  childMain(ident: number): boolean;
  /** runs /boot.py (CircuitPython, at power-on); its output is the caller's to drop */
  runBootPy(): void;
}

/** Imports /_vb/SRC.py and makes it the module NAME: in sys.modules, without a __file__, as built-ins are. */
const install = (src: string, name: string) => [
  `import ${src}`, `${src}.__name__ = '${name}'`, `del ${src}.__file__`,
  `sys.modules['${name}'] = ${src}`, `del sys.modules['${src}']`,
];

/**
 * The boot, as steps that each run as their own call into the port: the port collects garbage when
 * a call returns that asked for it (gc.collect()), so the parse trees of one module are gone before
 * the next is compiled (a small profile's heap holds one at a time, not all).
 */
function bootSteps(p: BoardProfile): string[][] {
  const steps: string[][] = [
    ["sys.path.append('/_vb')", 'import _vboard', 'builtins.input = _vboard.input'],
    ['import _vbtime', "_vbtime.__name__ = 'time'", "sys.modules['time'] = _vbtime", "del sys.modules['_vbtime']"],
    ['import machine'],
  ];
  if (p.threads) steps.push(['import _thread']);
  steps.push(install('_vbgc', 'gc'));
  if (p.name === 'circuitpython') {
    for (const [name] of CP_MODULES) steps.push(install(`_vbcp_${name}`, name));
    // machine was loaded for busio's I2C; CircuitPython has none.
    steps.push(["del sys.modules['machine']", 'import _vbcpboot']);
  }
  if (!p.missing.includes('binascii')) steps.push(install('_vbbinascii', 'binascii'));
  if (p.missing.length) {
    steps.push(['import _vbimports', 'builtins.__import__ = _vbimports.__import__', ...p.missing.map((m) => `sys.modules.pop('${m}', None)`)]);
  }
  steps.push(["sys.path.remove('/_vb')", 'import vfs', "vfs.umount('/')", "vfs.mount(vfs.VfsPosix('/flash'), '/')", "os.chdir('/')"]);
  if (!p.growHeap && p.freeBytes > 0) {
    // Ballast, largest pieces first as the free space allows, until freeBytes are left.
    steps.push([
      'import _vboard', '_vboard.ballast = []', 'n = gc.mem_free() - ' + p.freeBytes,
      'while n > 64:', '    try:', '        _vboard.ballast.append(bytearray(n - 32))', '        n = gc.mem_free() - ' + p.freeBytes,
      '    except MemoryError:', '        n //= 2',
    ]);
  }
  return steps;
}

const runStep = (lines: string[]) => `
def _boot():
    import sys, os, gc, builtins
${lines.map((l) => `    ${l}`).join('\n')}
    gc.collect()
_boot()
del _boot
`;

/**
 * Makes a fresh interpreter look like a board of its profile: installs `machine`, `_thread`, the
 * real-time `time` (or CircuitPython's modules) from an in-memory folder, then makes the host folder
 * mounted at /flash the root of MicroPython's VFS. Runs identically in every worker of a board, so
 * proxies line up between a thread and its parent.
 */
export function bootstrap(mp: any, profile: BoardProfile): BootedPython {
  const FS = mp.FS;
  FS.mkdir('/_vb');
  FS.writeFile('/_vb/_vboard.py', VBOARD_PY);
  FS.writeFile('/_vb/_vbtime.py', VBTIME_PY);
  FS.writeFile('/_vb/machine.py', MACHINE_PY);
  FS.writeFile('/_vb/_thread.py', THREAD_PY);
  FS.writeFile('/_vb/_vbgc.py', GC_PY);
  FS.writeFile('/_vb/_vbbinascii.py', BINASCII_PY);
  const missing = profile.missing.map((m) => `'${m}', `).join('');
  FS.writeFile('/_vb/_vbimports.py', IMPORTS_PY.replace('{missing}', `(${missing})`));
  for (const [name, src] of CP_MODULES) FS.writeFile(`/_vb/_vbcp_${name}.py`, src);
  FS.writeFile('/_vb/_vbcpboot.py', CPBOOT);
  for (const step of bootSteps(profile)) mp.runPython(runStep(step));
  const vb = mp.pyimport('_vboard');
  const idle = vb.idle_poll;
  const child = vb.child_main;
  const bootPy: (() => void) | undefined = profile.name === 'circuitpython' ? mp.pyimport('storage')._run_boot : undefined;
  return {
    idlePoll: () => Number(idle()),
    childMain: (ident: number) => Number(child(ident)) === 0,
    runBootPy: () => { bootPy?.(); },
  };
}
