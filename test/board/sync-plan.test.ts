import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  fnv1a32, ignoreMatcher, DEFAULT_IGNORE, scanHostFolder, planSync, HostFile,
} from '../../src/board/sync-plan';
import { agentPart } from '../../src/board/agent';
import { chunkExpr, pieceExpr, type LiteralForms } from '../../src/board/sync';
import { minify } from '../../src/board/python/minify';
import { parsePython, toPython } from '../../src/board/python/literal';
import { loadWasmPython, WasmPython } from './python/wasm-python';

test('fnv1a32 test vectors from BELAY.md', () => {
  assert.equal(fnv1a32(Buffer.from('')), 0x811c9dc5);
  assert.equal(fnv1a32(Buffer.from('a')), 0xe40c292c);
  assert.equal(fnv1a32(Buffer.from('foobar')), 0xbf9cf968);
  assert.equal(fnv1a32(Buffer.from('hello world\n')), 0xd7353d57);
  assert.ok(fnv1a32(Buffer.alloc(100000, 0xff)) >= 0);
});

describe('ignoreMatcher', () => {
  test('defaults are always there', () => {
    const m = ignoreMatcher([]);
    assert.equal(m('x.pyc', false), true);
    assert.equal(m('lib/deep/x.pyc', false), true);
    assert.equal(m('__pycache__', true), true);
    assert.equal(m('lib/__pycache__/x.py', false), true);
    assert.equal(m('.DS_Store', false), true);
    assert.equal(m('main.py', false), false);
    assert.equal(m('lib', true), false);
  });

  test('anchoring, folders only, ** and negation', () => {
    const m = ignoreMatcher(['# comment', '', '/build', 'tmp/', 'docs/**/*.md', '*.log', '!keep.log', 'a/**/z', 'secret?.txt', 'data/**', '[0-9]*.bin', '\\!bang']);
    assert.equal(m('build', true), true);
    assert.equal(m('build/x.py', false), true);
    assert.equal(m('lib/build', true), false, 'a leading / anchors to the root');
    assert.equal(m('tmp', true), true);
    assert.equal(m('tmp', false), false, 'a trailing / matches folders only');
    assert.equal(m('lib/tmp/x', false), true, 'tmp/ has no inner slash: any depth');
    assert.equal(m('docs/a.md', false), true);
    assert.equal(m('docs/x/y/a.md', false), true);
    assert.equal(m('docs/a.txt', false), false);
    assert.equal(m('other/docs/a.md', false), false, 'an inner slash anchors');
    assert.equal(m('x.log', false), true);
    assert.equal(m('keep.log', false), false, '! re-includes');
    assert.equal(m('lib/keep.log', false), false);
    assert.equal(m('a/z', false), true);
    assert.equal(m('a/b/c/z', false), true);
    assert.equal(m('secret1.txt', false), true);
    assert.equal(m('secret12.txt', false), false);
    assert.equal(m('data', true), false, 'data/** matches inside data, not data itself');
    assert.equal(m('data/x/y', false), true);
    assert.equal(m('7up.bin', false), true);
    assert.equal(m('up.bin', false), false);
    assert.equal(m('!bang', false), true);
    assert.equal(m('comment', false), false);
  });

  test('nothing inside an ignored folder can be re-included', () => {
    const m = ignoreMatcher(['logs/', '!logs/keep.txt', '*.tmp', '!important.tmp']);
    assert.equal(m('logs/keep.txt', false), true);
    assert.equal(m('important.tmp', false), false);
  });

  test('the defaults can be re-included', () => {
    assert.equal(ignoreMatcher(['!*.pyc'])('x.pyc', false), false);
  });

  test('a folder pattern, a parent re-included with a wildcard, escapes and trailing spaces', () => {
    const m = ignoreMatcher(['out/', 'abc/*', '!abc/keep.txt', '\\#hash', 'trail.txt   ', 'space\\ ', 'x**y', 'CAPS']);
    assert.equal(m('src/out', false), false, 'out/ leaves a file named out alone');
    assert.equal(m('src/out/a.py', false), true);
    assert.equal(m('abc/keep.txt', false), false, 'abc/* ignores what is inside abc, not abc: its content can come back');
    assert.equal(m('abc/other.txt', false), true);
    assert.equal(m('#hash', false), true);
    assert.equal(m('trail.txt', false), true, 'unescaped trailing spaces are dropped');
    assert.equal(m('space ', false), true, 'an escaped trailing space stays');
    assert.equal(m('space', false), false);
    assert.equal(m('xay', false), true, '** inside a name is one *');
    assert.equal(m('x/y', false), false);
    assert.equal(m('caps', false), false, 'case-sensitive');
  });

  test('ignores exactly the files git ignores for the same .gitignore', { timeout: 30000 }, async () => {
    const patterns = [
      'build/', '/root-only.txt', 'doc/*.txt', '**/logs', 'a/**/b', 'abc/*', '!abc/keep.txt', 'xyz/', '!xyz/keep.txt',
      '*.log', '!important.log', '\\#hash.txt', '\\!bang.txt', 'trail.txt   ', '[abc]x.txt', '[!a]y.txt', '?.md',
      '*.TXT', 'data/**/*.csv', '/vendor/*', '!/vendor/keep/', 'x**y.txt', '# a comment', 'deep/**', '!deep/k.py',
    ];
    const files = [
      'build/out.py', 'src/build/out.py', 'lib/build', 'root-only.txt', 'sub/root-only.txt', 'doc/a.txt', 'doc/sub/b.txt',
      'logs/x', 'src/logs/y', 'a/b/f', 'a/m/n/b/f', 'a/bb', 'abc/keep.txt', 'abc/drop.txt', 'xyz/keep.txt', 'xyz/drop.txt',
      'x.log', 'important.log', 'sub/important.log', '#hash.txt', '!bang.txt', 'trail.txt', 'ax.txt', 'dx.txt', 'ay.txt',
      'by.txt', 'a.md', 'ab.md', 'UP.TXT', 'up.txt', 'data/x.csv', 'data/y/z/w.csv', 'data/x.json', 'vendor/keep/k.py',
      'vendor/other/o.py', 'vendor/top.py', 'xay.txt', 'x/y.txt', 'deep/k.py', 'deep/sub/k.py', 'main.py', 'lib/x.pyc',
      'lib/__pycache__/c.py', '.DS_Store', 'lib/ok.py',
    ];
    const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'belay-gitignore-'));
    try {
      for (const f of files) {
        await fsp.mkdir(path.dirname(path.join(root, f)), { recursive: true });
        await fsp.writeFile(path.join(root, f), f);
      }
      await fsp.writeFile(path.join(root, '.gitignore'), [...DEFAULT_IGNORE, ...patterns, '/.gitignore'].join('\n') + '\n');
      const git = (...args: string[]) => {
        const r = spawnSync('git', ['-c', 'core.ignorecase=false', '-c', 'core.excludesFile=/dev/null', ...args], { cwd: root, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
      };
      git('init', '-q');
      const byGit = git('ls-files', '--others', '--exclude-standard', '-z').split('\0').filter((f) => f !== '').sort();
      const { files: scanned } = await scanHostFolder(root, { ignore: [...patterns, '/.gitignore', '/.git/'], minify: false });
      assert.deepEqual(scanned.map((f) => f.rel), byGit);
      // The comparison means something only if both kinds of answer occur.
      assert.ok(byGit.includes('abc/keep.txt') && !byGit.includes('xyz/keep.txt') && byGit.length < files.length - 10, byGit.join(' '));
    } finally {
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});

describe('scanHostFolder', () => {
  let root: string;
  before(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'belay-scan-'));
    await fsp.mkdir(path.join(root, 'lib/sub'), { recursive: true });
    await fsp.mkdir(path.join(root, 'empty'));
    await fsp.mkdir(path.join(root, '__pycache__'));
    await fsp.mkdir(path.join(root, 'build'));
    await fsp.writeFile(path.join(root, 'main.py'), '"""doc"""\nimport lib.x  # comment\n');
    await fsp.writeFile(path.join(root, 'lib/x.py'), 'def f():\n    # c\n    return 1\n');
    await fsp.writeFile(path.join(root, 'lib/sub/data.bin'), Buffer.from([0, 1, 2, 255]));
    await fsp.writeFile(path.join(root, 'lib/x.pyc'), 'compiled');
    await fsp.writeFile(path.join(root, '__pycache__/y.pyc'), 'c');
    await fsp.writeFile(path.join(root, 'build/out.txt'), 'o');
    await fsp.writeFile(path.join(root, 'latin1.py'), Buffer.from([0x23, 0xe9, 0x0a])); // not UTF-8
    await fsp.symlink(root, path.join(root, 'lib/loop')); // a link cycle is visited once
  });
  after(async () => { await fsp.rm(root, { recursive: true, force: true }); });

  test('lists files and folders, minified, hashed, ignoring what it should', async () => {
    const { files, dirs } = await scanHostFolder(root, { ignore: ['/build'], minify: true });
    assert.deepEqual(files.map((f) => f.rel), ['latin1.py', 'lib/sub/data.bin', 'lib/x.py', 'main.py']);
    assert.deepEqual(dirs, ['empty', 'lib', 'lib/sub']);
    const main = files.find((f) => f.rel === 'main.py') as HostFile;
    assert.equal(main.data.toString(), minify('"""doc"""\nimport lib.x  # comment\n'));
    assert.equal(main.data.toString(), '0\nimport lib.x\n');
    for (const f of files) assert.equal(f.hash, fnv1a32(f.data));
    assert.deepEqual((files.find((f) => f.rel === 'latin1.py') as HostFile).data, Buffer.from([0x23, 0xe9, 0x0a]));
    assert.deepEqual((files.find((f) => f.rel === 'lib/sub/data.bin') as HostFile).data, Buffer.from([0, 1, 2, 255]));
  });

  test('minify: false sends .py files as they are', async () => {
    const { files } = await scanHostFolder(root, { ignore: [], minify: false });
    assert.equal((files.find((f) => f.rel === 'main.py') as HostFile).data.toString(), '"""doc"""\nimport lib.x  # comment\n');
    assert.ok(files.some((f) => f.rel === 'build/out.txt'));
  });

  test('a missing source or a file instead of a folder is a clear error', async () => {
    await assert.rejects(scanHostFolder(path.join(root, 'nope')), /Sync source folder ".*nope" cannot be read \(ENOENT\)/);
    await assert.rejects(scanHostFolder(path.join(root, 'main.py')), /is a file, not a folder/);
  });
});

