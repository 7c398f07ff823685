import { useEffect, useRef } from "react";
import { isModalOpen } from "../ui/Modal";
import { shortcutFor, type QueueShortcut } from "./shortcuts";

/** Route one-key shortcuts to the queue while no field or dialog has the keys. */
export function useQueueKeyboard(onShortcut: (shortcut: QueueShortcut) => void): void {
  const handler = useRef(onShortcut);
  handler.current = onShortcut;

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.repeat) return;
      const shortcut = shortcutFor(event, isModalOpen());
      if (!shortcut) return;
      event.preventDefault();
      handler.current(shortcut);
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);
}
