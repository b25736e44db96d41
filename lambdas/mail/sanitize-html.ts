/**
 * Conservative HTML sanitizer for display of inbound mail: removes active content (script,
 * style, iframe, object, embed, forms' targets), event-handler attributes and
 * javascript:/vbscript:/non-image data: URLs. Regex based and linear on purpose: it runs on
 * attacker-controlled input inside the ingest Lambda. Output is for a sandboxed viewer; it is
 * not a substitute for a CSP.
 */
const DANGEROUS_BLOCK = /<(script|style|iframe|object|embed|noscript|template|svg|math)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const DANGEROUS_TAG = /<\/?(?:script|style|iframe|frame|frameset|object|embed|applet|link|meta|base|noscript|template|svg|math|form)\b[^>]*>/gi;
const TAG = /<[a-zA-Z][^>]*>/g;
const ATTR = /(\s)([^\s=>/"']+)(\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?/g;
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'background', 'xlink:href', 'poster', 'lowsrc', 'dynsrc', 'srcset', 'data']);

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Math.min(parseInt(d, 10), 0x10ffff)))
    .replace(/&colon;/gi, ':')
    .replace(/&tab;|&newline;/gi, '');
}

function unsafeUrl(value: string): boolean {
  const v = decodeEntities(value.replace(/^["']|["']$/g, ''))
    // eslint-disable-next-line no-control-regex -- browsers ignore control characters inside a URL scheme (java\0script:)
    .replace(/[\u0000-\u0020\u007f]+/g, '')
    .toLowerCase();
  return /^(?:javascript|vbscript|livescript):/.test(v) || (/^data:/.test(v) && !/^data:image\/(?:png|gif|jpe?g|webp);/.test(v));
}

/** Returns `html` without scripts, styles, event handlers or script URLs. */
export function sanitizeHtml(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(DANGEROUS_BLOCK, '')
    .replace(DANGEROUS_TAG, '')
    .replace(TAG, (tag) =>
      tag.replace(ATTR, (whole: string, space: string, name: string, assign: string | undefined) => {
        const n = name.toLowerCase();
        if (n.startsWith('on') || n === 'style' && assign !== undefined && /expression\s*\(|javascript:|url\s*\(\s*['"]?\s*javascript:/i.test(decodeEntities(assign))) return '';
        if (assign !== undefined && URL_ATTRS.has(n) && unsafeUrl(assign.replace(/^\s*=\s*/, ''))) return `${space}${name}="#"`;
        return whole;
      }),
    );
}
