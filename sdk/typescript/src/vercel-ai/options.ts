/** Option checks shared by the tool and the approval hook. */

export function checkContext(context: Record<string, unknown> | undefined): Record<string, unknown> {
  if (context === undefined) return {};
  if (typeof context !== "object" || context === null || Array.isArray(context)) {
    throw new TypeError("context must be a plain object (free-form JSON shown to reviewers)");
  }
  return context;
}

export function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
