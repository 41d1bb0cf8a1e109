// The code of the DomainError a use case refuses with; any other outcome fails the test.
import { DomainError } from '../../src/domain/errors.js';

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a DomainError');
}

/** The code of the DomainError a pure rule throws; any other outcome fails the test. */
export function codeOfSync(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a DomainError');
}
