import { DateTime, IANAZone } from 'luxon';
import { WEEKDAYS, type SlaPolicy, type TimeRange, type Weekday } from './policy';

/** One business-hours range as real instants (epoch ms), half-open: `[start, end)`. */
export interface BusinessInterval {
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Guard for a policy whose ranges never come (cannot happen after validation; defends loops). */
const MAX_DAYS_WITHOUT_RANGE = 800;

/**
 * The business-hours calendar of one policy: wall-clock ranges in the policy's zone turned
 * into real intervals, walked range by range (never minute by minute).
 *
 * Wall-clock semantics across DST: a range covers the instants whose local time reads inside
 * it. A start or end in a spring-forward gap maps to the transition instant; in a fall-back
 * overlap a start takes the first occurrence and an end the last.
 */
export class BusinessCalendar {
  private readonly zone: IANAZone;
  private readonly holidays: ReadonlySet<string>;
  private readonly hours: Record<Weekday, TimeRange[]>;
  private readonly dayCache = new Map<number, BusinessInterval[]>();
  private readonly hasRanges: boolean;

  public constructor(policy: Pick<SlaPolicy, 'timezone' | 'businessHours' | 'holidays'>) {
    this.zone = IANAZone.create(policy.timezone);
    this.holidays = new Set(policy.holidays);
    this.hours = policy.businessHours;
    this.hasRanges = WEEKDAYS.some((d) => policy.businessHours[d].length > 0);
  }

  /** True when `at` lies inside a range (`[start, end)`: a range's end is outside). */
  public isOpen(at: number): boolean {
    for (const r of this.intervalsFrom(at)) {
      return r.start <= at;
    }
    return false;
  }

  /**
   * The instant business time counted from `from` reaches `ms`. Counting starts at `from` when
   * it is inside a range, else at the next range's start; landing exactly on a range's end
   * returns that end, not the next opening.
   */
  public addBusinessMs(from: number, ms: number): number {
    if (ms <= 0) return from;
    let remaining = ms;
    for (const r of this.intervalsFrom(from)) {
      const s = Math.max(r.start, from);
      const available = r.end - s;
      if (remaining <= available) return s + remaining;
      remaining -= available;
    }
    throw new Error('business calendar has no ranges'); // unreachable: intervalsFrom throws first
  }

  /** Business time (ms) inside `[a, b)`; 0 when `b <= a`. */
  public businessMsBetween(a: number, b: number): number {
    if (b <= a) return 0;
    let total = 0;
    for (const r of this.intervalsFrom(a)) {
      if (r.start >= b) break;
      total += Math.min(r.end, b) - Math.max(r.start, a);
    }
    return total;
  }

  /** Start of the range containing `at`, or of the next range; `at` itself when open. */
  public nextOpening(at: number): number {
    for (const r of this.intervalsFrom(at)) return Math.max(r.start, at);
    throw new Error('business calendar has no ranges');
  }

  /**
   * Ranges that end after `at`, in order, overlapping ones merged (so nothing counts twice).
   * Starts a day early because a range belongs to the day it starts on and may run past midnight.
   */
  public *intervalsFrom(at: number): Generator<BusinessInterval> {
    if (!this.hasRanges) return;
    let day = this.localDayOrdinal(at) - 1;
    let pending: BusinessInterval | null = null;
    let floor = -Infinity;
    let emptyDays = 0;
    for (;;) {
      const ranges = this.rangesOfDay(day);
      day += 1;
      if (ranges.length === 0) {
        emptyDays += 1;
        if (emptyDays > MAX_DAYS_WITHOUT_RANGE) throw new Error('business calendar: no business hours ahead');
        continue;
      }
      emptyDays = 0;
      for (const range of ranges) {
        // Nothing before the end of what was already yielded counts again.
        const r = range.start < floor ? { start: floor, end: range.end } : range;
        if (r.end <= r.start) continue;
        // Ranges that only touch stay apart: a round-the-clock calendar (00:00-24:00 every
        // day) would otherwise merge into one interval that never ends.
        if (pending && r.start < pending.end) {
          pending = { start: pending.start, end: Math.max(pending.end, r.end) };
          if (pending.end - pending.start < MAX_MERGED_MS) continue;
          // Overlapping overnight ranges every day: hand the chain out in pieces.
          if (pending.end > at) yield pending;
          floor = pending.end;
          pending = null;
          continue;
        }
        if (pending && pending.end > at) yield pending;
        if (pending) floor = pending.end;
        pending = r;
      }
    }
  }

