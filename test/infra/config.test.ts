import { ConfigError } from '../../lambdas/domain/config-error';
import { RUNTIME_CONFIG_BUDGET_BYTES, loadDeployConfig, ticketPrefixForRegion } from '../../lib/config';
import { SES_RECEIVING_REGIONS } from '../../lib/ses-receiving-regions';
import { REPO_ROOT, exampleDeskConfig } from './support';

type Region = Record<string, unknown>;

/** The example config with region `index` changed by `edit`. */
function withRegion(index: number, edit: (r: Region) => void): unknown {
  const cfg = exampleDeskConfig();
  edit(cfg.regions[index]);
  return cfg;
}

function errorOf(context: unknown): string {
  try {
    loadDeployConfig(context, { baseDir: REPO_ROOT });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

test('the shipped example loads: two regions, derived prefixes, policies read from policies/', () => {
  const cfg = loadDeployConfig(exampleDeskConfig(), { baseDir: REPO_ROOT });
  expect(cfg.regions.map((r) => [r.region, r.ticketPrefix, r.activateReceiptRuleSet])).toEqual([
    ['us-east-1', 'USE1', false],
    ['eu-west-1', 'EUW1', false],
  ]);
  expect(cfg.regions[1].runtime.policy).toMatchObject({ name: 'fairfax', defaultPriority: 'medium' });
  expect(Buffer.byteLength(cfg.regions[0].runtimeJson)).toBeLessThanOrEqual(RUNTIME_CONFIG_BUDGET_BYTES);
});

test('ticket prefixes derive from the region name', () => {
  expect(ticketPrefixForRegion('us-east-1')).toBe('USE1');
  expect(ticketPrefixForRegion('eu-west-1')).toBe('EUW1');
  expect(ticketPrefixForRegion('ap-southeast-2')).toBe('APS2');
  for (const region of SES_RECEIVING_REGIONS) expect(ticketPrefixForRegion(region)).toMatch(/^[A-Z][A-Z0-9]{1,7}$/);
});

test('addresses are normalised to lower case and an explicit prefix wins', () => {
  const cfg = loadDeployConfig(
    withRegion(0, (r) => {
      r.supportAddresses = ['Support@Example.com'];
      r.ticketPrefix = 'HELP';
    }),
    { baseDir: REPO_ROOT },
  );
  expect(cfg.regions[0].supportAddresses).toEqual(['support@example.com']);
  expect(cfg.regions[0].runtime.ticketPrefix).toBe('HELP');
});

describe('rejected fields name their path', () => {
  test.each<[string, (r: Region) => void, RegExp]>([
    ['a region where SES cannot receive mail', (r) => (r.region = 'eu-south-2'), /^sesdesk\.regions\[1\]\.region: SES cannot receive mail in "eu-south-2"/m],
    ['a bad support address', (r) => (r.supportAddresses = ['not-an-address']), /^sesdesk\.regions\[1\]\.supportAddresses\[0\]: not an email address: "not-an-address"/m],
    ['a support address outside the mail domain', (r) => (r.supportAddresses = ['help@other.org']), /^sesdesk\.regions\[1\]\.supportAddresses\[0\]: help@other\.org is not in the mail domain example\.com/m],
    ['no support address', (r) => (r.supportAddresses = []), /^sesdesk\.regions\[1\]\.supportAddresses: at least one support address/m],
    ['a missing mail domain', (r) => delete r.mailDomain, /^sesdesk\.regions\[1\]\.mailDomain: /m],
    ['a malformed mail domain', (r) => (r.mailDomain = 'example'), /^sesdesk\.regions\[1\]\.mailDomain: not a domain name: "example"/m],
    ['a bad escalation address', (r) => ((r.escalation as Region).tier2 = 'tier2'), /^sesdesk\.regions\[1\]\.escalation\.tier2: not an email address/m],
    ['a missing escalation tier', (r) => delete (r.escalation as Region).tier3, /^sesdesk\.regions\[1\]\.escalation\.tier3: /m],
    ['a bad agent domain', (r) => ((r.agents as Region).domains = ['@agents']), /^sesdesk\.regions\[1\]\.agents\.domains\[0\]: not a domain name/m],
    ['a bad alarm email', (r) => (r.alarmEmail = 'ops'), /^sesdesk\.regions\[1\]\.alarmEmail: not an email address: "ops"/m],
    ['a bad ticket prefix', (r) => (r.ticketPrefix = 'use-1'), /^sesdesk\.regions\[1\]\.ticketPrefix: must match/m],
    ['a transition S3 refuses', (r) => (r.rawMailTransitionDays = 7), /^sesdesk\.regions\[1\]\.rawMailTransitionDays: S3 needs at least 30 days/m],
    ['a non-boolean activation switch', (r) => (r.activateReceiptRuleSet = 'yes'), /^sesdesk\.regions\[1\]\.activateReceiptRuleSet: /m],
    ['a bad hosted zone id', (r) => (r.hostedZone = { id: 'zone', name: 'example.com' }), /^sesdesk\.regions\[1\]\.hostedZone\.id: not a Route 53 hosted zone id/m],
    ['a zone that cannot hold the domain', (r) => (r.hostedZone = { id: 'Z123', name: 'other.org' }), /^sesdesk\.regions\[1\]\.hostedZone\.name: zone other\.org cannot hold records for example\.com/m],
    ['a bad account id', (r) => (r.account = '42'), /^sesdesk\.regions\[1\]\.account: must be a 12-digit AWS account id/m],
    ['an unknown field (typo)', (r) => (r.alarmMail = 'ops@example.com'), /^sesdesk\.regions\[1\]: .*alarmMail/m],
    ['a missing policy file', (r) => (r.slaPolicy = 'policies/nope.json'), /^sesdesk\.regions\[1\]\.slaPolicy: file not found: policies\/nope\.json/m],
    ['an unknown policy preset', (r) => (r.slaPolicy = 'gold'), /^sesdesk\.regions\[1\]\.slaPolicy: file not found: policies\/gold\.json/m],
    ['a policy file that is not JSON', (r) => (r.slaPolicy = 'test/infra/fixtures/not-json.json'), /^sesdesk\.regions\[1\]\.slaPolicy: test\/infra\/fixtures\/not-json\.json is not readable JSON/m],
    ['a policy whose default priority is not defined', (r) => (r.slaPolicy = 'test/infra/fixtures/no-default.json'), /^sesdesk\.regions\[1\]\.slaPolicy: defaultPriority must be a key of priorities/m],
    ['a missing accounts file', (r) => (r.accountsFile = 'accounts/none.json'), /^sesdesk\.regions\[1\]\.accountsFile: file not found/m],
    [
      'an accounts file naming a priority the policy lacks',
      (r) => (r.accountsFile = 'test/infra/fixtures/accounts-bad-priority.json'),
      /^sesdesk\.regions\[1\]\.accountsFile: the functions would reject this config: accounts\[0\]\.maxPriority: "p1" is not a priority of policy fairfax/m,
    ],
  ])('%s', (_label, edit, expected) => {
    expect(errorOf(withRegion(1, edit))).toMatch(expected);
  });

  test('the same region twice', () => {
    expect(errorOf(withRegion(1, (r) => (r.region = 'us-east-1')))).toMatch(
      /^sesdesk\.regions\[1\]\.region: us-east-1 is already configured at regions\[0\]/m,
    );
  });

  test('no regions at all, or no sesdesk context', () => {
    expect(errorOf({ regions: [] })).toMatch(/^sesdesk\.regions: configure at least one region/m);
    expect(errorOf(undefined)).toMatch(/^sesdesk: /m);
  });

  test('every bad field is reported at once', () => {
    const message = errorOf(
      withRegion(0, (r) => {
        r.alarmEmail = 'x';
        r.mailDomain = 'nodot';
      }),
    );
    expect(message.split('\n')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^sesdesk\.regions\[0\]\.alarmEmail: /), expect.stringMatching(/^sesdesk\.regions\[0\]\.mailDomain: /)]),
    );
  });

  test('a runtime config over the Lambda environment budget names the field that is too big', () => {
    const message = errorOf(
      withRegion(0, (r) => {
        r.accountsFile = 'test/infra/fixtures/big-accounts.json';
      }),
    );
    expect(message).toMatch(/^sesdesk\.regions\[0\]\.accountsFile: SESDESK_CONFIG would be \d+ bytes, over its 3072-byte share of Lambda's 4 KB environment limit/m);
  });

  test('the policy validator of the SLA engine is applied and its message kept', () => {
    const message = (() => {
      try {
        loadDeployConfig(exampleDeskConfig(), {
          baseDir: REPO_ROOT,
          parsePolicy: (json) => {
            if ((json as { name: string }).name === 'fairfax') throw new Error('businessHours.mon[0]: bad range');
            return json;
          },
        });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toBe('sesdesk.regions[1].slaPolicy: businessHours.mon[0]: bad range');
  });
});
