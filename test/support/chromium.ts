import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (`playwright install` cannot download browsers
 * here). `.ci/run` installs the package when it is missing; SESDESK_CHROMIUM names another binary.
 */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Flags for a closed network and a throwaway profile (playwright gives each launch a fresh user-data-dir). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium binary to drive, or why there is none. */
export function findChromium(): { path: string } | { missing: string } {
  const named = process.env.SESDESK_CHROMIUM;
  if (named) return existsSync(named) ? { path: named } : { missing: `SESDESK_CHROMIUM=${named} does not exist` };
  const found = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  return found
    ? { path: found }
    : { missing: `no Chromium at ${CHROMIUM_CANDIDATES.join(' or ')}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set SESDESK_CHROMIUM` };
}

export async function launchChromium(path: string): Promise<Browser> {
  return chromium.launch({ executablePath: path, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}
