/**
 * The package as a user gets it: `npm pack`, then `npm install <tarball> node-red@X` into an empty
 * folder (with --engine-strict, under the Node.js it is meant for), then Node-RED started from that
 * folder runs a flow on the virtual board. Checks what the flow library's scorecard
 * (`node-red-dev validate`) checks of a package, and what a tarball must carry: one copy of each
 * native module, source maps that stay inside the package, a licence, README links that resolve.
 *
 * Packs what `npm run build` left in dist/ (npm test builds first), without running the build again.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';

const root = path.resolve(__dirname, '..', '..', '..');
const repoPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { node22 } = require(path.join(root, 'scripts', 'node-22.js')) as { node22: () => string };

/** The Node-RED versions the repository tests against (its devDependencies), installed again from npm. */
const nodeRedVersion = (dep: string): string => JSON.parse(fs.readFileSync(path.join(root, 'node_modules', dep, 'package.json'), 'utf8')).version;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-package-'));
let tarball: string;
let packed: string[];

/** npm's own entry point, so that npm runs under the Node.js an install is meant for. */
function npmCli(): string {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm && /npm-cli\.js$/.test(fromNpm)) return fromNpm;
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  return fs.realpathSync(which);
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT; // this process is a test-runner child; the processes it starts are not
  for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k];
  return env;
}

