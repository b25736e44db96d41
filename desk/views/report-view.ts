import { formatDurationMs, type AttainmentRow, type PriorityReportRow, type SlaReport } from '../../lambdas/domain/sla/report';
import type { DeskSource } from '../desk-source';
import { DeskTime, field, html, type Html } from './html';
import { clockMark } from './layout';

/**
 * The SLA report page: the numbers of `sesdesk report` (the same slaReport over the same
 * tickets) for a chosen period, drawn as an SVG made here (no script, no chart library in the
 * browser) and listed in a table.
 */
export interface ReportPeriod {
  /** Desk-zone dates as the form shows them. */
  sinceDate: string;
  untilDate: string;
  preset: string;
  since: Date | null;
  /** Exclusive: midnight after `untilDate`. */
  until: Date | null;
}

export interface ReportView {
  period: ReportPeriod;
  report: SlaReport;
  itemsRead: number;
  now: Date;
}

export const PRESETS: ReadonlyArray<{ id: string; label: string }> = [
  { id: '7d', label: 'last 7 days' },
  { id: '30d', label: 'last 30 days' },
  { id: 'month', label: 'this month' },
  { id: 'all', label: 'all time' },
];

export function reportForm(p: ReportPeriod): Html {
  return html`<form class="filters" method="get" action="/report">
  ${PRESETS.map((x) => html`<a class="preset${p.preset === x.id ? ' current' : ''}" href="/report?preset=${x.id}">${x.label}</a>`)}
  <label>From <input type="date" name="since" value="${p.sinceDate}"></label>
  <label>To (inclusive) <input type="date" name="until" value="${p.untilDate}"></label>
  <button type="submit">Show</button>
</form>`;
}

const pct = (a: AttainmentRow): string => (a.attainment === null ? '–' : `${a.attainment}% (${a.met}/${a.measured})`);

/** Horizontal bars per priority: attainment (first response, resolution), breaches, medians. */
export function reportChart(rows: readonly PriorityReportRow[]): Html {
  const W = 900;
  const ROW = 46;
  const TOP = 48;
  const H = TOP + rows.length * ROW + 10;
  const P1 = { x: 130, w: 270 };
  const P2 = { x: 450, w: 130 };
  const P3 = { x: 630, w: 180 };
  const maxBreaches = Math.max(1, ...rows.map((r) => r.breaches));
  const maxMedian = Math.max(1, ...rows.flatMap((r) => [r.medianFirstResponseMs ?? 0, r.medianResolutionMs ?? 0]));
  const bar = (x: number, y: number, w: number, cls: string, label: string) =>
    html`<rect class="${cls}" x="${x}" y="${y}" width="${Math.max(0, Math.round(w))}" height="14"></rect><text class="val" x="${x + Math.max(0, Math.round(w)) + 4}" y="${y + 11}">${label}</text>`;
  const body = rows.map((r, i) => {
    const y = TOP + i * ROW;
    const fr = r.firstResponse.attainment ?? 0;
    const res = r.resolution.attainment ?? 0;
    return html`<g class="row${r.priority === 'all' ? ' total' : ''}">
  <text class="label" x="0" y="${y + 20}">${r.priority} (${r.tickets})</text>
  ${bar(P1.x, y, (fr / 100) * P1.w, 'bar-fr', pct(r.firstResponse))}
  ${bar(P1.x, y + 17, (res / 100) * P1.w, 'bar-res', pct(r.resolution))}
  ${bar(P2.x, y + 8, (r.breaches / maxBreaches) * P2.w * 0.7, 'bar-breach', String(r.breaches))}
  ${bar(P3.x, y, ((r.medianFirstResponseMs ?? 0) / maxMedian) * P3.w * 0.7, 'bar-fr', formatDurationMs(r.medianFirstResponseMs))}
  ${bar(P3.x, y + 17, ((r.medianResolutionMs ?? 0) / maxMedian) * P3.w * 0.7, 'bar-res', formatDurationMs(r.medianResolutionMs))}
</g>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="chart-title">
<title id="chart-title">SLA attainment, breaches and median times per priority</title>
<text class="head" x="${P1.x}" y="14">SLA met (% of measured tickets)</text>
<text class="head" x="${P2.x}" y="14">Breaches</text>
<text class="head" x="${P3.x}" y="14">Median time</text>
<rect class="bar-fr" x="${P1.x}" y="24" width="10" height="10"></rect><text class="legend" x="${P1.x + 14}" y="33">first response</text>
<rect class="bar-res" x="${P1.x + 110}" y="24" width="10" height="10"></rect><text class="legend" x="${P1.x + 124}" y="33">resolution</text>
${rows.map((_, i) => html`<line class="grid" x1="0" x2="${W}" y1="${TOP + i * ROW - 6}" y2="${TOP + i * ROW - 6}"></line>`)}
${body}
</svg>`;
}

function table(rows: readonly PriorityReportRow[]): Html {
  return html`<table class="report">
<thead><tr><th>Priority</th><th>Tickets</th><th>First response met</th><th>Resolution met</th><th>Breaches</th><th>Median first response</th><th>Median resolution</th></tr></thead>
<tbody>${rows.map((r) => html`<tr class="${r.priority === 'all' ? 'total' : ''}" data-priority="${r.priority}">
  <td>${field(r.priority)}</td><td class="num">${r.tickets}</td><td class="num">${pct(r.firstResponse)}</td><td class="num">${pct(r.resolution)}</td>
  <td class="num">${r.breaches}</td><td class="num">${formatDurationMs(r.medianFirstResponseMs)}</td><td class="num">${formatDurationMs(r.medianResolutionMs)}</td></tr>`)}</tbody>
</table>`;
}

/** The CLI line that prints these very numbers. */
export function cliEquivalent(p: ReportPeriod): string {
  return ['sesdesk report', p.since ? `--since ${p.since.toISOString()}` : '', p.until ? `--until ${p.until.toISOString()}` : ''].filter(Boolean).join(' ');
}

export function reportLive(source: DeskSource, v: ReportView): Html {
  const time = new DeskTime(source.timeZone);
  const rows = v.report.priorities.length > 0 ? [...v.report.priorities, v.report.total] : [];
  const span = html`${v.period.since ? html`from ${time.at(v.period.since.toISOString())}` : 'from the first ticket'}
    ${v.period.until ? html`to ${time.at(v.period.until.toISOString())} (exclusive)` : 'until now'}`;
  return html`${clockMark(v.now)}
<h1>SLA report</h1>
<p>Tickets opened ${span}: ${v.report.total.tickets}. Open tickets are judged as of ${time.at(v.report.generatedAt)}.</p>
${rows.length === 0 ? html`<p class="empty">No tickets were opened in this period.</p>` : html`${reportChart(rows)}${table(rows)}`}
<p class="muted small">Same numbers as <code>${cliEquivalent(v.period)}</code> · read ${v.itemsRead} ticket items (the period's tickets, GSI byKind)</p>`;
}
