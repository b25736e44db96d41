import * as z from './zod';
import { ConfigError } from './config-error';
import { InvalidInputError } from './errors';
import { DurationSpecSchema, formatPath, targetSpecOf, type SlaPolicy } from './sla/policy';

/**
 * Priority of a new ticket: the policy's default, then the first matching config rule
 * (keywords in subject or body, sender, account), capped per account. A desk can forbid
 * email from raising priority at all (support-desks.md, the Fax Guys desk).
 */

/** Words that mark an urgent report, English and Spanish; matched as whole words, accents optional. */
export const DEFAULT_URGENT_KEYWORDS: readonly string[] = [
  'urgent',
  'emergency',
  'down',
  'outage',
  'production stopped',
  'production down',
  'not working',
  'urgente',
  'emergencia',
  'caído',
  'caida',
  'no funciona',
  'fuera de servicio',
  'producción detenida',
];

const EmailSchema = z.string().check(z.regex(/^[^\s@]+@[^\s@]+$/, 'is not an email address'));
const DomainSchema = z.string().check(z.regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'is not a domain'));

/** Special response times of a contract: per priority, targets that replace the policy's. */
export const ResponseTimesSchema = z.record(
  z.string().check(z.minLength(1)),
  z.strictObject({
    firstResponse: z.optional(DurationSpecSchema),
    resolution: z.optional(DurationSpecSchema),
    updateEvery: z.optional(DurationSpecSchema),
  }),
);

/** A customer account / contract. */
export const AccountSchema = z.strictObject({
  id: z.string().check(z.minLength(1)),
  name: z.optional(z.string()),
  /** Mail domains of the account (subdomains match too). */
  domains: z._default(z.array(DomainSchema), []),
  /** 24x7 contract: after-hours handling of the most urgent priority (never from email when the desk forbids it). */
  support24x7: z._default(z.boolean(), false),
  responseTimes: z.optional(ResponseTimesSchema),
  /** Agent every new ticket of the account is assigned to (the platform team's desk). */
  pointOfContact: z.optional(EmailSchema),
  /** Primary contact who can add people to `authorizedSenders`. */
  primaryContact: z.optional(EmailSchema),
  /** When set, only these addresses may open tickets for the account. */
  authorizedSenders: z.optional(z.array(EmailSchema)),
  /** Highest priority a ticket of this account gets from rules (a per-account cap). */
  maxPriority: z.optional(z.string().check(z.minLength(1))),
  /** Starting priority for this account instead of the policy default. */
  defaultPriority: z.optional(z.string().check(z.minLength(1))),
});
export type Account = z.infer<typeof AccountSchema>;

/** A rule: every condition given must hold; a list matches on any entry. First match wins. */
export const PriorityRuleSchema = z
  .strictObject({
    priority: z.string().check(z.minLength(1)),
    keywords: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
    /** Where keywords are looked for. Default both. */
    in: z._default(z.enum(['subject', 'body', 'any']), 'any'),
    /** Sender addresses, or `@domain` for a whole domain. */
    senders: z.optional(z.array(z.string().check(z.minLength(2))).check(z.minLength(1))),
    /** Account ids. */
    accounts: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  })
  .check(
    z.refine((r) => Boolean(r.keywords || r.senders || r.accounts), {
      message: 'needs at least one of keywords, senders, accounts',
    }),
  );
export type PriorityRule = z.infer<typeof PriorityRuleSchema>;

export const PriorityConfigSchema = z.strictObject({
  /** Overrides the policy's `emailCanRaisePriority` when set. */
  emailCanRaisePriority: z.optional(z.boolean()),
  /** Absent: one rule raising {@link DEFAULT_URGENT_KEYWORDS} to the policy's most urgent priority. */
  rules: z.optional(z.array(PriorityRuleSchema)),
  accounts: z._default(z.array(AccountSchema), []),
});
export type PriorityConfig = z.infer<typeof PriorityConfigSchema>;

function priorityIssue(policy: SlaPolicy, value: string): string | null {
  return policy.priorityOrder.includes(value)
    ? null
    : `"${value}" is not a priority of policy ${policy.name} (${policy.priorityOrder.join(', ')})`;
}

