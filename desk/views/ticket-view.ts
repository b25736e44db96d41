import { urgentDue } from '../../lambdas/domain/queue-order';
import type { Ticket, TicketMessage } from '../../lambdas/domain/ticket';
import type { DeskSource } from '../desk-source';
import { previewType } from '../attachments';
import type { TimelineEvent } from '../timeline';
import { DeskTime, address, bytes, countdownText, field, html, visible, type Html } from './html';
import { clockMark } from './layout';

/** A body kept in S3 (large mail), read for the page; `error` when it could not be read. */
export type StoredBody = { text: string; truncated: boolean } | { error: string };

export interface TicketView {
  ticket: Ticket;
  messages: TicketMessage[];
  bodies: ReadonlyMap<string, StoredBody>;
  timeline: TimelineEvent[];
  now: Date;
}

/** How each kind of message is named and coloured: who speaks must be plain at a glance. */
const KINDS: Record<string, { label: string; css: string; note?: string }> = {
  customer: { label: 'Customer', css: 'customer' },
  agent: { label: 'Agent', css: 'agent' },
  note: { label: 'Internal note', css: 'note', note: 'not sent to the customer' },
  relay: { label: 'Agent reply sent to the customer', css: 'agent' },
  system: { label: 'System', css: 'system' },
  ack: { label: 'System · acknowledgement', css: 'system' },
  notification: { label: 'System · notification', css: 'system' },
  bounce: { label: 'Bounce', css: 'bounce', note: 'a delivery failure report' },
  'auto-reply': { label: 'Auto-reply', css: 'auto-reply', note: 'sent by a machine (out of office ...)' },
};

function messageUrl(ticketId: string, what: 'attachment' | 'raw', m: TicketMessage, i?: number): string {
  const params = new URLSearchParams({ m: m.key, ...(i === undefined ? {} : { i: String(i) }) });
  return `/tickets/${encodeURIComponent(ticketId)}/${what}?${params.toString()}`;
}

function body(m: TicketMessage, stored: StoredBody | undefined): Html {
  if (m.text !== null) return html`<pre class="body">${visible(m.text)}</pre>`;
  if (!m.textKey) return html`<p class="muted">(no text)</p>`;
  if (!stored) return html`<p class="muted">(body not loaded)</p>`;
  if ('error' in stored) return html`<p class="error">The body stored in S3 could not be read: ${stored.error}</p>`;
  return html`<pre class="body">${visible(stored.text)}</pre>${stored.truncated ? html`<p class="note">Long body: the first part is shown; the raw mail has all of it.</p>` : ''}`;
}

function attachments(ticketId: string, m: TicketMessage): Html {
  if (m.attachments.length === 0) return html``;
  const items = m.attachments.map((a, i) => {
    if (!a.key) return html`<li>${field(a.filename)} <span class="muted">(${bytes(a.size)}, not stored)</span></li>`;
    const href = messageUrl(ticketId, 'attachment', m, i);
    const preview = previewType(a.contentType);
    return html`<li><a href="${href}" download>${field(a.filename)}</a> <span class="muted">${field(a.contentType)}, ${bytes(a.size)}${a.inline ? ', inline' : ''}</span>
      ${preview ? html`<div><img class="preview" src="${href}" alt="preview of ${visible(a.filename)}" loading="lazy"></div>` : ''}</li>`;
  });
  return html`<ul class="attachments" aria-label="attachments">${items}</ul>`;
}

function message(ticketId: string, m: TicketMessage, stored: StoredBody | undefined, time: DeskTime): Html {
  const kind = KINDS[m.kind] ?? { label: m.kind, css: 'system' };
  const recipients = [...m.to, ...m.cc];
  return html`<article class="msg kind-${kind.css}" data-kind="${m.kind}">
  <header>
    <span class="kind">${kind.label}</span>${kind.note ? html` <span class="kind-note">${kind.note}</span>` : ''}
    <span class="dir">${m.direction === 'inbound' ? 'received' : 'sent'} ${time.at(m.at)}</span>
  </header>
  <div class="meta">
    <div><span class="k">From</span> ${address(m.from)}</div>
    ${recipients.length > 0 ? html`<div><span class="k">To</span> ${recipients.map((a, i) => html`${i > 0 ? ', ' : ''}${address(a)}`)}</div>` : ''}
    <div><span class="k">Subject</span> ${field(m.subject)}</div>
    ${typeof m.meta?.sendError === 'string' ? html`<div class="error">Not delivered: ${m.meta.sendError}</div>` : ''}
  </div>
  ${body(m, stored)}
  ${attachments(ticketId, m)}
  ${m.rawKey ? html`<p class="raw"><a href="${messageUrl(ticketId, 'raw', m)}" download>raw mail (.eml)</a></p>` : ''}
</article>`;
}

