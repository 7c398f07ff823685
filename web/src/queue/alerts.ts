/**
 * Optional attention-getters for a new pending command: a short synthesized
 * beep (no audio file, so nothing to download and nothing for the CSP to block)
 * and a desktop notification.
 */
import type { CommandView } from "../api";

let audio: AudioContext | null = null;

/** `times` short beeps: one for a new command, two for an escalated one. */
export function beep(times = 1): void {
  const Ctx = window.AudioContext as typeof AudioContext | undefined;
  if (!Ctx) return;
  try {
    audio ??= new Ctx();
    for (let i = 0; i < times; i++) {
      const start = audio.currentTime + i * 0.35;
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.3);
    }
  } catch {
    // Autoplay policy before any user gesture: silently no sound.
  }
}

export function notificationsSupported(): boolean {
  return typeof window !== "undefined" && "Notification" in window;
}

/** Ask for permission; only ever called from the toggle's click. */
export async function requestNotificationPermission(): Promise<boolean> {
  if (!notificationsSupported()) return false;
  if (Notification.permission === "granted") return true;
  if (Notification.permission === "denied") return false;
  return (await Notification.requestPermission()) === "granted";
}

export function notifyPending(command: CommandView, escalated: boolean, onClick: () => void): void {
  if (!notificationsSupported() || Notification.permission !== "granted") return;
  // Only when the reviewer is elsewhere; an open tab already shows the card.
  if (document.visibilityState === "visible" && document.hasFocus()) return;
  const body = command.command.length > 140 ? `${command.command.slice(0, 140)}…` : command.command;
  const title = escalated ? `Escalated to you: ${command.agent.name}` : `Approval needed: ${command.agent.name}`;
  const n = new Notification(title, {
    body: command.target ? `${command.target}: ${body}` : body,
    tag: `expacti-${command.id}`,
  });
  n.onclick = () => {
    window.focus();
    onClick();
    n.close();
  };
}
