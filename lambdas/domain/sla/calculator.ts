import { InvalidInputError } from '../errors';
import { calendarOf } from './business-calendar';
import { durationMs, parseDuration, type SlaDuration } from './duration';
import type { PriorityTargets, SlaPolicy, TargetSpec } from './policy';

/** Due times of one ticket under a policy, counted from its arrival. */
export interface DueTimes {
  priority: string;
  firstResponseDue: Date;
  resolutionDue: Date;
  /** Interval between required updates, for priorities with `updateEvery`. */
  updateEvery?: SlaDuration;
  /** Whether the ticket arrived inside a business-hours range (picks in/out-of-hours targets). */
  arrivedInHours: boolean;
  /** The durations that applied. */
  firstResponse: SlaDuration;
  resolution: SlaDuration;
}

function toDuration(duration: SlaDuration | string): SlaDuration {
  if (typeof duration !== 'string') return duration;
  const d = parseDuration(duration);
  if (!d) throw new InvalidInputError(`"${duration}" is not a duration`);
  return d;
}

/** The targets of `priority`; {@link InvalidInputError} naming the known ones when unknown. */
export function targetsOf(policy: SlaPolicy, priority: string): PriorityTargets {
  const t = Object.prototype.hasOwnProperty.call(policy.priorities, priority) ? policy.priorities[priority] : undefined;
  if (!t) {
    throw new InvalidInputError(
      `unknown priority "${priority}" (policy ${policy.name} has: ${policy.priorityOrder.join(', ')})`,
    );
  }
  return t;
}

/** True when `at` is inside a business-hours range of the policy (ranges are `[start, end)`). */
export function isInBusinessHours(policy: SlaPolicy, at: Date): boolean {
  return calendarOf(policy).isOpen(at.getTime());
}

/** Picks `inHours` or `outOfHours` of a target by whether `at` is inside business hours. */
export function pickTarget(policy: SlaPolicy, spec: TargetSpec, at: Date): SlaDuration {
  if (spec.inHours === spec.outOfHours) return spec.inHours;
  return isInBusinessHours(policy, at) ? spec.inHours : spec.outOfHours;
}

/**
 * `from` plus a duration: real time for `m/h/d`, business time for `bm/bh/bd` (counting starts
 * at `from` if in hours, else at the next opening; a count ending exactly at a range's end
 * stays at that end).
 */
export function addDuration(policy: SlaPolicy, from: Date, duration: SlaDuration | string): Date {
  const d = toDuration(duration);
  return addMs(policy, from, durationMs(d, policy.businessDayHours), d.business);
}

/** `from` plus `ms` of real time (`business` false) or of business time (`business` true). */
export function addMs(policy: SlaPolicy, from: Date, ms: number, business: boolean): Date {
  if (!business) return new Date(from.getTime() + ms);
  return new Date(calendarOf(policy).addBusinessMs(from.getTime(), ms));
}

/** Business time in `[a, b)` in milliseconds (0 when `b <= a`). */
export function businessTimeBetween(policy: SlaPolicy, a: Date, b: Date): number {
  return calendarOf(policy).businessMsBetween(a.getTime(), b.getTime());
}

/** Time in `[a, b)` as a target's clock counts it: business time or real time. */
export function measureBetween(policy: SlaPolicy, a: Date, b: Date, business: boolean): number {
  if (!business) return Math.max(0, b.getTime() - a.getTime());
  return businessTimeBetween(policy, a, b);
}

/** The next instant business time starts counting from `at` (`at` itself when in hours). */
export function nextBusinessOpening(policy: SlaPolicy, at: Date): Date {
  return new Date(calendarOf(policy).nextOpening(at.getTime()));
}

/**
 * First-response and resolution due times of a ticket of `priority` that arrived at
 * `receivedAt`, exactly as sla-policy.md defines them.
 *
 * @throws {@link InvalidInputError} for a priority the policy does not define
 */
export function computeDue(policy: SlaPolicy, priority: string, receivedAt: Date): DueTimes {
  const targets = targetsOf(policy, priority);
  const arrivedInHours = isInBusinessHours(policy, receivedAt);
  const pick = (spec: TargetSpec) => (arrivedInHours ? spec.inHours : spec.outOfHours);
  const firstResponse = pick(targets.firstResponse);
  const resolution = pick(targets.resolution);
  return {
    priority,
    firstResponseDue: addDuration(policy, receivedAt, firstResponse),
    resolutionDue: addDuration(policy, receivedAt, resolution),
    ...(targets.updateEvery ? { updateEvery: pick(targets.updateEvery) } : {}),
    arrivedInHours,
    firstResponse,
    resolution,
  };
}
