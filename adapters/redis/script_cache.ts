import { isNoScript, type RedisReply } from "./transport.ts";

/**
 * EVALSHA with an EVAL fallback, where the first call of each script goes alone: concurrent
 * first calls wait for it instead of all failing with NOSCRIPT and all sending the body.
 */
export class ScriptCache {
  readonly #loaded = new Set<string>();
  readonly #loading = new Map<string, Promise<void>>();

  /** Runs script `id` with `evalsha`, falling back to `evalFull` on NOSCRIPT. */
  async run(
    id: string,
    evalsha: () => Promise<RedisReply>,
    evalFull: () => Promise<RedisReply>,
  ): Promise<RedisReply> {
    if (!this.#loaded.has(id)) {
      const loading = this.#loading.get(id);
      if (!loading) return this.#first(id, evalsha, evalFull);
      await loading;
    }
    try {
      return await evalsha();
    } catch (error) {
      if (!isNoScript(error)) throw error;
      this.#loaded.delete(id);
      return await this.#first(id, evalsha, evalFull);
    }
  }

  async #first(
    id: string,
    evalsha: () => Promise<RedisReply>,
    evalFull: () => Promise<RedisReply>,
  ): Promise<RedisReply> {
    const call = (async () => {
      try {
        return await evalsha();
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return await evalFull();
      }
    })();
    const done = call.then(() => void this.#loaded.add(id), () => {});
    this.#loading.set(id, done);
    try {
      return await call;
    } finally {
      if (this.#loading.get(id) === done) this.#loading.delete(id);
    }
  }
}