function npm(node: string, cwd: string, args: string[]): string {
  const r = spawnSync(node, [npmCli(), ...args], { cwd, encoding: 'utf8', env: childEnv(), maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `npm ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

before(() => {
  const out = npm(process.execPath, root, ['pack', '--ignore-scripts', '--json', '--pack-destination', work]);
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, info.filename);
  packed = info.files.map((f) => f.path).sort();
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// The tarball
// ---------------------------------------------------------------------------------------------

test('the tarball carries the licence, the changelog and what Node-RED loads, and no tests or sources', () => {
  for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) assert.ok(packed.includes(f), `${f} is packed`);
  for (const file of Object.values(repoPkg['node-red'].nodes) as string[]) {
    assert.ok(packed.includes(file), `${file} is packed`);
    assert.ok(packed.includes(file.replace(/\.js$/, '.html')), `the editor side of ${file} is packed`);
  }
  assert.deepEqual(packed.filter((f) => /^(dist\/(test|bench)|test|src|bench|scripts)\//.test(f)), [], 'no tests, sources or scripts');
  assert.deepEqual(packed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), [], 'no TypeScript sources');
});

test('each icon is packed once, beside the node files, where Node-RED looks for it', () => {
  const icons = fs.readdirSync(path.join(root, 'icons')).filter((f) => f.endsWith('.svg'));
  assert.ok(icons.length >= 5);
  const nodeDirs = new Set((Object.values(repoPkg['node-red'].nodes) as string[]).map((f) => path.posix.dirname(f)));
  assert.equal(nodeDirs.size, 1, 'the node files share one folder, so one icons/ serves them all');
  const [nodeDir] = nodeDirs;
  for (const icon of icons) {
    assert.deepEqual(packed.filter((f) => path.posix.basename(f) === icon), [`${nodeDir}/icons/${icon}`], icon);
  }
});

// ---------------------------------------------------------------------------------------------
// The installed package
// ---------------------------------------------------------------------------------------------

interface Install { dir: string; pkgDir: string; node: string; nodeRed: string }
const installs = new Map<string, Install>();

/** One folder per Node-RED version: the tarball and Node-RED, installed as npm would for a user. */
function install(nodeRedDep: string, node: string): Install {
  const version = nodeRedVersion(nodeRedDep);
  const key = `${version}@${node}`;
  const done = installs.get(key);
  if (done) return done;
  const dir = fs.mkdtempSync(path.join(work, `node-red-${version}-`));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'node-red-user-dir', version: '1.0.0', private: true }) + '\n');
  npm(node, dir, ['install', '--no-audit', '--no-fund', '--engine-strict', tarball, `node-red@${version}`]);
  const result = { dir, pkgDir: path.join(dir, 'node_modules', ...repoPkg.name.split('/')), node, nodeRed: version };
  installs.set(key, result);
  return result;
}

/** Every installed package folder, nested ones too. */
function packagesUnder(nodeModules: string): { name: string; dir: string }[] {
  const out: { name: string; dir: string }[] = [];
  if (!fs.existsSync(nodeModules)) return out;
  for (const entry of fs.readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const dirs = entry.startsWith('@')
      ? fs.readdirSync(path.join(nodeModules, entry)).map((e) => path.join(nodeModules, entry, e))
      : [path.join(nodeModules, entry)];
    for (const dir of dirs) {
      const manifest = path.join(dir, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      out.push({ name: JSON.parse(fs.readFileSync(manifest, 'utf8')).name, dir });
      out.push(...packagesUnder(path.join(dir, 'node_modules')));
    }
  }
  return out;
}

/** Whether a package builds or ships a native addon (binding.gyp, prebuilds/ or a .node file outside node_modules). */
function isNative(dir: string): boolean {
  if (fs.existsSync(path.join(dir, 'binding.gyp')) || fs.existsSync(path.join(dir, 'prebuilds'))) return true;
  const walk = (d: string): boolean => fs.readdirSync(d, { withFileTypes: true }).some((e) =>
    e.isDirectory() ? e.name !== 'node_modules' && walk(path.join(d, e.name)) : e.name.endsWith('.node'));
  return walk(dir);
}

/** Files under `dir`, relative, '/' separators. */
function filesUnder(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? (e.name === 'node_modules' ? [] : filesUnder(dir, r)) : [r];
  });
}

test('an install holds exactly one copy of each native module, and the serial binding loads', { timeout: 120000 }, () => {
  const { dir, node } = install('node-red', process.execPath);
  const native = packagesUnder(path.join(dir, 'node_modules')).filter((p) => isNative(p.dir));
  const copies = new Map<string, string[]>();
  for (const p of native) copies.set(p.name, [...(copies.get(p.name) ?? []), path.relative(dir, p.dir)]);
  assert.deepEqual(copies.get('@serialport/bindings-cpp')?.length, 1, JSON.stringify([...copies]));
  for (const [name, where] of copies) assert.equal(where.length, 1, `${name} is installed ${where.length} times: ${where.join(', ')}`);

  const binding = path.join(dir, 'node_modules', '@serialport', 'bindings-cpp');
  for (const bin of [node, node22()]) {
    const r = spawnSync(bin, ['-e', `const b = require(${JSON.stringify(binding)}).autoDetect(); if (typeof b.open !== 'function') process.exit(3);`],
      { encoding: 'utf8', env: childEnv() });
    assert.equal(r.status, 0, `the serial binding does not load on ${bin}: ${r.stderr}`);
  }
});

test('source maps point only inside the package, and carry the sources that are not shipped', { timeout: 120000 }, () => {
  const { pkgDir } = install('node-red', process.execPath);
  const files = filesUnder(pkgDir);
  let maps = 0;
  for (const js of files.filter((f) => f.endsWith('.js'))) {
    const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(pkgDir, js), 'utf8'))?.[1];
    if (!ref) continue;
    assert.ok(!/^[a-z]+:/i.test(ref), `${js} refers to its map by URL: ${ref}`);
    const mapFile = path.resolve(path.dirname(path.join(pkgDir, js)), ref);
    assert.ok(fs.existsSync(mapFile), `${js} names a map that is not in the package: ${ref}`);
    const map = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
    map.sources.forEach((source, i) => {
      const at = path.resolve(path.dirname(mapFile), map.sourceRoot ?? '', source);
      assert.ok(at.startsWith(pkgDir + path.sep), `${path.relative(pkgDir, mapFile)} points outside the package: ${source}`);
      assert.ok(fs.existsSync(at) || typeof map.sourcesContent?.[i] === 'string',
        `${path.relative(pkgDir, mapFile)} names ${source}, which is neither shipped nor embedded`);
    });
    maps++;
  }
  assert.ok(maps > 10, `found ${maps} source maps`);
});

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[`*_]/g, '').replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-');
}

