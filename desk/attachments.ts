import { safeAttachmentName } from '../lambdas/domain/safe-name';

/**
 * How stored customer files leave the desk: always as a download (`Content-Disposition:
 * attachment`), never sniffed (`nosniff`), under a sandboxing CSP, and typed
 * `application/octet-stream` unless the bytes are one of a few raster image formats (which the
 * ticket page shows as a preview through `<img>`, where they cannot run anything). A file that
 * claims to be a PNG but is HTML is served as octet-stream.
 */

const IMAGE_MAGIC: ReadonlyArray<{ type: string; test: (b: Buffer) => boolean }> = [
  { type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', test: (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')) },
  { type: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** The declared type when the page may preview it (a raster image), else null. SVG never: it can hold script. */
export function previewType(declared: string): string | null {
  const type = declared.split(';')[0].trim().toLowerCase();
  return IMAGE_MAGIC.some((m) => m.type === type) ? type : null;
}

/** The type to serve `bytes` with: a raster image type its bytes prove, else application/octet-stream. */
export function servedType(bytes: Buffer): string {
  return IMAGE_MAGIC.find((m) => m.test(bytes))?.type ?? 'application/octet-stream';
}

/** RFC 5987 value characters; everything else percent-encoded. */
const encode5987 = (s: string): string =>
  encodeURIComponent(s).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `attachment; filename="<ASCII>"; filename*=UTF-8''<name>`: the name made safe first (no path,
 * no control or bidi characters: "invoice\u202Efdp.exe" is saved as "invoicefdp.exe").
 */
export function contentDisposition(filename: string | null | undefined, index = 0): string {
  const safe = safeAttachmentName((filename ?? '').replace(/[\u2066-\u2069]/g, ''), index);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encode5987(safe)}`;
}

/** Headers of a stored file sent to the browser. */
export function downloadHeaders(filename: string | null | undefined, bytes: Buffer, index = 0): Record<string, string> {
  return {
    'Content-Type': servedType(bytes),
    'Content-Disposition': contentDisposition(filename, index),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'private, no-store',
    'Content-Length': String(bytes.length),
  };
}
