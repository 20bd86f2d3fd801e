#!/usr/bin/env node
// `npm start`: Node-RED 4.1 on http://127.0.0.1:1880 (PORT and HOST override) with this node set
// loaded from the working tree, a user directory in .node-red-user/, and the demo flow deployed on
// the virtual board. The demo flow is written on first start only, so your own edits survive a
// restart; `npm start -- --reset` puts the demo back (it replaces .node-red-user/flows.json).
// BELAY_USER_DIR moves the user directory elsewhere (the tests use a temporary one).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { startNodeRed, projectRoot } = require('./nodered.js');

const userDir = path.resolve(process.env.BELAY_USER_DIR || path.join(projectRoot, '.node-red-user'));
const demoFile = path.join(projectRoot, 'examples', '01 - Demo - LED, sensor and stream.json');
const builtNode = path.join(projectRoot, 'dist', 'src', 'nodes', 'belay-device.js');

async function main() {
  if (!fs.existsSync(builtNode)) {
    console.error(`The node set is not built (${path.relative(projectRoot, builtNode)} is missing): run \`npm run build\` first, or use \`npm start\`, which builds.`);
    process.exit(1);
  }
  const reset = process.argv.includes('--reset');
  const port = process.env.PORT === undefined ? 1880 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT=${process.env.PORT} is not a TCP port number; use e.g. PORT=1881 npm start`);
    process.exit(1);
  }
  const firstStart = !fs.existsSync(path.join(userDir, 'flows.json'));
  const flows = JSON.parse(fs.readFileSync(demoFile, 'utf8'));
  const nr = await startNodeRed({ userDir, port, host: process.env.HOST || '127.0.0.1', flows, replaceFlows: reset });

  const lines = [
    '',
    `  Node-RED is running. Open the editor at ${nr.url}`,
    firstStart || reset
      ? '  The demo flow is deployed on the virtual board: press the inject buttons and watch the debug sidebar.'
      : '  Your flows from the last run are deployed (the demo again: npm start -- --reset).',
    '  More flows: menu ▸ Import ▸ Examples ▸ @belay/node-red-micropython.',
    `  User directory: ${path.relative(process.cwd(), userDir) || '.'}   Stop with Ctrl-C.`,
    '',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await nr.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`Could not start Node-RED: ${err.message}`);
  process.exit(1);
});
