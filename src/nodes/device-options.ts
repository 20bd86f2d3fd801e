import type { DeviceOptions } from '../board';
import { t } from './i18n';

/**
 * What a new belay-device node's start-up field holds: Belay's convenience imports, readable.
 * Left exactly like this (or missing from a hand-written flow) it means "the board's own default":
 * the Device then runs the imports that fit the board (MicroPython or CircuitPython), skipping each
 * one the board lacks. Any other text runs as written; an empty field runs nothing.
 * nodes/belay-device.html holds the same text as the field's default (a test keeps them equal).
 */
export const DEFAULT_STARTUP = [
  'import os, time, machine',
  'from time import sleep',
  'from micropython import const',
  'from machine import Pin, PWM, Timer, ADC, I2C, SPI',
  '',
].join('\n');

/** The saved properties of a belay-device node (CONTRACT, belay-device). */
export interface DeviceConfig {
  id: string;
  name?: string;
  port?: string;
  baud?: string | number;
  startup?: string;
  setup?: string;
  teardown?: string;
  softReset?: boolean;
  syncTime?: boolean;
  reconnect?: boolean;
  timeout?: string | number;
}

function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

/** undefined = the Device's board-fitting default, see DEFAULT_STARTUP. */
export function startupCode(startup: string | undefined): string | undefined {
  if (startup === undefined || normalizeNewlines(startup) === normalizeNewlines(DEFAULT_STARTUP)) return undefined;
  return startup;
}

/** A seconds setting from the editor ('' or missing = not set); throws on anything else. */
export function parseSeconds(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(n) || n < 0) throw new RangeError(t('errors.seconds', { what, value: JSON.stringify(value) }));
  return n;
}

export function deviceOptions(config: DeviceConfig, password: string | undefined): DeviceOptions {
  const baud = config.baud === undefined || config.baud === '' ? 115200 : Number(config.baud);
  if (!Number.isInteger(baud) || baud <= 0) throw new RangeError(t('errors.baud', { value: JSON.stringify(config.baud) }));
  return {
    name: config.name || undefined,
    port: config.port === undefined ? 'virtual' : String(config.port).trim(),
    baud,
    password: password || undefined,
    startup: startupCode(config.startup),
    setup: config.setup ?? '',
    teardown: config.teardown ?? '',
    softReset: config.softReset !== false,
    syncTime: config.syncTime !== false,
    reconnect: config.reconnect !== false,
    timeout: parseSeconds(config.timeout, 'timeout') ?? 10,
  };
}