const hf = (rel: string, content: string): HostFile => {
  const data = Buffer.from(content);
  return { rel, data, hash: fnv1a32(data) };
};

describe('planSync', () => {
  const host = [hf('main.py', 'main'), hf('lib/x.py', 'x'), hf('lib/new.py', 'new'), hf('app/a.py', 'a')];
  const hostDirs = ['app', 'lib'];

  test('uploads what differs, keeps what matches, deletes the rest except kept paths', () => {
    const board = new Map<string, number>([
      ['/main.py', fnv1a32(Buffer.from('old main'))],
      ['/lib/x.py', fnv1a32(Buffer.from('x'))],
      ['/boot.py', 123],
      ['/webrepl_cfg.py', 456],
      ['/lib/vendor/thing.py', 789],
      ['/stale.py', 1],
      ['/old/deep/f.txt', 2],
    ]);
    const plan = planSync(host, hostDirs, board, ['/lib', '/lib/vendor', '/old', '/old/deep'], { dest: '/' });
    assert.deepEqual(plan.upload.map((f) => f.path).sort(), ['/app/a.py', '/lib/new.py', '/main.py']);
    assert.deepEqual(plan.unchanged, ['/lib/x.py']);
    assert.deepEqual(plan.mkdirs, ['/app']);
    assert.deepEqual(plan.delete, ['/old/deep/f.txt', '/stale.py', '/old/deep', '/old']);
    const up = plan.upload.find((f) => f.path === '/main.py');
    assert.equal(up?.rel, 'main.py');
    assert.deepEqual(up?.data, Buffer.from('main'));
  });

  test('hash 0 means missing; nothing outside dest is touched; dest itself is created, never deleted', () => {
    const board = new Map<string, number>([
      ['/app/main.py', 0],
      ['/app/old.py', 5],
      ['/other/x.py', 6],
      ['/main.py', 7],
      ['/application.py', 8],
    ]);
    const plan = planSync([hf('main.py', 'm')], [], board, ['/other', '/app/sub'], { dest: '/app/' });
    assert.deepEqual(plan.upload.map((f) => f.path), ['/app/main.py']);
    assert.deepEqual(plan.delete, ['/app/old.py', '/app/sub']);
    assert.deepEqual(plan.mkdirs, ['/app']);
    const again = planSync([hf('main.py', 'm')], [], new Map(), ['/app'], { dest: '/app' });
    assert.deepEqual(again.mkdirs, []);
    assert.deepEqual(again.delete, []);
  });

  test('keep: defaults only for dest "/", relative or absolute, folders keep their content and parents', () => {
    const board = new Map<string, number>([['/boot.py', 1], ['/sub/boot.py', 2], ['/sub/keep/me.txt', 3], ['/cfg/secret.txt', 4], ['/cfg/other.txt', 5]]);
    const dirs = ['/sub', '/sub/keep', '/cfg'];
    assert.deepEqual(planSync([], [], board, dirs, { dest: '/sub' }).delete, ['/sub/boot.py', '/sub/keep/me.txt', '/sub/keep']);
    assert.deepEqual(planSync([], [], board, dirs, { dest: '/sub', keep: ['keep'] }).delete, ['/sub/boot.py']);
    assert.deepEqual(planSync([], [], board, dirs, { dest: '/', keep: ['/cfg/secret.txt', 'sub'] }).delete, ['/boot.py', '/cfg/other.txt']);
    assert.deepEqual(planSync([], [], board, dirs, { dest: '/', keep: [] }).delete,
      ['/boot.py', '/cfg/other.txt', '/cfg/secret.txt', '/sub/boot.py', '/sub/keep/me.txt', '/sub/keep', '/cfg', '/sub']);
    assert.deepEqual(planSync([], [], board, dirs, { dest: '/' }).delete,
      ['/cfg/other.txt', '/cfg/secret.txt', '/sub/boot.py', '/sub/keep/me.txt', '/sub/keep', '/cfg', '/sub']);
  });

  test('a board file where the host has a folder (and the reverse) is deleted so the folder can be made', () => {
    const board = new Map<string, number>([['/pkg', 1], ['/mod.py/inner.py', 2]]);
    const plan = planSync([hf('pkg/a.py', 'a'), hf('mod.py', 'm')], ['pkg'], board, ['/mod.py'], { dest: '/', keep: [] });
    assert.deepEqual(plan.delete, ['/mod.py/inner.py', '/pkg', '/mod.py']);
    assert.deepEqual(plan.mkdirs, ['/pkg']);
    assert.deepEqual(plan.upload.map((f) => f.path), ['/pkg/a.py', '/mod.py']);
  });

  test('folders an upload needs are created even if the host list left them out, parents first', () => {
    const plan = planSync([hf('a/b/c.py', 'c')], [], new Map(), [], { dest: '/x' });
    assert.deepEqual(plan.mkdirs, ['/x', '/x/a', '/x/a/b']);
  });
});

