/**
 * Where a JSON text first stops being valid JSON (a character index), or -1 when it is valid.
 * V8's JSON.parse names a position for only some errors; this scanner names one for all.
 */
class StopAt extends Error {
  constructor(readonly index: number) {
    super(`invalid JSON at ${index}`);
  }
}

export function jsonErrorIndex(text: string): number {
  let at = 0;
  const fail = (): never => {
    throw new StopAt(at);
  };
  const skipSpace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at += 1;
  };
  const literal = (word: string): void => {
    for (const char of word) {
      if (text[at] !== char) fail();
      at += 1;
    }
  };
  const string = (): void => {
    at += 1; // opening quote
    for (;;) {
      const char = text[at];
      if (char === undefined || char < ' ') fail();
      at += 1;
      if (char === '"') return;
      if (char === '\\') {
        const escape = text[at];
        if (escape === 'u') {
          at += 1;
          for (let i = 0; i < 4; i += 1, at += 1) if (!/[0-9a-fA-F]/.test(text[at] ?? '')) fail();
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
          at += 1;
        } else {
          fail();
        }
      }
    }
  };
  const number = (): void => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at));
    if (match === null) fail();
    at += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    skipSpace();
    const char = text[at];
    if (char === '{') {
      at += 1;
      skipSpace();
      if (text[at] === '}') {
        at += 1;
        return;
      }
      for (;;) {
        skipSpace();
        if (text[at] !== '"') fail();
        string();
        skipSpace();
        if (text[at] !== ':') fail();
        at += 1;
        value();
        skipSpace();
        if (text[at] === ',') at += 1;
        else if (text[at] === '}') break;
        else fail();
      }
      at += 1;
    } else if (char === '[') {
      at += 1;
      skipSpace();
      if (text[at] === ']') {
        at += 1;
        return;
      }
      for (;;) {
        value();
        skipSpace();
        if (text[at] === ',') at += 1;
        else if (text[at] === ']') break;
        else fail();
      }
      at += 1;
    } else if (char === '"') {
      string();
    } else if (char === 't') {
      literal('true');
    } else if (char === 'f') {
      literal('false');
    } else if (char === 'n') {
      literal('null');
    } else {
      number();
    }
  };
  try {
    value();
    skipSpace();
    return at === text.length ? -1 : at;
  } catch (error) {
    if (error instanceof StopAt) return error.index;
    throw error;
  }
}
