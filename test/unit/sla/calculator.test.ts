import fc from 'fast-check';
import {
  addDuration,
  businessTimeBetween,
  computeDue,
  isInBusinessHours,
  nextBusinessOpening,
} from '../../../lambdas/domain/sla/calculator';
import { parsePolicy, type PolicyJson, type SlaPolicy } from '../../../lambdas/domain/sla/policy';
import { loadPreset } from '../../../policies';

const H = 3_600_000;
const weekdays = (ranges: string[]) => ({ mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges });
const policy = (over: Partial<PolicyJson>): SlaPolicy =>
  parsePolicy({
    name: 't',
    timezone: 'America/New_York',
    businessHours: weekdays(['09:00-17:00']),
    defaultPriority: 'p',
    priorities: { p: { firstResponse: '1bh', resolution: '1bd' } },
    ...over,
  });

const nineToFive = policy({ holidays: ['2026-12-25'] });
const overnight = policy({ businessHours: weekdays(['09:00-03:00']), holidays: ['2026-12-25'] });
const split = policy({ timezone: 'America/Chicago', businessHours: weekdays(['08:00-12:00', '13:00-17:00']) });

const iso = (d: Date) => d.toISOString();

describe('addDuration on a 09:00-17:00 New York calendar', () => {
  it.each([
    ['in hours: counts from arrival', '2026-11-23T09:00:00-05:00', '1bh', '2026-11-23T15:00:00.000Z'],
    ['arrival exactly at the end is outside: next day', '2026-11-23T17:00:00-05:00', '1bh', '2026-11-24T15:00:00.000Z'],
    ['due landing exactly on the range end stays there', '2026-11-23T16:00:00-05:00', '1bh', '2026-11-23T22:00:00.000Z'],
    ['a whole day from opening ends at the close, not next opening', '2026-11-23T09:00:00-05:00', '8bh', '2026-11-23T22:00:00.000Z'],
    ['friday afternoon rolls over the weekend', '2026-11-20T16:00:00-05:00', '2bh', '2026-11-23T15:00:00.000Z'],
    ['weekend arrival starts at monday opening', '2026-11-21T12:00:00-05:00', '30bm', '2026-11-23T14:30:00.000Z'],
    ['holiday removes its range', '2026-12-24T16:00:00-05:00', '2bh', '2026-12-28T15:00:00.000Z'],
    ['1bd = longest weekday (8h) by default', '2026-11-23T13:00:00-05:00', '1bd', '2026-11-24T18:00:00.000Z'],
    ['elapsed days are real time over a weekend', '2026-11-21T12:00:00-05:00', '2d', '2026-11-23T17:00:00.000Z'],
    ['elapsed minutes ignore business hours', '2026-11-21T12:00:00-05:00', '15m', '2026-11-21T17:15:00.000Z'],
  ])('%s', (_name, from, duration, expected) => {
    expect(iso(addDuration(nineToFive, new Date(from), duration))).toBe(expected);
  });

  it('treats ranges as half-open [start, end)', () => {
    expect(isInBusinessHours(nineToFive, new Date('2026-11-23T09:00:00-05:00'))).toBe(true);
    expect(isInBusinessHours(nineToFive, new Date('2026-11-23T08:59:59.999-05:00'))).toBe(false);
    expect(isInBusinessHours(nineToFive, new Date('2026-11-23T16:59:59.999-05:00'))).toBe(true);
    expect(isInBusinessHours(nineToFive, new Date('2026-11-23T17:00:00-05:00'))).toBe(false);
  });

  it('measures business time between two instants', () => {
    expect(businessTimeBetween(nineToFive, new Date('2026-11-20T16:00:00-05:00'), new Date('2026-11-23T10:00:00-05:00'))).toBe(2 * H);
    expect(businessTimeBetween(nineToFive, new Date('2026-11-23T10:00:00-05:00'), new Date('2026-11-20T16:00:00-05:00'))).toBe(0);
    // Dec 25 is a holiday: only Dec 24 and Dec 28 count.
    expect(businessTimeBetween(nineToFive, new Date('2026-12-24T00:00:00-05:00'), new Date('2026-12-29T00:00:00-05:00'))).toBe(16 * H);
  });

  it('finds the next opening', () => {
    expect(iso(nextBusinessOpening(nineToFive, new Date('2026-11-21T12:00:00-05:00')))).toBe('2026-11-23T14:00:00.000Z');
    expect(iso(nextBusinessOpening(nineToFive, new Date('2026-11-23T12:00:00-05:00')))).toBe('2026-11-23T17:00:00.000Z');
  });

  it('honours an explicit businessDayHours', () => {
    const p = policy({ businessDayHours: 4 });
    expect(iso(addDuration(p, new Date('2026-11-23T09:00:00-05:00'), '1bd'))).toBe('2026-11-23T18:00:00.000Z');
  });
});

