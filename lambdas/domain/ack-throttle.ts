/**
 * Acknowledgement throttling: at most `perHour` automatic replies to one address in a clock
 * hour and `perDay` in a UTC day, so two auto-responders (or a flood of new tickets) cannot
 * make us mail someone without end. Windows are fixed, which keeps each one a single counter
 * item that expires on its own.
 */
export interface AckThrottleLimits {
  perHour: number;
  perDay: number;
}

export interface ThrottleWindow {
  /** Counter key: one per address, kind and window. */
  key: string;
  limit: number;
  /** When the counter may be forgotten (a while after the window ends). */
  expiresAt: Date;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * The counters an automatic reply of `kind` to `address` at `now` must stay under, hour
 * first: a reply refused by the hour window does not use up the day's allowance.
 */
export function throttleWindows(kind: string, address: string, now: Date, limits: AckThrottleLimits): ThrottleWindow[] {
  const a = address.trim().toLowerCase();
  const iso = now.toISOString();
  const hourStart = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const dayStart = Math.floor(now.getTime() / (24 * HOUR_MS)) * 24 * HOUR_MS;
  return [
    { key: `THROTTLE#${kind}#${a}#h${iso.slice(0, 13)}`, limit: limits.perHour, expiresAt: new Date(hourStart + 2 * HOUR_MS) },
    { key: `THROTTLE#${kind}#${a}#d${iso.slice(0, 10)}`, limit: limits.perDay, expiresAt: new Date(dayStart + 48 * HOUR_MS) },
  ];
}
