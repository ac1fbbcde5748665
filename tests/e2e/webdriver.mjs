// A small W3C WebDriver client over fetch (Node 20), enough to drive the real app through
// tauri-driver: sessions, finding elements, clicking, typing, reading text, screenshots.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriver {
  constructor(base, sessionId) {
    this.base = base;
    this.sessionId = sessionId;
  }

  static async newSession(base, capabilities) {
    const res = await call(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new WebDriver(base, res.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.sessionId}${path}`, body);
  }

  async quit() {
    try {
      await this.cmd('DELETE', '');
    } catch {
      /* the app may already be gone */
    }
  }

  async find(xpath) {
    const el = await this.cmd('POST', '/element', { using: 'xpath', value: xpath });
    return el[ELEMENT];
  }

  async findAll(xpath) {
    const els = await this.cmd('POST', '/elements', { using: 'xpath', value: xpath });
    return els.map((e) => e[ELEMENT]);
  }

  /** Waits until `xpath` matches a displayed element; returns it. */
  async waitFor(xpath, timeoutMs = 20000) {
    const end = Date.now() + timeoutMs;
    let last;
    while (Date.now() < end) {
      try {
        const id = await this.find(xpath);
        if (await this.cmd('GET', `/element/${id}/displayed`)) return id;
      } catch (e) {
        last = e;
      }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${xpath}: ${last?.message ?? 'not displayed'}`);
  }

  async click(xpath, timeoutMs) {
    const id = await this.waitFor(xpath, timeoutMs);
    await this.cmd('POST', `/element/${id}/click`, {});
  }

  async type(xpath, text) {
    const id = await this.waitFor(xpath);
    await this.cmd('POST', `/element/${id}/clear`, {});
    await this.cmd('POST', `/element/${id}/value`, { text });
  }

  async text(xpath, timeoutMs) {
    const id = await this.waitFor(xpath, timeoutMs);
    return this.cmd('GET', `/element/${id}/text`);
  }

  async pageText() {
    return this.text('//body');
  }

  async exec(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
  }
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok || json.value?.error) {
    const v = json.value ?? {};
    throw new Error(`${method} ${path}: ${v.error ?? res.status} ${v.message ?? ''}`);
  }
  return json.value;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** XPath literal for any text (handles quotes). */
export function lit(s) {
  if (!s.includes("'")) return `'${s}'`;
  return `concat('${s.split("'").join(`', "'", '`)}')`;
}
