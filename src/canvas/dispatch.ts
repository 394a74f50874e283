import type { GroupDescriptor, GroupStore } from "../backend/group_store.ts";
import type { JsonValue } from "../core/envelope.ts";
import type { EnqueueRequest, TaskEnqueueOptions, TaskOptions } from "../core/task_options.ts";
import type { Lineage } from "../producer/envelope_builder.ts";
import type { Stem } from "../producer/stem.ts";
import {
  type Continuation,
  finalOf,
  GROUP_META_KEY,
  type GroupPlan,
  type WireNode,
  type WireTask,
} from "./wire.ts";

/** One publish of a dispatch. */
interface PlannedTask {
  name: string;
  request: EnqueueRequest;
  lineage: Lineage;
}

/** What one dispatch writes: groups first, then every task in one producer call. */
interface Plan {
  groups: GroupDescriptor[];
  tasks: PlannedTask[];
}

/** Who publishes: a caller (fresh ids) or a worker (ids derived from its task, re-publishable). */
export interface DispatchOrigin {
  /** The task whose outcome publishes (absent for a caller). */
  parentId?: string;
  /** Root of the lineage. */
  rootId?: string;
  /** Extra group meta (batches). */
  groupMeta?: Record<string, JsonValue>;
}

const TASK_OPTION_KEYS = [
  "queue",
  "priority",
  "maxRetries",
  "visibilityTimeout",
  "softTimeLimit",
  "hardTimeLimit",
] as const;

/** The enqueue request of a compiled task, the previous result passed as asked. */
export function requestOf(node: WireTask, previous: JsonValue | undefined): EnqueueRequest {
  const o = node.options ?? {};
  const options: TaskOptions = {};
  for (const key of TASK_OPTION_KEYS) {
    if (o[key] !== undefined) (options as Record<string, unknown>)[key] = o[key];
  }
  const enqueueOptions: TaskEnqueueOptions = { taskId: node.id };
  if (o.countdown !== undefined) enqueueOptions.countdown = o.countdown;
  if (o.expires !== undefined) enqueueOptions.expires = o.expires;
  if (o.ignoreResult) enqueueOptions.ignoreResult = true;
  const args = o.previousResultAs
    ? { ...node.args, [o.previousResultAs]: previous ?? null }
    : node.args;
  const request: EnqueueRequest = { args, options, enqueueOptions };
  if (o.headers) request.headers = o.headers;
  if (o.meta) request.meta = o.meta;
  return request;
}

function clean(cont: Continuation): Continuation {
  const out: Continuation = {};
  if (cont.next?.length) out.next = cont.next;
  if (cont.onError) out.onError = cont.onError;
  if (cont.member) out.member = cont.member;
  if (cont.final) out.final = cont.final;
  if (cont.previous !== undefined) out.previous = cont.previous;
  return out;
}

function plan(
  node: WireNode,
  previous: JsonValue | undefined,
  cont: Continuation,
  origin: DispatchOrigin,
  out: Plan,
): void {
  switch (node.t) {
    case "task": {
      const lineage: Lineage = {
        parentId: origin.parentId,
        rootId: origin.rootId,
        republish: origin.parentId !== undefined,
        canvas: { canvas: clean({ ...cont, previous }) as Record<string, JsonValue> },
      };
      out.tasks.push({ name: node.name, request: requestOf(node, previous), lineage });
      return;
    }
    case "chain": {
      const rest = [...node.steps.slice(1), ...(cont.next ?? [])];
      const final = cont.next?.length ? cont.final : (finalOf(node) ?? cont.final);
      const onError = node.onError ?? cont.onError;
      return plan(node.steps[0], previous, { ...cont, next: rest, onError, final }, origin, out);
    }
    case "group": {
      const order = node.members.map((m) => finalOf(m)!.id);
      const meta: GroupPlan = { ...clean({ ...cont, previous: undefined }), order };
      out.groups.push({
        id: node.id,
        expected: node.members.length,
        meta: { ...origin.groupMeta, [GROUP_META_KEY]: meta as unknown as JsonValue },
      });
      for (const [index, member] of node.members.entries()) {
        const final = finalOf(member)!;
        const slot = { group: node.id, index, id: final.id };
        plan(member, previous, { member: slot, final }, { ...origin, groupMeta: undefined }, out);
      }
    }
  }
}

/**
 * Publishes a compiled node through the producer's one path (middleware, signing, `queued`
 * statuses): its groups are created first, then every task it starts goes out in one call.
 * A worker re-publishing after a crash reuses the ids and leaves existing groups as they are.
 */
export async function dispatch(
  stem: Stem,
  groups: GroupStore,
  node: WireNode,
  previous: JsonValue | undefined,
  cont: Continuation,
  origin: DispatchOrigin = {},
): Promise<string[]> {
  const out: Plan = { groups: [], tasks: [] };
  plan(node, previous, cont, origin, out);
  const republish = origin.parentId !== undefined;
  await Promise.all(out.groups.map(async (g) => {
    // A re-run must not reset a group whose members already report into it.
    if (republish && await groups.getGroup(g.id)) return;
    await groups.initGroup(g);
  }));
  return await stem.enqueueWithLineage(out.tasks);
}
