/**
 * The message catalogues are complete (issue #14): every key the runtime reads through the catalogue
 * helper and every key the editor reads (data-i18n, this._/node._, the panel's t) is in en-US and in
 * de; en-US and de hold the same keys with the same __placeholders__; each node type has German help.
 * Reads the sources, so a key added to code without its texts fails here before a user sees the key.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { startNodeRedServer } from '../support/nodered-server';

const root = path.resolve(__dirname, '..', '..', '..');
const localesDir = path.join(root, 'nodes', 'locales');
const LOCALES = ['en-US', 'de'];
/** The node types: each nodes/<type>.html with its English help. */
const NODE_TYPES = fs.readdirSync(path.join(root, 'nodes'))
  .filter((n) => n.endsWith('.html') && fs.readFileSync(path.join(root, 'nodes', n), 'utf8').includes('data-help-name='))
  .map((n) => n.replace(/\.html$/, ''));

type Catalogue = Record<string, unknown>;

function catalogue(locale: string, file: string): Catalogue {
  return JSON.parse(fs.readFileSync(path.join(localesDir, locale, `${file}.json`), 'utf8'));
}

/** Every leaf of a catalogue as "a.b.c" → text. */
function leaves(o: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, o);
  }
  return out;
}

function lookup(c: Catalogue, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), c);
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The string literals of a call's first argument (both branches of `a ? 'x' : 'y'` too). */
function literalKeys(firstArg: string): string[] {
  return [...firstArg.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

/** [catalogue file, key] for every key the runtime reads, with where it is read. */
function runtimeKeys(): { file: string; key: string; where: string }[] {
  const out: { file: string; key: string; where: string }[] = [];
  for (const f of walk(path.join(root, 'src', 'nodes'))) {
    const src = fs.readFileSync(f, 'utf8');
    const where = path.relative(root, f);
    if (/from '(\.\.?\/)+i18n'/.test(src)) {
      for (const m of src.matchAll(/(?<![\w.])(?:t\(|text\(\s*\w+\s*,)\s*([^,)]*)/g)) {
        if (f.endsWith('i18n.ts')) continue;
        const keys = literalKeys(m[1]);
        assert.ok(keys.length > 0, `${where}: a catalogue key that is not a literal (${m[0]}): the test cannot check it`);
        for (const key of keys) out.push({ file: 'belay-device', key: `belay-device.runtime.${key}`, where });
      }
    }
    for (const m of src.matchAll(/(?<![\w.])say\(\s*RED\s*,\s*([^,)]*)/g)) {
      for (const key of literalKeys(m[1])) out.push({ file: 'belay-event', key: `belay-event.runtime.${key}`, where });
    }
  }
  return out;
}

/** Keys the editor reads in each nodes/*.html, against that file's own catalogue. */
function editorKeys(): { file: string; key: string; where: string }[] {
  const out: { file: string; key: string; where: string }[] = [];
  for (const name of fs.readdirSync(path.join(root, 'nodes')).filter((n) => n.endsWith('.html'))) {
    const file = name.replace(/\.html$/, '');
    const html = fs.readFileSync(path.join(root, 'nodes', name), 'utf8');
    const where = `nodes/${name}`;
    for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) {
      for (const part of m[1].split(';')) out.push({ file, key: part.replace(/^\[[^\]]*\]/, ''), where });
    }
    // this._('k'), node._('k'), RED._('k'), and the panel's t('k'): whole literal keys only.
    for (const m of html.matchAll(/(?<![\w.])(?:[\w$]+\._|t)\(\s*'([^']+)'\s*[,)]/g)) {
      if (m[1].includes(':')) continue; // another package's namespace, e.g. node-red:common.label.expand
      out.push({ file, key: m[1], where });
    }
  }
  return out;
}

test('the runtime finds its texts: the scan sees the helper in use', () => {
  const keys = runtimeKeys();
  assert.ok(keys.some((k) => k.key === 'belay-device.runtime.status.connected'), 'status.ts reads status.connected');
  assert.ok(keys.some((k) => k.key === 'belay-device.runtime.sync.not-folder'), 'both branches of a ternary key');
  assert.ok(keys.some((k) => k.key === 'belay-event.runtime.enable-type'), "belay-event's own texts");
  assert.ok(editorKeys().some((k) => k.key === 'belay-exec.label.palette'), 'the palette label');
  assert.equal(NODE_TYPES.length, 6, 'six node types with help');
});

for (const locale of LOCALES) {
  test(`every key the runtime reads is in the ${locale} catalogue`, () => {
    const missing = runtimeKeys().filter(({ file, key }) => typeof lookup(catalogue(locale, file), key) !== 'string');
    assert.deepEqual(missing, [], `missing from nodes/locales/${locale}`);
  });

  test(`every key the editor reads is in the ${locale} catalogue`, () => {
    const missing = editorKeys().filter(({ file, key }) => typeof lookup(catalogue(locale, file), key) !== 'string');
    assert.deepEqual(missing, [], `missing from nodes/locales/${locale}`);
  });
}

test('en-US and de have the same files, the same keys and the same __placeholders__', () => {
  const files = (l: string) => fs.readdirSync(path.join(localesDir, l)).filter((n) => n.endsWith('.json')).sort();
  assert.deepEqual(files('de'), files('en-US'));
  for (const f of files('en-US').map((n) => n.replace(/\.json$/, ''))) {
    const en = leaves(catalogue('en-US', f));
    const de = leaves(catalogue('de', f));
    assert.deepEqual([...de.keys()].sort(), [...en.keys()].sort(), `${f}.json: keys of de against en-US`);
    const holes = (v: unknown) => [...String(v).matchAll(/__(\w+)__/g)].map((m) => m[1]).sort();
    for (const [k, v] of en) {
      assert.equal(typeof de.get(k), 'string', `${f}.json ${k} is a text`);
      assert.deepEqual(holes(de.get(k)), holes(v), `${f}.json ${k}: the same placeholders`);
    }
  }
  assert.ok(files('de').length >= NODE_TYPES.length);
});

test('each node type has German help in nodes/locales/de/<type>.html, as Node-RED reads it', () => {
  for (const type of NODE_TYPES) {
    const file = path.join(localesDir, 'de', `${type}.html`);
    assert.ok(fs.existsSync(file), `${type}: nodes/locales/de/${type}.html`);
    const help = fs.readFileSync(file, 'utf8');
    assert.match(help, new RegExp(`<script type="text/html" data-help-name="${type}">`), `${type}: a help script for the type`);
    assert.doesNotMatch(help, /<\/?(b|i)>/, `${type}: Node-RED help style has no <b>/<i>`);
    const en = fs.readFileSync(path.join(root, 'nodes', `${type}.html`), 'utf8');
    const sections = (s: string) => (s.slice(s.indexOf('data-help-name')).match(/<h3>/g) ?? []).length;
    assert.equal(sections(help), sections(en), `${type}: as many sections as the English help`);
  }
});

test('the build copies every locale beside the compiled nodes', () => {
  const built = path.join(root, 'dist', 'src', 'nodes', 'locales');
  for (const l of LOCALES) {
    for (const n of fs.readdirSync(path.join(localesDir, l))) {
      assert.ok(fs.existsSync(path.join(built, l, n)), `dist/src/nodes/locales/${l}/${n}`);
    }
  }
});

test('a real Node-RED serves the German help and catalogue to a German editor, the English ones otherwise', async () => {
  const nr = await startNodeRedServer();
  try {
    const helpFor = async (lang: string) => {
      const res = await fetch(new URL('nodes', nr.url), { headers: { Accept: 'text/html', 'Accept-Language': lang } });
      assert.equal(res.status, 200);
      return await res.text();
    };
    const firstLine = (file: string) => fs.readFileSync(file, 'utf8').split('<p>')[1].split('\n')[0].trim();
    const [de, en] = [await helpFor('de'), await helpFor('en-US')];
    for (const type of NODE_TYPES) {
      const german = firstLine(path.join(localesDir, 'de', `${type}.html`));
      const english = firstLine(path.join(root, 'nodes', `${type}.html`));
      assert.ok(de.includes(german), `${type}: German help for Accept-Language: de`);
      assert.ok(!de.includes(english), `${type}: and not the English one`);
      assert.ok(en.includes(english) && !en.includes(german), `${type}: English help for en-US`);
    }
    // The node sets' catalogues (the panel plugin's is served once package.json lists the plugin).
    for (const file of NODE_TYPES) {
      const res = await fetch(new URL(`locales/@belay/node-red-micropython/${file}?lng=de`, nr.url), { headers: { Accept: 'application/json' } });
      assert.deepEqual(await res.json(), catalogue('de', file), `${file}: the de catalogue as the editor gets it`);
    }
  } finally {
    await nr.stop();
  }
});
