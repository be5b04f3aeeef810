/** Where the CLI writes: process.stdout/stderr in the binary, string collectors in tests. */
export interface WritableLike {
  write(chunk: string | Uint8Array): unknown;
}

export interface CliIo {
  readonly stdout: WritableLike;
  readonly stderr: WritableLike;
  /** Aborted on SIGINT/SIGTERM: long commands stop, `sim` shuts down. */
  readonly signal?: AbortSignal;
  /** Environment for PICOW_PORT (defaults to process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export function writeLine(stream: WritableLike, text = ''): void {
  stream.write(`${text}\n`);
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * The board ends lines with \r\n; a host terminal and pipes want \n. Streams chunk by chunk and
 * holds back a trailing \r until the next chunk says whether a \n follows.
 */
export class LineEndingConverter {
  private heldCr = false;

  push(chunk: Uint8Array): Uint8Array {
    const out: number[] = [];
    let index = 0;
    if (this.heldCr) {
      this.heldCr = false;
      if (chunk[0] !== LF) out.push(CR);
    }
    for (; index < chunk.length; index += 1) {
      const byte = chunk[index] as number;
      if (byte === CR) {
        if (index === chunk.length - 1) {
          this.heldCr = true;
          continue;
        }
        if (chunk[index + 1] === LF) continue;
      }
      out.push(byte);
    }
    return Uint8Array.from(out);
  }

  /** The held-back \r, if the stream ended on one. */
  flush(): Uint8Array {
    const out = this.heldCr ? Uint8Array.of(CR) : new Uint8Array(0);
    this.heldCr = false;
    return out;
  }
}
