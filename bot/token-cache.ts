// A platform access token, fetched once for all callers and reused until shortly before it expires.

import type { Clock } from '../handlers/ports';

export class TokenCache {
  private token: { value: string; refreshAt: number } | null = null;
  private fetching: Promise<string> | null = null;

  constructor(
    /** Fetches a token and says how many seconds it lives. */
    private readonly fetchToken: () => Promise<{ value: string; expiresIn: number }>,
    private readonly clock: Clock,
  ) {}

  async get(): Promise<string> {
    if (this.token && this.clock.now().getTime() < this.token.refreshAt) return this.token.value;
    // One request at a time: token endpoints are rate limited, and every caller can share the answer.
    this.fetching ??= this.fetchToken()
      .then(({ value, expiresIn }) => {
        // Refresh 5 minutes early (or halfway through a short-lived token).
        this.token = { value, refreshAt: this.clock.now().getTime() + (expiresIn - Math.min(300, expiresIn / 2)) * 1000 };
        return value;
      })
      .finally(() => (this.fetching = null));
    return this.fetching;
  }

  /** The platform refused the token: the next call fetches a new one. */
  invalidate(): void {
    this.token = null;
  }
}
