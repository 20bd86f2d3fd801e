/**
 * The board layer: drive a MicroPython board over its raw REPL, without Node-RED.
 *
 *   const dev = new Device({ port: 'virtual:demo' });
 *   await dev.connect();
 *   const { value } = await dev.exec('1 + 1');
 */
export { Device, type BoardContext, type BoardExtension } from './device';
export { RawRepl, ProtocolError } from './raw-repl';
export * from './types';
export { createLink, parsePort, listSerialPorts, type PortListSources, type SerialPortInfo } from './link';
export { BoardEvents, type BoardEvent, type EventHandlers, type ExtensibleDevice } from './events';
export { toPython, parsePython } from './python/literal';
export { calledFunction } from './python/names';
export { DEFAULT_KEEP } from './sync-plan';
