/**
 * The live queue as a pure reducer. The WebSocket feeds it frames; the UI feeds
 * it the reviewer's own actions. Order is the server's (oldest first) and new
 * cards append at the end, so nothing already on screen moves down.
 */
import type { CommandView } from "../api";

export interface QueueState {
  /** Pending commands, oldest first, including departed-but-held ones. */
  commands: CommandView[];
  /** A snapshot has arrived at least once (false ⇒ show the skeleton). */
  loaded: boolean;
  /** server clock − browser clock, in ms, measured at the last snapshot. */
  skewMs: number;
  /**
   * Cards this reviewer is acting on (request in flight, or a notice being
   * shown). The server removing one of them is deferred until it is released,
   * so "Already approved by …" stays readable instead of vanishing mid-click.
   */
  held: readonly string[];
  /** Held cards the server has already taken out of the queue. */
  departed: readonly string[];
}

export type QueueAction =
  | { type: "snapshot"; commands: CommandView[]; serverTime: string; receivedAt: number }
  | { type: "pending"; command: CommandView }
  | { type: "decided"; command: CommandView }
  /** Our own vote's answer for a command still pending: replace the card, never add one. */
  | { type: "updated"; command: CommandView }
  | { type: "hold"; id: string }
  | { type: "release"; id: string }
  /** This reviewer's decision succeeded (HTTP 200): the card leaves now. */
  | { type: "removed"; id: string };

export const initialQueueState: QueueState = { commands: [], loaded: false, skewMs: 0, held: [], departed: [] };

function without(list: readonly string[], id: string): readonly string[] {
  return list.includes(id) ? list.filter((x) => x !== id) : list;
}

export function queueReducer(state: QueueState, action: QueueAction): QueueState {
  switch (action.type) {
    case "snapshot": {
      const serverMs = Date.parse(action.serverTime);
      const skewMs = Number.isFinite(serverMs) ? serverMs - action.receivedAt : state.skewMs;
      const fresh = dedupe(action.commands);
      const ids = new Set(fresh.map((c) => c.id));
      // A held card missing from the snapshot was decided while we were away:
      // keep showing it (its notice is still on screen) but mark it departed.
      const keep = state.commands.filter((c) => state.held.includes(c.id) && !ids.has(c.id));
      const departed = [
        ...state.departed.filter((id) => !ids.has(id)),
        ...keep.map((c) => c.id).filter((id) => !state.departed.includes(id)),
      ];
      return { ...state, commands: mergeKeepingPlace(keep, fresh, state.commands), loaded: true, skewMs, departed };
    }
    case "pending": {
      const at = state.commands.findIndex((c) => c.id === action.command.id);
      if (at === -1) return { ...state, commands: [...state.commands, action.command] };
      const commands = state.commands.slice();
      commands[at] = action.command;
      return { ...state, commands };
    }
    case "updated": {
      const at = state.commands.findIndex((c) => c.id === action.command.id);
      if (at === -1) return state;
      const commands = state.commands.slice();
      commands[at] = action.command;
      return { ...state, commands };
    }
    case "decided": {
      const id = action.command.id;
      if (!state.commands.some((c) => c.id === id)) return state;
      if (state.held.includes(id)) {
        const departed = state.departed.includes(id) ? state.departed : [...state.departed, id];
        return { ...state, departed };
      }
      return { ...state, commands: state.commands.filter((c) => c.id !== id) };
    }
    case "hold":
      return state.held.includes(action.id) ? state : { ...state, held: [...state.held, action.id] };
    case "release": {
      const held = without(state.held, action.id);
      if (!state.departed.includes(action.id)) return { ...state, held };
      return {
        ...state,
        held,
        departed: without(state.departed, action.id),
        commands: state.commands.filter((c) => c.id !== action.id),
      };
    }
    case "removed":
      return {
        ...state,
        held: without(state.held, action.id),
        departed: without(state.departed, action.id),
        commands: state.commands.filter((c) => c.id !== action.id),
      };
  }
}

function dedupe(commands: CommandView[]): CommandView[] {
  const seen = new Set<string>();
  return commands.filter((c) => (seen.has(c.id) ? false : (seen.add(c.id), true)));
}

/**
 * Snapshot order is the server's, but held cards that vanished from it keep
 * their old position so the card under the reviewer's pointer does not jump.
 */
function mergeKeepingPlace(keep: CommandView[], fresh: CommandView[], previous: CommandView[]): CommandView[] {
  if (keep.length === 0) return fresh;
  const result = fresh.slice();
  for (const card of keep) {
    const oldIndex = previous.findIndex((c) => c.id === card.id);
    result.splice(Math.min(oldIndex, result.length), 0, card);
  }
  return result;
}

/** Pending (not departed) commands: what the tab title counts. */
export function waitingCount(state: QueueState): number {
  return state.commands.length - state.departed.length;
}
