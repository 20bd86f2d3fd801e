#!/usr/bin/env node
// The board-side agent is Python (src/board/agent/*.py): after tsc, minify each file with the
// project's own minifier (comments and docstrings out, every line kept) into dist/src/board/agent/,
// where src/board/agent.ts reads it. Blank lines go too: the agent's tracebacks are never shown to a user.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { minify } = require(path.join(root, 'dist', 'src', 'board', 'python', 'minify.js'));
const from = path.join(root, 'src', 'board', 'agent');
const to = path.join(root, 'dist', 'src', 'board', 'agent');
fs.mkdirSync(to, { recursive: true });
for (const f of fs.readdirSync(from)) {
  if (!f.endsWith('.py')) continue;
  // one space per level of (4-space) indentation: fewer bytes to send and to lex on an 8 KB heap
  const small = minify(fs.readFileSync(path.join(from, f), 'utf8'))
    .split('\n').filter((l) => l.trim() !== '')
    .map((l) => { const n = l.length - l.trimStart().length; return ' '.repeat(n / 4) + l.trimStart(); })
    .join('\n') + '\n';
  fs.writeFileSync(path.join(to, f), small);
}
