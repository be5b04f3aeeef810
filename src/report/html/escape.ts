/**
 * Escaping for report.html. The XML escapes are valid HTML too (`&apos;` is an HTML5 named
 * reference) and also make control characters visible, which a browser would otherwise drop or
 * render as boxes.
 */
import { xmlAttribute, xmlText } from '../xml.js';

/** Element content (HTML text or SVG <text>/<title>). */
export const escapeHtml = (text: string): string => xmlText(text);

/** A double-quoted attribute value. */
export const escapeAttribute = (text: string): string => xmlAttribute(text);
