import type { AtomicKv } from "../kv/atomic_kv.ts";
import type { TaskMiddleware } from "../core/middleware.ts";
import { SupersededDelivery } from "../core/consume_verdict.ts";
import { MetaKey } from "../core/meta_keys.ts";

/** Key prefix of the first-seen publish nonce of each Beat dispatch. */
export const BEAT_NONCE_PREFIX = "beat:nonce:";

const NONCE_TTL_MS = 7 * 86_400_000;

/**
 * Worker middleware that runs each Beat fire once even when it was published twice (a Beat
 * killed between recording a fire and knowing it was published publishes again on recovery):
 * each publish carries a fresh nonce; the first nonce a worker sees for the task id wins, later
 * copies with another nonce are acked unrun, and redeliveries of the winning copy run as usual.
 * Other tasks pass straight through.
 */
export function beatDuplicateFilter(kv: AtomicKv): TaskMiddleware {
  return {
    // Only Beat's fires carry a nonce: every other task skips the hook chain altogether.
    consumesDelivery: (delivery) => typeof delivery.envelope.meta[MetaKey.beatNonce] === "string",
    async onConsume(delivery, next) {
      const nonce = delivery.envelope.meta[MetaKey.beatNonce];
      if (typeof nonce !== "string") return await next();
      const key = BEAT_NONCE_PREFIX + delivery.envelope.id;
      if (!(await kv.setIfAbsent(key, nonce, { ttl: NONCE_TTL_MS }))) {
        const first = await kv.get(key);
        if (first !== null && first !== nonce) {
          throw new SupersededDelivery(
            `Beat published fire ${delivery.envelope.id} twice; the first copy runs.`,
          );
        }
      }
      await next();
    },
  };
}
