/**
 * The Node-RED editor as a user drives it, through headless Debian Chromium and playwright-core:
 * palette drags, double-clicks, the Python editors, Import ▸ Examples, Deploy, inject buttons and
 * the debug sidebar. Reads of the editor's state (RED.nodes) only check what the user did.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { projectRoot } from '../support/nodered-server';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library.
declare const window: any;
declare const document: any;

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** Why the browser tests skip on this machine, or false when they can run. */
export const noChromium: string | false = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
export const artifactsDir = path.join(projectRoot, 'test-artifacts');
const docsDir = path.join(projectRoot, 'docs');
/** Set BELAY_DOCS_SCREENSHOTS=1 to refresh the README's screenshots in docs/ from this run. */
const refreshDocs = process.env.BELAY_DOCS_SCREENSHOTS === '1';

export interface EditorBrowser { browser: Browser; page: Page; close(): Promise<void> }

export async function launchEditor(url: string): Promise<EditorBrowser> {
  // playwright gives each launch a fresh temporary profile: no cached editor state leaks in.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(20_000);
  await page.goto(url);
  await page.waitForSelector('.red-ui-palette-node[data-palette-type="inject"]', { timeout: 60_000 });
  return {
    browser, page,
    close: () => browser.close(),
  };
}

/**
 * Saves a screenshot under test-artifacts/ (and docs/ when refreshing the README's pictures).
 * `clip` crops a page shot (the README wants small pictures).
 */
