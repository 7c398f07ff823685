/**
 * Strict reading of the server's JSON: anything that is not exactly what the protocol
 * promises is an ExpactiProtocolError.
 */

import { ExpactiProtocolError } from "./errors.js";

/** Deeper than any frame of the protocol; refused before JSON.parse has to follow it. */
const MAX_DEPTH = 64;

/**
 * Parse JSON, refusing duplicate keys and nesting deeper than 64 levels.
 *
 * `{"approved": false, "approved": true}` means different things to different parsers
 * (JSON.parse keeps the last), so it is refused. Throws SyntaxError.
 */
export function parseStrictJson(text: string): unknown {
  checkStructure(text);
  return JSON.parse(text);
}

function checkStructure(text: string): void {
  // Walks the text once, knowing only where strings and containers start and end;
  // JSON.parse afterwards checks everything else.
  const stack: Array<Set<string> | null> = []; // a key set per object, null per array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{" || c === "[") {
      if (stack.length >= MAX_DEPTH) throw new SyntaxError("JSON nested too deeply");
      stack.push(c === "{" ? new Set() : null);
      expectKey = c === "{";
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") {
      expectKey = stack.at(-1) instanceof Set;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      const keys = stack.at(-1);
      if (expectKey && keys instanceof Set) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) throw new SyntaxError(`duplicate key ${JSON.stringify(key)}`);
        keys.add(key);
        expectKey = false;
      }
      i = end;
    }
  }
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === '"') return i;
  }
  throw new SyntaxError("unterminated string");
}

/** A JSON object, as parsed. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Typed access to one JSON object's fields; every failure is an ExpactiProtocolError.
 *
 * `what` names the object in messages ("decision frame"). A field read with a default
 * may be absent; present, it must have the right type (a null where a value is promised is
 * invalid).
 */
export class Fields {
  constructor(
    readonly obj: JsonObject,
    readonly what: string,
    readonly requestId: string | null = null,
  ) {}

  invalid(problem: string): ExpactiProtocolError {
    return new ExpactiProtocolError(`the server sent an invalid ${this.what}: ${problem}`, {
      requestId: this.requestId,
    });
  }

  has(key: string): boolean {
    return Object.hasOwn(this.obj, key);
  }

  private get(key: string, required: boolean): unknown {
    if (required && !this.has(key)) throw this.invalid(`${key}: required field missing`);
    return this.has(key) ? this.obj[key] : undefined;
  }

  text(key: string): string {
    const value = this.get(key, true);
    if (typeof value !== "string") throw this.invalid(`${key}: expected a string`);
    return value;
  }

  optText(key: string, required = false): string | null {
    const value = this.get(key, required);
    if (value === undefined || value === null) return null;
    if (typeof value !== "string") throw this.invalid(`${key}: expected a string or null`);
    return value;
  }

  flag(key: string, fallback?: boolean): boolean {
    if (fallback !== undefined && !this.has(key)) return fallback;
    const value = this.get(key, true);
    if (typeof value !== "boolean") throw this.invalid(`${key}: expected a boolean`);
    return value;
  }

  integer(key: string, low: number, high: number): number {
    const value = this.get(key, true);
    if (typeof value !== "number" || !Number.isInteger(value) || value < low || value > high) {
      throw this.invalid(`${key}: expected an integer from ${low} to ${high}`);
    }
    return value;
  }

  number(key: string): number {
    const value = this.get(key, true);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw this.invalid(`${key}: expected a non-negative number`);
    }
    return value;
  }

  mapping(key: string): JsonObject {
    const value = this.get(key, false);
    if (value === undefined || value === null) return {};
    if (!isObject(value)) throw this.invalid(`${key}: expected an object`);
    return value;
  }

  textList(key: string, fallback?: readonly string[]): readonly string[] {
    if (fallback !== undefined && !this.has(key)) return fallback;
    const value = this.get(key, true);
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      throw this.invalid(`${key}: expected an array of strings`);
    }
    return Object.freeze([...(value as string[])]);
  }

  timestamp(key: string): Date {
    const text = this.text(key);
    const moment = TIMESTAMP.test(text) ? new Date(text.replace(" ", "T")) : null;
    if (moment === null || Number.isNaN(moment.getTime())) {
      throw this.invalid(`${key}: expected an ISO 8601 timestamp with a time zone`);
    }
    return moment;
  }
}
