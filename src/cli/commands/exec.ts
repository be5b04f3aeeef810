import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { DEFAULT_TIMEOUTS, RawRepl } from '../../transport/raw-repl.js';
import { defineCommand } from '../command.js';
import { leaveRawRepl, withConnection } from '../connection.js';
import { LineEndingConverter } from '../io.js';
import { parseWholeNumber, resolveTarget, type GlobalArgs } from '../options.js';

interface ExecArgs extends GlobalArgs {
  readonly code?: string | undefined;
  readonly file?: string | undefined;
  readonly timeout?: string | undefined;
}

async function sourceOf(args: ExecArgs): Promise<string> {
  if (args.code !== undefined && args.file !== undefined) throw new UsageError('exec takes CODE or -f FILE, not both');
  if (args.file !== undefined) {
    try {
      return await readFile(args.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`-f ${args.file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  }
  if (args.code === undefined) throw new UsageError('exec needs CODE or -f FILE, e.g. picow-harness exec "print(1)"');
  return args.code;
}

export const execCommand = defineCommand<ExecArgs>({
  command: 'exec [code]',
  describe: 'Run Python code on the board; stream its output (exit 1 on a Python exception)',
  builder: (yargs) =>
    yargs
      .positional('code', { type: 'string', describe: 'Python source to run' })
      .option('file', { alias: 'f', type: 'string', requiresArg: true, describe: 'run this file instead of CODE' })
      .option('timeout', {
        type: 'string',
        requiresArg: true,
        describe: `give up after MS milliseconds in total (default ${DEFAULT_TIMEOUTS.execTotalMs}); the board is then interrupted`,
      })
      .example('$0 exec --port sim "print(1)"', 'run one line on a simulated board')
      .example('$0 exec -f main.py --timeout 60000', 'run a file on the one board on USB'),
  async run(args, { io, env, signal }) {
    const code = await sourceOf(args);
    const totalMs = parseWholeNumber('timeout', args.timeout, { min: 1 });
    const target = await resolveTarget(args, env);
    return withConnection(target, async (connection) => {
      const repl = new RawRepl(connection.transport);
      const stdout = new LineEndingConverter();
      const stderr = new LineEndingConverter();
      const result = await repl.exec(code, {
        signal,
        onStdout: (chunk) => io.stdout.write(stdout.push(chunk)),
        onStderr: (chunk) => io.stderr.write(stderr.push(chunk)),
        ...(totalMs === undefined ? {} : { timeouts: { execTotalMs: totalMs, execIdleMs: Math.min(totalMs, DEFAULT_TIMEOUTS.execIdleMs) } }),
      });
      io.stdout.write(stdout.flush());
      io.stderr.write(stderr.flush());
      await leaveRawRepl(repl);
      return result.exception === undefined ? 0 : 1;
    });
  },
});