/** Config issues that only show against a policy: priority names it does not define. */
export function priorityConfigIssues(config: PriorityConfig, policy: SlaPolicy): string[] {
  const issues: string[] = [];
  const check = (path: PropertyKey[], value: string | undefined) => {
    const issue = value === undefined ? null : priorityIssue(policy, value);
    if (issue) issues.push(`${formatPath(path)}: ${issue}`);
  };
  (config.rules ?? []).forEach((r, i) => check(['rules', i, 'priority'], r.priority));
  config.accounts.forEach((a, i) => {
    check(['accounts', i, 'maxPriority'], a.maxPriority);
    check(['accounts', i, 'defaultPriority'], a.defaultPriority);
    for (const p of Object.keys(a.responseTimes ?? {})) check(['accounts', i, 'responseTimes', p], p);
  });
  const ids = new Set<string>();
  config.accounts.forEach((a, i) => {
    if (ids.has(a.id)) issues.push(`${formatPath(['accounts', i, 'id'])}: "${a.id}" is used twice`);
    ids.add(a.id);
  });
  return issues;
}

/**
 * Validates priority/account config, and against `policy` when given.
 *
 * @throws {@link ConfigError} listing `path: reason` for each problem
 */
export function parsePriorityConfig(json: unknown, policy?: SlaPolicy): PriorityConfig {
  const r = PriorityConfigSchema.safeParse(json);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
  }
  const issues = policy ? priorityConfigIssues(r.data, policy) : [];
  if (issues.length > 0) throw new ConfigError(issues.join('; '));
  return r.data;
}

/** Lower-cased, accents removed: `Caído` and `caido` compare equal. */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

const keywordCache = new Map<string, RegExp>();

function keywordRegExp(keyword: string): RegExp {
  let re = keywordCache.get(keyword);
  if (!re) {
    const body = foldText(keyword)
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\s+');
    // Whole words only: "down" must not match "download" or "breakdown".
    re = new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'u');
    if (keywordCache.size > 1000) keywordCache.clear();
    keywordCache.set(keyword, re);
  }
  return re;
}

