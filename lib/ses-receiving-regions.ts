/**
 * AWS regions where SES can receive mail (the only place this list lives).
 *
 * Source: "Email receiving endpoints" in the AWS General Reference,
 * https://docs.aws.amazon.com/general/latest/gr/ses.html#ses_region
 * (see also https://docs.aws.amazon.com/ses/latest/dg/regions.html#region-receive-email).
 * AWS keeps adding regions: when ops want a region that is missing here, check that page and
 * add it — receiving there needs the `inbound-smtp.<region>.amazonaws.com` endpoint listed.
 */
export const SES_RECEIVING_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
] as const;

export type SesReceivingRegion = (typeof SES_RECEIVING_REGIONS)[number];

export function isSesReceivingRegion(region: string): region is SesReceivingRegion {
  return (SES_RECEIVING_REGIONS as readonly string[]).includes(region);
}

/** The MX target for a domain that receives mail through SES in `region`. */
export function inboundSmtpEndpoint(region: SesReceivingRegion): string {
  return `inbound-smtp.${region}.amazonaws.com`;
}
