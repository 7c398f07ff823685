/**
 * The real expacti server as a child process: `python -m expacti_server serve` on a fresh
 * SQLite database and a free loopback port, and its `token create` command. No vitest
 * here: the global setup imports it outside the test workers.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where a server listens and the tokens of one organisation on it. */
export interface ServerInfo {
  /** The HTTP base, e.g. `http://127.0.0.1:PORT`. */
  httpUrl: string;
  /** The agent WebSocket, `ws://127.0.0.1:PORT/shell/ws`. */
  wsUrl: string;
  /** An agent token of `org` (submits). */
  agentToken: string;
  /** The first reviewer (an admin) of `org` (decides). */
  reviewerToken: string;
  org: string;
  /** The server's data directory and port: `ServerProcess.attach(info)` makes more orgs. */
  dataDir: string;
  port: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "../../../..");

/** The Python that has the server installed: `$EXPACTI_PYTHON`, else the repo's venv. */
export function pythonPath(): string {
  return process.env["EXPACTI_PYTHON"] ?? join(REPO, ".venv", "bin", "python");
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address === null || typeof address === "string") reject(new Error("no port"));
        else resolvePort(address.port);
      });
    });
  });
}

/** `python -m expacti_server serve` on a fresh SQLite database and a free loopback port. */
export class ServerProcess {
  #child: ChildProcess | null = null;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly settings: Record<string, string>,
  ) {}

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/shell/ws`;
  }

  get logPath(): string {
    return join(this.dataDir, "server.log");
  }

  /** Start a new server (extra `EXPACTI_*` settings allowed) and wait until it is ready. */
  static async start(settings: Record<string, string> = {}): Promise<ServerProcess> {
    const dataDir = mkdtempSync(join(tmpdir(), "expacti-ts-"));
    const server = new ServerProcess(dataDir, await freePort(), settings);
    await server.restart();
    return server;
  }

  /** The server `info` describes (started elsewhere), for its CLI: `newOrg()`, `revoke()`. */
  static attach(info: ServerInfo): ServerProcess {
    return new ServerProcess(info.dataDir, info.port, {});
  }

  /** The environment every `python -m expacti_server` call on this server gets. */
  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      EXPACTI_DATABASE_URL: `sqlite+aiosqlite:///${join(this.dataDir, "db.sqlite")}`,
      EXPACTI_DATA_DIR: this.dataDir,
      EXPACTI_PORT: String(this.port),
      EXPACTI_HOST: "127.0.0.1",
      EXPACTI_CONFIG: join(this.dataDir, "absent.toml"),
      EXPACTI_LOG_LEVEL: "warning",
      ...this.settings,
    };
  }

  /** Start the process (again, after `kill()`) on the same database and port. */
  async restart(): Promise<void> {
    if (this.#child !== null) throw new Error("the server is running");
    const log = createWriteStream(this.logPath, { flags: "a" });
    const child = spawn(pythonPath(), ["-m", "expacti_server", "serve"], {
      env: this.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.#child = child;
    // Never outlive the test run, even when it ends without its teardown.
    const orphan = (): void => {
      child.kill("SIGKILL");
    };
    process.once("exit", orphan);
    child.once("exit", () => process.removeListener("exit", orphan));
    const spawned = new Promise<void>((ok, fail) => {
      child.once("spawn", ok);
      child.once("error", (error) =>
        fail(new Error(`cannot start ${pythonPath()} (set EXPACTI_PYTHON): ${error.message}`)),
      );
    });
    await spawned;
    await this.#waitReady(child);
  }

  async #waitReady(child: ChildProcess): Promise<void> {
    const give_up = Date.now() + 60_000;
    while (Date.now() < give_up) {
      if (child.exitCode !== null) {
        this.#child = null;
        throw new Error(`the server exited early:\n${this.log()}`);
      }
      try {
        const response = await fetch(`${this.httpUrl}/readyz`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw new Error(`the server was not ready in 60 s:\n${this.log()}`);
  }

  /** What the server printed. */
  log(): string {
    try {
      return readFileSync(this.logPath, "utf8");
    } catch {
      return "";
    }
  }

  /** Send `signal` and wait for the process to end. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    this.#child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
    child.kill(signal);
    await exited;
  }

  /** Stop gracefully (SIGTERM) and delete the data directory. */
  async stop(): Promise<void> {
    await this.kill("SIGTERM");
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** `python -m expacti_server token create`: a new token (printed once on stdout). */
  async createToken(role: "agent" | "reviewer", name: string, org: string): Promise<string> {
    return (await this.createCredential(role, name, org)).token;
  }

  /** A new token and its credential id (`cred_…`, for `revoke()`). */
  async createCredential(
    role: "agent" | "reviewer",
    name: string,
    org: string,
  ): Promise<{ token: string; credentialId: string }> {
    const { out, err } = await this.cli(["token", "create", "--role", role, "--name", name, "--org", org]);
    const token = out.trim();
    const credentialId = /\bcred_[0-9a-f]+/.exec(err)?.[0];
    if (token === "" || /\s/.test(token) || credentialId === undefined) {
      throw new Error(`token create printed no token: ${err}${out}`);
    }
    return { token, credentialId };
  }

  /** `python -m expacti_server token revoke`. */
  async revoke(credentialId: string): Promise<void> {
    await this.cli(["token", "revoke", credentialId]);
  }

  /** Run `python -m expacti_server ARGS` with this server's settings. */
  async cli(args: string[]): Promise<{ out: string; err: string }> {
    const child = spawn(pythonPath(), ["-m", "expacti_server", ...args], {
      env: this.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((ok, fail) => {
      child.once("error", fail);
      child.once("close", ok);
    });
    if (code !== 0) throw new Error(`expacti_server ${args.join(" ")} failed (${code}): ${err}${out}`);
    return { out, err };
  }

  /** A new organisation on this server, with an agent and its first reviewer (admin). */
  async newOrg(): Promise<ServerInfo> {
    const org = `org-${randomBytes(4).toString("hex")}`;
    // One after the other: the first call creates the organisation.
    const agentToken = await this.createToken("agent", "agent-1", org);
    const reviewerToken = await this.createToken("reviewer", "alice", org);
    return {
      httpUrl: this.httpUrl,
      wsUrl: this.wsUrl,
      agentToken,
      reviewerToken,
      org,
      dataDir: this.dataDir,
      port: this.port,
    };
  }
}

