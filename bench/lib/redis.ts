/**
 * The bench's own redis-server on a free loopback port (never a Redis it did not start), and a minimal RESP
 * client to read its counters without sending a PING of its own.
 */
import type * as ChildProcess from "node:child_process"
import * as Net from "node:net"
import { captureOutput, cores, kill, spawn } from "./children.js"
import { sleep } from "./time.js"

/** One connection to Redis, one command at a time; replies are simple strings, errors, integers or bulk strings. */
export class RespConnection {
  private buffer = Buffer.alloc(0)
  private pending: ((reply: string | Error) => void) | undefined

  private constructor(private readonly socket: Net.Socket) {
    socket.on("data", (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      this.deliver()
    })
    socket.on("error", (error) => this.settle(error))
    socket.on("close", () => this.settle(new Error("connection closed")))
  }

  static open(port: number): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = Net.connect({ host: "127.0.0.1", port })
      socket.once("connect", () => {
        socket.off("error", reject)
        resolve(new RespConnection(socket))
      })
      socket.once("error", reject)
    })
  }

  send(args: ReadonlyArray<string>): Promise<string> {
    if (this.pending !== undefined) throw new Error("one command at a time")
    const command = `*${args.length}\r\n` + args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")
    return new Promise((resolve, reject) => {
      this.pending = (reply) => (reply instanceof Error ? reject(reply) : resolve(reply))
      this.socket.write(command)
    })
  }

  close(): void {
    this.socket.destroy()
  }

  private settle(reply: string | Error) {
    const pending = this.pending
    this.pending = undefined
    pending?.(reply)
  }

  private deliver() {
    const lineEnd = this.buffer.indexOf("\r\n")
    if (lineEnd < 0) return
    const type = String.fromCharCode(this.buffer[0])
    const line = this.buffer.subarray(1, lineEnd).toString()
    if (type === "$") {
      const length = Number(line)
      if (length < 0) return this.consume(lineEnd + 2, "")
      if (this.buffer.length < lineEnd + 2 + length + 2) return
      return this.consume(lineEnd + 2 + length + 2, this.buffer.subarray(lineEnd + 2, lineEnd + 2 + length).toString())
    }
    this.consume(lineEnd + 2, type === "-" ? new Error(line) : line)
  }

  private consume(bytes: number, reply: string | Error) {
    this.buffer = this.buffer.subarray(bytes)
    this.settle(reply)
  }
}

/** One command on a connection of its own. */
export const command = async (port: number, args: ReadonlyArray<string>): Promise<string> => {
  const connection = await RespConnection.open(port)
  try {
    return await connection.send(args)
  } finally {
    connection.close()
  }
}

export class RedisServer {
  private child: ChildProcess.ChildProcess | undefined
  private output: () => string = () => ""

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts redis-server (no persistence) on the port and waits until it answers (up to 5 s). */
  async start(): Promise<void> {
    const child = spawn(
      cores.load,
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    this.child = child
    this.output = captureOutput(child)
    const failed = new Promise<never>((_, reject) => {
      child.once("error", reject)
      child.once("exit", (code) => reject(new Error(`redis-server exited (${code}):\n${this.output()}`)))
    })
    failed.catch(() => {}) // only raced below
    const deadline = performance.now() + 5000
    while (performance.now() < deadline) {
      const answered = await Promise.race([command(this.port, ["CLIENT", "ID"]).then(() => true, () => false), failed])
      if (answered) return
      await sleep(5)
    }
    throw new Error(`redis-server did not answer on port ${this.port} within 5 s:\n${this.output()}`)
  }

  /** SIGKILL: Redis is gone at once, connections are refused. */
  async kill(): Promise<void> {
    if (this.child !== undefined) await kill(this.child)
  }

  /** SIGSTOP: connections stay open and nothing is answered. */
  freeze(): void {
    this.child?.kill("SIGSTOP")
  }

  /** SIGCONT: Redis answers again, commands sent during the freeze included. */
  thaw(): void {
    this.child?.kill("SIGCONT")
  }

  /** PINGs Redis has executed since it started (`cmdstat_ping` calls of INFO commandstats). */
  async pings(): Promise<number> {
    const info = await command(this.port, ["INFO", "commandstats"])
    const match = /cmdstat_ping:calls=(\d+)/.exec(info)
    return match === null ? 0 : Number(match[1])
  }

  /**
   * Milliseconds from `since` to the first moment another client than the bench's own is connected (the
   * server under test reconnecting), polled every 2 ms; undefined after `timeoutMs`.
   */
  async firstClient(since: number, timeoutMs: number): Promise<number | undefined> {
    const connection = await RespConnection.open(this.port)
    try {
      while (performance.now() - since < timeoutMs) {
        const clients = (await connection.send(["CLIENT", "LIST"])).trim().split("\n").length
        if (clients > 1) return performance.now() - since
        await sleep(2)
      }
      return undefined
    } finally {
      connection.close()
    }
  }
}
