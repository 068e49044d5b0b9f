/** Outcome of parsing user input: the value, or a reason in Chinese that can be shown to the user. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export const parsed = <T>(value: T): ParseResult<T> => ({ ok: true, value });
export const failed = <T = never>(reason: string): ParseResult<T> => ({ ok: false, reason });
