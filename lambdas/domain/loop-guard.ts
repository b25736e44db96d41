import { isSupportAddress } from './agents';
import type { HeaderLookup } from './classify';
import { LOOP_HEADER } from './outbound';

/**
 * Why an inbound message is our own mail coming back (a loop), or null. Our loop header on
 * the message itself (not in a returned copy inside a bounce), or a From of one of our
 * support addresses, means answering it could start a mail loop.
 */
export function ownLoopReason(
  headers: HeaderLookup | undefined,
  from: string | null,
  supportAddresses: readonly string[],
): string | null {
  if (from && isSupportAddress(supportAddresses, from)) return 'mail from our own support address (loop)';
  const stamp = headers?.get(LOOP_HEADER.toLowerCase());
  if (stamp !== undefined) return `carries our ${LOOP_HEADER} header (loop)`;
  return null;
}
