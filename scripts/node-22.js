// Node-RED 5 needs Node >= 22.9. When the machine's Node is older, the tests run Node-RED 5 on the
// Node binary that the npm package `node` ships, installed once into node_modules/.cache/node-22:
// a folder of its own, because as a devDependency its `node` would shadow the machine's in every
// npm script.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const VERSION = '22.23.3';
const root = path.join(__dirname, '..');
const prefix = path.join(root, 'node_modules', '.cache', 'node-22');
const binary = path.join(prefix, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');

function versionOf(bin) {
  const r = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The path of a Node 22 binary (this one's when it is Node >= 22.9), installing it when needed. */
function node22() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 9)) return process.execPath;
  if (fs.existsSync(binary) && versionOf(binary) === VERSION) return binary;
  console.log(`Installing Node ${VERSION} for the Node-RED 5 tests into ${path.relative(root, prefix)}`);
  fs.mkdirSync(prefix, { recursive: true });
  fs.writeFileSync(path.join(prefix, 'package.json'), '{ "private": true }\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `node@${VERSION}`],
    { stdio: 'inherit', shell: process.platform === 'win32' });
  const got = fs.existsSync(binary) ? versionOf(binary) : undefined;
  if (r.status !== 0 || got !== VERSION) {
    throw new Error(`could not install Node ${VERSION} from npm (npm install node@${VERSION} ${r.status === 0 ? `gave ${got}` : 'failed'}); install Node 22 and run the tests with it`);
  }
  return binary;
}

module.exports = { node22, NODE_22_VERSION: VERSION };

if (require.main === module) console.log(node22());
