/**
 * Ordering of MicroPython git tags as binary info names them (`v1.19.1-88-g99c258977`, `v1.24.1`,
 * `v1.25.0-preview.300.g321b30ca5`): by release, then nightlies `-N-g…` N commits past their tag;
 * a preview of a release sorts before the release itself.
 */
type TagKey = readonly [number, number, number, number];

const PREVIEW_OFFSET = 1_000_000;

/** The sort key of a tag, or null when the text names no MicroPython version. */
export function tagSortKey(tag: string): TagKey | null {
  const match = /^v(\d+)\.(\d+)(?:\.(\d+))?(?:-(\d+)-g[0-9a-f]+|-preview(?:\.(\d+))?)?/.exec(tag);
  if (match === null) return null;
  const nightly = match[4];
  const preview = match[5];
  const isPreview = match[0].includes('-preview');
  const build = nightly !== undefined ? Number(nightly) : isPreview ? (preview === undefined ? 0 : Number(preview)) - PREVIEW_OFFSET : 0;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0), build];
}

/** Negative when tag a is older than b, 0 when they name the same point, positive when newer. */
export function compareTags(a: string, b: string): number {
  const ka = tagSortKey(a);
  const kb = tagSortKey(b);
  if (ka === null || kb === null) return ka === null ? (kb === null ? 0 : 1) : -1;
  for (let i = 0; i < 4; i++) {
    const diff = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
