#!/usr/bin/env node
// `npm test`: installs the Debian packages the tests need when missing (we run as root in CI),
// then runs every compiled test file with Node's own test runner. The Node-RED node tests run
// twice: once on the Node-RED 4.1 runtime and once on the Node-RED 5 runtime (npm alias node-red-5).
'use strict';
const { spawnSync, execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

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

function run(files, env, label) {
  if (files.length === 0) return 0;
  console.log(`\n# ${label}: ${files.length} test files`);
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
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
status |= run(nodeTests, { BELAY_NODE_RED: 'node-red-5' }, 'node tests on the Node-RED 5 runtime');
process.exit(status ? 1 : 0);
