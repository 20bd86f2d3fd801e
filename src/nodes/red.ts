/**
 * The few parts of Node-RED's runtime API these nodes use. Node-RED ships no types and is only a
 * devDependency, so they are written out here instead of importing them.
 */
import type { EventEmitter } from 'node:events';

/** A flow message: anything, plus Node-RED's own fields. */
export type NodeMessage = Record<string, any> & { _msgid?: string };

export type Send = (msg: NodeMessage | null | (NodeMessage | NodeMessage[] | null)[]) => void;
export type Done = (err?: Error) => void;

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export interface ContextStore {
  get(key: string, store: string | undefined, cb: (err: Error | null, value: unknown) => void): void;
}

export interface Node extends EventEmitter {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials?: Record<string, string | undefined>;
  status(s: NodeStatus | Record<string, never>): void;
  send(msg: NodeMessage | null | (NodeMessage | NodeMessage[] | null)[]): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(text: unknown): void;
  log(text: unknown): void;
  context(): { flow: ContextStore; global: ContextStore };
  on(event: 'input', fn: (msg: NodeMessage, send: Send, done: Done) => void): this;
  on(event: 'close', fn: (removed: boolean, done: () => void) => void): this;
  on(event: string, fn: (...args: any[]) => void): this;
}

/** What a node's module function receives. */
export interface NodeAPI {
  nodes: {
    createNode(node: object, config: object): void;
    getNode(id: string): Node | null;
    registerType(type: string, ctor: Function, opts?: { credentials?: Record<string, { type: string }> }): void;
    getCredentials(id: string): Record<string, string | undefined> | undefined;
  };
  util: {
    cloneMessage<T>(msg: T): T;
    evaluateNodeProperty(value: string, type: string, node: Node, msg?: NodeMessage): any;
  };
  settings: { userDir?: string } & Record<string, any>;
  httpAdmin: {
    get(path: string, ...handlers: Function[]): void;
    post(path: string, ...handlers: Function[]): void;
  };
  auth: { needsPermission(permission: string): Function };
  log: { warn(text: string): void; info(text: string): void; error(text: string): void };
  _(key: string, subs?: Record<string, unknown>): string;
}

/** Properties every belay user node has in its saved config. */
export interface UserNodeConfig {
  id: string;
  name?: string;
  device?: string;
  /** seconds as text or number; '' = the device's timeout */
  timeout?: string | number;
}
