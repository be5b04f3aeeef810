/**
 * Indexing a run that just ended. The run folder is what matters: a history that cannot be opened
 * or written must not turn a finished run into a failed one, so this never throws — it says what
 * went wrong and the caller warns.
 */
import { History } from './history.js';
import type { ImportResult } from './types.js';

export type IndexOutcome = { readonly ok: true; readonly result: ImportResult; readonly file: string } | { readonly ok: false; readonly message: string; readonly file: string };

export async function indexRunInHistory(runDir: string, historyFile: string): Promise<IndexOutcome> {
  let history: History | undefined;
  try {
    history = History.open(historyFile);
    const result = await history.importRun(runDir);
    return { ok: true, result, file: history.file };
  } catch (error) {
    return { ok: false, message: (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' '), file: historyFile };
  } finally {
    try {
      history?.close();
    } catch {
      // Closing a database that failed to open has nothing left to release.
    }
  }
}
