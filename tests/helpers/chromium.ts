// Headless Chromium (Debian's `chromium` package) driven by playwright-core, for the dashboard's
// browser tests. Each launch gets its own temporary profile, removed on close.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type BrowserContext, chromium } from "playwright-core";

/** Where Debian installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Why browser tests cannot run here, or null. Throws in CI, which must run them. */
export function chromiumSkipReason(): string | null {
  if (existsSync(CHROMIUM)) return null;
  if (process.env.CI === "true") {
    throw new Error("chromium is not installed; CI must run it (node tools/ensure.mjs --servers).");
  }
  return "chromium is not installed (apt-get install chromium)";
}

/** A browser context on a fresh profile; `close()` also removes the profile. */
export async function launchChromium(
  options: { httpCredentials?: { username: string; password: string } } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "stem-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    ...options,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
