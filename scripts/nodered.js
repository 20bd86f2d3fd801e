// Starts Node-RED 4.1 (the devDependency) inside this process with this node set loaded from the
// working tree. Shared by `npm start` (scripts/start.js) and the tests (test/support/nodered-server.ts),
// so what the tests check is what a newcomer sees.
//
// How the node set is found: Node-RED loads every module under <userDir>/node_modules whose
// package.json has a "node-red" section, and offers that module's examples/ under Import ▸ Examples.
// So the user directory gets a package.json depending on this project through a file: link, and
// node_modules/@belay/node-red-micropython is a symlink to the project root, exactly what
// `npm install <path>` would make. `package:@belay/node-red-micropython/...` sources resolve there too.
// The FlowFuse dashboard needs nothing: Node-RED also scans the node_modules folder it is installed
// in, which is this project's, where the dashboard is a devDependency.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const root = path.join(__dirname, '..');
const packageName = require(path.join(root, 'package.json')).name;

/** Makes `userDir` a Node-RED user directory that has this package installed from the working tree. */
function linkPackage(userDir) {
  fs.mkdirSync(userDir, { recursive: true });
  const pkgFile = path.join(userDir, 'package.json');
  const pkg = fs.existsSync(pkgFile) ? JSON.parse(fs.readFileSync(pkgFile, 'utf8'))
    : { name: 'node-red-project', description: 'Node-RED user directory', version: '0.0.1', private: true };
  pkg.dependencies = { ...pkg.dependencies, [packageName]: `file:${path.relative(userDir, root) || '.'}` };
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');

  const link = path.join(userDir, 'node_modules', ...packageName.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true });
  let current;
  try { current = fs.realpathSync(link); } catch { current = undefined; }
  if (current !== fs.realpathSync(root)) {
    fs.rmSync(link, { recursive: true, force: true });
    // 'junction' lets Windows users without symlink rights run `npm start`; elsewhere it is ignored.
    fs.symlinkSync(root, link, 'junction');
  }
}

/** Node-RED's settings for a local, single-user instance. `onLog` sees every log entry. */
function makeSettings({ userDir, port, host, logLevel, onLog }) {
  const logging = { console: { level: logLevel, metrics: false, audit: false } };
  if (onLog) {
    logging.capture = { level: 'debug', metrics: false, audit: false, handler: () => onLog };
  }
  return {
    userDir,
    flowFile: 'flows.json',
    flowFilePretty: true,
    // Credentials stay readable in the git-ignored user dir; no generated key to lose.
    credentialSecret: false,
    uiHost: host,
    uiPort: port,
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    functionExternalModules: false,
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    editorTheme: { tours: false, projects: { enabled: false } },
    logging,
  };
}

/**
 * Starts Node-RED. Only one Node-RED can run in a process (its runtime is a singleton).
 *
 * @param {object} options
 * @param {string} options.userDir   Node-RED user directory (created when missing)
 * @param {number} [options.port=1880]  0 picks a free port
 * @param {string} [options.host='127.0.0.1']
 * @param {object[]} [options.flows]  written to <userDir>/flows.json when that file is absent
 * @param {boolean} [options.replaceFlows=false]  write `flows` even when flows.json exists
 * @param {string} [options.logLevel='info']  console log level
 * @param {(entry: {level: number, msg: unknown, type?: string, id?: string}) => void} [options.onLog]
 * @param {object} [options.settings]  more Node-RED settings (adminAuth, for one), over the defaults
 * @returns {Promise<{url: string, port: number, RED: any, server: http.Server, stop: () => Promise<void>}>}
 */
async function startNodeRed(options) {
  const { userDir, port = 1880, host = '127.0.0.1', flows, replaceFlows = false, logLevel = 'info', onLog, settings } = options;
  linkPackage(userDir);
  const flowFile = path.join(userDir, 'flows.json');
  if (flows && (replaceFlows || !fs.existsSync(flowFile))) {
    fs.writeFileSync(flowFile, JSON.stringify(flows, null, 2) + '\n');
  }

  const RED = require('node-red');
  let redReady = false;
  // Node-RED's admin app falls through to next() for paths it does not serve; then the node app
  // (dashboard pages, http-in nodes) gets its turn, like `app.use('/', admin); app.use('/', node)`.
  const server = http.createServer((req, res) => {
    const notFound = () => { res.statusCode = 404; res.end('Not found'); };
    if (!redReady) { res.statusCode = 503; res.end('Node-RED is starting'); return; }
    RED.httpAdmin(req, res, () => RED.httpNode(req, res, notFound));
  });
  await new Promise((resolve, reject) => {
    server.once('error', (err) => reject(err.code === 'EADDRINUSE'
      ? new Error(`Port ${port} on ${host} is in use: stop the other Node-RED or set PORT to a free port.`)
      : err));
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  RED.init(server, { ...makeSettings({ userDir, port: actualPort, host, logLevel, onLog }), ...settings });
  await RED.start();
  redReady = true;
  const url = `http://${host}:${actualPort}/`;

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      await RED.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    })();
    return stopped;
  };
  return { url, port: actualPort, RED, server, stop };
}

module.exports = { startNodeRed, linkPackage, makeSettings, projectRoot: root, packageName };
