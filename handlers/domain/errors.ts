/**
 * A coded error the user can act on. `message` is shown to the user as is (simplified Chinese);
 * `code` is for tests, logs and callers that branch on it.
 */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export type AppErrorCode =
  | 'not_found'
  | 'forbidden'
  | 'invalid_state'
  | 'invalid_input'
  | 'already_decided'
  | 'stale_version'
  | 'throttled'
  | 'duplicate'
  | 'no_route'
  | 'not_in_directory';

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
