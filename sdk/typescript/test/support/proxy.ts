/**
 * A TCP proxy between a client and the real server, so that a test can cut the client's
 * connection (as a network would) without touching the server or anyone else's sockets.
 */

import { createServer, connect, type Server, type Socket } from "node:net";

export class Proxy {
  readonly #pairs = new Set<[Socket, Socket]>();
  #refusing = false;
  #holding = false;
  readonly #held: Array<[Socket, Buffer]> = [];
  #waiters: Array<() => void> = [];
  /** Connections accepted so far (refused ones not counted). */
  connections = 0;
  /** Every text frame the clients sent, parsed, in order. */
  readonly sent: Array<Record<string, unknown>> = [];

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

  /**
   * While true, what the server sends is held back (the connections stay up, as over a
   * network that stalls); false delivers it.
   */
  hold(holding: boolean): void {
    this.#holding = holding;
    if (!holding) {
      for (const [client, data] of this.#held.splice(0)) client.write(data);
    }
  }

  /** Resolve once a client sent a frame `matches` accepts; the frame. */
  async sentFrame(matches: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.sent.find(matches);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
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
    const read = clientFrames((text) => {
      try {
        this.sent.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        return; // not JSON: not a protocol frame
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    client.on("data", (data: Buffer) => {
      upstream.write(data);
      read(data);
    });
    upstream.on("data", (data: Buffer) => {
      if (this.#holding) this.#held.push([client, data]);
      else client.write(data);
    });
  }
}

/**
 * A reader of what a client sends: its HTTP upgrade request, then masked WebSocket frames;
 * hands over each text frame's text. Enough for the SDK's frames (unfragmented).
 */
function clientFrames(onText: (text: string) => void): (data: Buffer) => void {
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  return (data) => {
    buffer = Buffer.concat([buffer, data]);
    if (!upgraded) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      buffer = buffer.subarray(end + 4);
      upgraded = true;
    }
    for (;;) {
      if (buffer.length < 2) return;
      const opcode = buffer[0]! & 0x0f;
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (buffer[1]! & 0x80) !== 0;
      const payloadAt = offset + (masked ? 4 : 0);
      if (buffer.length < payloadAt + length) return;
      const payload = Buffer.from(buffer.subarray(payloadAt, payloadAt + length));
      if (masked) {
        for (let i = 0; i < payload.length; i++) payload[i]! ^= buffer[offset + (i % 4)]!;
      }
      buffer = buffer.subarray(payloadAt + length);
      if (opcode === 0x1) onText(payload.toString("utf8"));
    }
  };
}
