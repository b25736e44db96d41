/**
 * The footers mail clients add on their own ("Sent from my iPhone", "Get Outlook for Android",
 * "Von meinem iPad gesendet"): a signature, not the sender's words. A line counts only when it
 * is such a footer as a whole: a known "sent from" phrase, then a device, app or carrier this
 * file names, then at most four more words (model names, "wireless device", "smartphone.").
 * "Sent from my desk, it is easier to call" names no device and has a comma: it is text.
 *
 * Every pattern is anchored and linear; lines longer than a footer can be are never tested.
 */

/** Longest footer line we accept ("Sent from my Samsung Galaxy Note20 Ultra 5G smartphone."). */
const MAX_FOOTER = 90;

/** Devices, apps and carriers that follow "Sent from (my)". Lower case, matched as whole words. */
const DEVICES = [
  'iphone', 'ipad', 'ipod', 'apple watch', 'blackberry', 'android', 'samsung', 'galaxy', 'huawei', 'honor', 'xiaomi',
  'redmi', 'oneplus', 'pixel', 'nexus', 'nokia', 'motorola', 'moto', 'htc', 'lg', 'sony', 'xperia', 'oppo', 'vivo',
  'realme', 'fairphone', 'kindle', 'windows phone', 'windows mobile', 'surface', 'verizon', 'sprint', 't-mobile',
  'at&t', 'vodafone', 'telekom', 'orange', 'mobile', 'mobile device', 'phone', 'smartphone', 'cell', 'cellphone',
  'cell phone', 'tablet', 'handheld', 'wireless', 'device',
  // apps (usually without "my": "Sent from Outlook for iOS", "Sent from Mail for Windows")
  'outlook', 'mail', 'yahoo mail', 'yahoo', 'aol', 'aol mobile mail', 'gmail', 'protonmail', 'proton mail', 'tutanota',
  'spark', 'nine', 'edison mail', 'bluemail', 'blue mail', 'airmail', 'newton', 'k-9 mail', 'fairemail', 'zoho mail',
  'mail.ru', 'gmx', 'web.de', 'correo', 'courrier', 'posta',
  // German, French, Spanish, Italian, Dutch, Portuguese words for phone and mobile device
  'handy', 'mobilgerät', 'mobiltelefon', 'téléphone', 'portable', 'appareil', 'appareil mobile', 'móvil', 'movil',
  'teléfono', 'dispositivo', 'dispositivo móvil', 'celular', 'telefono', 'cellulare', 'telefoon', 'mobiel', 'telemóvel',
];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const DEVICE = `(?:${[...DEVICES].sort((a, b) => b.length - a.length).map(escape).join('|')})`;
/** Up to four more words after the device: letters, digits, ®, ™, & and hyphens; no commas. */
const TAIL = `(?:[ \\t]+[\\p{L}\\p{N}®™&+'’()/.-]+){0,4}`;
const END = `[ \\t]*[.!]?[ \\t]*$`;

/** "<verb> <from> [my] <device> [tail]" in the languages our customers write. */
const SENT_FROM = new RegExp(
  `^[ \\t]*(?:sent|envoyé|envoye|enviado|inviato|verzonden|verstuurd|gesendet|skickat|wysłane)[ \\t]+` +
    `(?:from|via|with|using|on|de|depuis|à partir de|a partir de|desde|do|da|dal|vanaf|von|mit|från|z)[ \\t]+` +
    `(?:(?:my|mon|ma|mi|mio|meu|meinem|meiner|mijn|min|mojego|il mio|il|the|an?|un|une|uno|una)[ \\t]+)?` +
    `${DEVICE}[®™]?(?![\\p{L}\\p{N}])${TAIL}${END}`,
  'iu',
);

/** German puts the verb last: "Von meinem iPhone gesendet". */
const SENT_FROM_DE = new RegExp(`^[ \\t]*von[ \\t]+(?:meinem|meiner|my)[ \\t]+${DEVICE}(?![\\p{L}\\p{N}])${TAIL}[ \\t]+gesendet${END}`, 'iu');

/** Outlook mobile's "Get Outlook for iOS" and its localized forms. */
const GET_APP = /^[ \t]*(?:get|obtenir|holen sie sich|obtener|scarica|download) outlook (?:for|pour|für|para|per|voor) (?:ios|android)[ \t]*$/i;

/** True when `line` is, as a whole, a footer a mail client writes by itself. */
export function isClientFooter(line: string): boolean {
  if (line.length > MAX_FOOTER) return false;
  return SENT_FROM.test(line) || SENT_FROM_DE.test(line) || GET_APP.test(line);
}
