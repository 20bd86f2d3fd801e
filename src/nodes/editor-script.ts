/**
 * The editor's copy of the rules it shares with the runtime, so the two cannot drift apart: the
 * compiled board-layer modules themselves (which function a task calls), wrapped for the browser.
 * nodes/belay-device.html loads it with <script src="belay/editor/names.js"> before the node
 * definitions run, as window.belayNames.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The compiled modules the editor runs, in dependency order, by their require() names. */
const MODULES: { name: string; file: string }[] = [
  { name: './tokens', file: path.join(__dirname, '..', 'board', 'python', 'tokens.js') },
  { name: './names', file: path.join(__dirname, '..', 'board', 'python', 'names.js') },
];

let cached: string | undefined;

/** One browser script: each CommonJS module in a function, a require() that knows only them. */
export function editorNamesScript(): string {
  if (cached) return cached;
  const defs = MODULES.map((m) => {
    const code = fs.readFileSync(m.file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
    return `defs[${JSON.stringify(m.name)}] = function (exports, require, module) {\n${code}\n};`;
  });
  cached = [
    '/* @belay/node-red-micropython: the runtime\'s own rules for the editor (src/board/python/names.ts) */',
    '(function () {',
    '"use strict";',
    'var defs = {}, done = {};',
    ...defs,
    'function require(name) {',
    '  if (done[name]) { return done[name].exports; }',
    '  if (!defs[name]) { throw new Error("belay editor script: no module " + name); }',
    '  var module = { exports: {} };',
    '  done[name] = module;',
    '  defs[name](module.exports, require, module);',
    '  return module.exports;',
    '}',
    'window.belayNames = require("./names");',
    '})();',
    '',
  ].join('\n');
  return cached;
}
