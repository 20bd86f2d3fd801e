import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseLink } from '../../../src/board/link/base-link';
import { LinkError } from '../../../src/board/link/link';

/** A link whose transport is a flag; `wedged` makes shutdown() never finish, like a stuck driver. */
class FakeLink extends BaseLink {
  readonly description = 'fake';
  readonly pacing = { chunk: 1, pauseMs: 0 };
  constructor(private readonly wedged: boolean) { super(); }
  async open(): Promise<void> { this.opened(); }
  async write(): Promise<void> { this.assertWritable(); }
  die(err?: Error): void { this.ended(err); }
  protected shutdown(): void { if (!this.wedged) this.ended(); }
}

test('a link emits close once, with the error only when it died', async () => {
  const link = new FakeLink(false);
  const closes: unknown[] = [];
  link.on('close', (err?: Error) => closes.push(err));
  await link.open();
  const boom = new LinkError('fake', 'unplugged');
  link.die(boom);
  link.die(new Error('again'));
  await link.close();
  assert.deepEqual(closes, [boom]);
  await assert.rejects(link.write(), /not open/);
});

test('close() gives up on a transport that never reports its end', { timeout: 10000 }, async () => {
  const link = new FakeLink(true);
  const closes: unknown[] = [];
  link.on('close', (err?: Error) => closes.push(err));
  await link.open();
  await link.close();
  assert.deepEqual(closes, [undefined]);
  assert.equal(link.isOpen, false);
});