describe('a whole sync against the real interpreter (WebAssembly MicroPython)', () => {
  let mp: WasmPython;
  let root: string;
  before(async () => {
    mp = await loadWasmPython();
    mp.run(agentPart('fnv'));
    mp.run(agentPart('sync'));
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'belay-e2e-'));
    await fsp.mkdir(path.join(root, 'lib/pkg'), { recursive: true });
    await fsp.mkdir(path.join(root, 'empty'));
    await fsp.writeFile(path.join(root, 'main.py'), '# main\nprint("hi")  # says hi\n');
    await fsp.writeFile(path.join(root, 'lib/pkg/__init__.py'), '');
    await fsp.writeFile(path.join(root, 'lib/pkg/blob.bin'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff)));
    await fsp.writeFile(path.join(root, "it's.txt"), 'quote in the name\n');
  });
  after(async () => { await fsp.rm(root, { recursive: true, force: true }); });

  const boardState = (dest: string) => parsePython(mp.run(`print(repr(_bhashes(${toPython(dest)})[:2]))`).trim()) as [Record<string, number>, string[]];

  const apply = (plan: ReturnType<typeof planSync>) => {
    if (plan.delete.length) mp.run(`_brm(${toPython(plan.delete)})`);
    if (plan.mkdirs.length) mp.run(`_bmk(${toPython(plan.mkdirs)})`);
    for (const f of plan.upload) {
      if (f.data.length === 0) mp.run(`_bw(${toPython(f.path)}, b'', 2)`);
      for (let i = 0; i < f.data.length; i += 1000) {
        mp.run(`_bw(${toPython(f.path)}, ${chunkExpr(f.data.subarray(i, i + 1000), mp.run('print(_benc)').trim() === 'base64' ? 'base64' : null)}, ${(i ? 1 : 0) | (i + 1000 >= f.data.length ? 2 : 0)})`);
      }
    }
  };

  test('file data in a request: every form gives the bytes back, each piece within its budget', { timeout: 60000 }, () => {
    let x = 0x2545f491;
    const random = Buffer.from(Array.from({ length: 1500 }, () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 24; }));
    const every = Buffer.from(Array.from({ length: 512 }, (_, i) => i & 255));
    // controls before octal digits, quotes, backslashes, line ends and tabs
    const tricky = Buffer.from([0x01, 0x31, 0x00, 0x37, 0x08, 0x38, 0x1f, 0x30, 0x7f, 0x36, 0x27, 0x5c, 0x0a, 0x0d, 0x09, 0x00]);
    const text = Buffer.from('def f(x):\n    return "it\'s" + x  # ü\n'.repeat(20));
    assert.equal(mp.run("print(_bu is not None)").trim(), 'True');
    // this port decodes hex natively (sync.py picks that); the base64 form needs a2b_base64
    mp.run('_ba2b0 = _ba2b\n_ba2b = __import__("binascii").a2b_base64');
    const back = (expr: string) => parsePython(mp.run(`print(repr(bytes(${expr})))`).trim()) as Buffer;
    for (const forms of [{ base64: false, codePoints: false }, { base64: true, codePoints: false }, { base64: false, codePoints: true }, { base64: true, codePoints: true }] as LiteralForms[]) {
      for (const data of [random, every, tricky, text]) {
        for (const budget of [24, 100, 475]) {
          const parts: Buffer[] = [];
          for (let i = 0; i < data.length;) {
            const { expr, end } = pieceExpr(data, i, budget, forms);
            assert.ok(end > i);
            assert.ok(Buffer.byteLength(expr) <= budget || end === i + 1, `${Buffer.byteLength(expr)} > ${budget}`);
            assert.ok(!/[\x00-\x08\x0a-\x1f\x7f]/.test(expr), 'no control characters but tabs');
            parts.push(back(expr));
            i = end;
          }
          assert.ok(Buffer.concat(parts).equals(data), `${JSON.stringify(forms)} ${budget}`);
        }
      }
    }
    // random bytes: code points carry most (a byte above 0x7f is 2 bytes of UTF-8 there, 4 in a literal)
    const size = (forms: LiteralForms, data: Buffer) => Buffer.byteLength(pieceExpr(data, 0, Infinity, forms).expr);
    assert.ok(size({ base64: false, codePoints: true }, random) < 0.65 * size({ base64: false, codePoints: false }, random));
    assert.match(pieceExpr(random, 0, Infinity, { base64: true, codePoints: true }).expr, /^_ba2b/);
    // ASCII text: the literal, a character a byte and the shorter wrapper
    assert.match(chunkExpr(Buffer.from('print("hi")  # a comment\n'.repeat(20)), null, true), /^b'/);
    mp.run('_ba2b = _ba2b0');
  });

  test('the first sync uploads everything, the second finds nothing to do, a change uploads one file', { timeout: 60000 }, async () => {
    mp.run(`_bmk(['/dev0/stale'])\n_bw('/dev0/stale/x', b'x', 2)\n_bw('/dev0/old.py', b'o', 2)`);
    const host = await scanHostFolder(root, { ignore: [], minify: true });
    const [files0, dirs0] = boardState('/dev0');
    const first = planSync(host.files, host.dirs, new Map(Object.entries(files0)), dirs0, { dest: '/dev0' });
    assert.equal(first.upload.length, 4);
    assert.deepEqual(first.delete, ['/dev0/old.py', '/dev0/stale/x', '/dev0/stale']);
    apply(first);

    const [files1, dirs1] = boardState('/dev0');
    for (const f of host.files) {
      assert.equal(files1[`/dev0/${f.rel}`], f.hash, f.rel);
      assert.deepEqual(Buffer.from(mp.fs.readFile(`/dev0/${f.rel}`)), f.data, f.rel);
    }
    assert.deepEqual(dirs1.sort(), ['/dev0', '/dev0/empty', '/dev0/lib', '/dev0/lib/pkg']);
    assert.equal(mp.fs.readFile('/dev0/main.py').length, Buffer.byteLength('\nprint("hi")\n'));

    const second = planSync(host.files, host.dirs, new Map(Object.entries(files1)), dirs1, { dest: '/dev0' });
    assert.deepEqual([second.upload.length, second.mkdirs.length, second.delete.length], [0, 0, 0]);
    assert.equal(second.unchanged.length, 4);

    await fsp.writeFile(path.join(root, 'main.py'), 'print("changed")\n');
    const host2 = await scanHostFolder(root, { ignore: [], minify: true });
    const [files2, dirs2] = boardState('/dev0');
    const third = planSync(host2.files, host2.dirs, new Map(Object.entries(files2)), dirs2, { dest: '/dev0' });
    assert.deepEqual(third.upload.map((f) => f.path), ['/dev0/main.py']);
    apply(third);
    assert.equal(Buffer.from(mp.fs.readFile('/dev0/main.py')).toString(), 'print("changed")\n');
  });
});
