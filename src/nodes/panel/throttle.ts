/**
 * At most one run per interval: the first poke after a quiet spell runs at once, pokes within the
 * interval are folded into one run at its end. A busy board then costs the editor a few updates a
 * second however fast its pins or its output change.
 */
export class Throttle {
  private last = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number, private readonly run: () => void) {}

  poke(): void {
    if (this.timer) return;
    const wait = this.last + this.ms - performance.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = setTimeout(() => { this.timer = undefined; this.fire(); }, Math.ceil(wait));
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.last = performance.now();
    this.run();
  }
}
