import { isLoadingReply, RedisTimeoutError } from "./errors.ts";
import { RedisCommandError } from "./transport.ts";

/** Waits `ms`; injectable so tests and clocks can drive it. */
export type Sleep = (ms: number) => Promise<void>;

/** `setTimeout` as a promise. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call` again while Redis answers `LOADING` (it is replaying its AOF/RDB after a restart
 * and ran nothing, so any command is safe to repeat), backing off 50 ms doubling to 500 ms, for
 * at most `budgetMs` of waiting; then rejects with {@link RedisTimeoutError}.
 */
export async function waitOutLoading<T>(
  call: () => Promise<T>,
  url: string,
  budgetMs: number,
  sleep: Sleep = realSleep,
): Promise<T> {
  let waited = 0;
  let delay = 50;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof RedisCommandError) || !isLoadingReply(error.message)) throw error;
      if (waited >= budgetMs) {
        throw new RedisTimeoutError(url, budgetMs, "it is still loading its dataset", {
          cause: error,
        });
      }
      const pause = Math.min(delay, budgetMs - waited);
      await sleep(pause);
      waited += pause;
      delay = Math.min(500, delay * 2);
    }
  }
}
