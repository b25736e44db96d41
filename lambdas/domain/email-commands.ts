import { TICKET_STATUSES, type TicketStatus } from './ticket';

/**
 * Email commands: lines at the very top of an agent's message (`#status planned`,
 * `#priority high`, `#assign a@x`, `#due 2026-12-01`, `#internal`, `#resolve`), one per line,
 * removed before the rest is relayed. Only the top block counts, so a `#tag` further down a
 * message (or in quoted history) is never run as a command.
 */
export type EmailCommand =
  | { name: 'status'; status: TicketStatus }
  | { name: 'priority'; priority: string }
  | { name: 'assign'; address: string }
  | { name: 'due'; date: string }
  | { name: 'internal' }
  | { name: 'resolve' };

export interface ParsedCommands {
  commands: EmailCommand[];
  /** One clear sentence per line that could not be understood. */
  errors: string[];
  /** The message with the command block removed (leading blank lines trimmed). */
  body: string;
}

const COMMAND_LINE = /^#([a-z][a-z_-]*)\b[ \t]*(.*)$/i;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `2026-12-01` (a calendar date, kept as such) or an ISO-8601 instant (normalised to UTC); null when neither. */
export function parseDueDate(text: string): string | null {
  const value = text.trim();
  const d = DATE_ONLY.exec(value);
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    const date = new Date(Date.UTC(y, m - 1, day));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === day ? value : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function parseLine(name: string, arg: string): EmailCommand | string {
  const lower = name.toLowerCase();
  const value = arg.trim();
  switch (lower) {
    case 'status': {
      const status = value.toLowerCase().replace(/[\s-]+/g, '_');
      if ((TICKET_STATUSES as readonly string[]).includes(status)) return { name: 'status', status: status as TicketStatus };
      return `#status needs one of ${TICKET_STATUSES.join(', ')}${value ? ` (got "${value}")` : ''}`;
    }
    case 'priority':
      if (!value || /\s/.test(value)) return '#priority needs one priority name, e.g. "#priority high"';
      return { name: 'priority', priority: value.toLowerCase() };
    case 'assign': {
      const address = value.replace(/^<|>$/g, '').toLowerCase();
      if (!EMAIL.test(address)) return `#assign needs an agent email address${value ? ` (got "${value}")` : ''}`;
      return { name: 'assign', address };
    }
    case 'due': {
      const date = parseDueDate(value);
      if (!date) return `#due needs a date like 2026-12-01 or 2026-12-01T15:00:00Z${value ? ` (got "${value}")` : ''}`;
      return { name: 'due', date };
    }
    case 'internal':
    case 'resolve':
      if (value) return `#${lower} takes no argument (got "${value}")`;
      return { name: lower };
    default:
      return `unknown command #${name} (known: #status, #priority, #assign, #due, #internal, #resolve)`;
  }
}

/**
 * Reads the command block at the top of `text`: leading lines that start with `#` and a
 * letter, blank lines between them allowed; the first other line ends the block.
 */
export function parseEmailCommands(text: string): ParsedCommands {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const commands: EmailCommand[] = [];
  const errors: string[] = [];
  let i = 0;
  for (; i < lines.length; i += 1) {
    const line = lines[i].trim();
    if (line === '') continue;
    const m = COMMAND_LINE.exec(line);
    if (!m) break;
    const parsed = parseLine(m[1], m[2]);
    if (typeof parsed === 'string') errors.push(parsed);
    else commands.push(parsed);
  }
  const body = lines.slice(i).join('\n').replace(/^\s*\n/, '').trimEnd();
  return { commands, errors, body };
}