test('every README link resolves inside the package or is an absolute URL', { timeout: 120000 }, () => {
  const { pkgDir } = install('node-red', process.execPath);
  const text = fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8');
  const prose = text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const anchors = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
  const targets = [
    ...[...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]),
    ...[...prose.matchAll(/<(?:img|a)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]),
  ];
  assert.ok(targets.length >= 5, `found ${targets.length} links`);
  for (const target of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      assert.match(target, /^(https:|mailto:)/, `${target}: absolute links are https or mailto`);
      continue;
    }
    const [file, anchor] = target.split('#');
    if (file === '') {
      assert.ok(anchors.has(anchor), `#${anchor} is no heading of the README`);
      continue;
    }
    const at = path.resolve(pkgDir, decodeURIComponent(file));
    assert.ok(at.startsWith(pkgDir + path.sep) && fs.existsSync(at), `${target} is not in the package`);
  }
});

test("the flow library scorecard's package checks hold", { timeout: 120000 }, () => {
  const { pkgDir } = install('node-red', process.execPath);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(pkg.license, 'MIT');
  assert.match(fs.readFileSync(path.join(pkgDir, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} the @belay\/node-red-micropython authors\n/);
  assert.match(pkg.name, /^@[a-z\d][\w-.]+\/[a-z\d][\w-.]*$/, 'a scoped name');
  assert.ok(pkg.keywords.includes('node-red'), 'the node-red keyword');
  const declared = pkg['node-red'].version;
  assert.ok(semver.validRange(declared), `node-red.version ${declared} is a range`);
  for (const dep of ['node-red', 'node-red-5']) {
    const runtime = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', dep, 'package.json'), 'utf8'));
    assert.ok(semver.satisfies(runtime.version, declared), `Node-RED ${runtime.version}, which the tests run on, is in ${declared}`);
  }
  // What the scorecard asks of engines: the oldest Node.js that the latest Node-RED runs on is allowed.
  const latest = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'node-red-5', 'package.json'), 'utf8'));
  const oldest = semver.minVersion(latest.engines.node);
  assert.ok(oldest && semver.satisfies(oldest, pkg.engines.node), `engines.node ${pkg.engines.node} allows Node ${oldest}, which Node-RED ${latest.version} needs`);
  assert.ok(semver.satisfies(process.versions.node, pkg.engines.node), `engines.node allows Node ${process.versions.node}, which the tests run on`);
  // CONTRACT.md: node-red.version is ">=4.0.0"; README says what 4.0's Catch node leaves out
  assert.equal(declared, '>=4.0.0');
  assert.match(fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8'), /Node-RED 4\.0[^.]*msg\.error\.code/);
  const deps = Object.keys(pkg.dependencies ?? {});
  assert.ok(deps.length <= 6, `at most 6 dependencies, has ${deps.length}: ${deps.join(', ')}`);
  assert.ok(!deps.some((d) => d === 'node-red' || d.startsWith('@node-red/')), 'Node-RED is no dependency');

  // Examples: every file under examples/ is a flow, and every node that is not a config node is in one.
  const types = new Map<string, string>();
  for (const file of Object.values(pkg['node-red'].nodes) as string[]) {
    const html = fs.readFileSync(path.join(pkgDir, file.replace(/\.js$/, '.html')), 'utf8');
    const parts = html.split(/RED\.nodes\.registerType\(\s*/).slice(1);
    for (const part of parts) {
      const type = /^['"]([\w-]+)['"]/.exec(part)?.[1];
      if (type) types.set(type, /category:\s*['"]([^'"]+)['"]/.exec(part)?.[1] ?? '');
    }
  }
  assert.ok(types.size >= Object.keys(pkg['node-red'].nodes).length, [...types.keys()].join(', '));
  const used = new Set<string>();
  const examples = filesUnder(path.join(pkgDir, 'examples'));
  assert.ok(examples.length > 0, 'examples are shipped');
  for (const f of examples) {
    let flow: unknown;
    assert.doesNotThrow(() => { flow = JSON.parse(fs.readFileSync(path.join(pkgDir, 'examples', f), 'utf8')); }, `examples/${f} is a JSON flow`);
    assert.ok(Array.isArray(flow), `examples/${f} is a flow (an array of nodes)`);
    for (const n of flow as { type?: string }[]) if (n.type) used.add(n.type);
  }
  const missing = [...types].filter(([t, category]) => category !== 'config' && !used.has(t)).map(([t]) => t);
  assert.deepEqual(missing, [], 'every node has an example');
});

test("help bodies are in Node-RED's help style: no bold or italics, no tables", { timeout: 120000 }, () => {
  const { pkgDir } = install('node-red', process.execPath);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  let helps = 0;
  for (const file of Object.values(pkg['node-red'].nodes) as string[]) {
    const html = fs.readFileSync(path.join(pkgDir, file.replace(/\.js$/, '.html')), 'utf8');
    for (const [, type, body] of html.matchAll(/<script type="text\/html" data-help-name="([^"]+)">([\s\S]*?)<\/script>/g)) {
      helps++;
      assert.deepEqual(body.match(/<\/?(b|i|strong|em|table)\b[^>]*>/g) ?? [], [], `${type} help`);
    }
  }
  assert.ok(helps >= Object.keys(pkg['node-red'].nodes).length, `found ${helps} help bodies`);
});

