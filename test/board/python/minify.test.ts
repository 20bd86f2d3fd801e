import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { minify } from '../../../src/board/python/minify';
import { tokenize } from '../../../src/board/python/tokens';
import { loadWasmPython, WasmPython } from './wasm-python';

const lines = (s: string) => s.split('\n').length;

/** Programs that print what they do; minified they must print the same and keep their line count. */
const PROGRAMS: Record<string, string> = {
  docstrings: `"""Module docstring.

Spans lines.
"""
# a comment
import sys  # trailing comment


class Thing:
    '''Class doc'''
    x = 1  # class attr

    def method(self):
        """Method doc
        with a second line"""
        return self.x + 1


def only_doc():
    """Nothing but a docstring."""


def f(a, b=2):
    r"""Raw doc with \\ backslash"""
    # comment in body
    return a * b   \t  

print(Thing().method(), only_doc(), f(3))
`,
  hashes_in_strings: `s = "# not a comment"
t = '#' + "'#'" + '"#"'
u = """triple with # hash
and 'quotes' and "more" \\""" still inside
"""
v = r'\\#'
print(s, t, u, v, len(u))
`,
  kept_triple_quoted: `x = """
   keep me   
   exactly    """
def g(s="""default
   value  """):
    return s
print(repr(x), repr(g()))
print("""passed
  as argument""")
y = ("""a"""
     """b""")
print(y)
`,
  fstrings_and_continuations: `name = "w#rld"
d = {'k': 'v'}
f"{print('side effect')}"
print(f"hello {name} {d['k']} {{braces}} # not comment")
total = 1 + \\
    2 + \\
    3  # sum
items = [
    1,  # one
    2,  # two
    # nothing
    3,
]
print(total, items)
`,
  bare_strings_everywhere: `def h():
    x = 1
    "not the first statement, still no effect"
    if x:
        'alone in a block'
    else:
        "also alone"
    "a" "b" \\
      "c"
    return x
print(h())
`,
  nested_quotes: `a = "it's"
b = 'say "hi"'
c = '\\'#\\''
d = "\\"#\\""
e = '''it's "quoted" # here'''
print(a, b, c, d, e)
`,
};

describe('minify', () => {
  test('keeps the line count of every program', () => {
    for (const [name, src] of Object.entries(PROGRAMS)) assert.equal(lines(minify(src)), lines(src), name);
  });

  test('drops comments and docstrings, keeps code and indentation', () => {
    const out = minify(PROGRAMS.docstrings);
    assert.doesNotMatch(out, /docstring|Class doc|Method doc|comment|Raw doc|Spans/);
    assert.match(out, /^0$/m);
    const outLines = out.split('\n');
    const srcLines = PROGRAMS.docstrings.split('\n');
    assert.equal(outLines[0], '0');
    assert.equal(outLines[9], '    0');          // class docstring, indentation kept
    assert.equal(outLines[13], '        0');      // method docstring first line
    assert.equal(outLines[14], '');               // ...its second line
    assert.equal(outLines[19], '    0');          // a def whose body was only a docstring stays valid
    assert.equal(outLines[5], 'import sys');
    assert.equal(outLines[25], '    return a * b'); // trailing whitespace stripped
    assert.equal(outLines[4], '');
    assert.equal(srcLines[25].trimEnd(), outLines[25]);
    assert.ok(out.length < PROGRAMS.docstrings.length);
  });

  test('strings with # and nested quotes are untouched', () => {
    const out = minify(PROGRAMS.hashes_in_strings);
    assert.equal(out, PROGRAMS.hashes_in_strings);
    assert.equal(minify(PROGRAMS.nested_quotes), PROGRAMS.nested_quotes);
  });

  test('triple-quoted strings that are values keep their exact text, trailing spaces included', () => {
    assert.equal(minify(PROGRAMS.kept_triple_quoted), PROGRAMS.kept_triple_quoted);
  });

  test('an f-string statement is kept: its braces may call code', () => {
    assert.match(minify(PROGRAMS.fstrings_and_continuations), /^f"\{print\('side effect'\)\}"$/m);
  });

  test('bare string statements anywhere become 0, even across continuations', () => {
    const out = minify(PROGRAMS.bare_strings_everywhere);
    assert.doesNotMatch(out, /effect|alone|"a"/);
    assert.equal(out.split('\n')[7], '    0');
    assert.equal(out.split('\n')[8], '');
  });

  test('CRLF input keeps its line count and comes out with \\n', () => {
    const src = 'x = 1  # c\r\n"""doc\r\n"""\r\nprint(x)\r\n';
    assert.equal(minify(src), 'x = 1\n0\n\nprint(x)\n');
  });

  test('unterminated strings do not throw and keep the text for the board to report', () => {
    assert.equal(minify("x = 'abc\ny = 1 # c\n"), "x = 'abc\ny = 1\n");
    assert.equal(minify('x = """abc\n# not a comment'), 'x = """abc\n# not a comment');
  });

  test('tokens join back to the source', () => {
    for (const src of Object.values(PROGRAMS)) assert.equal(tokenize(src).map((t) => t.text).join(''), src);
  });

  describe('minified programs run on MicroPython with identical output', () => {
    let mp: WasmPython;
    before(async () => { mp = await loadWasmPython(); });

    test('same stdout', { timeout: 20000 }, () => {
      for (const [name, src] of Object.entries(PROGRAMS)) {
        const expected = mp.run(src);
        assert.ok(expected.length > 0, name);
        assert.equal(mp.run(minify(src)), expected, name);
      }
    });

    test('same traceback line numbers', { timeout: 20000 }, () => {
      const src = `"""doc
more doc
"""
# comment

def boom(x):
    """explode"""
    # comment
    return 1 / x

boom(0)
`;
      const run = (code: string) => { try { mp.run(code); return ''; } catch (e) { return (e as Error).message; } };
      const a = run(src);
      assert.match(a, /line 9, in boom/);
      assert.equal(run(minify(src)), a);
    });
  });
});
