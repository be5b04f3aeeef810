/** Escaping for the XML the reports write (XML 1.0). */

/**
 * Characters XML 1.0 cannot carry at all (C0 controls other than tab/LF/CR, lone surrogates,
 * U+FFFE/U+FFFF), plus DEL and the C1 controls, which it can but which no reader wants to see raw.
 */
const UNWANTED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A visible stand-in: `\x1b`, `\ud800`. */
const visible = (char: string): string => {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** Element content. CR is a character reference: a parser turns a literal CR or CRLF into LF. */
export function xmlText(text: string): string {
  return text
    .replace(UNWANTED, visible)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\r', '&#13;');
}

/** A double-quoted attribute value; tab, CR and LF as character references so they survive normalisation. */
export function xmlAttribute(text: string): string {
  return xmlText(text)
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
    .replaceAll('\t', '&#9;')
    .replaceAll('\n', '&#10;');
}

/** `<name a="1" b="2"` (attributes with null/undefined values are left out). */
export function openTag(name: string, attributes: Readonly<Record<string, string | number | null | undefined>>): string {
  const parts = Object.entries(attributes)
    .filter((entry): entry is [string, string | number] => entry[1] !== null && entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${xmlAttribute(String(value))}"`);
  return `<${name}${parts.join('')}`;
}
