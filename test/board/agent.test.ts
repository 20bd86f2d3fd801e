import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TagDemux, type Tag } from '../../src/board/agent';

function run(chunks: string[]): (string | Tag)[] {
  const events: (string | Tag)[] = [];
  const demux = new TagDemux((t) => events.push(t));
  for (const c of chunks) demux.filter(Buffer.from(c, 'latin1'), (b) => events.push(b.toString('latin1')));
  return events;
}

test('text before a tag is handed on before the tag, in one chunk', () => {
  assert.deepEqual(run(['line 0\r\nline 1\r\n\x1eRNone\r\n\x04\x04>']), [
    'line 0\r\nline 1\r\n', { kind: 'R', body: 'None' }, '\x04\x04>',
  ]);
});

test('a tag split across chunks is put back together; thread tags carry their id', () => {
  assert.deepEqual(run(['a\x1eY1', '2 [1, ', "'x']\r", '\nb\x1eD12\n']), [
    'a', { kind: 'Y', tid: 12, body: "[1, 'x']" }, 'b', { kind: 'D', tid: 12, body: '' },
  ]);
});
