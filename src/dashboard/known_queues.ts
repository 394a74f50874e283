import type { PageContext } from "./page_context.ts";
import { type QueueOverview, queueOverview } from "../inspect/queue_overview.ts";

/** The queues of the options and of registered tasks, plus those live workers consume. */
export async function knownQueueOverview(ctx: PageContext): Promise<QueueOverview[]> {
  return await queueOverview(
    { broker: ctx.app.stores.broker, heartbeats: ctx.app.stores.heartbeats },
    ctx.queues,
  );
}

/** The names of {@link knownQueueOverview} without reading counts. */
export async function knownQueueNames(ctx: PageContext): Promise<string[]> {
  const names = new Set(ctx.queues);
  for (const beat of await ctx.app.stores.heartbeats.listWorkerHeartbeats()) {
    for (const queue of beat.queues) names.add(queue);
  }
  return [...names].sort();
}
