/**
 * Reviewer preferences kept in localStorage. Only preferences live here; the
 * session is an HttpOnly cookie the page never sees.
 */
import { useCallback, useEffect, useState } from "react";

const PREFIX = "expacti.pref.";

export function readPreference<T>(key: string, fallback: T): T {
  try {
    const raw = window.localStorage.getItem(PREFIX + key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function writePreference<T>(key: string, value: T): void {
  try {
    window.localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Private mode or a full quota: the preference just does not persist.
  }
}

export function usePreference<T>(key: string, fallback: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => readPreference(key, fallback));
  const update = useCallback(
    (next: T) => {
      setValue(next);
      writePreference(key, next);
    },
    [key],
  );
  return [value, update];
}

export type ThemeChoice = "system" | "light" | "dark";

/** Apply the theme on <html>; "system" leaves it to prefers-color-scheme in CSS. */
export function useTheme(): [ThemeChoice, (t: ThemeChoice) => void] {
  const [theme, setTheme] = usePreference<ThemeChoice>("theme", "system");
  useEffect(() => {
    const root = document.documentElement;
    if (theme === "system") delete root.dataset.theme;
    else root.dataset.theme = theme;
  }, [theme]);
  return [theme, setTheme];
}
