import { randomBytes } from 'node:crypto';

const CRLF = '\r\n';

/** Bytes of base64 with 76-char lines for `n` decoded bytes. */
function encodedSize(n: number): number {
  const b64 = Math.ceil(n / 3) * 4;
  return b64 + Math.ceil(b64 / 76) * 2;
}

/**
 * A multipart message of about `targetBytes` (default just under SES's 40 MB limit): a text
 * body, an HTML body and several base64 attachments of pseudo-random (incompressible) bytes.
 */
export function bigMessage(targetBytes = 40 * 1024 * 1024 - 64 * 1024, seedText = 'bench'): Buffer {
  const boundary = 'bench_big_boundary_1';
  const head = [
    'From: Big Sender <big.sender@customer.example>',
    'To: support@example.com',
    `Subject: ${seedText}: large attachments`,
    'Date: Fri, 20 Nov 2026 10:00:00 +0000',
    `Message-ID: <big-${randomBytes(6).toString('hex')}@customer.example>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    '',
  ].join(CRLF);
  const text = `--${boundary}${CRLF}Content-Type: text/plain; charset=utf-8${CRLF}${CRLF}${'Please see the attached scans. '.repeat(2000)}${CRLF}`;
  const html = `--${boundary}${CRLF}Content-Type: text/html; charset=utf-8${CRLF}${CRLF}<p>${'Please see the attached scans. '.repeat(500)}</p>${CRLF}`;
  const pieces: Buffer[] = [Buffer.from(head + text + html)];
  let size = pieces[0].length + boundary.length + 8;
  const shares = [0.45, 0.3, 0.15, 0.1];
  const budget = targetBytes - size - shares.length * 300;
  shares.forEach((share, i) => {
    const decoded = Math.floor((budget * share * 76) / 78 / 4) * 3;
    const partHead = Buffer.from(
      `--${boundary}${CRLF}Content-Type: application/pdf; name="scan-${i + 1}.pdf"${CRLF}Content-Disposition: attachment; filename="scan-${i + 1}.pdf"${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}`,
    );
    const b64 = randomBytes(decoded).toString('base64');
    const lines: string[] = [];
    for (let p = 0; p < b64.length; p += 76) lines.push(b64.slice(p, p + 76));
    const body = Buffer.from(`${lines.join(CRLF)}${CRLF}`);
    pieces.push(partHead, body);
    size += partHead.length + encodedSize(decoded);
  });
  pieces.push(Buffer.from(`--${boundary}--${CRLF}`));
  return Buffer.concat(pieces);
}