export async function shoot(target: Page | Locator, name: string, docsName?: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void> {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await target.screenshot({ path: file, animations: 'disabled', ...(clip ? { clip } : {}) });
  if (refreshDocs && docsName) {
    fs.mkdirSync(docsDir, { recursive: true });
    fs.copyFileSync(file, path.join(docsDir, `${docsName}.png`));
  }
}

export class Editor {
  constructor(readonly page: Page) {}

  /** Drops a node of `type` from the palette onto the workspace; returns its id. */
  async addFromPalette(type: string, x: number, y: number): Promise<string> {
    // The palette's shade fades out after a dialog closes; until then it takes the drag.
    await this.page.locator('#red-ui-palette-shade').waitFor({ state: 'hidden' });
    const before = await this.nodeIds();
    await this.page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`)
      .dragTo(this.page.locator('#red-ui-workspace-chart'), { targetPosition: { x, y } });
    const added = (await this.nodeIds()).filter((id) => !before.includes(id));
    if (added.length !== 1) throw new Error(`dragging ${type} from the palette added ${added.length} nodes`);
    return added[0];
  }

  nodeIds(): Promise<string[]> {
    return this.idsOf('eachNode');
  }

  /** Ids of what RED.nodes.eachNode / eachWorkspace visit. */
  private idsOf(each: 'eachNode' | 'eachWorkspace'): Promise<string[]> {
    return this.page.evaluate((fn) => {
      const ids: string[] = [];
      (window as any).RED.nodes[fn]((n: { id: string }) => { ids.push(n.id); });
      return ids;
    }, each);
  }

  /** A node's saved properties, as the editor holds them (what Deploy will send). */
  async node(id: string): Promise<Record<string, unknown>> {
    return this.page.evaluate((nid) => {
      const n = (window as any).RED.nodes.node(nid);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(n._def.defaults)) out[k] = n[k];
      return out;
    }, id);
  }

  canvasNode(id: string): Locator {
    return this.page.locator(`#red-ui-workspace-chart g.red-ui-flow-node[id="${id}"]`);
  }

  /** Opens a node's edit dialog with a double-click, as users do. */
  async openDialog(id: string): Promise<Locator> {
    await this.canvasNode(id).dblclick();
    const tray = this.page.locator('.red-ui-tray').last();
    await tray.locator('#node-dialog-ok').waitFor();
    return tray;
  }

  /** Replaces the text of the visible Python editor number `index` in the open tray, as a paste. */
  async typeCode(code: string, index = 0): Promise<void> {
    const editor = this.page.locator('.red-ui-tray .monaco-editor >> visible=true').nth(index);
    await editor.click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Delete');
    // A paste, because typed (or insertText) newlines get Monaco's Python auto-indent on top of the
    // code's own indentation; a paste goes in verbatim, as when a user pastes code from elsewhere.
    await editor.locator('textarea').first().evaluate((ta: any, text: string) => {
      const data = new (window as any).DataTransfer();
      data.setData('text/plain', text);
      ta.dispatchEvent(new (window as any).ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, code);
    // Cursor back to the top, so the dialog (and its screenshot) shows the code from line 1.
    await this.page.keyboard.press('Control+Home');
  }

  /** Cancels any open edit trays and dialogs. */
  async closeDialogs(): Promise<void> {
    await this.page.evaluate(() => {
      const RED = (window as any).RED;
      for (let n = document.querySelectorAll('.red-ui-tray').length; n > 0; n--) RED.tray.close();
      document.querySelectorAll('.ui-dialog-content').forEach((d: any) => {
        try { (window as any).$(d).dialog('close'); } catch { /* not a jQuery UI dialog */ }
      });
    });
    await this.page.waitForFunction(() => !document.querySelector('.red-ui-tray'), undefined, { timeout: 5_000 }).catch(() => undefined);
  }

  /** Presses Done on the topmost tray (node or config dialog) and waits for it to close. */
  async done(): Promise<void> {
    const tray = await this.page.locator('.red-ui-tray').last().elementHandle();
    if (!tray) throw new Error('no edit dialog is open');
    await (await tray.$('#node-dialog-ok, #node-config-dialog-ok'))!.click();
    await tray.waitForElementState('hidden');
  }

  /** Menu ▸ Import ▸ Examples ▸ @belay/node-red-micropython ▸ `title`; returns the new flow tab's id. */
  async importExample(title: string): Promise<string> {
    const tabsBefore = await this.tabIds();
    await this.page.locator('#red-ui-header-button-sidemenu').click();
    await this.page.locator('#menu-item-import').click();
    const dialog = this.page.locator('#red-ui-clipboard-dialog');
    await dialog.waitFor();
    await this.page.locator('#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a').click();
    const tree = this.page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    const moduleEntry = tree.locator('.red-ui-treeList-label-text', { hasText: /^@belay\/node-red-micropython$/ });
    const entry = tree.locator('.red-ui-treeList-label-text', { hasText: new RegExp(`^${escapeRe(title)}$`) });
    if (!(await entry.isVisible())) await moduleEntry.click();
    await entry.click();
    await this.page.locator('#red-ui-clipboard-dialog-ok').click();
    await dialog.waitFor({ state: 'hidden' });
    // The import lands a moment after the dialog closes.
    let added: string[] = [];
    for (const deadline = Date.now() + 10_000; added.length === 0 && Date.now() < deadline;) {
      added = (await this.tabIds()).filter((t) => !tabsBefore.includes(t));
      if (added.length === 0) await this.page.waitForTimeout(100);
    }
    if (added.length !== 1) throw new Error(`importing "${title}" added ${added.length} flow tabs`);
    await this.showTab(added[0]);
    return added[0];
  }

  tabIds(): Promise<string[]> {
    return this.idsOf('eachWorkspace');
  }

  async showTab(id: string): Promise<void> {
    await this.page.locator(`#red-ui-workspace-tabs li[id="red-ui-tab-${id}"] a`).click();
  }

  /**
   * Back to an editor with one empty flow: dialogs and pending notifications cancelled, every flow
   * tab removed (the editor's "Delete flow"). The runtime keeps what it runs until the next Deploy.
   */
  async reset(): Promise<void> {
    await this.closeDialogs();
    for (const cancel of await this.page.locator('.red-ui-notification button', { hasText: /^Cancel$/ }).all()) {
      await cancel.click().catch(() => undefined);
    }
    await this.page.evaluate(() => {
      const RED = (window as any).RED;
      const old: string[] = [];
      RED.nodes.eachWorkspace((w: { id: string }) => { old.push(w.id); });
      RED.actions.invoke('core:add-flow');
      for (const id of old) {
        RED.workspaces.show(id);
        RED.actions.invoke('core:remove-flow');
      }
      // Global config nodes (devices, dashboard base) stay behind a removed flow: drop them too.
      const configs: string[] = [];
      RED.nodes.eachConfig((n: { id: string }) => { configs.push(n.id); });
      for (const id of configs) RED.nodes.remove(id);
      RED.nodes.dirty(true);
      RED.sidebar.config.refresh();
    });
    await this.dismissNotifications();
  }

  /** Closes the editor's notifications (they would cover the canvas in screenshots). */
  async dismissNotifications(): Promise<void> {
    await this.page.evaluate(() => {
      document.querySelectorAll('.red-ui-notification').forEach((n: any) => n.remove());
    });
  }

  /**
   * Presses Deploy and waits until the runtime has the flows. Fails if the editor objects first
   * (nodes "not properly configured", unknown types), which a user would see as a dialog.
   */
  async deploy(): Promise<void> {
    await this.page.locator('#red-ui-header-button-deploy').click();
    const outcome = await this.page.waitForFunction(() => {
      const notes: string[] = Array.from(document.querySelectorAll('.red-ui-notification')).map((e: any) => String(e.textContent));
      const bad = notes.find((t) => /not properly configured|unknown|error/i.test(t));
      if (bad) return `refused: ${bad}`;
      return document.querySelector('#red-ui-header-button-deploy.disabled') ? 'ok' : false;
    }, undefined, { timeout: 30_000 });
    const result = await outcome.jsonValue();
    if (result !== 'ok') throw new Error(`Deploy did not go through: ${result}`);
  }

  /** Clicks the button on the left of an inject node. */
  async press(injectId: string): Promise<void> {
    await this.canvasNode(injectId).locator('.red-ui-flow-node-button').click();
  }

  async showDebug(): Promise<void> {
    await this.page.locator('#red-ui-tab-debug-link-button').click();
    await this.page.locator('#red-ui-sidebar-content .red-ui-debug-content').first().waitFor();
  }

  /** The texts the debug sidebar shows for messages from node `debugId`, oldest first. */
  debugMessages(debugId: string): Locator {
    return this.page.locator(`.red-ui-debug-msg.red-ui-debug-msg-node-${debugId} .red-ui-debug-msg-payload`);
  }

  /** Waits for a debug message from `debugId` matching `pattern`; returns its text. */
  async waitForDebug(debugId: string, pattern: RegExp, timeout = 30_000): Promise<string> {
    const msg = this.debugMessages(debugId).filter({ hasText: pattern }).first();
    await msg.waitFor({ timeout });
    return msg.innerText();
  }

  /** The status text shown under a node on the canvas. */
  statusText(id: string): Locator {
    return this.canvasNode(id).locator('.red-ui-flow-node-status-label');
  }
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
