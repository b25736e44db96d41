import { dirname, join } from 'node:path';

/**
 * How every handler is bundled, shared by the CDK functions and by `npm run bench` so the
 * benchmark loads exactly what Lambda loads.
 *
 * - The AWS SDK is bundled, not left to the runtime's copy: the version deployed is the one the
 *   tests ran, and with `module` first esbuild takes the SDK's ES builds and drops the commands
 *   and models a handler never uses (the runtime's copy loads whole CommonJS clients; about 35 ms
 *   more per cold start in bench/).
 * - The credential providers Lambda never reaches stay out too. A function's credentials are in
 *   its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which the
 *   default chain tries first; SSO, ini files, credential processes, web identity, container
 *   and instance metadata are `await import(...)`ed only after that fails, so a function never
 *   loads them; were its environment ever without credentials, the error would name the
 *   package it could not load (test/infra/bundling.test.ts). Together with the STS/SSO clients
 *   they pull in (`nested-clients`) that is ~90 KB no cold start has to compile.
 * - iconv-lite's double-byte tables (Shift_JIS, GBK, Big5, EUC-KR ...; 390 KB) stay out of the
 *   bundle as JSON files beside it. iconv-lite requires each one only when a mail in that
 *   charset arrives, so the common cold start no longer compiles them.
 */
export const HANDLER_BUNDLING = {
  target: 'node24',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  externalModules: [
    './tables/*',
    '@aws-sdk/credential-provider-http',
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-login',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/nested-clients',
    '@aws-sdk/token-providers',
    '@smithy/credential-provider-imds',
  ],
} as const;

/** iconv-lite's table directory; its files go to `tables/` beside each bundle. */
export function iconvTablesDir(): string {
  return join(dirname(require.resolve('iconv-lite/package.json')), 'encodings', 'tables');
}
