import * as z from 'zod';
import { ConfigError, formatZodError } from '../domain/config-error';

/**
 * One region's runtime configuration, as the functions receive it (`SESDESK_CONFIG`) and as
 * `sesdesk start` builds it locally. Parsed once per container; a bad value names its field.
 */
const email = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/, 'is not an email address');

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'is not a domain name');

export const RuntimeConfigSchema = z.object({
  region: z.string().min(1),
  ticketPrefix: z.string().regex(/^[A-Z][A-Z0-9]{1,7}$/, 'must be 2-8 upper-case letters/digits starting with a letter'),
  supportAddresses: z.array(email).min(1, 'needs at least one support address'),
  supportName: z.string().default('Support'),
  agents: z
    .object({
      addresses: z.array(email).default([]),
      domains: z.array(domain).default([]),
    })
    .default({ addresses: [], domains: [] }),
  /**
   * Locally SPF/DKIM cannot be judged, so the local config trusts agent mail without verdicts.
   * A deployed config never sets this.
   */
  trustAgentsWithoutVerdicts: z.boolean().default(false),
  escalation: z
    .object({ tier1: email.optional(), tier2: email.optional(), tier3: email.optional() })
    .default({}),
  /** The SLA policy document (sla-policy.md); validated by the SLA module. */
  policy: z.unknown(),
  /**
   * Priority rules and accounts/contracts (domains, 24x7, point of contact, authorized
   * senders): `PriorityConfigSchema` of domain/priority.ts, checked against the policy.
   */
  priority: z.unknown().optional(),
  reopenWindowDays: z.number().nonnegative().default(7),
  autoCloseDays: z.number().nonnegative().default(3),
  customerReminderBusinessDays: z.number().positive().default(2),
  maxCustomerReminders: z.number().int().nonnegative().default(2),
  warningFraction: z.number().gt(0).lt(1).default(0.8),
  /** Ask the customer for a 1-5 rating when a ticket closes (the platform desk gathers feedback). */
  feedbackOnClose: z.boolean().default(true),
  ackThrottle: z
    .object({ perHour: z.number().int().positive().default(5), perDay: z.number().int().positive().default(10) })
    .default({ perHour: 5, perDay: 10 }),
  /** Time zone used to show due times in mails; absent: the SLA policy's. */
  displayTimezone: z.string().optional(),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfigSchema>;

/** Parses and validates a runtime config; throws {@link ConfigError} naming every bad field. */
export function parseRuntimeConfig(input: unknown, root = 'config'): RuntimeConfig {
  const result = RuntimeConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(formatZodError(result.error, root));
  return result.data;
}