// ---------------------------------------------------------------------------------------------
// Node-RED started from the install folder
// ---------------------------------------------------------------------------------------------

function flowFor(resultFile: string): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'package test' },
    { id: 'dev', type: 'belay-device', name: 'virtual', port: 'virtual:package-test', baud: 115200, setup: '', teardown: '', softReset: true, reconnect: true, timeout: 10 },
    { id: 'inject', type: 'inject', z: 'tab', props: [{ p: 'payload' }], payload: '', payloadType: 'date', once: true, onceDelay: 0.1, repeat: '', x: 100, y: 100, wires: [['exec']] },
    { id: 'exec', type: 'belay-exec', z: 'tab', device: 'dev', name: '', code: '1+1', timeout: '', x: 300, y: 100, wires: [['write']] },
    { id: 'write', type: 'file', z: 'tab', filename: resultFile, filenameType: 'str', appendNewline: true, createDir: false, overwriteFile: 'true', encoding: 'none', x: 500, y: 100, wires: [[]] },
    { id: 'catch', type: 'catch', z: 'tab', scope: null, uncaught: false, x: 100, y: 200, wires: [['log']] },
    { id: 'log', type: 'debug', z: 'tab', name: 'caught', active: true, tosidebar: false, console: true, tostatus: false, complete: 'error', targetType: 'msg', x: 300, y: 200, wires: [] },
  ];
}

const settingsJs = `module.exports = {
  uiHost: '127.0.0.1', uiPort: 0, flowFile: 'flows.json', credentialSecret: false,
  telemetry: { enabled: false, updateNotification: false }, diagnostics: { enabled: false, ui: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`;

