/** The part of html-to-text 10 (which ships no types) that sesdesk calls. */
declare module 'html-to-text' {
  export function htmlToText(html: string, options?: object): string;
}
