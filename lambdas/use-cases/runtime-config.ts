import * as z from '../domain/zod';
import { ConfigError, formatZodError } from '../domain/config-error';

/**
 * One region's runtime configuration, as the functions receive it (`SESDESK_CONFIG`) and as
 * `sesdesk start` builds it locally. Parsed once per container; a bad value names its field.
 */
const email = z
  .string()
  .check(z.trim(), z.toLowerCase(), z.regex(/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/, 'is not an email address'));

const domain = z
  .string()
  .check(z.trim(), z.toLowerCase(), z.regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'is not a domain name'));

export const RuntimeConfigSchema = z.object({
  region: z.string().check(z.minLength(1)),
  ticketPrefix: z.string().check(z.regex(/^[A-Z][A-Z0-9]{1,7}$/, 'must be 2-8 upper-case letters/digits starting with a letter')),
  supportAddresses: z.array(email).check(z.minLength(1, 'needs at least one support address')),
  supportName: z._default(z.string(), 'Support'),
  agents: z._default(
    z.object({
      addresses: z._default(z.array(email), []),
      domains: z._default(z.array(domain), []),
    }),
    { addresses: [], domains: [] },
  ),
  /**
   * Locally SPF/DKIM cannot be judged, so the local config trusts agent mail without verdicts.
   * A deployed config never sets this.
   */
  trustAgentsWithoutVerdicts: z._default(z.boolean(), false),
  escalation: z._default(z.object({ tier1: z.optional(email), tier2: z.optional(email), tier3: z.optional(email) }), {}),
  /** The SLA policy document (sla-policy.md); validated by the SLA module. */
  policy: z.unknown(),
  /**
   * Priority rules and accounts/contracts (domains, 24x7, point of contact, authorized
   * senders): `PriorityConfigSchema` of domain/priority.ts, checked against the policy.
   */
  priority: z.optional(z.unknown()),
  reopenWindowDays: z._default(z.number().check(z.nonnegative()), 7),
  autoCloseDays: z._default(z.number().check(z.nonnegative()), 3),
  customerReminderBusinessDays: z._default(z.number().check(z.positive()), 2),
  maxCustomerReminders: z._default(z.int().check(z.nonnegative()), 2),
  warningFraction: z._default(z.number().check(z.gt(0), z.lt(1)), 0.8),
  /** Ask the customer for a 1-5 rating when a ticket closes (the platform desk gathers feedback). */
  feedbackOnClose: z._default(z.boolean(), true),
  ackThrottle: z._default(
    z.object({ perHour: z._default(z.int().check(z.positive()), 5), perDay: z._default(z.int().check(z.positive()), 10) }),
    { perHour: 5, perDay: 10 },
  ),
  /** Time zone used to show due times in mails; absent: the SLA policy's. */
  displayTimezone: z.optional(z.string()),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfigSchema>;

/** Parses and validates a runtime config; throws {@link ConfigError} naming every bad field. */
export function parseRuntimeConfig(input: unknown, root = 'config'): RuntimeConfig {
  const result = RuntimeConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(formatZodError(result.error, root));
  return result.data;
}
