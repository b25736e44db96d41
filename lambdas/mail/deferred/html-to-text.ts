/**
 * `html-to-text` as the function bundles see it (aliased by bundleHandler,
 * lib/constructs/handler-bundling.ts). mailparser converts HTML to text only for a mail that has
 * no plain-text part; the converter, with htmlparser2 and its entity tables, is bundled on its
 * own into `deferred/html-to-text.js` beside the handler and loaded when the first such mail
 * arrives.
 */
import { onFirstUse } from './on-first-use';

interface HtmlToText {
  htmlToText(html: string, options?: object): string;
  convert(html: string, options?: object): string;
  compile(options?: object): (html: string) => string;
}

// The literal path matters: the bundler leaves `./deferred/*` to be required at run time,
// relative to the bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- required on first use, from beside the bundle (see on-first-use.ts)
const real = onFirstUse<HtmlToText>(() => require('./deferred/html-to-text.js') as HtmlToText);

export const htmlToText: HtmlToText['htmlToText'] = (html, options) => real.htmlToText(html, options);
export const convert: HtmlToText['convert'] = (html, options) => real.convert(html, options);
export const compile: HtmlToText['compile'] = (options) => real.compile(options);
