/**
 * The one place that touches asciinema-player. Screens use this small
 * interface, so tests replace this module (the real player needs WebAssembly
 * and a layout engine, which jsdom has neither of).
 *
 * The player is loaded on demand: its code, its WebAssembly terminal and its
 * stylesheet are only fetched when a recording is opened.
 *
 * The page's CSP must allow compiling WebAssembly (`'wasm-unsafe-eval'` in
 * `script-src`): the player's terminal emulator is a WebAssembly module,
 * shipped inside its JavaScript.
 */
import type { Options, Source } from "asciinema-player";
import { liveDriver, type LiveDriverOptions } from "./liveDriver";

export type PlayerSource =
  /** A finished (or finished-so-far) recording: the whole asciicast text. */
  | { kind: "cast"; cast: string }
  /** A recording being written: follow it over the live WebSocket. */
  | ({ kind: "live"; url: string } & Pick<LiveDriverOptions, "onFinished" | "onMarker" | "WebSocketImpl">);

export interface PlayerOptions {
  /** Playback speed, 0.5 to 8 (the player takes it at creation only). */
  speed: number;
  autoPlay: boolean;
  /** Terminal size to show before the recording's header is read. */
  cols: number;
  rows: number;
}

export type PlayerState = "playing" | "paused" | "ended";

export interface TerminalPlayer {
  play(): Promise<void>;
  pause(): Promise<void>;
  /** Jump to `seconds` into the recording. */
  seek(seconds: number): Promise<void>;
  /** Seconds into the recording (for a live one: the newest event's time). */
  currentTime(): number;
  /** Seconds, once the recording is loaded; undefined while live. */
  duration(): number | undefined;
  dispose(): void;
}

/** The smallest valid WebAssembly module: compiling it tells whether the page may compile any. */
const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/**
 * Refuse early, with a reason, where WebAssembly cannot run: otherwise the
 * player waits forever for a terminal that never starts.
 */
function checkWebAssembly(): void {
  if (typeof WebAssembly !== "object") throw new Error("this browser cannot run WebAssembly, which the player needs");
  try {
    new WebAssembly.Module(EMPTY_WASM);
  } catch {
    throw new Error("the page’s content security policy does not allow WebAssembly (script-src needs 'wasm-unsafe-eval')");
  }
}

export async function mountTerminalPlayer(
  container: HTMLElement,
  source: PlayerSource,
  options: PlayerOptions,
  onState: (state: PlayerState) => void,
): Promise<TerminalPlayer> {
  checkWebAssembly();
  const [{ create }] = await Promise.all([import("asciinema-player"), import("asciinema-player/dist/bundle/asciinema-player.css")]);
  const opts: Options = {
    autoPlay: options.autoPlay,
    preload: true,
    speed: options.speed,
    cols: options.cols,
    rows: options.rows,
    // Our own controls (labelled, keyboard-first) drive it; the player draws the terminal.
    controls: false,
    fit: "width",
    terminalFontSize: "small",
    // Keystrokes are shown only when the org records input; the overlay would hide output.
    keystrokeOverlay: false,
  };
  // A function is a custom driver (asciinema-player `getDriver`); its typings only list URL and data sources.
  const src: Source =
    source.kind === "cast"
      ? { data: source.cast, parser: "asciicast" }
      : (liveDriver(source.url, {
          onFinished: source.onFinished,
          onMarker: source.onMarker,
          WebSocketImpl: source.WebSocketImpl,
        }) as unknown as Source);
  const player = create(src, container, opts);
  player.addEventListener("playing", () => onState("playing"));
  player.addEventListener("pause", () => onState("paused"));
  player.addEventListener("ended", () => onState("ended"));
  return {
    play: async () => {
      await player.play();
    },
    pause: async () => {
      await player.pause();
    },
    seek: async (seconds) => {
      await player.seek(seconds);
    },
    currentTime: () => player.getCurrentTime() ?? 0,
    duration: () => player.getDuration(),
    dispose: () => player.dispose(),
  };
}
