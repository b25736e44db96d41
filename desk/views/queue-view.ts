import type { QueuePage, QueueTicket } from '../../lambdas/adapters/dynamodb-queue-reader';
import { urgentDue } from '../../lambdas/domain/queue-order';
import type { DeskSource } from '../desk-source';
import { NONE, PAGE_SIZES, STATUS_CHOICES, queueUrl, type QueueFilters } from '../queue-params';
import { DeskTime, address, countdownText, duration, field, html, type Html } from './html';
import { clockMark } from './layout';

export interface QueueView {
  filters: QueueFilters;
  /** The page read from the index; null when a search named one ticket. */
  page: QueuePage | null;
  /** Tickets shown (the page's, or the one a search named). */
  tickets: QueueTicket[];
  now: Date;
}

const statusLabel = (s: string): string => (s === 'active' ? 'open (all not resolved)' : s === 'all' ? 'all' : s.replace(/_/g, ' '));

/** The filter form: outside the live part, so a refresh never resets what the viewer is typing. */
export function queueFilters(source: DeskSource, f: QueueFilters): Html {
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return html`<form class="filters" method="get" action="/" role="search">
  <label>Status <select name="status">${STATUS_CHOICES.map((s) => option(s === 'active' ? '' : s, statusLabel(s), f.status === s))}</select></label>
  <label>Priority <select name="priority">${option('', 'any', f.priority === null)}${source.priorities.map((p) => option(p, p, f.priority === p))}</select></label>
  <label>Assignee <input name="assignee" value="${f.assignee ?? ''}" placeholder="address or ${NONE}" size="18"></label>
  <label>Account <input name="account" value="${f.account ?? ''}" placeholder="account or ${NONE}" size="12"></label>
  <label class="check"><input type="checkbox" name="breached" value="1"${f.breached ? html` checked` : ''}> Breached</label>
  <label>Search <input type="search" name="q" value="${f.q}" placeholder="id, requester or subject" size="24"></label>
  <label>Per page <select name="size">${PAGE_SIZES.map((n) => option(String(n), String(n), f.size === n))}</select></label>
  <button type="submit">Show</button>
  <a href="/">Reset</a>
</form>`;
}

/** Next deadline cell: a live countdown (the script ticks it) with the deadline in the desk's zone. */
function deadline(t: QueueTicket, now: Date, time: DeskTime): Html {
  const due = urgentDue(t);
  if (!due) return html`<span class="muted">${t.sla?.pausedAt ? 'clock paused' : 'none running'}</span>`;
  const target = !t.sla.firstRespondedAt && t.sla.firstResponseDue ? 'first response' : 'resolution';
  const overdue = Date.parse(due) <= now.getTime();
  return html`<span class="countdown${overdue ? ' overdue' : ''}" data-due="${due}">${countdownText(due, now)}</span>
    <div class="small">${target} · ${time.at(due, 'ccc d LLL, HH:mm')}</div>`;
}

function markers(t: QueueTicket, now: Date): Html {
  const due = urgentDue(t);
  const overdue = due !== null && Date.parse(due) <= now.getTime();
  const past = t.sla?.breaches?.length ?? 0;
  return html`${overdue ? html`<span class="marker breached" data-breach-marker>BREACHED</span>` : ''}
    ${t.sla?.pausedAt ? html`<span class="marker paused" title="waiting on the customer: the resolution clock stands still">PAUSED</span>` : ''}
    ${past > 0 && !overdue ? html`<span class="marker breached-before" title="SLA breaches recorded on this ticket">breached ×${past}</span>` : ''}`;
}

function row(t: QueueTicket, now: Date, time: DeskTime): Html {
  const href = `/tickets/${encodeURIComponent(t.id)}`;
  const due = urgentDue(t);
  const overdue = due !== null && Date.parse(due) <= now.getTime();
  return html`<tr class="ticket${overdue ? ' overdue' : ''}" data-ticket="${t.id}">
  <td class="id"><a href="${href}">${t.id}</a></td>
  <td class="subject"><a href="${href}">${field(t.subject) }</a></td>
  <td class="requester">${address(t.requester)}</td>
  <td><span class="badge status-${t.status}">${t.status.replace(/_/g, ' ')}</span></td>
  <td><span class="badge priority">${field(t.priority)}</span></td>
  <td class="num">${t.tier}</td>
  <td>${t.assignee ? field(t.assignee) : html`<span class="muted">unassigned</span>`}</td>
  <td>${t.account ? field(t.account) : html`<span class="muted">–</span>`}</td>
  <td class="due">${deadline(t, now, time)}</td>
  <td class="markers">${markers(t, now)}</td>
  <td class="age" title="opened ${time.text(t.createdAt)}">${duration(now.getTime() - Date.parse(t.createdAt))}</td>
</tr>`;
}

/** The live part of the queue: the table, the pager and what the page cost to read. */
export function queueLive(source: DeskSource, v: QueueView): Html {
  const time = new DeskTime(source.timeZone);
  const { filters: f, page } = v;
  const rows = v.tickets.map((t) => row(t, v.now, time));
  const pager = page?.next
    ? html`<a class="next" rel="next" href="${queueUrl(f, { cursor: page.next, page: f.page + 1 })}">Next page →</a>`
    : '';
  const first = f.page > 1 ? html`<a href="${queueUrl(f)}">← First page</a>` : '';
  const cost = page
    ? html`read ${page.itemsRead} index item${page.itemsRead === 1 ? '' : 's'} in ${page.queries} quer${page.queries === 1 ? 'y' : 'ies'}`
    : html`looked up by id`;
  return html`${clockMark(v.now)}
<table class="queue">
<thead><tr><th>Ticket</th><th>Subject</th><th>Requester</th><th>Status</th><th>Priority</th><th>Tier</th><th>Assignee</th><th>Account</th><th>Next deadline</th><th></th><th>Age</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="11" class="empty">No tickets match${page?.budgetSpent ? ' in this stretch of the queue' : ''}.</td></tr>`}</tbody>
</table>
<nav class="pager">${first} <span class="muted">page ${f.page}</span> ${pager}
  ${page?.budgetSpent ? html`<span class="note">The filter matched few tickets: this page stopped after its read budget; the next page goes on.</span>` : ''}
  <span class="cost muted">${cost}</span></nav>`;
}
