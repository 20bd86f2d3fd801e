/**
 * Pins in the belay tab. A virtual board's pins are read from and driven on its pin bank, live;
 * a real board's are read on request only, by asking machine.Pin, never polled.
 */
import { t } from '../i18n';
import type { PinState, VirtualBoard } from '../../virtual/index';
import type { SharedBoard } from '../shared-board';

/** One pin as machine.Pin reports it on a real board. */
export interface ReadPin { id: number; repr: string; value: number | null }

/**
 * Board-side: every pin id machine.Pin accepts (0..63), its repr and level. Pin(i) without a mode
 * leaves the pin as it is configured on the ports we know (rp2, esp32, stm32, nrf).
 */
const READ_PINS_DEF = `def __belay_panel_pins():
    from machine import Pin
    out = []
    for i in range(64):
        try:
            p = Pin(i)
        except Exception:
            continue
        try:
            v = p.value()
        except Exception:
            v = None
        out.append((i, repr(p), v))
    return out`;

export async function readBoardPins(board: SharedBoard): Promise<ReadPin[]> {
  await board.device.exec(READ_PINS_DEF);
  const r = await board.device.exec('__belay_panel_pins()');
  const rows = Array.isArray(r.value) ? r.value as [number, string, number | null][] : [];
  return rows.map(([id, repr, value]) => ({ id, repr, value }));
}

/** The board's free heap in bytes (gc.mem_free), on request. */
export async function readFreeMemory(board: SharedBoard): Promise<number | null> {
  const r = await board.device.exec("__import__('gc').mem_free()");
  return typeof r.value === 'number' ? r.value : null;
}

export interface PinRequest {
  pin: number;
  /** drive the pin high (1) or low (0) from outside, like a button or a wire; null lets go */
  level?: 0 | 1 | null;
  /** force what ADC(pin).read_u16() returns; null goes back to the simulated reading */
  analog?: number | null;
}

/** Reads a pin request from a request body; throws a message for the editor when it is not one. */
export function parsePinRequest(body: Record<string, unknown>): PinRequest {
  const pin = Number(body.pin);
  if (!Number.isInteger(pin)) throw new Error(t('panel.pin'));
  const req: PinRequest = { pin };
  if ('level' in body) {
    const l = body.level;
    if (l !== null && l !== 0 && l !== 1) throw new Error(t('panel.level'));
    req.level = l;
  }
  if ('analog' in body) {
    const a = body.analog;
    if (a !== null && (typeof a !== 'number' || !Number.isFinite(a) || a < 0 || a > 65535)) throw new Error(t('panel.analog'));
    req.analog = a === null ? null : Math.round(a);
  }
  if (req.level === undefined && req.analog === undefined) throw new Error(t('panel.level-or-analog'));
  return req;
}

export function applyPin(vb: VirtualBoard, req: PinRequest): PinState {
  if (req.level !== undefined) vb.pins.drive(req.pin, req.level);
  if (req.analog !== undefined) vb.pins.setAnalog(req.pin, req.analog);
  return vb.pins.get(req.pin);
}
