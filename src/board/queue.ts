/**
 * The FIFO of one board: calls run one after another, in the order they came; a bounded length;
 * idle() for whoever must wait until nothing runs (closing, teardown).
 */
export interface Job {
  run: () => Promise<unknown>;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  /** fails the job if it is still waiting for a connection when this fires */
  waitTimer?: NodeJS.Timeout;
}

export class CallQueue {
  private jobs: Job[] = [];
  private running = false;
  private idlers: (() => void)[] = [];

  constructor(private readonly onChange: (length: number) => void) {}

  /** waiting and running */
  get length(): number {
    return this.jobs.length + (this.running ? 1 : 0);
  }

  get waiting(): readonly Job[] {
    return this.jobs;
  }

  get busy(): boolean {
    return this.running;
  }

  add(job: Job): void {
    this.jobs.push(job);
    this.onChange(this.length);
  }

  /** Takes a waiting job out (it timed out before it ran); false if it was not waiting. */
  remove(job: Job): boolean {
    const i = this.jobs.indexOf(job);
    if (i === -1) return false;
    this.jobs.splice(i, 1);
    clearTimeout(job.waitTimer);
    this.onChange(this.length);
    return true;
  }

  /** Runs the next job when nothing runs and `ready` says the board can take it. */
  pump(ready: boolean): void {
    if (this.running || !ready || this.jobs.length === 0) return;
    const job = this.jobs.shift()!;
    clearTimeout(job.waitTimer);
    this.running = true;
    job.run().then(job.resolve, job.reject).finally(() => {
      this.running = false;
      this.onChange(this.length);
      if (!this.running) for (const f of this.idlers.splice(0)) f();
      this.next?.();
    });
  }

  /** called after each job: the Device pumps again */
  next: (() => void) | undefined;

  /** Resolves when no job runs (waiting jobs may remain). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  /**
   * Runs `fn` exclusively: after the running job, before any waiting one (closing a board: teardown
   * must not land between a call's bytes).
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.running) await this.idle();
    this.running = true;
    try {
      return await fn();
    } finally {
      this.running = false;
      for (const f of this.idlers.splice(0)) f();
    }
  }

  /** Fails every waiting job. */
  failAll(err: Error): void {
    const jobs = this.jobs;
    this.jobs = [];
    for (const j of jobs) {
      clearTimeout(j.waitTimer);
      j.reject(err);
    }
    this.onChange(this.length);
  }
}
