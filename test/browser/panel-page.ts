/**
 * The "belay" sidebar tab as a user drives it in a real editor: log in (the panel's browser test
 * runs Node-RED with adminAuth, to have a read-only user), open the tab, pick a board, type at the
 * console, press pins.
 */
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM } from './editor-page';

/** A logged-in editor session in its own browser context (its own cookies and local storage). */
export interface Session { context: BrowserContext; page: Page }

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

/** Opens the editor in a fresh context and logs in through its login dialog. */
export async function logIn(browser: Browser, url: string, username: string, password: string): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(url);
  await page.locator('#node-dialog-login-username').fill(username, { timeout: 60_000 });
  await page.locator('#node-dialog-login-password').fill(password);
  await page.locator('#node-dialog-login-submit').click();
  await page.waitForSelector('.red-ui-palette-node[data-palette-type="inject"]', { timeout: 60_000 });
  return { context, page };
}

export class BelayTab {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.locator('#red-ui-sidebar-content .red-ui-sidebar-belay');
  }

  /** Opens the tab from its button in the sidebar's tab bar (or the overflow menu when it is hidden there). */
  async open(): Promise<void> {
    const button = this.page.locator('#red-ui-tab-belay-link-button');
    if (await button.isVisible()) {
      await button.click();
    } else {
      await this.page.locator('#red-ui-sidebar .red-ui-tab-link-button-menu').click();
      await this.page.locator('#red-ui-tabs-menu-option-belay').click();
    }
    await this.root.waitFor();
  }

  get picker(): Locator {
    return this.root.locator('#red-ui-sidebar-belay-board');
  }

  /** Picks the board whose entry in the list starts with `label` (its name). */
  async pick(label: string): Promise<void> {
    const option = this.picker.locator('option', { hasText: label }).first();
    await option.waitFor({ state: 'attached' });
    const value = await option.getAttribute('value');
    await this.picker.selectOption(value!);
  }

  stateText(): Locator {
    return this.root.locator('.red-ui-belay-info tr[data-row="state"] .red-ui-belay-state');
  }

  get input(): Locator {
    return this.root.locator('.red-ui-belay-console-input');
  }

  entries(): Locator {
    return this.root.locator('.red-ui-belay-console-log .red-ui-belay-console-entry');
  }

  /** Types `code` into the console (Shift+Enter between lines) and presses Enter; returns its entry. */
  async type(code: string): Promise<Locator> {
    const before = await this.entries().count();
    await this.input.click();
    const lines = code.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) await this.page.keyboard.press('Shift+Enter');
      await this.page.keyboard.insertText(lines[i]);
    }
    await this.page.keyboard.press('Enter');
    const entry = this.entries().nth(before);
    await entry.waitFor();
    return entry;
  }

  /** Runs `code` and waits until its answer (value, output or error) shows. */
  async run(code: string): Promise<Locator> {
    const entry = await this.type(code);
    await entry.locator('.red-ui-belay-console-value, .red-ui-belay-console-stdout, .red-ui-belay-console-error').first().waitFor({ timeout: 30_000 });
    return entry;
  }

  pin(id: number): Locator {
    return this.root.locator(`.red-ui-belay-pins tr[data-pin="${id}"]`);
  }
}
