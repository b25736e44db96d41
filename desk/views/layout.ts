import type { DeskSource } from '../desk-source';
import { html, type Html } from './html';

export type Section = 'queue' | 'report' | 'ticket';

/**
 * The page shell. No inline script or style (the Content-Security-Policy allows only our own
 * files): behaviour comes from /static/desk.js, reading data attributes. `#live` is the part
 * the script swaps with a fresh copy from the server every `pollMs`.
 */
export function layout(source: DeskSource, p: { title: string; section: Section; live: Html; above?: Html }): Html {
  const nav = (section: Section, href: string, label: string) =>
    html`<a href="${href}"${section === p.section ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${p.title} · sesdesk</title>
<link rel="stylesheet" href="/static/desk.css">
<script src="/static/desk.js" defer></script>
</head>
<body data-poll-ms="${source.pollMs}" data-desk-zone="${source.timeZone}">
<header class="top">
  <span class="brand">sesdesk</span>
  <nav>${nav('queue', '/', 'Queue')} ${nav('report', '/report', 'SLA report')}</nav>
  <span class="where">${source.label} · times in ${source.timeZone}<span class="viewer-zone"></span></span>
  <span class="status" id="live-status" role="status"></span>
</header>
<main>
${p.above ?? ''}
<div id="live">${p.live}</div>
</main>
</body>
</html>`;
}

/** The live part alone, for the script's refresh; carries the server's clock for the countdowns. */
export function livePart(source: DeskSource, live: Html): Html {
  return html`<div id="live">${live}</div>`;
}

/** The server's "now", which the script uses to correct the viewer's clock in countdowns. */
export function clockMark(now: Date): Html {
  return html`<span hidden class="server-now" data-now="${now.toISOString()}"></span>`;
}

export function errorPage(source: DeskSource, title: string, message: string): Html {
  return layout(source, { title, section: 'ticket', live: html`<section class="error"><h1>${title}</h1><p>${message}</p><p><a href="/">Back to the queue</a></p></section>` });
}
