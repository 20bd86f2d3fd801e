/**
 * belay-exec's code is a Mustache template whose {{x}} inserts the value as a Python literal, so
 * message data always stays data (CONTRACT, belay-exec). {{{x}}} inserts raw text on purpose.
 */
import Mustache from 'mustache';
import { toPython } from '../board';
import type { Node, NodeAPI, NodeMessage } from '@node-red/registry';

/** `flow.x`, `global.x`, and Node-RED's `flow[store].x` for a named context store. */
const CONTEXT_NAME = /^(flow|global)(?:\[(\w+)\])?\.(.+)$/;
const ENV_NAME = /^env\.(.+)$/;

class PythonWriter extends Mustache.Writer {
  override escapedValue(token: string[], context: Mustache.Context): string {
    return toPython(context.lookup(token[1]));
  }

  override unescapedValue(token: string[], context: Mustache.Context): string {
    const v = context.lookup(token[1]);
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && !Buffer.isBuffer(v)) return JSON.stringify(v);
    return String(v);
  }
}

/**
 * Looks names up in the message first (as the core template node does), then in the context and
 * environment values fetched before rendering. Sections push the same kind of context, so
 * {{flow.x}} also works inside {{#items}}...{{/items}}.
 */
class MessageContext extends Mustache.Context {
  constructor(view: unknown, parent: Mustache.Context | undefined, private readonly extras: Map<string, unknown>) {
    super(view, parent);
  }

  override push(view: unknown): Mustache.Context {
    return new MessageContext(view, this, this.extras);
  }

  override lookup(name: string): unknown {
    const v = super.lookup(name);
    if (v === undefined && this.extras.has(name)) return this.extras.get(name);
    return v;
  }
}

const writer = new PythonWriter();

/** Every name a template reads, sections included. */
function namesIn(tokens: Mustache.TemplateSpans, out = new Set<string>()): Set<string> {
  for (const t of tokens) {
    if (t[0] === 'name' || t[0] === '&' || t[0] === '#' || t[0] === '^') out.add(t[1]);
    if ((t[0] === '#' || t[0] === '^') && Array.isArray(t[4])) namesIn(t[4] as Mustache.TemplateSpans, out);
  }
  return out;
}

function readContext(node: Node, scope: 'flow' | 'global', store: string | undefined, key: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    node.context()[scope].get(key, store, (err, value) => (err ? reject(err) : resolve(value)));
  });
}

/**
 * Renders exec code against a message. Context values are fetched first (stores may be
 * asynchronous), then the template renders in one synchronous pass.
 */
export async function renderCode(RED: NodeAPI, node: Node, template: string, msg: NodeMessage): Promise<string> {
  const extras = new Map<string, unknown>();
  for (const name of namesIn(writer.parse(template))) {
    const ctx = CONTEXT_NAME.exec(name);
    if (ctx) extras.set(name, await readContext(node, ctx[1] as 'flow' | 'global', ctx[2], ctx[3]));
    const env = ENV_NAME.exec(name);
    if (env) extras.set(name, RED.util.evaluateNodeProperty(env[1], 'env', node, msg));
  }
  return writer.render(template, new MessageContext(msg, undefined, extras));
}
