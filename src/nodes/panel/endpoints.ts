/**
 * The belay tab's admin HTTP endpoints, beside the config dialog's (admin.ts) and protected the same
 * way: looking needs belay-device.read, anything that talks to the board or changes it needs
 * belay-device.write. Live updates go out over RED.comms (board-watch.ts).
 */
import { t } from '../i18n';
import { describeError } from '../errors';
import type { NodeAPI } from '@node-red/registry';
import type { SharedBoard } from '../shared-board';
import type { BoardWatch } from './board-watch';
import { PanelBoards } from './boards';
import { interruptConsole, runConsole } from './console';
import { applyPin, parsePinRequest, readBoardPins, readFreeMemory } from './pins';

/** What a plugin gets from Node-RED: a node's API (with comms, events and plugins). */
export type PanelAPI = NodeAPI;

interface Req { params: Record<string, string>; body?: Record<string, unknown> }
interface Res { json(body: unknown): void; status(code: number): Res }

export type BoardAction = 'connect' | 'disconnect' | 'reset';
const ACTIONS: readonly BoardAction[] = ['connect', 'disconnect', 'reset'];

/** One panel per process: every load of the plugin (tests load it again and again) shares it. */
let panel: PanelBoards | undefined;
const listening = new WeakSet<object>();

export function registerPanelEndpoints(RED: PanelAPI): PanelBoards {
  const publish = (topic: string, data: unknown) => RED.comms.publish(topic, data, false);
  const nameOf = (id: string) => RED.nodes.getNode(id)?.name ?? '';
  if (panel) panel.setPublish(publish);
  else panel = new PanelBoards(publish, nameOf);
  const boards = panel;
  if (!listening.has(RED.events)) {
    listening.add(RED.events);
    RED.events.on('flows:started', () => panel?.refresh());
  }

  const read = RED.auth.needsPermission('belay-device.read');
  const write = RED.auth.needsPermission('belay-device.write');

  /** Runs handler with the board's watch, or answers 404 when no such board runs. */
  const withBoard = (handler: (watch: BoardWatch, req: Req) => Promise<unknown> | unknown) => (req: Req, res: Res) => {
    const watch = boards.get(req.params.id);
    if (!watch) {
      res.status(404).json({ error: t('panel.no-board', { id: req.params.id }) });
      return;
    }
    Promise.resolve()
      .then(() => handler(watch, req))
      .then((body) => res.json(body), (err) => {
        if (err instanceof RequestError) res.status(400).json({ error: err.message });
        else res.json({ error: describeError(err) });
      });
  };

  const base = '/belay/panel/boards';
  RED.httpAdmin.get(base, read, (_req: Req, res: Res) => res.json(boards.list()));
  RED.httpAdmin.get(`${base}/:id`, read, withBoard((w) => w.snapshot()));
  RED.httpAdmin.post(`${base}/:id/exec`, write, withBoard((w, req) => {
    const code = req.body?.code;
    if (typeof code !== 'string' || !code.trim()) throw new RequestError(t('panel.no-code'));
    return runConsole(w.board, code);
  }));
  RED.httpAdmin.post(`${base}/:id/interrupt`, write, withBoard((w) => interruptConsole(w.board)));
  RED.httpAdmin.post(`${base}/:id/action`, write, withBoard(async (w, req) => {
    const action = req.body?.action as BoardAction;
    if (!ACTIONS.includes(action)) throw new RequestError(t('panel.action', { actions: ACTIONS.join(', ') }));
    await act(w.board, action);
    return w.snapshot();
  }));
  RED.httpAdmin.post(`${base}/:id/pin`, write, withBoard((w, req) => {
    const vb = w.virtualBoard;
    if (!w.snapshot().virtual) throw new RequestError(t('panel.not-virtual'));
    if (!vb) throw new RequestError(t('panel.virtual-stopped'));
    let pin;
    try {
      pin = applyPin(vb, parsePinRequest(req.body ?? {}));
    } catch (err) {
      throw new RequestError((err as Error).message);
    }
    w.changed();
    return pin;
  }));
  RED.httpAdmin.post(`${base}/:id/read-pins`, write, withBoard(async (w) => {
    connectedOrThrow(w.board);
    return { pins: await readBoardPins(w.board) };
  }));
  RED.httpAdmin.post(`${base}/:id/memory`, write, withBoard(async (w) => {
    connectedOrThrow(w.board);
    return { free: await readFreeMemory(w.board) };
  }));
  return boards;
}

/** A request the editor got wrong (400), as opposed to a board that failed (200 with error). */
class RequestError extends Error {}

function connectedOrThrow(board: SharedBoard): void {
  if (board.state !== 'connected') throw new RequestError(t('panel.not-connected', { board: board.device.label, state: board.state }));
}

/**
 * The buttons, as msg.action does for the nodes: connect, disconnect; reset is a disconnect and a
 * connect, which soft-resets the board (when the device is set to) and runs start-up and setup again.
 */
async function act(board: SharedBoard, action: BoardAction): Promise<void> {
  if (board.configError) throw board.configError;
  if (action !== 'connect') await board.device.disconnect();
  if (action !== 'disconnect') await board.device.connect();
}
