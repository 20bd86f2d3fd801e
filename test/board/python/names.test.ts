import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { calledFunction, functionName, isGeneratorFunction, topLevelFunctions } from '../../../src/board/python/names';

describe('functionName: the function a task calls is the last top-level def', () => {
  test('one def, after any lines above it', () => {
    assert.equal(functionName('def blink(pin, n=3):\n    return n\n'), 'blink');
    assert.equal(functionName('import time\nLED = const(25)\n\n@micropython.native\ndef read_temp(x):\n    pass\n'), 'read_temp');
    assert.equal(functionName('def ünïcode_näme():\n  pass'), 'ünïcode_näme');
    assert.equal(functionName('def f(\n    a,\n    b):\n  return a'), 'f');
  });

  test('helpers above it are not called: the issue #10 case', () => {
    assert.equal(functionName('def _double(x):\n    return x * 2\n\ndef quadruple(x):\n    return _double(_double(x))\n'), 'quadruple');
    assert.equal(functionName('def a():\n    def inner():\n        pass\n\ndef b():\n    pass\n'), 'b');
  });

  test('nested functions, methods and decorated helpers do not count; the outer last def does', () => {
    assert.equal(functionName('def outer():\n    def inner():\n        return 1\n    return inner()\n'), 'outer');
    assert.equal(functionName('def main():\n    return Sensor().read()\n\nclass Sensor:\n    def read(self):\n        return 1\n'), 'main', 'a class after it is a helper, its methods are not top-level');
    assert.equal(functionName('class Sensor:\n    def read(self):\n        return 1\n\ndef main():\n    return Sensor().read()\n'), 'main');
    assert.equal(functionName('def cached(f):\n    return f\n\n@cached\ndef helper():\n    return 2\n\n@cached\n@micropython.native\ndef run():\n    return helper()\n'), 'run');
    assert.equal(functionName('def f():\n    pass\nif DEBUG:\n    def g():\n        pass\n'), 'f', 'a def inside an if block is not top-level');
  });

  test('ignores defs inside strings, comments and nested blocks', () => {
    assert.equal(functionName('def real():\n    pass\n# def fake():\nx = "def nope(): pass"\ny = """\ndef also_not():\n"""\n'), 'real');
    assert.equal(functionName('class C:\n    def method(self):\n        pass\n'), undefined);
    assert.equal(functionName('if True:\n    def hidden():\n        pass\n'), undefined);
    assert.equal(functionName('x = 1\nprint(x)\n'), undefined);
    assert.equal(functionName(''), undefined);
  });

  test('async def is refused with a clear message when it is the one called; an async helper above is fine', () => {
    assert.throws(() => functionName('import asyncio\nasync def poll():\n    await asyncio.sleep(1)\n'), /async def poll.*plain "def poll/);
    assert.equal(functionName('async def helper():\n    pass\ndef main():\n    pass\n'), 'main');
    assert.deepEqual(topLevelFunctions('async def a():\n  pass\ndef b():\n  pass').map((f) => [f.name, f.isAsync]), [['a', true], ['b', false]]);
    assert.equal(calledFunction('def a(): pass\ndef b(): pass')?.name, 'b');
  });
});

describe('isGeneratorFunction', () => {
  test('yield in the body makes a generator', () => {
    assert.equal(isGeneratorFunction('def count(n):\n    for i in range(n):\n        yield i\n'), true);
    assert.equal(isGeneratorFunction('def f(): yield 1'), true);
    assert.equal(isGeneratorFunction('def f(x: int) -> int: yield x'), true);
    assert.equal(isGeneratorFunction('def f():\n    x = yield\n    return x\n'), true);
    assert.equal(isGeneratorFunction('def f():\n    if True:\n        while 1:\n            yield from g()\n'), true);
  });

  test('no yield, or yield only in strings, comments or nested functions', () => {
    assert.equal(isGeneratorFunction('def f():\n    return 1\n'), false);
    assert.equal(isGeneratorFunction('def f():\n    # yield 1\n    return "yield"\n'), false);
    assert.equal(isGeneratorFunction('def f():\n    def g():\n        yield 1\n    return list(g())\n'), false);
    assert.equal(isGeneratorFunction('def f():\n    class C:\n        def m(self):\n            yield 1\n    return C\n'), false);
    assert.equal(isGeneratorFunction('x = 1\n'), false);
  });

  test('a yield in a lambda\'s body makes the lambda the generator, not the function (as CPython decides)', () => {
    const cases: [string, boolean][] = [
      ['def f():\n    g = lambda: (yield)\n    return list(g())\n', false],
      ['def f(): return (lambda: (yield 1))\n', false],
      ['def f():\n    g = lambda: {1: (yield)}\n', false],
      ['def f():\n    g = lambda a, b: (yield a)\n', false],
      // outside the lambda's body: after it ends, or in a default value the function evaluates
      ['def f():\n    h(lambda: 1, (yield 2))\n', true],
      ['def f():\n    x = [lambda: 0, (yield)]\n', true],
      ['def f():\n    g = (lambda: (yield)), (yield 3)\n', true],
      ['def f():\n    g = lambda x=(yield): x\n', true],
    ];
    for (const [src, gen] of cases) assert.equal(isGeneratorFunction(src), gen, src);
  });

  test('the called function is the last def: a generator helper above a plain function is no generator', () => {
    assert.equal(isGeneratorFunction('def f():\n    return 1\ndef g():\n    yield 2\n'), true);
    assert.equal(isGeneratorFunction('def g():\n    yield 2\ndef f():\n    return list(g())\n'), false);
  });

  test('a yield after a nested def, back at the function level, counts', () => {
    assert.equal(isGeneratorFunction('def f():\n    def g():\n        return 1\n    yield g()\n'), true);
  });

  test('by name; a name defined twice is its later definition', () => {
    const src = 'def helper():\n    return 1\ndef main():\n    yield helper()\n';
    assert.equal(isGeneratorFunction(src, 'main'), true);
    assert.equal(isGeneratorFunction(src, 'helper'), false);
    assert.equal(isGeneratorFunction(src, 'missing'), false);
    assert.equal(isGeneratorFunction('def f():\n    return 1\ndef f():\n    yield 1\n', 'f'), true);
  });
});
