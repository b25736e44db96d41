/**
 * `encoding-japanese` as the function bundles see it (aliased by bundleHandler,
 * lib/constructs/handler-bundling.ts). libmime uses it only to decode ISO-2022-JP, Shift_JIS and
 * EUC-JP text; its conversion tables are bundled on their own into `deferred/encoding-
 * japanese.js` beside the handler and loaded when the first such mail arrives.
 *
 * libmime catches an error from the converter and falls back to iconv-lite, so a missing file
 * would not fail loudly: test/infra/bundling.test.ts decodes ISO-2022-JP through a bundle.
 */
import { onFirstUse } from './on-first-use';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- required on first use, from beside the bundle (see on-first-use.ts)
const Encoding = onFirstUse<Record<string, unknown>>(() => require('./deferred/encoding-japanese.js') as Record<string, unknown>);

export default Encoding;
