import { html as honoHtml, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { DateTime } from 'luxon';

/**
 * The page's templating: hono's `html` tagged template escapes every interpolated value (`&`,
 * `<`, `>`, `"`, `'`), so customer text can only ever land as text. Nothing here builds markup
 * by string concatenation; `raw` is used for our own constant markup only.
 */
export type Html = HtmlEscapedString;

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return honoHtml(strings, ...values) as Html;
}

export { raw };

/**
 * Bidi controls that reorder the text around them (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI,
 * PDI): "invoice\u202Efdp.exe" would read "invoiceexe.pdf". Shown as a visible marker instead;
 * the marks LRM/RLM/ALM, which real right-to-left text uses, stay.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/** Customer text made safe to show as text: bidi overrides visible, other control characters dropped. */
export function visible(text: string | null | undefined): string {
  if (!text) return '';
  return text
    .replace(BIDI_CONTROLS, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`)
    // eslint-disable-next-line no-control-regex -- control characters (tab and newlines kept) are what must not reach the page
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/** One field of customer text, isolated (`<bdi>`) so it cannot reorder what is around it. */
export function field(text: string | null | undefined): Html {
  return html`<bdi>${visible(text)}</bdi>`;
}

export function address(a: { name: string; address: string } | null | undefined): Html {
  if (!a) return html`<span class="muted">(unknown)</span>`;
  return a.name ? html`${field(a.name)} <span class="addr">&lt;${field(a.address)}&gt;</span>` : html`<span class="addr">${field(a.address)}</span>`;
}

/** `1h 05m`, `2d 3h`, `45s`: a duration in words for people. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "in 1h 05m" or "overdue 12m" from `now` to `due`. */
export function countdownText(due: string, now: Date): string {
  const left = Date.parse(due) - now.getTime();
  return left > 0 ? `in ${duration(left)}` : `overdue ${duration(-left)}`;
}

/** Formats instants in the desk's time zone. */
export class DeskTime {
  public constructor(public readonly zone: string) {}

  public text(iso: string, format = 'ccc d LLL yyyy, HH:mm ZZZZ'): string {
    const dt = DateTime.fromISO(iso, { zone: 'utc' });
    return dt.isValid ? dt.setZone(this.zone).toFormat(format) : iso;
  }

  /**
   * An instant in the desk's zone; the page's script adds the viewer's own beside it
   * (`data-viewer`): only the browser knows the viewer's zone.
   */
  public at(iso: string | null | undefined, format?: string): Html {
    if (!iso) return html`<span class="muted">–</span>`;
    return html`<time datetime="${iso}" data-viewer>${this.text(iso, format)}</time>`;
  }

  /** The date (yyyy-MM-dd) of an instant in the desk's zone. */
  public date(at: Date): string {
    return DateTime.fromJSDate(at).setZone(this.zone).toISODate() ?? '';
  }

  /** Midnight of a desk-zone date (yyyy-MM-dd), or null when it is not a date. */
  public startOf(date: string): Date | null {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
    const dt = DateTime.fromISO(date, { zone: this.zone });
    return dt.isValid ? dt.startOf('day').toJSDate() : null;
  }
}

/** Bytes for people. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
