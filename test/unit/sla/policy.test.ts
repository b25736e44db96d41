import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidInputError } from '../../../lambdas/domain/errors';
import { parsePolicy, PolicyError } from '../../../lambdas/domain/sla/policy';
import { loadPolicyFile, loadPreset, PRESET_NAMES, resolvePolicy } from '../../../policies';

const valid = () => ({
  name: 'example',
  timezone: 'America/Los_Angeles',
  businessHours: { mon: ['06:00-18:00'], tue: ['06:00-18:00'], wed: ['06:00-18:00'], thu: ['06:00-18:00'], fri: ['06:00-18:00'] },
  businessDayHours: 12,
  holidays: ['2026-11-26', '2026-12-25'],
  defaultPriority: 'medium',
  priorities: {
    critical: { firstResponse: '1bh', resolution: '1bd', updateEvery: '1h' },
    high: { firstResponse: { inHours: '1h', outOfHours: '4h' }, resolution: '2bd' },
    medium: { firstResponse: '1bd', resolution: '5bd' },
    low: { firstResponse: '1bd', resolution: '10bd' },
  },
});

function messageOf(json: unknown): string {
  try {
    parsePolicy(json);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as Error).message;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parsePolicy', () => {
  it('accepts the example of sla-policy.md and normalizes it', () => {
    const p = parsePolicy(valid());
    expect(p.priorityOrder).toEqual(['critical', 'high', 'medium', 'low']);
    expect(p.businessDayHours).toBe(12);
    expect(p.priorities.high.firstResponse.inHours.text).toBe('1h');
    expect(p.priorities.high.firstResponse.outOfHours.text).toBe('4h');
    expect(p.priorities.critical.updateEvery?.inHours).toMatchObject({ amount: 1, unit: 'h', business: false });
    expect(p.priorities.medium.resolution.inHours).toMatchObject({ amount: 5, unit: 'bd', business: true });
    expect(p.businessHours.sat).toEqual([]);
    expect(p.emailCanRaisePriority).toBe(true);
  });

  it('defaults businessDayHours to the total of the longest listed weekday', () => {
    const j = { ...valid(), businessDayHours: undefined, businessHours: { mon: ['08:00-12:00', '13:00-17:00'], tue: ['09:00-03:00'] } };
    expect(parsePolicy(j).businessDayHours).toBe(18);
  });

  it.each([
    ['a bad duration', (j: any) => (j.priorities.high.firstResponse = '4x'), 'priorities.high.firstResponse: "4x" is not a duration'],
    ['a bad in/out-of-hours duration', (j: any) => (j.priorities.high.firstResponse.outOfHours = '4 hours'), 'priorities.high.firstResponse.outOfHours: "4 hours" is not a duration'],
    ['a zero duration', (j: any) => (j.priorities.low.resolution = '0bd'), 'priorities.low.resolution: "0bd" is not a duration'],
    ['a missing target', (j: any) => delete j.priorities.low.resolution, 'priorities.low.resolution: is required'],
    ['an unknown target field', (j: any) => (j.priorities.low.respond = '1h'), 'priorities.low: unknown field "respond"'],
    ['a bad timezone', (j: any) => (j.timezone = 'Pacific Time'), 'timezone: "Pacific Time" is not an IANA time zone'],
    ['a bad range', (j: any) => (j.businessHours.mon = ['6-18']), 'businessHours.mon[0]: "6-18" is not a "HH:MM-HH:MM" range'],
    ['an hour out of range', (j: any) => (j.businessHours.tue = ['06:00-25:00']), 'businessHours.tue[0]: "06:00-25:00" is not a "HH:MM-HH:MM" range'],
    ['an unknown weekday', (j: any) => (j.businessHours.monday = ['06:00-18:00']), 'businessHours: unknown field "monday"'],
    ['a default that is no priority', (j: any) => (j.defaultPriority = 'normal'), 'defaultPriority: "normal" is not one of the priorities (critical, high, medium, low)'],
    ['a bad holiday date', (j: any) => (j.holidays[1] = '2026-02-30'), 'holidays[1]: "2026-02-30" is not a date (YYYY-MM-DD)'],
    ['a holiday not in ISO form', (j: any) => (j.holidays[0] = '11/26/2026'), 'holidays[0]: "11/26/2026" is not a date (YYYY-MM-DD)'],
    ['business time without any ranges', (j: any) => (j.businessHours = {}), 'priorities.critical.firstResponse: uses business time but businessHours lists no ranges'],
    ['a missing name', (j: any) => delete j.name, 'name: is required'],
    ['a businessDayHours that is not a number', (j: any) => (j.businessDayHours = '12'), 'businessDayHours: "12" is not a number'],
  ])('names the field and the reason for %s', (_name, mutate, expected) => {
    const j = valid();
    mutate(j);
    expect(messageOf(j)).toContain(expected);
  });

  it('reports every problem, not only the first', () => {
    const j: any = valid();
    j.timezone = 'Nowhere/City';
    j.priorities.high.resolution = '2x';
    const err = (() => {
      try {
        parsePolicy(j, 'my.json');
      } catch (e) {
        return e as PolicyError;
      }
      throw new Error('not rejected');
    })();
    expect(err.issues).toHaveLength(2);
    expect(err.message).toMatch(/^invalid SLA policy my\.json: /);
  });

  it('rejects unknown top-level fields (a typo must not silently drop holidays)', () => {
    const j: any = valid();
    j.holiday = j.holidays;
    expect(messageOf(j)).toContain('(policy): unknown field "holiday"');
  });

  it('allows a policy of only elapsed targets and no business hours', () => {
    const p = parsePolicy({ name: 'x', timezone: 'UTC', businessHours: {}, defaultPriority: 'p', priorities: { p: { firstResponse: '15m', resolution: '4h' } } });
    expect(p.businessDayHours).toBe(0);
  });
});

