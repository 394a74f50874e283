import { StemError, type StemErrorOptions } from "../core/errors.ts";

/** `createRun` was given a run id that already exists. */
export class DuplicateRunError extends StemError {
  /** The id. */
  readonly runId: string;

  /** Creates the error for `runId`. */
  constructor(runId: string) {
    super(
      "duplicate-run-id",
      `A workflow run with id "${runId}" already exists; pass a new runId or omit it.`,
    );
    this.runId = runId;
  }
}

/** An operation named a run that does not exist. */
export class UnknownRunError extends StemError {
  /** The id. */
  readonly runId: string;

  /** Creates the error for `runId`. */
  constructor(runId: string) {
    super("unknown-run", `No workflow run has id "${runId}".`);
    this.runId = runId;
  }
}

/** No workflow is registered under the name. */
export class UnknownWorkflowError extends StemError {
  /** The name. */
  readonly workflow: string;

  /** Creates the error for `workflow`. */
  constructor(workflow: string) {
    super(
      "unknown-workflow",
      `No workflow is registered as "${workflow}". Pass it in flows or scripts of the app.`,
    );
    this.workflow = workflow;
  }
}

/** A workflow definition or step call is invalid. */
export class WorkflowDefinitionError extends StemError {
  /** Creates the error with an actionable message. */
  constructor(message: string, options: StemErrorOptions = {}) {
    super("invalid-workflow", message, options);
  }
}

/** An event payload failed the `parse` of its typed event (`defineEvent`). */
export class InvalidEventPayloadError extends StemError {
  /** The event's topic. */
  readonly topic: string;

  /** Creates the error for `topic`; `cause` is what `parse` threw. */
  constructor(topic: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      "invalid-event-payload",
      `The payload of event "${topic}" does not match its definition: ${why}. Fix the emitter or the event's parse.`,
      { cause },
    );
    this.topic = topic;
  }
}
