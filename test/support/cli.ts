import { runCli } from '../../src/cli/main.js';

/** What one in-process CLI run gave. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** An output stream for runCli that keeps everything written to it, as text. */
export class OutputCollector {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

/** Run the CLI in-process with `argv` and `env` (nothing from the test's own environment), capturing its output. */
export async function runCliCaptured(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new OutputCollector();
  const stderr = new OutputCollector();
  const code = await runCli(argv, { stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
