import { parseRuntimeConfig } from '../lambdas/use-cases/runtime-config';
import { createSlaService } from '../lambdas/use-cases/sla-service';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { ConfigError, formatZodError } from '../lambdas/domain/config-error';
import { deskNames, ENVIRONMENT_MAX_LENGTH, ENVIRONMENT_PATTERN, type DeskNames } from './names';
import { ticketPrefixForRegion } from './names';
import { isSesReceivingRegion, SES_RECEIVING_REGIONS, type SesReceivingRegion } from './ses-receiving-regions';

/** The cdk.json context key holding the deploy config. */
export const CONTEXT_KEY = 'sesdesk';

/**
 * Lambda allows 4 KB for ALL environment variables of a function (keys and values). The other
 * variables (table, bucket, ARNs, Powertools names) take well under 1 KB, so SESDESK_CONFIG gets
 * the rest.
 */
export const RUNTIME_CONFIG_BUDGET_BYTES = 4096 - 1024;

const TICKET_PREFIX = /^[A-Z][A-Z0-9]{1,7}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: (issue) => `not an email address: ${JSON.stringify(issue.input)}` }));
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(DOMAIN, { error: (issue) => `not a domain name: ${JSON.stringify(issue.input)}` });

const regionSchema = z
  .object({
    /** AWS region; must be one where SES receives mail. */
    region: z.string().refine(isSesReceivingRegion, {
      error: (issue) =>
        `SES cannot receive mail in ${JSON.stringify(issue.input)}; receiving regions: ${SES_RECEIVING_REGIONS.join(', ')}`,
    }),
    /**
     * Optional environment name (`staging`): desks of different environments may share an account
     * and region; every physical name carries it (lib/names.ts).
     */
    environment: z
      .string()
      .max(ENVIRONMENT_MAX_LENGTH, { error: `at most ${ENVIRONMENT_MAX_LENGTH} characters (it goes into the raw-mail bucket name)` })
      .regex(ENVIRONMENT_PATTERN, { error: 'lowercase letters, digits and inner hyphens, starting with a letter' })
      .optional(),
    /** Optional fixed account; default: CDK_DEFAULT_ACCOUNT of the deploying credentials. */
    account: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }).optional(),
    mailDomain: domain,
    supportAddresses: z.array(email).min(1, { error: 'at least one support address is required' }),
    agents: z
      .object({
        addresses: z.array(email).default([]),
        domains: z.array(domain).default([]),
      })
      .default({ addresses: [], domains: [] }),
    escalation: z.object({ tier1: email, tier2: email, tier3: email }),
    /** A JSON file relative to the repo root (`policies/platform.json`) or a preset name (`platform`). */
    slaPolicy: z.string().min(1),
    /** Optional JSON file relative to the repo root: customer accounts and their contacts. */
    accountsFile: z.string().min(1).optional(),
    /** Route 53 zone of the mail domain: when set, the stack creates the SES identity (Easy DKIM) and the MX record. */
    hostedZone: z.object({ id: z.string().regex(/^Z[A-Z0-9]{1,31}$/, { error: 'not a Route 53 hosted zone id' }), name: domain }).optional(),
    /** Makes this stack's rule set the region's active one (turns receiving on; deleting turns it off). */
    activateReceiptRuleSet: z.boolean().default(false),
    alarmEmail: email,
    /** Days before raw mail moves to a colder storage class. */
    rawMailTransitionDays: z.number().int().min(30, { error: 'S3 needs at least 30 days before STANDARD_IA' }).default(90),
    /** Ticket id prefix; default derived from the region (us-east-1 -> USE1). */
    ticketPrefix: z.string().regex(TICKET_PREFIX, { error: 'must match /^[A-Z][A-Z0-9]{1,7}$/' }).optional(),
    reopenWindowDays: z.number().int().min(0).default(7),
    autoCloseDays: z.number().int().min(1).default(7),
    /** X-Ray active tracing of the functions. */
    tracing: z.boolean().default(false),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    cfg.supportAddresses.forEach((address, i) => {
      const at = address.slice(address.lastIndexOf('@') + 1);
      if (at !== cfg.mailDomain && !at.endsWith(`.${cfg.mailDomain}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['supportAddresses', i],
          message: `${address} is not in the mail domain ${cfg.mailDomain}: SES would neither receive nor send it`,
        });
      }
    });
    if (cfg.hostedZone && cfg.mailDomain !== cfg.hostedZone.name && !cfg.mailDomain.endsWith(`.${cfg.hostedZone.name}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['hostedZone', 'name'],
        message: `zone ${cfg.hostedZone.name} cannot hold records for ${cfg.mailDomain}`,
      });
    }
  });

