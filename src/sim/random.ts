import { createHash } from 'node:crypto';

/**
 * A deterministic stream of floats in [0, 1) for one named purpose of one board in one campaign
 * attempt: sfc32 (Chris Doty-Humphrey's small fast chaotic generator, 128-bit state) seeded from
 * SHA-256 of the four inputs. Streams with any input different are independent for every practical
 * purpose, and the same inputs always give the same sequence, so a resumed run replays exactly.
 */
export function randomStream(seed: number, serialNumber: string, attempt: number, stream: string): () => number {
  const digest = createHash('sha256').update(JSON.stringify(['picow-harness/random/1', seed, serialNumber, attempt, stream])).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12) | 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Mix the seed words through the state before the first draw the caller sees.
  for (let i = 0; i < 15; i++) next();
  return next;
}
