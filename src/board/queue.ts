/**
 * The FIFO of one board: calls start in the order they came; a bounded length; idle() for whoever
 * must wait until nothing runs (closing, teardown). Plain calls may start while the ones before them
 * still wait for their answers (the session's window: the board runs them in order all the same);
 * anything else (a definition, a sync, a thread start) runs alone.
 */
export interface Job {
  run: () => Promise<unknown>;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  /** fails the job if it is still waiting for a connection when this fires */
  waitTimer?: NodeJS.Timeout;
  /** one request whose answer need not be in before the next job starts */
  pipelined?: boolean;
}

export class CallQueue {
  private jobs: Job[] = [];
  /** jobs started and not finished */
  private running = 0;
  /** whether all of them are pipelined calls */
  private runningPipelined = true;
  private idlers: (() => void)[] = [];

  constructor(private readonly onChange: (length: number) => void) {}

  /** waiting and running */
  get length(): number {
    return this.jobs.length + this.running;
  }

  get waiting(): readonly Job[] {
    return this.jobs;
  }

  get busy(): boolean {
    return this.running > 0;
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

  /**
   * Starts the next jobs: one when nothing runs, more while they are pipelined calls and `canTake`
   * says the board's window has room.
   */
  pump(ready: boolean, canTake: () => boolean = () => false): void {
    while (ready && this.jobs.length > 0) {
      const job = this.jobs[0];
      if (this.running > 0 && !(job.pipelined && this.runningPipelined && canTake())) return;
      this.jobs.shift();
      clearTimeout(job.waitTimer);
      if (this.running === 0) this.runningPipelined = true;
      this.running++;
      this.runningPipelined &&= job.pipelined === true;
      job.run().then(job.resolve, job.reject).finally(() => {
        this.running--;
        this.onChange(this.length);
        if (this.running === 0) for (const f of this.idlers.splice(0)) f();
        this.next?.();
      });
    }
  }

  /** called after each job: the Device pumps again */
  next: (() => void) | undefined;

  /** Resolves when no job runs (waiting jobs may remain). */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  /**
   * Runs `fn` exclusively: after the running jobs, before any waiting one (closing a board: teardown
   * must not land between a call's bytes).
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.running > 0) await this.idle();
    this.running++;
    this.runningPipelined = false;
    try {
      return await fn();
    } finally {
      this.running--;
      if (this.running === 0) for (const f of this.idlers.splice(0)) f();
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