const deployConfigSchema = z
  .object({
    regions: z.array(regionSchema).min(1, { error: 'configure at least one region' }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    const activating = new Map<string, number>();
    const identities = new Map<string, number>();
    cfg.regions.forEach((r, i) => {
      const place = r.environment === undefined ? r.region : `${r.region} (environment ${r.environment})`;
      const key = `${r.region}/${r.environment ?? ''}`;
      const first = seen.get(key);
      if (first !== undefined) {
        const why = r.environment === undefined ? 'one desk per region, unless each has its own environment' : 'one desk per region and environment';
        ctx.addIssue({ code: 'custom', path: ['regions', i, r.environment === undefined ? 'region' : 'environment'], message: `${place} is already configured at regions[${first}]: ${why}` });
      }
      seen.set(key, i);
      // SES has one active receipt rule set per region: a second activation would switch the first desk's off.
      const active = activating.get(r.region);
      if (r.activateReceiptRuleSet && active !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['regions', i, 'activateReceiptRuleSet'], message: `regions[${active}] already activates its rule set in ${r.region}; SES keeps one active rule set per region` });
      }
      if (r.activateReceiptRuleSet && active === undefined) activating.set(r.region, i);
      // With a hosted zone the stateful stack creates the SES identity of the mail domain, which exists once per region.
      const identity = r.hostedZone ? `${r.region}/${r.mailDomain}` : null;
      const owner = identity === null ? undefined : identities.get(identity);
      if (identity !== null && owner !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['regions', i, 'mailDomain'], message: `regions[${owner}] already creates the SES identity of ${r.mailDomain} in ${r.region}: give this environment its own mail domain (staging.${r.mailDomain})` });
      }
      if (identity !== null && owner === undefined) identities.set(identity, i);
    });
  });

/** The minimum every SLA policy needs; `parsePolicy` (when present) checks the rest. */
const policyShape = z
  .object({
    name: z.string().min(1),
    defaultPriority: z.string().min(1),
    priorities: z.record(z.string(), z.unknown()),
  })
  .loose()
  .refine((p) => Object.prototype.hasOwnProperty.call(p.priorities, p.defaultPriority), {
    error: 'defaultPriority must be a key of priorities',
  });

/** Validates a policy document; throws (any error) when it is not a usable SLA policy. */
export type PolicyParser = (json: unknown) => unknown;

/** The runtime config every handler reads from SESDESK_CONFIG. */
export interface RuntimeDeskConfig {
  readonly region: string;
  readonly ticketPrefix: string;
  readonly mailDomain: string;
  readonly supportAddresses: readonly string[];
  readonly agents: { readonly addresses: readonly string[]; readonly domains: readonly string[] };
  readonly escalation: { readonly tier1: string; readonly tier2: string; readonly tier3: string };
  /** The SLA policy JSON exactly as in the policy file. */
  readonly policy: Record<string, unknown>;
  /**
   * Contents of the accounts file (accounts/contracts, priority rules: `PriorityConfigSchema` of
   * lambdas/domain/priority.ts); absent when none is configured.
   */
  readonly priority?: unknown;
  readonly reopenWindowDays: number;
  readonly autoCloseDays: number;
}

export interface RegionDeployConfig {
  readonly region: SesReceivingRegion;
  /** The environment name, when the desk has one (lib/names.ts). */
  readonly environment?: string;
  /** Every physical name of this desk. */
  readonly names: DeskNames;
  /** X-Ray active tracing of the functions. */
  readonly tracing: boolean;
  readonly account?: string;
  readonly mailDomain: string;
  readonly supportAddresses: readonly string[];
  readonly hostedZone?: { readonly id: string; readonly name: string };
  readonly activateReceiptRuleSet: boolean;
  readonly alarmEmail: string;
  readonly rawMailTransitionDays: number;
  readonly ticketPrefix: string;
  /** What the functions get in SESDESK_CONFIG. */
  readonly runtime: RuntimeDeskConfig;
  /** `runtime` serialised; checked against {@link RUNTIME_CONFIG_BUDGET_BYTES}. */
  readonly runtimeJson: string;
}

export interface DeployConfig {
  readonly regions: readonly RegionDeployConfig[];
}

export interface LoadOptions {
  /** Directory that relative file paths in the config are resolved against; default: the repo root. */
  readonly baseDir?: string;
  /** SLA policy validator; default: `parsePolicy` from lambdas/domain/sla/policy.ts when that module exists. */
  readonly parsePolicy?: PolicyParser;
}

const REPO_ROOT = resolve(__dirname, '..');

export { ticketPrefixForRegion };

/**
 * Parses the `sesdesk` context of cdk.json (or any object of that shape), reads the policy and
 * accounts files, and builds each region's runtime config. Throws {@link ConfigError} whose
 * message names every bad field as `sesdesk.regions[1].mailDomain: ...`.
 */
