import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/main';
import { findFreePort } from '../../../local/ports';
import { writeStackInfo } from '../../../local/stack-info';
import { exitStatusOf } from '../../../cli/usage-error';

/**
 * A command that printed its result and must exit non-zero throws an ExitStatus; main returns
 * its code and leaves process.exitCode alone, so the next run in the same process starts clean.
 * Commands run from their own bundles: an ExitStatus from another copy of the class still counts.
 */
describe('ExitStatus', () => {
  it('is told by its brand, from another copy of the class too', () => {
    let copy!: typeof import('../../../cli/usage-error');
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.isolateModules only isolates require()
      copy = require('../../../cli/usage-error');
    });
    const error = new copy.ExitStatus(3);
    expect(exitStatusOf(error)).toBe(3);
    expect(exitStatusOf(new Error('exit status 3'))).toBeUndefined();
    expect(exitStatusOf({ code: 3 })).toBeUndefined();
    expect(exitStatusOf(null)).toBeUndefined();
  });

  it('a failing run returns 1 without setting process.exitCode; the next run returns 0', async () => {
    // A "running" stack (this process) whose SMTP port nobody listens on: every delivery fails.
    const dir = mkdtempSync(join(tmpdir(), 'sesdesk-exit-'));
    const mail = join(dir, 'm.eml');
    writeFileSync(mail, 'From: a@customer.example\r\nTo: support@example.com\r\nSubject: x\r\n\r\nhi\r\n');
    const port = await findFreePort();
    writeStackInfo(dir, {
      pid: process.pid, startedAt: new Date().toISOString(), region: 'us-east-1', tableName: 't', bucket: 'b', inboundPrefix: 'inbound/',
      supportAddress: 'support@example.com', endpoints: { dynamodb: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:1', ses: 'http://127.0.0.1:1' },
      smtp: { host: '127.0.0.1', port }, sesViewerUrl: 'http://127.0.0.1:1/',
    });
    let out = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'sesdesk', 'send', mail, '--data-dir', dir])).toBe(1);
      expect(out).toContain(`${mail}: REJECTED`);
      expect(process.exitCode).toBeUndefined();
      expect(await main(['node', 'sesdesk', 'clock', 'show', '--data-dir', dir])).toBe(0);
    } finally {
      jest.restoreAllMocks();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