  /** Days since 1970-01-01 of the local calendar date of `at`. */
  private localDayOrdinal(at: number): number {
    const local = at + this.zone.offset(at) * MINUTE_MS;
    return Math.floor(local / DAY_MS);
  }

  /** The ranges that start on local date `ordinal` (none on a holiday), as instants, sorted. */
  private rangesOfDay(ordinal: number): BusinessInterval[] {
    const cached = this.dayCache.get(ordinal);
    if (cached) return cached;
    const date = new Date(ordinal * DAY_MS);
    const iso = date.toISOString().slice(0, 10);
    // getUTCDay: 0 = Sunday; WEEKDAYS starts on Monday.
    const weekday = WEEKDAYS[(date.getUTCDay() + 6) % 7];
    const out: BusinessInterval[] = [];
    if (!this.holidays.has(iso)) {
      for (const r of this.hours[weekday]) {
        const start = this.wallToInstant(ordinal, r.startMinute, 'first');
        const end = this.wallToInstant(ordinal, r.endMinute, 'last');
        if (end > start) out.push({ start, end });
      }
      out.sort((x, y) => x.start - y.start);
    }
    if (this.dayCache.size > 4096) this.dayCache.clear();
    this.dayCache.set(ordinal, out);
    return out;
  }

  /**
   * The instant the local wall clock reads `minute` minutes after midnight of day `ordinal`
   * (minute may pass 1440 for overnight ends).
   */
  private wallToInstant(ordinal: number, minute: number, pick: 'first' | 'last'): number {
    const naive = ordinal * DAY_MS + minute * MINUTE_MS;
    // Offsets a day either side of the wall time cover both sides of any DST change
    // (zones do not change offset twice within two days).
    const before = this.zone.offset(naive - DAY_MS);
    const after = this.zone.offset(naive + DAY_MS);
    const candidates: number[] = [];
    for (const off of before === after ? [before] : [before, after]) {
      const instant = naive - off * MINUTE_MS;
      if (this.zone.offset(instant) === off) candidates.push(instant);
    }
    if (candidates.length > 0) return pick === 'first' ? Math.min(...candidates) : Math.max(...candidates);
    // In a spring-forward gap: the wall clock jumps over this time, so the first instant that
    // reads at or after it is the transition itself. Binary search by the minute between the
    // two readings of the wall time.
    let lo = naive - Math.max(before, after) * MINUTE_MS;
    let hi = naive - Math.min(before, after) * MINUTE_MS;
    while (hi - lo > MINUTE_MS) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
      if (this.zone.offset(mid) === after) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

/** Longest interval `intervalsFrom` merges before yielding it. */
const MAX_MERGED_MS = 7 * DAY_MS;

const calendars = new WeakMap<SlaPolicy, BusinessCalendar>();

/** The calendar of a parsed policy, built once per policy object. */
export function calendarOf(policy: SlaPolicy): BusinessCalendar {
  let c = calendars.get(policy);
  if (!c) {
    c = new BusinessCalendar(policy);
    calendars.set(policy, c);
  }
  return c;
}

/** Local date (`YYYY-MM-DD`) of an instant in the policy's zone; handy for holiday checks. */
export function localDate(policy: Pick<SlaPolicy, 'timezone'>, at: Date): string {
  return DateTime.fromJSDate(at, { zone: policy.timezone }).toISODate() as string;
}
