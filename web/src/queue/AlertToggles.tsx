import { useState } from "react";
import { beep, notificationsSupported, requestNotificationPermission } from "./alerts";
import { useQueue } from "./QueueProvider";

/** Sound and desktop notifications for new commands; both off until asked for. */
export function AlertToggles() {
  const { sound, setSound, notify, setNotify } = useQueue();
  const [problem, setProblem] = useState<string | null>(null);

  async function toggleNotify(on: boolean) {
    setProblem(null);
    if (!on) return setNotify(false);
    // Permission is requested only here, from the reviewer's own click.
    const granted = await requestNotificationPermission();
    setNotify(granted);
    if (!granted) setProblem("Notifications are blocked for this site in your browser settings.");
  }

  return (
    <div className="toggles">
      <label className="toggle">
        <input
          type="checkbox"
          checked={sound}
          onChange={(e) => {
            setSound(e.target.checked);
            if (e.target.checked) beep(); // also unlocks audio under autoplay rules
          }}
        />
        Sound
      </label>
      {notificationsSupported() && (
        <label className="toggle">
          <input type="checkbox" checked={notify} onChange={(e) => void toggleNotify(e.target.checked)} />
          Desktop notifications
        </label>
      )}
      {problem && (
        <span className="toggles__problem" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}
