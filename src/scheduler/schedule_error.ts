import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";

/** A schedule entry or spec is invalid; `field` names what to fix (`spec.latitude`, `timezone`). */
export class ScheduleSpecError extends StemError {
  /** The offending field. */
  readonly field: string;

  /** Creates the error for `field` with a message saying what is wrong. */
  constructor(field: string, problem: string) {
    super(ErrorCode.invalidSchedule, `Schedule ${field} ${problem}`);
    this.field = field;
  }
}

/** An upsert carried a version older than the stored entry's (another writer changed it). */
export class ScheduleVersionError extends StemError {
  /** The entry id. */
  readonly entryId: string;
  /** The version the writer expected. */
  readonly expected: number;
  /** The version stored now. */
  readonly actual: number;

  /** Creates the error for entry `entryId`. */
  constructor(entryId: string, expected: number, actual: number) {
    super(
      ErrorCode.scheduleVersionConflict,
      `Schedule entry "${entryId}" is at version ${actual}, not ${expected}: another writer ` +
        "changed it. Read it again and re-apply your change.",
    );
    this.entryId = entryId;
    this.expected = expected;
    this.actual = actual;
  }
}
