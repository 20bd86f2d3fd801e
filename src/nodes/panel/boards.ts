/**
 * The boards the belay tab can show: every running belay-device, each with a BoardWatch made the
 * first time an editor asks for it, and dropped when its device closes (a redeploy, a removal).
 */
import { liveBoards } from '../admin';
import { BoardWatch, type Publish } from './board-watch';

export const BOARDS_TOPIC = 'belay-panel/boards';

export interface BoardEntry { id: string; name: string; port: string; state: string }

export class PanelBoards {
  private readonly watches = new Map<string, BoardWatch>();

  constructor(private publish: Publish, private readonly nameOf: (id: string) => string) {}

  setPublish(publish: Publish): void {
    this.publish = publish;
  }

  list(): BoardEntry[] {
    return [...liveBoards.entries()]
      .map(([id, live]) => ({ id, name: this.nameOf(id), port: live.port, state: live.board.state }))
      .sort((a, b) => (a.name || a.port).localeCompare(b.name || b.port));
  }

  /** The watch of a running board, made now if need be; undefined when no such board runs. */
  get(id: string): BoardWatch | undefined {
    const live = liveBoards.get(id);
    let watch = this.watches.get(id);
    if (watch && (watch.board !== live?.board || watch.closed)) {
      watch.dispose();
      this.watches.delete(id);
      watch = undefined;
    }
    if (!live) return undefined;
    if (!watch) {
      watch = new BoardWatch(id, live.port, live.board, () => this.nameOf(id), (t, d) => this.publish(t, d));
      this.watches.set(id, watch);
    }
    return watch;
  }

  /** After a deploy: forget boards that went away, tell editors what runs now. */
  refresh(): void {
    for (const id of [...this.watches.keys()]) this.get(id);
    this.publish(BOARDS_TOPIC, this.list());
  }
}
