import * as z from '../zod';
import { formatPath as formatConfigPath } from '../config-error';
import { DateTime, IANAZone } from 'luxon';
import { InvalidInputError } from '../errors';
import { parseDuration, type SlaDuration } from './duration';

/**
 * The SLA policy file (shared/spec/sla-policy.md): zod schema for the JSON, and the parsed,
 * normalized form the calendar and calculator work with.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const RANGE_RE = /^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** `"09:00-03:00"` as minutes after local midnight of the day the range starts on. */
export interface TimeRange {
  /** 0..1439 */
  startMinute: number;
  /** After `startMinute`; above 1440 when the range runs past midnight (at most start + 1440). */
  endMinute: number;
  text: string;
}

/** Parses `"HH:MM-HH:MM"`; an end at or before its start runs into the next day. Null if malformed. */
export function parseTimeRange(text: string): TimeRange | null {
  const m = RANGE_RE.exec(text);
  if (!m) return null;
  const startMinute = Number(m[1]) * 60 + Number(m[2]);
  let endMinute = Number(m[3]) * 60 + Number(m[4]);
  if (endMinute > 1440) return null; // 24:MM with MM > 0
  if (endMinute <= startMinute) endMinute += 1440;
  return { startMinute, endMinute, text };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const json = JSON.stringify(value); // undefined for a function or a symbol
    if (json !== undefined) return json;
  } catch {
    // a cyclic structure or a BigInt: name its kind instead
  }
  return typeof value === 'bigint' ? `${value}n` : `a ${typeof value}`;
}

const DurationTextSchema = z.string().check(z.superRefine((value, ctx) => {
  if (!parseDuration(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `${describe(value)} is not a duration (like 15m, 4h, 2d, 30bm, 4bh, 1bd)`,
    });
  }
}));

const InOutSchema = z.strictObject({ inHours: DurationTextSchema, outOfHours: DurationTextSchema });

/** A duration, or `{ inHours, outOfHours }` chosen by whether the ticket arrived in business hours. */
export const DurationSpecSchema = z.unknown().check(z.superRefine((value, ctx) => {
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: 'is required' });
    return;
  }
  if (typeof value === 'string') {
    if (!parseDuration(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `${describe(value)} is not a duration (like 15m, 4h, 2d, 30bm, 4bh, 1bd)`,
      });
    }
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const r = InOutSchema.safeParse(value, { error: issueMessage });
    if (!r.success) {
      for (const issue of r.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      }
    }
    return;
  }
  ctx.addIssue({
    code: 'custom',
    message: `${describe(value)} is not a duration or { "inHours": ..., "outOfHours": ... }`,
  });
})) as z.ZodMiniType<string | { inHours: string; outOfHours: string }>;

export const PriorityTargetsSchema = z.strictObject({
  firstResponse: DurationSpecSchema,
  resolution: DurationSpecSchema,
  updateEvery: z.optional(DurationSpecSchema),
});

const RangeTextSchema = z.string().check(z.superRefine((value, ctx) => {
  if (!parseTimeRange(value)) {
    ctx.addIssue({ code: 'custom', message: `${describe(value)} is not a "HH:MM-HH:MM" range` });
  }
}));

const DateTextSchema = z.string().check(z.superRefine((value, ctx) => {
  if (!DATE_RE.test(value) || !DateTime.fromISO(value, { zone: 'UTC' }).isValid) {
    ctx.addIssue({ code: 'custom', message: `${describe(value)} is not a date (YYYY-MM-DD)` });
  }
}));

const TimezoneSchema = z.string().check(z.superRefine((value, ctx) => {
  if (!IANAZone.isValidZone(value)) {
    ctx.addIssue({ code: 'custom', message: `${describe(value)} is not an IANA time zone` });
  }
}));

const BusinessHoursSchema = z.strictObject(
  Object.fromEntries(WEEKDAYS.map((d) => [d, z.optional(z.array(RangeTextSchema))])) as Record<
    Weekday,
    z.ZodMiniOptional<z.ZodMiniArray<typeof RangeTextSchema>>
  >,
);

/** The policy JSON exactly as sla-policy.md describes it (plus an optional `description`). */
export const PolicyJsonSchema = z
  .strictObject({
    name: z.string().check(z.minLength(1)),
    /** Which desk the policy models (project presets carry one). */
    description: z.optional(z.string()),
    timezone: TimezoneSchema,
    businessHours: BusinessHoursSchema,
    businessDayHours: z.optional(z.number().check(z.positive(), z.lte(24 * 7))),
    holidays: z.optional(z.array(DateTextSchema)),
    defaultPriority: z.string().check(z.minLength(1)),
    priorities: z.record(z.string().check(z.minLength(1)), PriorityTargetsSchema),
    /**
     * Desk switch (support-desks.md, the Fax Guys desk): false means an emailed ticket keeps the
     * default priority and never activates 24x7 handling. Default true.
     */
    emailCanRaisePriority: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((p, ctx) => {
    const names = Object.keys(p.priorities);
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['priorities'], message: 'must define at least one priority' });
    } else if (!names.includes(p.defaultPriority)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultPriority'],
        message: `${describe(p.defaultPriority)} is not one of the priorities (${names.join(', ')})`,
      });
    }
    const hasRanges = WEEKDAYS.some((d) => (p.businessHours[d]?.length ?? 0) > 0);
    if (hasRanges) return;
    for (const [name, targets] of Object.entries(p.priorities)) {
      for (const field of ['firstResponse', 'resolution', 'updateEvery'] as const) {
        const spec = targets[field];
        if (spec === undefined) continue;
        const texts = typeof spec === 'string' ? [spec] : [spec.inHours, spec.outOfHours];
        if (texts.some((t) => parseDuration(t)?.business)) {
          ctx.addIssue({
            code: 'custom',
            path: ['priorities', name, field],
            message: 'uses business time but businessHours lists no ranges',
          });
        }
      }
    }
  }),
  );

