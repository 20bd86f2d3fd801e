#!/usr/bin/env node
// The Node-RED loader wants each node's .html, icons/ and locales/ beside the runtime .js it loads:
// copy them from nodes/ and icons/ into dist/nodes/, next to the compiled node files.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist', 'src', 'nodes');
fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(path.join(root, 'nodes'))) {
  if (f.endsWith('.html')) fs.copyFileSync(path.join(root, 'nodes', f), path.join(out, f));
}
fs.cpSync(path.join(root, 'nodes', 'locales'), path.join(out, 'locales'), { recursive: true });
fs.cpSync(path.join(root, 'icons'), path.join(out, 'icons'), { recursive: true });
