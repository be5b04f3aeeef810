import { runCli } from './main.js';

/**
 * The process entry. SIGINT/SIGTERM abort the running command (which interrupts the board and
 * closes ports and simulators); a second signal exits at once.
 */
async function main(): Promise<void> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals += 1;
    if (signals > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code: number;
  try {
    code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
  } catch (error) {
    process.stderr.write(`picow-harness: internal error: ${(error as Error).stack ?? String(error)}\n`);
    code = 3;
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = code;
  // Every command closes its ports and stops its simulators; should a handle still linger, the CLI
  // must not hang on it. The timer is unref'd, so a clean exit never waits for it.
  setTimeout(() => process.exit(code), 2000).unref();
}

await main();
