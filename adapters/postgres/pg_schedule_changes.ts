import type { ScheduleChangeSource } from "../_sql/sql_schedule_store.ts";
import type { Sql } from "./connection.ts";
import { Notifier } from "./notifier.ts";

/**
 * Schedule changes over LISTEN/NOTIFY on `channel`: an upsert or remove notifies, every Beat
 * listening wakes. A reconnect also wakes them (notifications sent meanwhile are lost).
 */
export function pgScheduleChanges(sql: Sql, channel: string): ScheduleChangeSource {
  const notifier = new Notifier(sql, channel);
  let listeners = 0;
  return {
    async changed(id) {
      await sql.notify(channel, id);
    },
    async subscribe(listener) {
      const remove = notifier.subscribe(() => listener(), listener);
      listeners++;
      try {
        await notifier.ready();
      } catch (error) {
        remove();
        listeners--;
        throw error;
      }
      return async () => {
        remove();
        if (--listeners === 0) await notifier.close();
      };
    },
  };
}
