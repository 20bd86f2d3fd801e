#!/usr/bin/env node
// `npm test`: installs the Debian packages the tests need when missing (we run as root in CI),
// then runs every compiled test file with Node's own test runner, on the machine's Node with the
// Node-RED 4.1 runtime, the oldest that package.json's node-red.version allows (4.0 drops
// msg.error.code on the way to a Catch node). The Node-RED node tests (test/nodes) run once more on
// Node-RED 5 (npm alias node-red-5) under Node 22, which Node-RED 5 needs: scripts/node-22.js fetches
// it when the machine's Node is older.
'use strict';
const { spawnSync, execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { node22 } = require('./node-22');

const root = path.join(__dirname, '..');
const debianPackages = {
  socat: '/usr/bin/socat',
  chromium: '/usr/bin/chromium',
  mosquitto: '/usr/sbin/mosquitto',
  // the real-firmware tests (test/firmware): the micro:bit in QEMU and its MicroPython image
  'qemu-system-arm': '/usr/bin/qemu-system-arm',
  'firmware-microbit-micropython': '/usr/share/firmware-microbit-micropython/firmware.hex',
};

function ensureDebianPackages() {
  const missing = Object.entries(debianPackages).filter(([, bin]) => !fs.existsSync(bin)).map(([pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid && process.getuid() !== 0) {
    console.error(`Missing Debian packages: ${missing.join(', ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  console.log(`Installing Debian packages: ${missing.join(', ')}`);
  execSync('apt-get update -qq', { stdio: 'inherit' });
  execSync(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`, { stdio: 'inherit', shell: '/bin/bash' });
}

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(p));
    else if (entry.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

function run(files, env, label, node = process.execPath) {
  if (files.length === 0) return 0;
  const version = spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\n# ${label} on Node ${version}: ${files.length} test files`);
  // --test-force-exit: a test file whose tests are all done ends even if something it started
  // still holds the event loop (a leak there must not hang the whole run; its tests report it)
  const r = spawnSync(node, ['--test', '--test-concurrency=1', '--test-force-exit', ...files], {
    cwd: root, stdio: 'inherit', env: { ...process.env, ...env },
  });
  return r.status ?? 1;
}

ensureDebianPackages();
const only = process.argv.slice(2);
const all = findTests(path.join(root, 'dist', 'test')).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const nodeTests = all.filter((f) => f.includes(`${path.sep}nodes${path.sep}`));
let status = 0;
status |= run(all, { BELAY_NODE_RED: 'node-red' }, 'all tests on Node-RED 4.1');
if (nodeTests.length > 0) {
  let node;
  try { node = node22(); } catch (err) { console.error(`\n# node tests on Node-RED 5: ${err.message}`); status |= 1; }
  if (node) status |= run(nodeTests, { BELAY_NODE_RED: 'node-red-5' }, 'node tests on Node-RED 5', node);
}
process.exit(status ? 1 : 0);
