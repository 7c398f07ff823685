/*
 * A stand-in for recordings/terminalPlayer.ts (asciinema-player needs
 * WebAssembly and layout, which jsdom lacks). Use it with
 *   vi.mock("./terminalPlayer", () => import("../test/fakePlayer"));
 * and inspect `FakePlayer.mounted`.
 */
import type { PlayerOptions, PlayerSource, PlayerState, TerminalPlayer } from "../recordings/terminalPlayer";

export class FakePlayer implements TerminalPlayer {
  static mounted: FakePlayer[] = [];
  static duration: number | undefined = 60;

  time = 0;
  disposed = false;
  seeks: number[] = [];

  constructor(
    readonly container: HTMLElement,
    readonly source: PlayerSource,
    readonly options: PlayerOptions,
    private readonly onState: (state: PlayerState) => void,
  ) {}

  static reset(): void {
    FakePlayer.mounted = [];
    FakePlayer.duration = 60;
  }

  /** The player mounted last and not yet disposed. */
  static current(): FakePlayer {
    const live = FakePlayer.mounted.filter((p) => !p.disposed);
    const player = live[live.length - 1];
    if (!player) throw new Error("no player mounted");
    return player;
  }

  play(): Promise<void> {
    this.onState("playing");
    return Promise.resolve();
  }

  pause(): Promise<void> {
    this.onState("paused");
    return Promise.resolve();
  }

  seek(seconds: number): Promise<void> {
    this.seeks.push(seconds);
    this.time = seconds;
    return Promise.resolve();
  }

  currentTime(): number {
    return this.time;
  }

  duration(): number | undefined {
    return FakePlayer.duration;
  }

  dispose(): void {
    this.disposed = true;
  }
}

export function mountTerminalPlayer(
  container: HTMLElement,
  source: PlayerSource,
  options: PlayerOptions,
  onState: (state: PlayerState) => void,
): Promise<TerminalPlayer> {
  const player = new FakePlayer(container, source, options, onState);
  FakePlayer.mounted.push(player);
  return Promise.resolve(player);
}
