/**
 * A task-name glob as a predicate: `*` matches any run of characters (dots included, so
 * `emails.*` matches `emails.send.bulk`), `?` exactly one; everything else is literal.
 */
export function globMatcher(pattern: string): (name: string) => boolean {
  if (!/[*?]/.test(pattern)) return (name) => name === pattern;
  const source = [...pattern].map((c) =>
    c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")
  ).join("");
  const regex = new RegExp(`^${source}$`, "s");
  return (name) => regex.test(name);
}
