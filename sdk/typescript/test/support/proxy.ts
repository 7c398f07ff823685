/**
 * A TCP proxy between a client and the real server, so that a test can cut the client's
 * connection (as a network would) without touching the server or anyone else's sockets.
 */

import { createServer, connect, type Server, type Socket } from "node:net";

export class Proxy {
  readonly #pairs = new Set<[Socket, Socket]>();
  #refusing = false;
  /** Connections accepted so far (refused ones not counted). */
  connections = 0;

  private constructor(
    readonly server: Server,
    readonly port: number,
    readonly targetPort: number,
  ) {}

  /** A proxy on a free loopback port to `127.0.0.1:targetPort`. */
  static start(targetPort: number): Promise<Proxy> {
    return new Promise((resolve, reject) => {
      let proxy: Proxy;
      const server = createServer((client) => proxy.#accept(client));
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        if (address === null || typeof address === "string") throw new Error("no port");
        proxy = new Proxy(server, address.port, targetPort);
        resolve(proxy);
      });
    });
  }

  /** The agent WebSocket through the proxy. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/shell/ws`;
  }

  /** How many connections are open through the proxy now. */
  get open(): number {
    return this.#pairs.size;
  }

  /**
   * Send `text` to every client as if the server had sent it: one unmasked WebSocket text
   * frame, written between the server's own frames (call it while the server is quiet).
   */
  inject(text: string): void {
    const payload = Buffer.from(text, "utf8");
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x81, length])
        : Buffer.from([0x81, 126, length >> 8, length & 0xff]); // frames under 64 KiB
    if (length >= 65536) throw new RangeError("inject() writes frames under 64 KiB");
    for (const [client] of this.#pairs) client.write(Buffer.concat([header, payload]));
  }

  /** Cut every open connection at once (a reset, no closing handshake). */
  drop(): void {
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** While true, new connections are cut as soon as they arrive (the server is "down"). */
  refuse(refusing: boolean): void {
    this.#refusing = refusing;
  }

  close(): Promise<void> {
    this.drop();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#refusing) {
      client.destroy();
      return;
    }
    this.connections += 1;
    const upstream = connect(this.targetPort, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
