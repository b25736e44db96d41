/**
 * SLA durations (shared/spec/sla-policy.md): `15m 4h 2d` count real elapsed time round the
 * clock; `30bm 4bh 1bd` count only time inside business-hours ranges.
 */
export type ElapsedUnit = 'm' | 'h' | 'd';
export type BusinessUnit = 'bm' | 'bh' | 'bd';
export type DurationUnit = ElapsedUnit | BusinessUnit;

export interface SlaDuration {
  amount: number;
  unit: DurationUnit;
  /** True for `bm`/`bh`/`bd`: only business time counts. */
  business: boolean;
  /** The text it was parsed from (`"4bh"`), for messages and output. */
  text: string;
}

const DURATION_RE = /^([1-9][0-9]{0,5})(m|h|d|bm|bh|bd)$/;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** Parses `"4bh"` into a {@link SlaDuration}; null when the text is not a duration. */
export function parseDuration(text: string): SlaDuration | null {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return null;
  const unit = m[2] as DurationUnit;
  return { amount: Number(m[1]), unit, business: unit.startsWith('b'), text: text.trim() };
}

/**
 * Length of a duration in milliseconds of its own clock: real time for elapsed units,
 * business time for business units (`bd` = `businessDayHours` business hours).
 */
export function durationMs(d: SlaDuration, businessDayHours: number): number {
  switch (d.unit) {
    case 'm':
    case 'bm':
      return d.amount * MINUTE_MS;
    case 'h':
    case 'bh':
      return d.amount * HOUR_MS;
    case 'd':
      // Elapsed days are real time (sla-policy.md: elapsed durations are real time), so a
      // `2d` across a DST change is 48 real hours, not two calendar days.
      return d.amount * 24 * HOUR_MS;
    case 'bd':
      return Math.round(d.amount * businessDayHours * HOUR_MS);
  }
}