export function loadDeployConfig(context: unknown, options: LoadOptions = {}): DeployConfig {
  const parsed = deployConfigSchema.safeParse(context);
  if (!parsed.success) {
    throw new ConfigError(formatZodError(parsed.error, CONTEXT_KEY));
  }
  const baseDir = options.baseDir ?? REPO_ROOT;
  const parsePolicy = options.parsePolicy ?? defaultPolicyParser();
  const problems: string[] = [];
  const regions: RegionDeployConfig[] = [];
  parsed.data.regions.forEach((r, i) => {
    const at = (field: string): string => `${CONTEXT_KEY}.regions[${i}].${field}`;
    const policy = readPolicy(r.slaPolicy, baseDir, parsePolicy, at('slaPolicy'), problems);
    const accounts = r.accountsFile === undefined ? null : readJson(r.accountsFile, baseDir, at('accountsFile'), problems);
    if (policy === undefined || accounts === undefined) return;
    const ticketPrefix = r.ticketPrefix ?? ticketPrefixForRegion(r.region);
    const runtime: RuntimeDeskConfig = {
      region: r.region,
      ticketPrefix,
      mailDomain: r.mailDomain,
      supportAddresses: r.supportAddresses,
      agents: r.agents,
      escalation: r.escalation,
      policy,
      ...(accounts === null ? {} : { priority: accounts }),
      reopenWindowDays: r.reopenWindowDays,
      autoCloseDays: r.autoCloseDays,
    };
    const runtimeJson = JSON.stringify(runtime);
    const size = Buffer.byteLength(runtimeJson, 'utf8');
    if (size > RUNTIME_CONFIG_BUDGET_BYTES) {
      const [field, bytes] = largestField(runtime);
      problems.push(
        `${at(RUNTIME_TO_CONFIG_FIELD[field] ?? field)}: SESDESK_CONFIG would be ${size} bytes, over its ${RUNTIME_CONFIG_BUDGET_BYTES}-byte share of Lambda's 4 KB environment limit; this field takes ${bytes} bytes — shrink it`,
      );
      return;
    }
    const runtimeProblem = runtimeConfigProblem(runtime);
    if (runtimeProblem) {
      problems.push(`${at(r.accountsFile === undefined ? 'slaPolicy' : 'accountsFile')}: the functions would reject this config: ${runtimeProblem}`);
      return;
    }
    regions.push({
      region: r.region,
      environment: r.environment,
      names: deskNames({ region: r.region, environment: r.environment }),
      tracing: r.tracing,
      account: r.account,
      mailDomain: r.mailDomain,
      supportAddresses: r.supportAddresses,
      hostedZone: r.hostedZone,
      activateReceiptRuleSet: r.activateReceiptRuleSet,
      alarmEmail: r.alarmEmail,
      rawMailTransitionDays: r.rawMailTransitionDays,
      ticketPrefix,
      runtime,
      runtimeJson,
    });
  });
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return { regions };
}

const RUNTIME_TO_CONFIG_FIELD: Partial<Record<keyof RuntimeDeskConfig, string>> = {
  policy: 'slaPolicy',
  priority: 'accountsFile',
};

function largestField(runtime: RuntimeDeskConfig): [keyof RuntimeDeskConfig, number] {
  let best: [keyof RuntimeDeskConfig, number] = ['policy', 0];
  for (const key of Object.keys(runtime) as Array<keyof RuntimeDeskConfig>) {
    const bytes = Buffer.byteLength(JSON.stringify(runtime[key]) ?? '', 'utf8');
    if (bytes > best[1]) best = [key, bytes];
  }
  return best;
}

function policyPath(ref: string): string {
  // A bare name is a preset shipped in policies/; anything with a slash or .json is a path.
  return ref.includes('/') || ref.endsWith('.json') ? ref : `policies/${ref}.json`;
}

function readJson(ref: string, baseDir: string, field: string, problems: string[]): unknown {
  const file = isAbsolute(ref) ? ref : resolve(baseDir, ref);
  if (!existsSync(file)) {
    problems.push(`${field}: file not found: ${ref} (resolved to ${file})`);
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    problems.push(`${field}: ${ref} is not readable JSON: ${(error as Error).message}`);
    return undefined;
  }
}

function readPolicy(
  ref: string,
  baseDir: string,
  parsePolicy: PolicyParser | undefined,
  field: string,
  problems: string[],
): Record<string, unknown> | undefined {
  const json = readJson(policyPath(ref), baseDir, field, problems);
  if (json === undefined) return undefined;
  const shape = policyShape.safeParse(json);
  if (!shape.success) {
    problems.push(formatZodError(shape.error, field));
    return undefined;
  }
  if (parsePolicy) {
    try {
      parsePolicy(json);
    } catch (error) {
      problems.push(`${field}: ${(error as Error).message}`);
      return undefined;
    }
  }
  return json as Record<string, unknown>;
}

/**
 * The SLA engine's own validator, used when its module is present so a policy that the
 * handlers would reject fails `cdk synth` instead of the first ticket.
 */
function defaultPolicyParser(): PolicyParser | undefined {
  const modulePath = resolve(REPO_ROOT, 'lambdas/domain/sla/policy');
  if (!['.ts', '.js'].some((ext) => existsSync(modulePath + ext))) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time, and optional: the config loads without the parser
  const mod = require(modulePath) as { parsePolicy?: unknown };
  return typeof mod.parsePolicy === 'function' ? (mod.parsePolicy as PolicyParser) : undefined;
}

/**
 * Checks the runtime config exactly as the functions will read it (the same parser and SLA
 * service), so a policy/accounts mismatch fails at synth, not at the first mail.
 */
function runtimeConfigProblem(runtime: RuntimeDeskConfig): string | null {
  try {
    createSlaService(parseRuntimeConfig(runtime, 'SESDESK_CONFIG'));
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