describe('overnight ranges (09:00-03:00, a range belongs to the day it starts on)', () => {
  it.each([
    ['saturday 02:00 is friday night', '2026-11-21T02:00:00-05:00', true],
    ['saturday 03:00 is the end: outside', '2026-11-21T03:00:00-05:00', false],
    ['monday 02:00 belongs to no range (sunday has none)', '2026-11-23T02:00:00-05:00', false],
    ['monday 09:00 opens', '2026-11-23T09:00:00-05:00', true],
    ['christmas 01:00 is still thursday night', '2026-12-25T01:00:00-05:00', true],
    ['christmas 10:00: the holiday removes friday range', '2026-12-25T10:00:00-05:00', false],
    ['saturday after christmas 01:00: friday range was removed', '2026-12-26T01:00:00-05:00', false],
  ])('%s', (_name, at, expected) => {
    expect(isInBusinessHours(overnight, new Date(at))).toBe(expected);
  });

  it('counts the rest of the night then resumes on monday', () => {
    expect(iso(addDuration(overnight, new Date('2026-11-21T02:30:00-05:00'), '1bh'))).toBe('2026-11-23T14:30:00.000Z');
  });

  it('defaults 1bd to the 18-hour day', () => {
    expect(overnight.businessDayHours).toBe(18);
    expect(iso(addDuration(overnight, new Date('2026-11-23T09:00:00-05:00'), '1bd'))).toBe('2026-11-24T08:00:00.000Z');
  });
});

describe('split days (08:00-12:00, 13:00-17:00 Chicago)', () => {
  it.each([
    ['skips lunch', '2026-11-23T11:45:00-06:00', '30bm', '2026-11-23T19:15:00.000Z'],
    ['arrival at lunch starts at 13:00', '2026-11-23T12:30:00-06:00', '1bh', '2026-11-23T20:00:00.000Z'],
    ['due exactly at 12:00 stays at 12:00', '2026-11-23T11:00:00-06:00', '1bh', '2026-11-23T18:00:00.000Z'],
    ['1bd = 8 hours', '2026-11-23T11:45:00-06:00', '1bd', '2026-11-24T17:45:00.000Z'],
  ])('%s', (_name, from, duration, expected) => {
    expect(iso(addDuration(split, new Date(from), duration))).toBe(expected);
  });

  it('is outside hours at lunch', () => {
    expect(isInBusinessHours(split, new Date('2026-11-23T12:00:00-06:00'))).toBe(false);
    expect(isInBusinessHours(split, new Date('2026-11-23T13:00:00-06:00'))).toBe(true);
  });
});

describe('in-hours and out-of-hours targets (platform high: 1h in, 4h out)', () => {
  const platform = loadPreset('platform');
  it.each([
    ['in hours', '2026-11-23T10:00:00+01:00', '2026-11-23T10:00:00.000Z'],
    ['at opening', '2026-11-23T09:00:00+01:00', '2026-11-23T09:00:00.000Z'],
    ['exactly at close is out of hours', '2026-11-23T18:00:00+01:00', '2026-11-23T21:00:00.000Z'],
    ['weekend', '2026-11-21T10:00:00+01:00', '2026-11-21T13:00:00.000Z'],
    ['holiday', '2026-12-24T10:00:00+01:00', '2026-12-24T13:00:00.000Z'],
  ])('%s', (_name, received, firstResponseDue) => {
    expect(iso(computeDue(platform, 'high', new Date(received)).firstResponseDue)).toBe(firstResponseDue);
  });

  it('rejects an unknown priority naming the known ones', () => {
    expect(() => computeDue(platform, 'p1', new Date())).toThrow('unknown priority "p1" (policy platform has: critical, high, medium, low)');
  });
});

