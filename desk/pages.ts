import { DateTime } from 'luxon';
import type { QueuePage, QueueTicket } from '../lambdas/adapters/dynamodb-queue-reader';
import { InvalidInputError } from '../lambdas/domain/errors';
import { USUAL_PRIORITY_ORDER, slaReport } from '../lambdas/domain/sla/report';
import type { TicketMessage } from '../lambdas/domain/ticket';
import type { DeskSource } from './desk-source';
import { matcherOf, parseQueueFilters, searchedId, statusesOf } from './queue-params';
import { buildTimeline } from './timeline';
import { DeskTime, html, type Html } from './views/html';
import { layout, livePart } from './views/layout';
import { queueFilters, queueLive } from './views/queue-view';
import { reportForm, reportLive, type ReportPeriod } from './views/report-view';
import { ticketLive, type StoredBody } from './views/ticket-view';

/** How much of a body kept in S3 the page shows (the raw mail has all of it). */
const BODY_SHOWN = 256 * 1024;

/** The queue: filters from the query string, one page from the index (or one ticket a search names). */
export async function queuePage(source: DeskSource, params: URLSearchParams, partial: boolean): Promise<Html> {
  const filters = parseQueueFilters(params, source.priorities);
  const now = source.now();
  let page: QueuePage | null = null;
  let tickets: QueueTicket[];
  const id = filters.q && filters.cursor === null ? searchedId(filters.q, source.ticketPrefix) : null;
  const named = id ? await source.tickets.getTicket(id) : null;
  if (named) tickets = [named];
  else {
    page = await source.queue.page({
      statuses: statusesOf(filters.status),
      pageSize: filters.size,
      cursor: filters.cursor,
      overdueAt: filters.breached ? now : undefined,
      match: matcherOf(filters),
    });
    tickets = page.tickets;
  }
  const live = queueLive(source, { filters, page, tickets, now });
  if (partial) return livePart(source, live);
  return layout(source, { title: 'Queue', section: 'queue', above: queueFilters(source, filters), live });
}

async function storedBodies(source: DeskSource, messages: readonly TicketMessage[]): Promise<Map<string, StoredBody>> {
  const bodies = new Map<string, StoredBody>();
  await Promise.all(
    messages
      .filter((m) => m.text === null && m.textKey)
      .map(async (m) => {
        try {
          const bytes = await source.objects.getObject(m.textKey as string);
          bodies.set(m.key, { text: bytes.subarray(0, BODY_SHOWN).toString('utf8'), truncated: bytes.length > BODY_SHOWN });
        } catch (error) {
          bodies.set(m.key, { error: error instanceof Error ? error.message : String(error) });
        }
      }),
  );
  return bodies;
}

/** A ticket's page; null when there is no such ticket. */
export async function ticketPage(source: DeskSource, id: string, partial: boolean): Promise<Html | null> {
  const [ticket, messages] = await Promise.all([source.tickets.getTicket(id), source.tickets.listMessages(id)]);
  if (!ticket) return null;
  const bodies = await storedBodies(source, messages);
  const live = ticketLive(source, { ticket, messages, bodies, timeline: buildTimeline(ticket, messages), now: source.now() });
  if (partial) return livePart(source, live);
  return layout(source, { title: `${ticket.id} ${ticket.subject}`.slice(0, 120), section: 'ticket', live, above: html`<p><a href="/">← Queue</a></p>` });
}

/** The report's period from the query string: a preset, or dates in the desk's zone (until inclusive). */
export function reportPeriod(params: URLSearchParams, zone: string, now: Date): ReportPeriod {
  const time = new DeskTime(zone);
  const sinceText = params.get('since')?.trim() ?? '';
  const untilText = params.get('until')?.trim() ?? '';
  if (sinceText || untilText) {
    const since = sinceText ? time.startOf(sinceText) : null;
    const untilDay = untilText ? time.startOf(untilText) : null;
    if (sinceText && !since) throw new InvalidInputError(`since: "${sinceText}" is not a date (yyyy-mm-dd)`);
    if (untilText && !untilDay) throw new InvalidInputError(`until: "${untilText}" is not a date (yyyy-mm-dd)`);
    const until = untilDay ? DateTime.fromJSDate(untilDay).setZone(zone).plus({ days: 1 }).toJSDate() : null;
    if (since && until && until <= since) throw new InvalidInputError('until: must not be before since');
    return { preset: '', sinceDate: sinceText, untilDate: untilText, since, until };
  }
  const preset = params.get('preset') || '30d';
  const today = DateTime.fromJSDate(now).setZone(zone).startOf('day');
  const starts: Record<string, DateTime | null> = { '7d': today.minus({ days: 6 }), '30d': today.minus({ days: 29 }), month: today.startOf('month'), all: null };
  if (!(preset in starts)) throw new InvalidInputError(`preset: "${preset}" is not one of ${Object.keys(starts).join(', ')}`);
  const start = starts[preset];
  return { preset, sinceDate: start?.toISODate() ?? '', untilDate: '', since: start?.toJSDate() ?? null, until: null };
}

export async function reportPage(source: DeskSource, params: URLSearchParams, partial: boolean): Promise<Html> {
  const now = source.now();
  const period = reportPeriod(params, source.timeZone, now);
  const { tickets, itemsRead } = await source.queue.ticketsCreated({ since: period.since, until: period.until });
  const order = [...source.priorities, ...USUAL_PRIORITY_ORDER];
  const report = slaReport(tickets, { now, since: period.since, until: period.until, order });
  const live = reportLive(source, { period, report, itemsRead, now });
  if (partial) return livePart(source, live);
  return layout(source, { title: 'SLA report', section: 'report', above: reportForm(period), live });
}
