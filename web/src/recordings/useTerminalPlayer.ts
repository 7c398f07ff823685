import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import { mountTerminalPlayer, type PlayerSource, type PlayerState, type TerminalPlayer } from "./terminalPlayer";

export interface PlayerView {
  /** The mounted player, or null while it loads (and after an error). */
  player: TerminalPlayer | null;
  state: PlayerState;
  /** Seconds into the recording, refreshed a few times a second. */
  time: number;
  duration: number | undefined;
  error: string | null;
  seek(seconds: number): void;
  togglePlay(): void;
}

const TICK_MS = 200;

/**
 * Mount the terminal player into `container` for `source`, and keep a view of
 * where it is. asciinema-player takes its speed at creation only, so a new
 * speed mounts a new player that carries on where the old one was (the same
 * position, still playing or still paused).
 */
export function useTerminalPlayer(
  container: RefObject<HTMLDivElement | null>,
  source: PlayerSource | null,
  { speed, cols, rows, startAt = 0 }: { speed: number; cols: number; rows: number; startAt?: number },
): PlayerView {
  const [player, setPlayer] = useState<TerminalPlayer | null>(null);
  const [state, setState] = useState<PlayerState>("paused");
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  // Where a replaced player was, for the one that replaces it.
  const resume = useRef({ time: 0, playing: false });
  const current = useRef<TerminalPlayer | null>(null);
  const stateRef = useRef<PlayerState>("paused");
  const startAtRef = useRef(startAt);
  startAtRef.current = startAt;

  // A new recording starts at `startAt` (declared first: it runs before the mount below).
  useEffect(() => {
    resume.current = { time: startAtRef.current, playing: false };
    stateRef.current = "paused";
    setState("paused");
    setTime(startAtRef.current);
  }, [source]);

  useEffect(() => {
    const el = container.current;
    if (!el || !source) return;
    let cancelled = false;
    let mounted: TerminalPlayer | null = null;
    const onState = (next: PlayerState) => {
      if (cancelled) return;
      stateRef.current = next;
      setState(next);
    };
    const { time: startAt, playing } = resume.current;
    const live = source.kind === "live";
    setError(null);
    mountTerminalPlayer(el, source, { speed, autoPlay: live, cols, rows }, onState)
      .then(async (p) => {
        if (cancelled) {
          p.dispose();
          return;
        }
        mounted = p;
        current.current = p;
        if (!live && startAt > 0) await p.seek(startAt);
        if (!live && playing) await p.play();
        if (cancelled) return;
        setPlayer(p);
        setTime(p.currentTime());
        setDuration(p.duration());
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(e instanceof Error ? e.message : String(e));
      });
    return () => {
      cancelled = true;
      if (mounted) {
        resume.current = { time: mounted.currentTime(), playing: stateRef.current === "playing" };
        mounted.dispose();
      }
      current.current = null;
      setPlayer(null);
      el.replaceChildren();
    };
  }, [container, source, speed, cols, rows]);

  useEffect(() => {
    if (!player) return;
    const timer = setInterval(() => {
      setTime(player.currentTime());
      setDuration(player.duration());
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [player]);

  const seek = useCallback((seconds: number) => {
    const p = current.current;
    if (!p) return;
    setTime(seconds);
    void p.seek(seconds).then(() => setTime(p.currentTime()));
  }, []);

  const togglePlay = useCallback(() => {
    const p = current.current;
    if (!p) return;
    void (stateRef.current === "playing" ? p.pause() : p.play());
  }, []);

  return { player, state, time, duration, error, seek, togglePlay };
}