describe('daylight saving time', () => {
  describe('America/New_York', () => {
    const sunday = (r: string) => policy({ businessHours: { sun: [r] } });

    it('elapsed time is real time across spring-forward', () => {
      expect(iso(addDuration(nineToFive, new Date('2026-03-07T23:00:00-05:00'), '4h'))).toBe('2026-03-08T08:00:00.000Z');
    });

    it('elapsed time is real time across fall-back', () => {
      expect(iso(addDuration(nineToFive, new Date('2026-10-31T23:00:00-04:00'), '4h'))).toBe('2026-11-01T07:00:00.000Z');
    });

    it('a business range spanning spring-forward is one hour shorter in real time', () => {
      const p = sunday('01:00-05:00');
      const from = new Date('2026-03-08T00:00:00-05:00');
      expect(businessTimeBetween(p, from, new Date('2026-03-08T12:00:00-04:00'))).toBe(3 * H);
      expect(iso(addDuration(p, from, '3bh'))).toBe('2026-03-08T09:00:00.000Z');
      // The 4th hour comes the next Sunday, 01:00 EDT.
      expect(iso(addDuration(p, from, '4bh'))).toBe('2026-03-15T06:00:00.000Z');
    });

    it('a range starting inside the spring-forward gap starts at the transition', () => {
      const p = sunday('02:30-04:00');
      expect(isInBusinessHours(p, new Date('2026-03-08T06:59:00Z'))).toBe(false);
      expect(isInBusinessHours(p, new Date('2026-03-08T07:00:00Z'))).toBe(true);
      expect(businessTimeBetween(p, new Date('2026-03-08T00:00:00Z'), new Date('2026-03-09T00:00:00Z'))).toBe(1 * H);
    });

    it('a business range spanning fall-back is one hour longer in real time', () => {
      const p = sunday('00:00-03:00');
      const from = new Date('2026-11-01T00:00:00-04:00');
      expect(businessTimeBetween(p, from, new Date('2026-11-01T12:00:00-05:00'))).toBe(4 * H);
      expect(iso(addDuration(p, from, '4bh'))).toBe('2026-11-01T08:00:00.000Z');
    });

    it('an ambiguous start takes the first occurrence and an ambiguous end the last', () => {
      const p = sunday('01:30-02:30');
      expect(isInBusinessHours(p, new Date('2026-11-01T05:30:00Z'))).toBe(true); // 01:30 EDT
      expect(businessTimeBetween(p, new Date('2026-11-01T00:00:00Z'), new Date('2026-11-02T00:00:00Z'))).toBe(2 * H);
      // 00:00-01:30 ends the second time the clock reads 01:30 (01:30 EST = 06:30Z).
      const q = sunday('00:00-01:30');
      expect(businessTimeBetween(q, new Date('2026-11-01T00:00:00Z'), new Date('2026-11-02T00:00:00Z'))).toBe(2.5 * H);
      expect(isInBusinessHours(q, new Date('2026-11-01T06:29:00Z'))).toBe(true);
      expect(isInBusinessHours(q, new Date('2026-11-01T06:30:00Z'))).toBe(false);
    });

    it('an overnight range across spring-forward', () => {
      const p = policy({ businessHours: { sat: ['22:00-04:00'] } });
      expect(businessTimeBetween(p, new Date('2026-03-07T00:00:00Z'), new Date('2026-03-09T00:00:00Z'))).toBe(5 * H);
      expect(iso(addDuration(p, new Date('2026-03-07T12:00:00Z'), '5bh'))).toBe('2026-03-08T08:00:00.000Z');
    });

    it('weekday hours follow the wall clock after the change', () => {
      // Fri 16:00 EST + 2bh: 1h Friday, then Monday 09:00 EDT (13:00Z) + 1h.
      expect(iso(addDuration(nineToFive, new Date('2026-03-06T16:00:00-05:00'), '2bh'))).toBe('2026-03-09T14:00:00.000Z');
    });
  });

  describe('Europe/Berlin (platform preset)', () => {
    const platform = loadPreset('platform');
    it.each([
      ['critical first response, spring-forward night', 'critical', '2026-03-29T00:30:00+01:00', '2026-03-28T23:45:00.000Z', '2026-03-29T03:30:00.000Z'],
      ['critical across fall-back night', 'critical', '2026-10-25T01:00:00+02:00', '2026-10-24T23:15:00.000Z', '2026-10-25T03:00:00.000Z'],
      // 4bh: 2h Friday (CET) + 2h Monday from 09:00 CEST = 07:00Z; 1bd (9h): 2h Fri + 7h Mon -> 16:00 CEST.
      ['medium over the spring-forward weekend', 'medium', '2026-03-27T16:00:00+01:00', '2026-03-30T09:00:00.000Z', '2026-03-30T14:00:00.000Z'],
      // 2h Friday (CEST) + 2h Monday from 09:00 CET = 08:00Z; 1bd: 7h Monday -> 16:00 CET.
      ['medium over the fall-back weekend', 'medium', '2026-10-23T16:00:00+02:00', '2026-10-26T10:00:00.000Z', '2026-10-26T15:00:00.000Z'],
    ])('%s', (_name, priority, received, firstResponseDue, resolutionDue) => {
      const due = computeDue(platform, priority, new Date(received));
      expect(iso(due.firstResponseDue)).toBe(firstResponseDue);
      expect(iso(due.resolutionDue)).toBe(resolutionDue);
    });
  });
});

describe('properties', () => {
  const presets = ['facs', 'fairfax', 'faxguys', 'platform'].map((n) => loadPreset(n));
  const instant = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') });

  it('business time between from and from + x business minutes is x', () => {
    fc.assert(
      fc.property(fc.constantFrom(...presets), instant, fc.integer({ min: 1, max: 20_000 }), (p, from, minutes) => {
        const due = addDuration(p, new Date(from), `${minutes}bm`);
        expect(businessTimeBetween(p, new Date(from), due)).toBe(minutes * 60_000);
      }),
      { numRuns: 300 },
    );
  });

  it('a later start never gives an earlier due time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...presets), instant, fc.integer({ min: 0, max: 5 * 86_400_000 }), fc.integer({ min: 1, max: 3000 }), (p, a, gap, minutes) => {
        const d1 = addDuration(p, new Date(a), `${minutes}bm`).getTime();
        const d2 = addDuration(p, new Date(a + gap), `${minutes}bm`).getTime();
        expect(d2).toBeGreaterThanOrEqual(d1);
      }),
      { numRuns: 300 },
    );
  });
});
