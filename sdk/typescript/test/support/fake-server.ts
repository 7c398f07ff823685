/**
 * A stand-in for the server's agent socket, for what the real server cannot be made to do
 * on demand: send its `hello` in the very TCP segment that completes the handshake, with
 * limits the test chooses, or send a run's frames all in one TCP segment. It accepts every
 * submit and, unless told otherwise, never decides.
 */

import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";

import { WebSocketServer } from "ws";

/** Frames to send after a submit's `accepted`, in the same TCP segment as it. */
export type Reply = (submit: Record<string, unknown>, commandId: string) => Array<Record<string, unknown>>;

export class FakeServer {
  /** Every frame a client sent, parsed, in order. */
  readonly frames: Array<Record<string, unknown>> = [];
  #waiters: Array<() => void> = [];

  private constructor(
    readonly http: Server,
    readonly wss: WebSocketServer,
    readonly port: number,
    readonly reply: Reply | undefined,
  ) {}

  /**
   * A server on a free loopback port whose `hello` carries `limits`; `reply` chooses what
   * follows each `accepted` (nothing by default).
   */
  static start(limits: Record<string, number>, reply?: Reply): Promise<FakeServer> {
    const hello = JSON.stringify({
      type: "hello",
      protocol: "v1",
      server: "fake/0",
      agent: { id: "agt_fake", name: "fake" },
      org: { id: "org_fake", name: "fake" },
      limits,
    });
    const wss = new WebSocketServer({ noServer: true });
    const http = createServer();
    return new Promise((resolve, reject) => {
      let server: FakeServer;
      http.on("upgrade", (request, socket: Duplex, head: Buffer) => {
        // Held until both are written: the 101 response and `hello` leave in one segment,
        // so the client reads `hello` together with the end of the handshake.
        socket.cork();
        wss.handleUpgrade(request, socket, head, (ws) => {
          ws.send(hello);
          process.nextTick(() => socket.uncork());
          ws.on("message", (data) => server.#received(ws, socket, JSON.parse(String(data))));
        });
      });
      http.once("error", reject);
      http.listen(0, "127.0.0.1", () => {
        const address = http.address();
        if (address === null || typeof address === "string") throw new Error("no port");
        server = new FakeServer(http, wss, address.port, reply);
        resolve(server);
      });
    });
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/shell/ws`;
  }

  /** Resolve once a client sent a frame `matches` accepts; the frame. */
  async frame(matches: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.frames.find(matches);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }

  #received(ws: import("ws").WebSocket, socket: Duplex, frame: Record<string, unknown>): void {
    this.frames.push(frame);
    if (frame["type"] === "submit") {
      const commandId = `cmd_${String(frame["request_id"]).slice(0, 12)}`;
      // Held until all are written: the client reads them in one go, and its socket
      // hands them over one after another before the waiting run() is resumed.
      socket.cork();
      ws.send(
        JSON.stringify({
          type: "accepted",
          request_id: frame["request_id"],
          command_id: commandId,
          status: "pending",
          expires_at: new Date(Date.now() + 600_000).toISOString(),
          resumed: false,
        }),
      );
      for (const extra of this.reply?.(frame, commandId) ?? []) ws.send(JSON.stringify(extra));
      process.nextTick(() => socket.uncork());
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