describe('presets', () => {
  it.each(PRESET_NAMES.map((n) => [n]))('%s loads, says which desk it models, and matches the spec policy', (name) => {
    const p = loadPreset(name);
    expect(p.name).toBe(name);
    expect(p.description).toMatch(/desk/);
    const specFile = path.resolve(__dirname, '../../../../shared/spec/policies', `${name}.json`);
    if (fs.existsSync(specFile)) {
      const spec = loadPolicyFile(specFile);
      expect({ ...p, description: undefined, emailCanRaisePriority: undefined }).toEqual({
        ...spec,
        description: undefined,
        emailCanRaisePriority: undefined,
      });
    }
  });

  it('ships the four desks', () => {
    expect([...PRESET_NAMES].sort()).toEqual(['facs', 'fairfax', 'faxguys', 'platform']);
  });

  it('faxguys forbids email from raising priority', () => {
    expect(loadPreset('faxguys').emailCanRaisePriority).toBe(false);
    expect(loadPreset('facs').emailCanRaisePriority).toBe(true);
  });

  it('rejects an unknown preset naming the presets', () => {
    expect(() => loadPreset('acme')).toThrow('no SLA policy preset "acme" (presets: facs, fairfax, faxguys, platform)');
  });
});

describe('loadPolicyFile / resolvePolicy', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesdesk-policy-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a file, and names the file in errors', () => {
    const good = path.join(dir, 'good.json');
    fs.writeFileSync(good, JSON.stringify(valid()));
    expect(loadPolicyFile(good).name).toBe('example');
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...valid(), timezone: 'X/Y' }));
    expect(() => loadPolicyFile(bad)).toThrow(`invalid SLA policy ${bad}: timezone: "X/Y" is not an IANA time zone`);
    const notJson = path.join(dir, 'not.json');
    fs.writeFileSync(notJson, '{ nope');
    expect(() => loadPolicyFile(notJson)).toThrow(/not valid JSON/);
    expect(() => loadPolicyFile(path.join(dir, 'missing.json'))).toThrow(/no such file/);
  });

  it('prefers an existing file, else a preset, else says neither', () => {
    const file = path.join(dir, 'platform');
    fs.writeFileSync(file, JSON.stringify(valid()));
    expect(resolvePolicy(file).name).toBe('example');
    expect(resolvePolicy('fairfax').name).toBe('fairfax');
    expect(() => resolvePolicy('nope.json')).toThrow('--policy nope.json: no such file, and not a preset');
  });
});
