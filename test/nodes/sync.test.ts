/**
 * belay-sync on the virtual board: a first run, nothing changed, a changed file, a deleted file,
 * keep (default and a list of one's own), ignore, package: sources, and the progress status.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { catcher, connected, device, load, roundTrip, sink, statusOf, unload, userDir, virtualPort, type Msg } from '../support/nr';

const z = 'tab';
const hostDir = path.join(userDir, 'src-a');
const write = (rel: string, text: string, base = hostDir) => {
  fs.mkdirSync(path.dirname(path.join(base, rel)), { recursive: true });
  fs.writeFileSync(path.join(base, rel), text);
};
const syncNode = (id: string, extra: Record<string, unknown>) => ({
  id, z, type: 'belay-sync', device: 'dev', name: '', source: 'src-a', dest: '/', keep: '', ignore: '*.md', minify: true, onConnect: false, timeout: '', wires: [['out']], ...extra,
});

const WALK = `import os

def walk(p):
    out = []
    for n in os.listdir(p):
        f = p.rstrip('/') + '/' + n
        if os.stat(f)[0] & 0x4000:
            out += walk(f)
        else:
            out.append(f)
    return sorted(out)
`;

before(async () => {
  write('main.py', '# entry\nprint("main")\n');
  write('lib/util.py', 'def add(a, b):\n    """Adds."""\n    return a + b\n');
  write('notes.txt', 'plain text\n');
  write('docs/readme.md', '# not for the board\n');
  const pkg = path.join(userDir, 'node_modules', 'fake-fw');
  write('package.json', JSON.stringify({ name: 'fake-fw', version: '1.0.0' }), pkg);
  write('board/fw.py', 'VERSION = 1\n', pkg);
  await load([
    { id: z, type: 'tab', label: 'sync' },
    device('dev', virtualPort('sync')),
    syncNode('sync', {}),
    syncNode('sync-keep', { keep: 'keepme.txt, /lib' }),
    syncNode('sync-pkg', { source: 'package:fake-fw/board', dest: '/pkg' }),
    { id: 'fs', z, type: 'belay-exec', device: 'dev', name: '', code: '', timeout: '', wires: [['out']] },
    { ...catcher('catch', 'caught'), z },
    { ...sink('out'), z },
    { ...sink('caught'), z },
  ]);
  await connected('sync');
  await roundTrip('fs', 'out', { code: WALK });
});

after(async () => {
  await unload();
});

const board = async (code: string) => (await roundTrip('fs', 'out', { code })).payload;
const files = () => board("walk('/')");
const sync = (id = 'sync', msg: Msg = {}) => roundTrip(id, 'out', msg, 60000).then((m) => m.payload);

test('first run uploads the host folder, skips ignored files, deletes strays and keeps boot.py', { timeout: 60000 }, async () => {
  await board("f = open('/boot.py', 'w'); f.write('# boot'); f.close()\nf = open('/stray.py', 'w'); f.write('x'); f.close()");
  const progress = statusOf('sync', (s) => /^\d+\/\d+$/.test(String(s.text)));
  const r = await sync();
  assert.match(String((await progress).text), /^\d+\/\d+$/);
  assert.deepEqual([...r.uploaded].sort(), ['/lib/util.py', '/main.py', '/notes.txt']);
  assert.deepEqual(r.deleted, ['/stray.py']);
  assert.ok(r.bytes > 0 && typeof r.ms === 'number');
  assert.deepEqual(await files(), ['/boot.py', '/lib/util.py', '/main.py', '/notes.txt']);
  assert.equal(await board("open('/lib/util.py').read().count('\\n')"), 3, 'minify keeps the line count');
  assert.equal(await board("'Adds' in open('/lib/util.py').read()"), false, 'minify strips the docstring');
});

test('an unchanged folder uploads nothing', { timeout: 60000 }, async () => {
  const r = await sync('sync', { topic: 'again' });
  assert.deepEqual(r.uploaded, []);
  assert.deepEqual(r.deleted, []);
  assert.deepEqual([...r.unchanged].sort(), ['/lib/util.py', '/main.py', '/notes.txt']);
  assert.equal(r.bytes, 0);
});

test('a changed file is uploaded alone; a file deleted on the host is deleted on the board', { timeout: 60000 }, async () => {
  write('main.py', '# entry\nprint("main, changed")\n');
  fs.rmSync(path.join(hostDir, 'notes.txt'));
  const r = await sync();
  assert.deepEqual(r.uploaded, ['/main.py']);
  assert.deepEqual(r.deleted, ['/notes.txt']);
  const text = await board("open('/main.py').read()");
  assert.match(text, /print\("main, changed"\)/);
  assert.doesNotMatch(text, /# entry/, 'the comment was minified away');
  assert.deepEqual(await files(), ['/boot.py', '/lib/util.py', '/main.py']);
});

test('a keep list of one\'s own replaces the default', { timeout: 60000 }, async () => {
  await board("f = open('/keepme.txt', 'w'); f.write('k'); f.close()");
  const r = await sync('sync-keep');
  assert.deepEqual(r.deleted, ['/boot.py'], 'boot.py is no longer kept, keepme.txt is');
  assert.deepEqual(await files(), ['/keepme.txt', '/lib/util.py', '/main.py']);
});

test('package: sources come from an npm package installed in the user directory', { timeout: 60000 }, async () => {
  const r = await sync('sync-pkg');
  assert.deepEqual(r.uploaded, ['/pkg/fw.py']);
  assert.equal(await board("open('/pkg/fw.py').read()"), 'VERSION = 1\n');
});

test('a missing source folder fails with a message naming it', { timeout: 30000 }, async () => {
  fs.renameSync(hostDir, hostDir + '-moved');
  try {
    const caught = await roundTrip('sync', 'caught', { marker: 'gone' });
    assert.equal(caught.marker, 'gone');
    assert.match(caught.error.message, /src-a does not exist/);
  } finally {
    fs.renameSync(hostDir + '-moved', hostDir);
  }
});
