import type { Delivery } from "../../broker/broker.ts";
import type { Envelope, JsonValue, LinkedCall } from "../../core/envelope.ts";
import { StemError } from "../../core/errors.ts";
import { MetaKey } from "../../core/meta_keys.ts";
import { silentLogger } from "../../observability/logger.ts";
import type { RunnerDeps } from "./deps.ts";
import { SETTLE_RETRY_DELAYS_MS, withRetry } from "./settle.ts";

/** A follow-up that could not be published; recorded on the parent's status. */
export interface LinkFailure {
  /** `link` or `linkError`. */
  kind: "link" | "linkError";
  /** Position in the list. */
  index: number;
  /** Task name of the follow-up. */
  name: string;
  /** Why, e.g. `"unknown-task"`. */
  reason: string;
  /** The error message. */
  error: string;
}

/**
 * Publishes follow-ups with ids derived from the parent's, so a re-run re-publishes the same tasks.
 * A follow-up that cannot be published never holds the parent back: it is returned as a failure
 * and a stand-in is queued on the parent's queue, where a worker dead-letters it with the reason.
 */
export async function publishLinks(
  links: LinkedCall[] | undefined,
  kind: "link" | "linkError",
  deps: RunnerDeps,
  delivery: Delivery,
): Promise<LinkFailure[]> {
  if (!links?.length) return [];
  const failures: LinkFailure[] = [];
  for (const [index, link] of links.entries()) {
    const published = await withRetry(
      () => enqueueLink(deps, delivery.envelope, link, kind, index),
      {
        clock: deps.clock,
        logger: deps.logger ?? silentLogger,
        delays: deps.settleRetryDelays ?? SETTLE_RETRY_DELAYS_MS,
        fields: { taskId: delivery.envelope.id, link: link.name },
      },
    );
    if (published.ok) continue;
    const error = published.error as Error;
    const reason = error instanceof StemError ? error.code : "publish-failed";
    failures.push({ kind, index, name: link.name, reason, error: String(error?.message ?? error) });
    await publishStandIn(deps, delivery, link, { kind, index, reason, error: error?.message });
  }
  return failures;
}

async function enqueueLink(
  deps: RunnerDeps,
  parent: Envelope,
  link: LinkedCall,
  kind: string,
  index: number,
): Promise<void> {
  await deps.stem.enqueue(link.name, {
    args: link.args,
    headers: { ...parent.headers, ...link.headers },
    meta: { ...link.meta, linkedFrom: parent.id },
    enqueueOptions: { taskId: followUpId(parent, kind, index), queue: link.queue },
  }, { parentId: parent.id, rootId: parent.rootId ?? parent.id, republish: true });
}

function followUpId(parent: Envelope, kind: string, index: number): string {
  return `${parent.id}:${kind}:${index}`;
}

async function publishStandIn(
  deps: RunnerDeps,
  delivery: Delivery,
  link: LinkedCall,
  failure: { kind: string; index: number; reason: string; error: string | undefined },
): Promise<void> {
  const parent = delivery.envelope;
  let standIn: Envelope = {
    v: 1,
    id: followUpId(parent, failure.kind, failure.index),
    name: link.name,
    args: (link.args ?? {}) as JsonValue,
    headers: { ...parent.headers, ...link.headers },
    meta: {
      ...link.meta,
      linkedFrom: parent.id,
      [MetaKey.linkFailure]: `${failure.reason}: ${failure.error ?? "unknown error"}`,
    },
    queue: delivery.queue,
    priority: 0,
    attempt: 0,
    notBefore: null,
    expires: null,
    enqueuedAt: deps.clock.now(),
    parentId: parent.id,
    rootId: parent.rootId ?? parent.id,
  };
  try {
    if (deps.stem.signer?.canSign) standIn = await deps.stem.signer.sign(standIn);
    await deps.broker.publish(standIn);
  } catch (error) {
    (deps.logger ?? silentLogger).error("A follow-up could not be published or dead-lettered", {
      taskId: parent.id,
      link: link.name,
      error,
    });
  }
}