/** True when `text` contains `keyword` as whole words (case and accents ignored). */
export function containsKeyword(text: string, keyword: string): boolean {
  return keywordRegExp(keyword).test(foldText(text));
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

function domainMatches(domain: string, wanted: string): boolean {
  const w = wanted.toLowerCase();
  return domain === w || domain.endsWith(`.${w}`);
}

/**
 * The account a sender belongs to: listed as an authorized sender first, else by mail domain
 * (the longest matching domain wins).
 */
export function findAccount(config: Pick<PriorityConfig, 'accounts'>, address: string | null): Account | null {
  if (!address) return null;
  const a = address.toLowerCase();
  const byList = config.accounts.find((acc) => acc.authorizedSenders?.some((s) => s.toLowerCase() === a));
  if (byList) return byList;
  const domain = domainOf(a);
  let best: { account: Account; length: number } | null = null;
  for (const acc of config.accounts) {
    for (const d of acc.domains) {
      if (domainMatches(domain, d) && (!best || d.length > best.length)) best = { account: acc, length: d.length };
    }
  }
  return best?.account ?? null;
}

/** Whether `address` may open tickets for `account` (no list: everyone at the account may). */
export function isAuthorizedSender(account: Account | null, address: string | null): boolean {
  if (!account?.authorizedSenders) return true;
  if (!address) return false;
  const a = address.toLowerCase();
  return account.authorizedSenders.some((s) => s.toLowerCase() === a);
}

export type Channel = 'email' | 'portal' | 'phone' | 'voicemail' | (string & {});

export interface PriorityInput {
  /** How the ticket arrived. Default `email`. */
  channel?: Channel;
  subject: string;
  /** The new text of the message (quotes removed). */
  body: string;
  /** Sender address; null for a voice mail with only a phone number. */
  from: string | null;
}

export interface PriorityDecision {
  priority: string;
  /** Index of the rule that set the priority (-1 for the built-in keyword rule), null if none. */
  rule: number | null;
  /** Human-readable why, for the ticket timeline. */
  reasons: string[];
  account: Account | null;
  /** True when the account cap lowered the priority. */
  capped: boolean;
  /** 24x7 handling: the account has a 24x7 contract, the ticket is of the most urgent priority, and its channel may activate it. */
  aroundTheClock: boolean;
  /** The account's point of contact, to auto-assign. */
  assignee: string | null;
  /** False when the account lists authorized senders and this sender is not one. */
  authorized: boolean;
}

function ruleMatches(rule: PriorityRule, input: PriorityInput, account: Account | null): string | null {
  const why: string[] = [];
  if (rule.senders) {
    const from = input.from?.toLowerCase() ?? null;
    const hit =
      from !== null &&
      rule.senders.some((s) => (s.startsWith('@') ? domainMatches(domainOf(from), s.slice(1)) : s.toLowerCase() === from));
    if (!hit) return null;
    why.push(`sender ${from}`);
  }
  if (rule.accounts) {
    if (!account || !rule.accounts.includes(account.id)) return null;
    why.push(`account ${account.id}`);
  }
  if (rule.keywords) {
    const texts = rule.in === 'subject' ? [input.subject] : rule.in === 'body' ? [input.body] : [input.subject, input.body];
    const hit = rule.keywords.find((k) => texts.some((t) => containsKeyword(t, k)));
    if (hit === undefined) return null;
    why.push(`keyword "${hit}"`);
  }
  return why.join(', ');
}

const rank = (policy: SlaPolicy, priority: string): number => policy.priorityOrder.indexOf(priority);

/**
 * True when a ticket of `priority` under `account` gets 24x7 handling: the account has a 24x7
 * contract and the priority is the policy's most urgent. Whether the channel may activate it
 * is the caller's part (an emailed ticket may not, where the desk forbids it).
 */
export function aroundTheClockApplies(policy: SlaPolicy, account: Account | null, priority: string): boolean {
  return !!account?.support24x7 && rank(policy, priority) === 0;
}

/**
 * Decides the priority of a new ticket.
 *
 * Order: the policy default (or the account's default); when the channel is email and the
 * desk forbids email from raising priority, that default stands; otherwise the first
 * matching rule sets it; finally the account's `maxPriority` caps it. Policy priority order
 * (most urgent first) is what "raise" and "cap" compare by.
 */
export function decidePriority(policy: SlaPolicy, config: PriorityConfig, input: PriorityInput): PriorityDecision {
  const channel = input.channel ?? 'email';
  const account = findAccount(config, input.from);
  const emailMayRaise = config.emailCanRaisePriority ?? policy.emailCanRaisePriority;
  const rulesApply = channel !== 'email' || emailMayRaise;
  const reasons: string[] = [];
  let priority = policy.defaultPriority;
  let rule: number | null = null;
  if (!rulesApply) {
    reasons.push(`default ${priority}: emailed tickets keep the default priority on this desk`);
  } else {
    if (account?.defaultPriority && rank(policy, account.defaultPriority) >= 0) {
      priority = account.defaultPriority;
      reasons.push(`default ${priority} of account ${account.id}`);
    } else {
      reasons.push(`default ${priority}`);
    }
    const rules: PriorityRule[] =
      config.rules ?? [{ priority: policy.priorityOrder[0], keywords: [...DEFAULT_URGENT_KEYWORDS], in: 'any' }];
    for (let i = 0; i < rules.length; i += 1) {
      const r = rules[i];
      if (rank(policy, r.priority) < 0) continue;
      const why = ruleMatches(r, input, account);
      if (why !== null) {
        priority = r.priority;
        rule = config.rules ? i : -1;
        reasons.push(`${r.priority} by ${why}`);
        break;
      }
    }
  }
  let capped = false;
  if (account?.maxPriority && rank(policy, account.maxPriority) >= 0 && rank(policy, priority) < rank(policy, account.maxPriority)) {
    reasons.push(`capped at ${account.maxPriority} for account ${account.id}`);
    priority = account.maxPriority;
    capped = true;
  }
  const aroundTheClock = (channel !== 'email' || emailMayRaise) && aroundTheClockApplies(policy, account, priority);
  return {
    priority,
    rule,
    reasons,
    account,
    capped,
    aroundTheClock,
    assignee: account?.pointOfContact ?? null,
    authorized: isAuthorizedSender(account, input.from),
  };
}

/**
 * The policy as it applies to `account`: its special response times replace the policy's
 * targets for those priorities. The same policy object when the account has none.
 */
export function policyForAccount(policy: SlaPolicy, account: Account | null): SlaPolicy {
  const special = account?.responseTimes;
  if (!special || Object.keys(special).length === 0) return policy;
  const priorities = { ...policy.priorities };
  for (const [name, t] of Object.entries(special)) {
    const base = priorities[name];
    if (!base) throw new InvalidInputError(`accounts.${account.id}.responseTimes.${name}: ${priorityIssue(policy, name)}`);
    priorities[name] = {
      firstResponse: t.firstResponse !== undefined ? targetSpecOf(t.firstResponse) : base.firstResponse,
      resolution: t.resolution !== undefined ? targetSpecOf(t.resolution) : base.resolution,
      ...(t.updateEvery !== undefined
        ? { updateEvery: targetSpecOf(t.updateEvery) }
        : base.updateEvery
          ? { updateEvery: base.updateEvery }
          : {}),
    };
  }
  // Same name: the ticket records the policy it runs under, and lookups go by that name.
  return { ...policy, priorities };
}
