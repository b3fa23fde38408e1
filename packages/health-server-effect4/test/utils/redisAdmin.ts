/**
 * One connection to a test's `redis-server`, kept open for the whole test, to drive faults from: it stays
 * connected (and authenticated) when the test lowers `maxclients` or sets `requirepass`, which would shut a
 * fresh connection out. Commands are answered in order; each reply is returned raw (RESP text).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"

export interface Admin {
  /** Sends one inline command and waits for its reply; fails on an error reply (`-ERR ...`). */
  readonly send: (command: string) => Effect.Effect<string, Error>
}

/** End of the RESP reply starting at `offset`, or undefined while incomplete. */
const replyEnd = (buffer: string, offset: number): number | undefined => {
  const header = buffer.indexOf("\r\n", offset)
  if (header === -1) return undefined
  const type = buffer[offset]
  const size = Number(buffer.slice(offset + 1, header))
  if (type === "$") {
    const end = size < 0 ? header + 2 : header + 2 + size + 2
    return buffer.length >= end ? end : undefined
  }
  if (type === "*") {
    let end: number | undefined = header + 2
    for (let i = 0; i < size && end !== undefined; i++) end = replyEnd(buffer, end)
    return end
  }
  return header + 2
}

/** Connects to the Redis on `port` (and sends `AUTH password` first, when given); the scope closes it. */
export const connect = (port: number, password?: string): Effect.Effect<Admin, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const socket = yield* Effect.acquireRelease(
      Effect.callback<Net.Socket, Error>((resume) => {
        const socket = Net.connect({ host: "127.0.0.1", port })
        socket.once("connect", () => resume(Effect.succeed(socket)))
        socket.once("error", (error) => resume(Effect.fail(error)))
      }),
      (socket) => Effect.sync(() => socket.destroy())
    )
    const waiting: Array<(reply: string | Error) => void> = []
    let buffer = ""
    socket.setEncoding("latin1")
    socket.on("data", (chunk: string) => {
      buffer += chunk
      let end: number | undefined
      while (buffer.length > 0 && (end = replyEnd(buffer, 0)) !== undefined) {
        const reply = buffer.slice(0, end)
        buffer = buffer.slice(end)
        waiting.shift()?.(reply)
      }
    })
    const closed = () => waiting.splice(0).forEach((resume) => resume(new Error("admin connection closed")))
    socket.on("close", closed)
    socket.on("error", closed)
    const send = (command: string) =>
      Effect.callback<string, Error>((resume) => {
        waiting.push((reply) =>
          resume(
            typeof reply !== "string"
              ? Effect.fail(reply)
              : reply.startsWith("-")
              ? Effect.fail(new Error(`${command}: ${reply.trim()}`))
              : Effect.succeed(reply)
          )
        )
        socket.write(command + "\r\n")
      })
    if (password !== undefined) yield* send(`AUTH ${password}`)
    return { send }
  })

/** `INFO commandstats` calls of one command, e.g. `ping`; 0 when it never ran. */
export const calls = (admin: Admin, command: string): Effect.Effect<number, Error> =>
  Effect.map(admin.send("INFO commandstats"), (info) => {
    const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)
    return match === null ? 0 : Number(match[1])
  })

/** `INFO clients` connected_clients (this connection included). */
export const connectedClients = (admin: Admin): Effect.Effect<number, Error> =>
  Effect.map(admin.send("INFO clients"), (info) => Number(/connected_clients:(\d+)/.exec(info)![1]))
