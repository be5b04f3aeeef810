/**
 * Checks a `picow-harness …` command line written in an example (a workflow step, a shell script)
 * against the CLI's own yargs definitions: the command exists, every flag exists, required
 * arguments are there. Shell variables and `${{ … }}` expressions stand for a placeholder value.
 */
import yargs from 'yargs';
import { COMMANDS } from '../../src/cli/main.js';
import { withGlobalOptions } from '../../src/cli/options.js';

const PLACEHOLDER = 'placeholder-value';

/** Splits shell words (quotes, escapes, backslash-newline continuations); operators end a command. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current: string | null = null;
  let index = 0;
  const push = (): void => {
    if (current !== null) words.push(current);
    current = null;
  };
  while (index < text.length) {
    const char = text[index] as string;
    if (char === '\\' && text[index + 1] === '\n') {
      index += 2;
      continue;
    }
    if (/\s/.test(char)) {
      push();
      index += 1;
      continue;
    }
    if (char === "'" || char === '"') {
      const end = text.indexOf(char, index + 1);
      if (end < 0) throw new Error(`unterminated ${char} in ${text}`);
      current = (current ?? '') + text.slice(index + 1, end);
      index = end + 1;
      continue;
    }
    if ('|;&<>'.includes(char)) {
      push();
      words.push(char);
      index += 1;
      continue;
    }
    current = (current ?? '') + char;
    index += 1;
  }
  push();
  return words;
}

/** `${{ … }}`, `${VAR}` and `$VAR` become one placeholder word part. */
export function substituteVariables(text: string): string {
  return text.replace(/\$\{\{[^}]*\}\}/g, PLACEHOLDER).replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, PLACEHOLDER).replace(/\$[A-Za-z_][A-Za-z0-9_]*/g, PLACEHOLDER);
}

const isHarness = (word: string): boolean => /(^|\/)picow-harness(\.js)?$/.test(word) || word === '$harness';

/** Every picow-harness invocation in a shell script, as argv (after the program). */
export function harnessInvocations(script: string): string[][] {
  const invocations: string[][] = [];
  const logical = script.replace(/\\\n/g, ' ').split('\n').filter((line) => !line.trim().startsWith('#'));
  for (const line of logical) {
    const raw = shellWords(line);
    const at = raw.findIndex(isHarness);
    if (at < 0) continue;
    const argv: string[] = [];
    for (const word of raw.slice(at + 1)) {
      if ('|;&<>'.includes(word)) break;
      argv.push(substituteVariables(word));
    }
    invocations.push(argv);
  }
  return invocations;
}

/** The CLI's parse of `argv` (no handler runs): undefined when it parses, else yargs' first line. */
export async function cliProblem(argv: readonly string[]): Promise<string | undefined> {
  let parser = withGlobalOptions(yargs()).exitProcess(false).strict().demandCommand(1).help(false).version(false);
  for (const command of COMMANDS) parser = parser.command(command.command, command.describe, (y) => command.builder(y), () => undefined);
  let problem: string | undefined;
  try {
    await parser.parseAsync([...argv], {}, (error: Error | undefined) => {
      if (error) problem = error.message.split('\n')[0];
    });
  } catch (error) {
    problem = (error as Error).message.split('\n')[0];
  }
  return problem;
}
