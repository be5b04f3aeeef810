import type { HarnessError } from '../../src/errors.js';

/** The error an operation fails with; throws when it succeeds. */
export async function failure(promise: Promise<unknown>): Promise<HarnessError> {
  try {
    await promise;
  } catch (error) {
    return error as HarnessError;
  }
  throw new Error('expected the operation to fail');
}
