/** The `-----BEGIN CERTIFICATE-----` blocks of a PEM text, in order. */
export function certificatePemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}
