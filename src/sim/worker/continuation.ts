const COMPOUND_KEYWORDS = ['if', 'while', 'for', 'try', 'with', 'def', 'class', 'async'];

function isIdentChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_]/.test(ch);
}

function startsWithWord(text: string, word: string): boolean {
  return text.startsWith(word) && !isIdentChar(text[word.length]);
}

type Quote = 'none' | "'" | '"' | "'''" | '"""';

/**
 * Whether the friendly REPL asks for another line (`... `) before compiling, with the rules of
 * py/repl.c mp_repl_continue_with_input: open triple quotes, open brackets outside a one-line
 * quote, a trailing backslash, or a compound statement whose last line is not empty.
 */
export function needsContinuation(input: string): boolean {
  if (input === '') return false;
  const compound = input.startsWith('@') || COMPOUND_KEYWORDS.some((word) => startsWithWord(input, word));
  const { quote, openBrackets } = scan(input);
  if (quote === "'''" || quote === '"""') return true;
  if (openBrackets && quote === 'none') return true;
  const last = input[input.length - 1];
  if (last === '\\') return true;
  return compound && last !== '\n';
}

/** True when no quote or bracket is left open (a prefix of source that a parser can judge on its own). */
export function quotesAndBracketsClosed(input: string): boolean {
  const { quote, openBrackets } = scan(input);
  return quote === 'none' && !openBrackets;
}

function scan(input: string): { quote: Quote; openBrackets: boolean } {
  let depth = { paren: 0, bracket: 0, brace: 0 };
  let quote: Quote = 'none';
  for (let i = 0; i < input.length; i += 1) {
    const ch = input[i];
    if (ch === "'" || ch === '"') {
      const triple = (ch.repeat(3)) as Quote;
      if ((quote === 'none' || quote === triple) && input.startsWith(triple, i)) {
        quote = quote === 'none' ? triple : 'none';
        i += 2;
      } else if (quote === 'none' || quote === ch) {
        quote = quote === 'none' ? (ch as Quote) : 'none';
      }
    } else if (ch === '\\' && ["'", '"', '\\'].includes(input[i + 1] ?? '')) {
      if (quote !== 'none') i += 1;
    } else if (quote === 'none') {
      if (ch === '(') depth = { ...depth, paren: depth.paren + 1 };
      else if (ch === ')') depth = { ...depth, paren: depth.paren - 1 };
      else if (ch === '[') depth = { ...depth, bracket: depth.bracket + 1 };
      else if (ch === ']') depth = { ...depth, bracket: depth.bracket - 1 };
      else if (ch === '{') depth = { ...depth, brace: depth.brace + 1 };
      else if (ch === '}') depth = { ...depth, brace: depth.brace - 1 };
    }
  }
  return { quote, openBrackets: depth.paren > 0 || depth.bracket > 0 || depth.brace > 0 };
}
