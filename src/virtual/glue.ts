import * as fs from 'node:fs';
import * as vm from 'node:vm';
import { pathToFileURL } from 'node:url';
import { MJS_PATH } from './wasm-binary';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The port's loader (its micropython.mjs): options in, the running module's API out. */
export type LoadMicroPython = (options: Record<string, unknown>) => Promise<any>;

/**
 * The few ES-module forms the port's glue uses (npm 1.27.0), and what they become in a function:
 * its two exports, its imports of Node built-ins, and its own address.
 */
const REWRITES: [string | RegExp, string][] = [
  ['export default _createMicroPythonModule;', ''],
  ['export async function loadMicroPython(', 'async function loadMicroPython('],
  [/await import\("(module|path|url|fs)"\)/g, '__require("$1")'],
  [/import\.meta\.url/g, '__url'],
];
const MODULE_SYNTAX = /\bimport\s*\(|import\.meta|(^|[;}])\s*export\s/;

/**
 * The glue as the body of an async function of (__require, __url), or undefined when it holds other
 * module syntax than REWRITES knows (another build of the port).
 */
function asFunction(src: string): string | undefined {
  for (const [from, to] of REWRITES) {
    const next = src.replace(from, to);
    if (next === src) return undefined;
    src = next;
  }
  if (MODULE_SYNTAX.test(src)) return undefined;
  return `(async function (__require, __url) {'use strict';${src}\nreturn { loadMicroPython };\n})`;
}

/**
 * Loads the glue into this worker. As an ES module it brought Node's module loader into every
 * interpreter's worker (0.45 MiB each, measured on running threads); run as a script it needs none.
 * Another build of the port loads as a module, as before.
 */
export async function loadGlue(): Promise<LoadMicroPython> {
  const url = pathToFileURL(MJS_PATH).href;
  const body = asFunction(fs.readFileSync(MJS_PATH, 'utf8'));
  if (!body) return (await import(url)).loadMicroPython;
  const make = vm.runInThisContext(body, { filename: MJS_PATH });
  return (await make(require, url)).loadMicroPython;
}