/** Starts Node-RED from an install folder as `node-red -u <folder>` would, and says where it listens. */
async function startNodeRed(inst: Install, node: string, runDir: string): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  fs.writeFileSync(path.join(runDir, 'settings.js'), settingsJs);
  fs.mkdirSync(path.join(runDir, 'tmp'));
  const red = path.join(inst.dir, 'node_modules', 'node-red', 'red.js');
  // The install folder is the user directory (its node_modules has the package); the run's files
  // (settings, flows, the virtual board's folder under TMPDIR) stay in runDir.
  const child = spawn(node, [red, '--userDir', inst.dir, '--settings', path.join(runDir, 'settings.js'), path.join(runDir, 'flows.json')],
    { cwd: runDir, env: childEnv({ TMPDIR: path.join(runDir, 'tmp') }), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const log = () => output;
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Server now running at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`Node-RED exited (${code}) before it listened:\n${output}`)));
  });
  return { child, url, log };
}

async function stopNodeRed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  await exited;
  clearTimeout(timer);
}

/** Resolves when `file` holds a complete line; fails when Node-RED logs an error, a Catch node logs, or Node-RED exits. */
function firstLine(file: string, child: ChildProcess, log: () => string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const dir = path.dirname(file);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      watcher.close();
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('exit', exited);
      fn();
    };
    const check = () => {
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (text.includes('\n')) finish(() => resolve(text.split('\n')[0]));
      else if (/\[error\]|\[debug:caught\]/.test(log())) finish(() => reject(new Error(`Node-RED reported a problem:\n${log()}`)));
    };
    const exited = () => finish(() => reject(new Error(`Node-RED exited:\n${log()}`)));
    const watcher = fs.watch(dir, check);
    const timer = setTimeout(() => finish(() => reject(new Error(`no result in ${ms} ms:\n${log()}`))), ms);
    child.stdout!.on('data', check);
    child.once('exit', exited);
    check();
  });
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  assert.equal(res.status, 200, url);
  return res.json();
}

for (const [nodeRedDep, nodeName] of [['node-red', 'machine'], ['node-red', '22'], ['node-red-5', '22']] as const) {
  const label = `Node-RED ${nodeRedVersion(nodeRedDep)} on Node ${nodeName === 'machine' ? process.versions.node : '22'}`;
  test(`the nodes load and a flow runs on ${label}`, { timeout: 180000 }, async () => {
    const node = nodeName === 'machine' ? process.execPath : node22();
    // Node-RED 5 is installed under the Node.js it needs, so that --engine-strict holds it to that.
    const inst = install(nodeRedDep, nodeRedDep === 'node-red-5' ? node : process.execPath);
    const runDir = fs.mkdtempSync(path.join(work, 'run-'));
    const resultFile = path.join(runDir, 'result.txt');
    fs.writeFileSync(path.join(runDir, 'flows.json'), JSON.stringify(flowFor(resultFile)));
    const { child, url, log } = await startNodeRed(inst, node, runDir);
    try {
      const sets = (await getJson(`${url}nodes`)).filter((s: { module: string }) => s.module === repoPkg.name);
      for (const name of Object.keys(repoPkg['node-red'].nodes)) {
        const set = sets.find((s: { name: string }) => s.name === name);
        assert.ok(set, `${name} is registered (${log()})`);
        assert.equal(set.err, undefined, `${name} failed to load: ${set.err}`);
        assert.equal(set.enabled, true, name);
        assert.equal(set.local, true, `${name} is loaded from the user directory's node_modules: ${JSON.stringify(set)}`);
        assert.ok(set.types.includes(name), `${name} registers its type: ${set.types}`);
      }
      const icon = await fetch(`${url}icons/${repoPkg.name}/belay-exec.svg`);
      assert.equal(icon.status, 200);
      assert.equal(await icon.text(), fs.readFileSync(path.join(root, 'icons', 'belay-exec.svg'), 'utf8'), 'Node-RED serves the node\'s own icon');

      assert.equal(await firstLine(resultFile, child, log, 60000), '2', 'inject -> belay-exec 1+1 -> file');
    } finally {
      await stopNodeRed(child);
    }
    assert.doesNotMatch(log(), /\[error\]/, log());
  });
}
