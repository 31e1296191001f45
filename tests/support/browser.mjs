// A real browser for tests: Debian's Chromium driven by playwright-core (pinned in tests/e2e),
// headless, no sandbox (tests run as root), no background traffic, a fresh profile each time.
// `page(origin)` opens a blank page served from a loopback origin of the test's own, so what the
// page fetches is subject to the browser's own CORS checks.
import http from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e', 'package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

// A loopback server answering every GET with an empty HTML page: a page origin for the browser.
export async function startPageServer(host = '127.0.0.1') {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>page</title>');
  });
  await new Promise((r) => server.listen(0, host, r));
  return {
    origin: `http://${host}:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu',
      '--disable-dev-shm-usage'],
  });
  return {
    async page(origin) {
      const p = await context.newPage();
      await p.goto(origin + '/');
      return p;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