function slaPanel(t: Ticket, now: Date, time: DeskTime): Html {
  const due = urgentDue(t);
  const overdue = due !== null && Date.parse(due) <= now.getTime();
  const row = (label: string, value: Html) => html`<tr><th>${label}</th><td>${value}</td></tr>`;
  return html`<section class="sla">
  <h2>SLA <span class="muted small">policy ${field(t.sla.policy)}</span></h2>
  <p>${due ? html`Next deadline <span class="countdown${overdue ? ' overdue' : ''}" data-due="${due}">${countdownText(due, now)}</span>` : html`<span class="muted">No deadline running.</span>`}
    ${overdue ? html`<span class="marker breached" data-breach-marker>BREACHED</span>` : ''}
    ${t.sla.pausedAt ? html`<span class="marker paused">PAUSED</span> since ${time.at(t.sla.pausedAt)}` : ''}</p>
  <table class="facts">
    ${row('First response due', time.at(t.sla.firstResponseDue))}
    ${row('First response sent', time.at(t.sla.firstRespondedAt))}
    ${row('Resolution due', time.at(t.sla.resolutionDue))}
    ${row('Resolved', time.at(t.sla.resolvedAt))}
    ${t.sla.nextUpdateDue ? row('Next update due', time.at(t.sla.nextUpdateDue)) : ''}
    ${row('Breaches', t.sla.breaches.length === 0 ? html`none` : html`<ul>${t.sla.breaches.map((b) => html`<li><span class="marker breached">${b.target}</span> due ${time.at(b.due)}, recorded ${time.at(b.at)}, tier ${b.tier}</li>`)}</ul>`)}
  </table>
</section>`;
}

function timeline(events: TimelineEvent[], time: DeskTime, now: Date): Html {
  return html`<section class="timeline"><h2>Timeline</h2><ol>${events.map((e) => {
    const late = e.due && Date.parse(e.at) <= now.getTime();
    return html`<li class="ev ev-${e.kind}${e.due ? ' due' : ''}${late ? ' late' : ''}">${time.at(e.at)} <span class="ev-kind">${e.kind}</span> ${visible(e.text)}</li>`;
  })}</ol></section>`;
}

/** The live part of a ticket's page: facts, SLA, timeline and conversation. */
export function ticketLive(source: DeskSource, v: TicketView): Html {
  const t = v.ticket;
  const time = new DeskTime(source.timeZone);
  const fact = (label: string, value: Html | string) => html`<tr><th>${label}</th><td>${value}</td></tr>`;
  return html`${clockMark(v.now)}
<section class="ticket-head">
  <h1><span class="id">${t.id}</span> ${field(t.subject)}</h1>
  <p><span class="badge status-${t.status}">${t.status.replace(/_/g, ' ')}</span> <span class="badge priority">${field(t.priority)}</span> <span class="badge">tier ${t.tier}</span></p>
  <table class="facts">
    ${fact('Requester', address(t.requester))}
    ${t.participants.length > 0 ? fact('Participants', html`${t.participants.map((p, i) => html`${i > 0 ? ', ' : ''}${address(p)}`)}`) : ''}
    ${fact('Assignee', t.assignee ? field(t.assignee) : html`<span class="muted">unassigned</span>`)}
    ${fact('Account', t.account ? field(t.account) : html`<span class="muted">–</span>`)}
    ${fact('Opened', time.at(t.createdAt))}
    ${fact('Updated', time.at(t.updatedAt))}
    ${t.plannedFor ? fact('Planned for', field(t.plannedFor)) : ''}
    ${t.linkedTicketId ? fact('Follows', html`<a href="/tickets/${encodeURIComponent(t.linkedTicketId)}">${t.linkedTicketId}</a>`) : ''}
    ${t.rating !== null ? fact('Rating', `${t.rating} / 5`) : ''}
  </table>
</section>
<div class="columns">
  <div class="conversation"><h2>Conversation <span class="muted small">${v.messages.length} message${v.messages.length === 1 ? '' : 's'}</span></h2>
    ${v.messages.map((m) => message(t.id, m, v.bodies.get(m.key), time))}
  </div>
  <aside>${slaPanel(t, v.now, time)}${timeline(v.timeline, time, v.now)}</aside>
</div>`;
}