export type PolicyJson = z.input<typeof PolicyJsonSchema>;

/** A target normalized to both cases; a plain duration is the same in and out of hours. */
export interface TargetSpec {
  inHours: SlaDuration;
  outOfHours: SlaDuration;
}

export interface PriorityTargets {
  firstResponse: TargetSpec;
  resolution: TargetSpec;
  updateEvery?: TargetSpec;
}

export interface SlaPolicy {
  name: string;
  description?: string;
  timezone: string;
  businessHours: Record<Weekday, TimeRange[]>;
  /** Hours in one `bd`: the file's value, else the total hours of the longest listed weekday. */
  businessDayHours: number;
  holidays: string[];
  defaultPriority: string;
  priorities: Record<string, PriorityTargets>;
  /** Priority names in file order, most urgent first (the order rules and caps compare by). */
  priorityOrder: string[];
  emailCanRaisePriority: boolean;
}

/** An invalid policy file: `issues` are `path: reason` lines, also joined in `message`. */
export class PolicyError extends InvalidInputError {
  public readonly issues: string[];

  public constructor(issues: string[], source?: string) {
    super(`${source ? `invalid SLA policy ${source}: ` : ''}${issues.join('; ')}`);
    this.name = 'PolicyError';
    this.issues = issues;
  }
}

/** Zod messages for the built-in checks, phrased like the custom ones. */
function issueMessage(iss: { code?: string; input?: unknown; expected?: unknown; keys?: string[] }): string | undefined {
  if (iss.code === 'invalid_type') {
    return iss.input === undefined ? 'is required' : `${describe(iss.input)} is not ${/^[aeiou]/.test(String(iss.expected)) ? 'an' : 'a'} ${String(iss.expected)}`;
  }
  if (iss.code === 'unrecognized_keys' && iss.keys) {
    return `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return undefined;
}

/** `['priorities','high','firstResponse']` -> `priorities.high.firstResponse`; indexes as `[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(policy)' : formatConfigPath(path);
}

/** Normalizes a validated duration spec (schema-checked, so every text parses). */
export function targetSpecOf(spec: string | { inHours: string; outOfHours: string }): TargetSpec {
  if (typeof spec === 'string') {
    const d = parseDuration(spec) as SlaDuration;
    return { inHours: d, outOfHours: d };
  }
  return { inHours: parseDuration(spec.inHours) as SlaDuration, outOfHours: parseDuration(spec.outOfHours) as SlaDuration };
}

/**
 * Validates a policy document and returns its normalized form.
 *
 * @param json - the parsed JSON of a policy file
 * @param source - file name or preset name, put in front of the error message
 * @throws {@link PolicyError} naming each bad field and why, e.g.
 *   `priorities.high.firstResponse: "4x" is not a duration ...`
 */
export function parsePolicy(json: unknown, source?: string): SlaPolicy {
  const r = PolicyJsonSchema.safeParse(json, { error: issueMessage });
  if (!r.success) {
    throw new PolicyError(
      r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
      source,
    );
  }
  const p = r.data;
  const businessHours = Object.fromEntries(
    WEEKDAYS.map((d) => [
      d,
      (p.businessHours[d] ?? []).map((t) => parseTimeRange(t) as TimeRange).sort((a, b) => a.startMinute - b.startMinute),
    ]),
  ) as Record<Weekday, TimeRange[]>;
  const longestDayMinutes = Math.max(
    0,
    ...WEEKDAYS.map((d) => businessHours[d].reduce((sum, r) => sum + (r.endMinute - r.startMinute), 0)),
  );
  const priorities: Record<string, PriorityTargets> = {};
  for (const [name, t] of Object.entries(p.priorities)) {
    priorities[name] = {
      firstResponse: targetSpecOf(t.firstResponse),
      resolution: targetSpecOf(t.resolution),
      ...(t.updateEvery !== undefined ? { updateEvery: targetSpecOf(t.updateEvery) } : {}),
    };
  }
  return {
    name: p.name,
    ...(p.description !== undefined ? { description: p.description } : {}),
    timezone: p.timezone,
    businessHours,
    businessDayHours: p.businessDayHours ?? longestDayMinutes / 60,
    holidays: [...(p.holidays ?? [])],
    defaultPriority: p.defaultPriority,
    priorities,
    priorityOrder: Object.keys(p.priorities),
    emailCanRaisePriority: p.emailCanRaisePriority ?? true,
  };
}

const WHOLE_DAY: TimeRange = { startMinute: 0, endMinute: 1440, text: '00:00-24:00' };

/**
 * `policy` for a ticket under 24x7 handling: every day is a business day from 00:00 to 24:00
 * and no holiday stops the clock, so `1bh` is an hour and `1bd` is `businessDayHours` hours of
 * wall-clock time. Targets, priorities and the time zone stay the policy's own.
 */
export function aroundTheClockPolicy(policy: SlaPolicy): SlaPolicy {
  const businessHours = Object.fromEntries(WEEKDAYS.map((d) => [d, [WHOLE_DAY]])) as SlaPolicy['businessHours'];
  return { ...policy, businessHours, holidays: [] };
}
