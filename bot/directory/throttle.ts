// Directory reads call a platform API once per member: a few at a time, and when the platform says
// "too fast" the call waits and tries again (a few times, doubling the wait) before the sync gives up.

export interface RetryOptions {
  /** Attempts per call, the first included. */
  attempts?: number;
  /** The first wait (ms); doubled for each further attempt. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function retryThrottled<T>(work: () => Promise<T>, throttled: (error: unknown) => boolean, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !throttled(error)) throw error;
      await sleep((options.baseDelayMs ?? 1000) * 2 ** (attempt - 1));
    }
  }
}

/** `work` over every item, at most `concurrency` at once; rejects with the first failure. */
export async function mapLimited<I, O>(items: readonly I[], concurrency: number, work: (item: I) => Promise<O>): Promise<O[]> {
  const out: O[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return out;
}
