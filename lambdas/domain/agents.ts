import type { Address } from './inbound-message';

export interface AgentDirectory {
  /** Exact agent addresses (lower-case). */
  addresses: readonly string[];
  /** Domains whose every address is an agent (lower-case, no `@`). */
  domains: readonly string[];
}

/** True when `address` belongs to an agent by exact address or by domain. */
export function isAgentAddress(agents: AgentDirectory, address: string): boolean {
  const lower = address.trim().toLowerCase();
  if (agents.addresses.includes(lower)) return true;
  const domain = lower.slice(lower.lastIndexOf('@') + 1);
  return agents.domains.includes(domain);
}

/** True when `address` is one of our support addresses, including plus-tagged forms. */
export function isSupportAddress(supportAddresses: readonly string[], address: string): boolean {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 0) return false;
  const local = lower.slice(0, at);
  const plus = local.indexOf('+');
  const base = plus < 0 ? lower : `${local.slice(0, plus)}${lower.slice(at)}`;
  return supportAddresses.includes(base);
}

/**
 * Most customers a ticket keeps besides its requester. Every status update and relay goes to
 * all of them, and SES takes at most 50 recipients a message: a mail with 1,000 addresses in
 * To/Cc must not turn the desk into a mass mailer.
 */
export const MAX_PARTICIPANTS = 20;

/**
 * Customers to keep on the conversation: everyone in To/Cc except our support addresses,
 * agents, and the requester, each once (case-insensitive), the first `limit` of them
 * (default {@link MAX_PARTICIPANTS}).
 */
export function customerParticipants(
  candidates: readonly Address[],
  opts: { supportAddresses: readonly string[]; agents: AgentDirectory; exclude: readonly string[]; limit?: number },
): Address[] {
  const seen = new Set(opts.exclude.map((a) => a.toLowerCase()));
  const out: Address[] = [];
  const limit = opts.limit ?? MAX_PARTICIPANTS;
  for (const candidate of candidates) {
    if (out.length >= limit) break;
    const address = candidate.address.trim().toLowerCase();
    if (!address.includes('@') || seen.has(address)) continue;
    if (isSupportAddress(opts.supportAddresses, address) || isAgentAddress(opts.agents, address)) continue;
    seen.add(address);
    out.push({ name: candidate.name, address });
  }
  return out;
}
