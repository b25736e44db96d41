import { ConfigError } from '../../../lambdas/domain/config-error';
import { computeDue } from '../../../lambdas/domain/sla/calculator';
import {
  containsKeyword,
  decidePriority,
  findAccount,
  parsePriorityConfig,
  policyForAccount,
  type PriorityConfig,
} from '../../../lambdas/domain/priority';
import { loadPreset } from '../../../policies';

const fairfax = loadPreset('fairfax');
const faxguys = loadPreset('faxguys');
const platform = loadPreset('platform');
const none: PriorityConfig = parsePriorityConfig({});
const mail = (subject: string, body = '', from = 'ana@example.com') => ({ subject, body, from });

describe('keywords', () => {
  it.each([
    ['Urgente: el sistema está caído', 'caido', true],
    ['el sistema esta caido', 'caído', true],
    ['La impresora NO FUNCIONA', 'no funciona', true],
    ['production   stopped since 9am', 'production stopped', true],
    ['Site DOWN!', 'down', true],
    ['please download the log', 'down', false],
    ['breakdown of costs', 'down', false],
    ['urgently', 'urgent', false],
  ])('%s / %s', (text, keyword, expected) => {
    expect(containsKeyword(text, keyword)).toBe(expected);
  });
});

describe('decidePriority', () => {
  it('keeps the policy default when nothing matches', () => {
    const d = decidePriority(fairfax, none, mail('Question about invoices', 'How do I export?'));
    expect(d).toMatchObject({ priority: 'medium', rule: null, capped: false, aroundTheClock: false, assignee: null, authorized: true });
  });

  it.each([
    ['Urgente: el sistema está caído', ''],
    ['Ayuda', 'desde esta mañana la aplicación no funciona'],
    ['Outage in EU region', ''],
    ['re: production stopped', ''],
  ])('raises "%s" with the built-in English/Spanish keywords', (subject, body) => {
    const d = decidePriority(fairfax, none, mail(subject, body));
    expect(d.priority).toBe('critical');
    expect(d.rule).toBe(-1);
  });

  it('applies the first matching configured rule (senders, accounts, keywords)', () => {
    const config = parsePriorityConfig(
      {
        rules: [
          { priority: 'low', senders: ['@newsletter.example.org'] },
          { priority: 'high', accounts: ['acme'], keywords: ['error'], in: 'subject' },
          { priority: 'critical', keywords: ['urgent'] },
        ],
        accounts: [{ id: 'acme', domains: ['acme.com'] }],
      },
      platform,
    );
    expect(decidePriority(platform, config, mail('urgent: hi', '', 'x@newsletter.example.org')).priority).toBe('low');
    expect(decidePriority(platform, config, mail('Error 500', '', 'bob@eu.acme.com'))).toMatchObject({ priority: 'high', rule: 1 });
    // keyword only in the body does not satisfy a subject-only rule
    expect(decidePriority(platform, config, mail('hello', 'error 500', 'bob@acme.com')).priority).toBe('medium');
    expect(decidePriority(platform, config, mail('Urgent', '', 'zed@other.com'))).toMatchObject({ priority: 'critical', rule: 2 });
  });

  it('caps the priority per account', () => {
    const config = parsePriorityConfig({ accounts: [{ id: 'small', domains: ['small.io'], maxPriority: 'high' }] }, fairfax);
    const d = decidePriority(fairfax, config, mail('URGENT: down', '', 'it@small.io'));
    expect(d).toMatchObject({ priority: 'high', capped: true });
    expect(d.reasons.join('; ')).toContain('capped at high for account small');
  });

  it('on a desk that forbids it, email never raises priority nor activates 24x7', () => {
    const config = parsePriorityConfig(
      { accounts: [{ id: 'fax24', domains: ['fax24.com'], support24x7: true }], rules: [{ priority: 'urgent', keywords: ['urgent'] }] },
      faxguys,
    );
    const emailed = decidePriority(faxguys, config, mail('URGENT production stopped', '', 'ops@fax24.com'));
    expect(emailed).toMatchObject({ priority: 'medium', rule: null, aroundTheClock: false });
    const portal = decidePriority(faxguys, config, { ...mail('URGENT production stopped', '', 'ops@fax24.com'), channel: 'portal' });
    expect(portal).toMatchObject({ priority: 'urgent', aroundTheClock: true });
  });

  it('config can override the policy switch', () => {
    const config = parsePriorityConfig({ emailCanRaisePriority: false });
    expect(decidePriority(platform, config, mail('urgent')).priority).toBe('medium');
  });

  it('assigns the point of contact and checks authorized senders', () => {
    const config = parsePriorityConfig({
      accounts: [
        { id: 'globex', domains: ['globex.com'], pointOfContact: 'lead@desk.example', authorizedSenders: ['boss@globex.com', 'it@partner.net'] },
      ],
    });
    expect(decidePriority(platform, config, mail('hi', '', 'Boss@Globex.com'))).toMatchObject({ assignee: 'lead@desk.example', authorized: true });
    expect(decidePriority(platform, config, mail('hi', '', 'intern@globex.com'))).toMatchObject({ authorized: false });
    expect(findAccount(config, 'it@partner.net')?.id).toBe('globex');
    expect(findAccount(config, 'x@notglobex.com')).toBeNull();
    expect(decidePriority(platform, config, { ...mail('hi'), from: null })).toMatchObject({ account: null, authorized: true });
  });
});

describe('special response times', () => {
  it('replace the policy targets for that account only', () => {
    const config = parsePriorityConfig(
      { accounts: [{ id: 'vip', domains: ['vip.mx'], responseTimes: { medium: { firstResponse: '1h' } } }] },
      fairfax,
    );
    const vip = policyForAccount(fairfax, config.accounts[0]);
    const received = new Date('2026-11-23T10:00:00-05:00');
    expect(computeDue(vip, 'medium', received).firstResponseDue.toISOString()).toBe('2026-11-23T16:00:00.000Z');
    expect(computeDue(vip, 'medium', received).resolutionDue).toEqual(computeDue(fairfax, 'medium', received).resolutionDue);
    expect(computeDue(fairfax, 'medium', received).firstResponseDue.toISOString()).toBe('2026-11-23T19:00:00.000Z');
    expect(policyForAccount(fairfax, null)).toBe(fairfax);
  });
});

describe('parsePriorityConfig', () => {
  it.each([
    [{ rules: [{ priority: 'p1', keywords: ['x'] }] }, 'rules[0].priority: "p1" is not a priority of policy fairfax'],
    [{ rules: [{ priority: 'high' }] }, 'rules[0]: needs at least one of keywords, senders, accounts'],
    [{ accounts: [{ id: 'a', domains: ['not a domain'] }] }, 'accounts[0].domains[0]: is not a domain'],
    [{ accounts: [{ id: 'a', pointOfContact: 'nobody' }] }, 'accounts[0].pointOfContact: is not an email address'],
    [{ accounts: [{ id: 'a', maxPriority: 'top' }] }, 'accounts[0].maxPriority: "top" is not a priority'],
    [{ accounts: [{ id: 'a', responseTimes: { medium: { firstResponse: '4x' } } }] }, 'accounts[0].responseTimes.medium.firstResponse: "4x" is not a duration'],
    [{ accounts: [{ id: 'a' }, { id: 'a' }] }, 'accounts[1].id: "a" is used twice'],
  ])('names the field: %j', (json, expected) => {
    expect(() => parsePriorityConfig(json, fairfax)).toThrow(ConfigError);
    expect(() => parsePriorityConfig(json, fairfax)).toThrow(expected);
  });
});
