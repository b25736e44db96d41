import type { QueueTicket } from '../lambdas/adapters/dynamodb-queue-reader';
import { InvalidInputError } from '../lambdas/domain/errors';
import { TICKET_STATUSES, type TicketStatus } from '../lambdas/domain/ticket';

/**
 * The queue's filters, from and to the page's URL. Status picks index partitions and
 * "breached" a key range (both served by GSI `byQueue`); priority, assignee, account and a text
 * search filter the index's items within a read budget (docs/desk.md says what each costs).
 */
export const ACTIVE_STATUSES: readonly TicketStatus[] = ['open', 'pending', 'needs_clarification', 'planned', 'in_progress'];
export type StatusChoice = 'active' | 'all' | TicketStatus;
export const STATUS_CHOICES: readonly StatusChoice[] = ['active', ...TICKET_STATUSES, 'all'];
export const PAGE_SIZES = [25, 50, 100] as const;
/** "none" in the assignee or account filter: tickets without one. */
export const NONE = 'none';

export interface QueueFilters {
  status: StatusChoice;
  priority: string | null;
  assignee: string | null;
  account: string | null;
  breached: boolean;
  q: string;
  size: number;
  cursor: string | null;
  /** Page number shown (1 for the first); carried along with the cursor. */
  page: number;
}

const MAX_TEXT = 200;

function text(params: URLSearchParams, name: string): string | null {
  const value = params.get(name)?.trim() ?? '';
  if (value.length > MAX_TEXT) throw new InvalidInputError(`${name}: longer than ${MAX_TEXT} characters`);
  return value === '' ? null : value;
}

/** Reads the filters from a query string; {@link InvalidInputError} names a bad parameter. */
export function parseQueueFilters(params: URLSearchParams, priorities: readonly string[]): QueueFilters {
  const status = (params.get('status') || 'active') as StatusChoice;
  if (!STATUS_CHOICES.includes(status)) throw new InvalidInputError(`status: "${status}" is not one of ${STATUS_CHOICES.join(', ')}`);
  const priority = text(params, 'priority');
  if (priority !== null && !priorities.includes(priority)) throw new InvalidInputError(`priority: "${priority}" is not one of ${priorities.join(', ')}`);
  const size = Number(params.get('size') || PAGE_SIZES[0]);
  if (!(PAGE_SIZES as readonly number[]).includes(size)) throw new InvalidInputError(`size: ${params.get('size')} is not one of ${PAGE_SIZES.join(', ')}`);
  const page = Number(params.get('page') || 1);
  if (!Number.isInteger(page) || page < 1 || page > 100_000) throw new InvalidInputError('page: not a page number');
  const breached = params.get('breached');
  if (breached !== null && breached !== '' && breached !== '1') throw new InvalidInputError('breached: use 1 or leave it out');
  const cursor = text(params, 'cursor');
  return {
    status,
    priority,
    assignee: text(params, 'assignee')?.toLowerCase() ?? null,
    account: text(params, 'account'),
    breached: breached === '1',
    q: text(params, 'q') ?? '',
    size,
    cursor,
    page: cursor === null ? 1 : page,
  };
}

export function statusesOf(status: StatusChoice): readonly TicketStatus[] {
  if (status === 'active') return ACTIVE_STATUSES;
  if (status === 'all') return TICKET_STATUSES;
  return [status];
}

/** Case- and width-insensitive form for the text search. */
const fold = (s: string | null | undefined): string => (s ?? '').normalize('NFKC').toLowerCase();

/** The filters the index cannot serve, as one predicate; undefined when there are none. */
export function matcherOf(f: QueueFilters): ((t: QueueTicket) => boolean) | undefined {
  const tests: Array<(t: QueueTicket) => boolean> = [];
  if (f.priority !== null) tests.push((t) => t.priority === f.priority);
  if (f.assignee !== null) tests.push(f.assignee === NONE ? (t) => !t.assignee : (t) => (t.assignee ?? '').toLowerCase() === f.assignee);
  if (f.account !== null) tests.push(f.account === NONE ? (t) => !t.account : (t) => t.account === f.account);
  if (f.q !== '') {
    const q = fold(f.q);
    tests.push((t) => [t.id, t.subject, t.requester?.address, t.requester?.name].some((v) => fold(v).includes(q)));
  }
  return tests.length === 0 ? undefined : (t) => tests.every((test) => test(t));
}

/**
 * The ticket a search names outright (`LOCAL-12`, `#12`, `[#LOCAL-12]`, `12`): looked up by
 * key, one read, whatever the filters.
 */
export function searchedId(q: string, prefix: string): string | null {
  const bare = q.trim().replace(/^\[?#?/, '').replace(/\]$/, '').toUpperCase();
  if (/^[A-Z][A-Z0-9]{1,7}-\d{1,12}$/.test(bare)) return bare;
  if (/^\d{1,12}$/.test(bare)) return `${prefix}-${Number(bare)}`;
  return null;
}

/** The queue URL for these filters, with some changed (null drops a parameter). */
export function queueUrl(f: QueueFilters, change: Partial<Record<keyof QueueFilters, string | number | boolean | null>> = {}): string {
  const values: Record<string, string | number | boolean | null> = {
    status: f.status === 'active' ? null : f.status,
    priority: f.priority,
    assignee: f.assignee,
    account: f.account,
    breached: f.breached ? 1 : null,
    q: f.q || null,
    size: f.size === PAGE_SIZES[0] ? null : f.size,
    cursor: null,
    page: null,
    ...change,
  };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== null && v !== false && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `/?${qs}` : '/';
}
