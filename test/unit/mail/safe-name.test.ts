import { attachmentKey, safeAttachmentName } from '../../../lambdas/domain/safe-name';
import { InvalidInputError } from '../../../lambdas/domain/errors';

describe('safeAttachmentName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['..', 'attachment-3'],
    ['', 'attachment-3'],
    ['   ', 'attachment-3'],
    ['evil\r\nContent-Type: x.txt', 'evilContent-Type_ x.txt'],
    ['nul\u0000byte.txt', 'nulbyte.txt'],
    ['.hidden', 'hidden'],
    ['Grüße & Küsse.doc', 'Grüße _ Küsse.doc'],
    ['a?b*c<d>e|f".txt', 'a_b_c_d_e_f_.txt'],
  ])('%j -> %j', (name, want) => expect(safeAttachmentName(name, 3)).toBe(want));

  it('caps long names at 100 characters and keeps the extension', () => {
    const out = safeAttachmentName(`${'a'.repeat(1000)}.pdf`, 1);
    expect(Array.from(out).length).toBeLessThanOrEqual(100);
    expect(out.endsWith('.pdf')).toBe(true);
  });

  it('never produces a path separator, control character or dot-dot', () => {
    const hostile = ['a/../../b', '/etc/shadow', 'x\u0001\u001fy', '....//....//z', 'C:\\x\\..\\y', '\u202etxt.exe'];
    for (const h of hostile) {
      const out = safeAttachmentName(h, 0);
      // eslint-disable-next-line no-control-regex -- control characters are what the test looks for
      expect(out).not.toMatch(/[/\\\u0000-\u001f]|\.\./);
      expect(out.length).toBeGreaterThan(0);
    }
  });
});

describe('attachmentKey', () => {
  it('builds the S3 key under the ticket', () => {
    expect(attachmentKey('USE1-1042', 2, '../x/invoice.pdf')).toBe('tickets/USE1-1042/attachments/2-invoice.pdf');
  });
  it('rejects a ticket id that could escape the prefix', () => {
    expect(() => attachmentKey('../USE1-1', 1, 'a')).toThrow(InvalidInputError);
    expect(() => attachmentKey('USE1-1', -1, 'a')).toThrow(InvalidInputError);
  });
});
