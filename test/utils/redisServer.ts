/**
 * Real `redis-server` processes for integration tests, each on its own free loopback port, scoped: released
 * by killing the process by its pid. Tests can kill, freeze (SIGSTOP), thaw (SIGCONT) and restart it.
 */
import { Effect, Schedule } from "effect"
import type { Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Net from "node:net"

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly pid: () => number
  /** SIGKILL, then wait until the process is gone. */
  readonly kill: Effect.Effect<void>
  /** Start again on the same port and wait until it answers. */
  readonly restart: Effect.Effect<void>
  readonly freeze: Effect.Effect<void>
  readonly thaw: Effect.Effect<void>
  /** One command over a fresh connection (RESP inline), authenticated when a password is set. */
  readonly command: (command: string) => Effect.Effect<string>
}

/** A port nobody listens on right now (the OS picks it). */
export const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(address.port)))
  })
})

/** End of the RESP reply starting at `offset` (simple or bulk string), or undefined while incomplete. */
const replyEnd = (buffer: string, offset: number): number | undefined => {
  const header = buffer.indexOf("\r\n", offset)
  if (header === -1) return undefined
  if (buffer[offset] !== "$") return header + 2
  const length = Number(buffer.slice(offset + 1, header))
  const end = length < 0 ? header + 2 : header + 2 + length + 2
  return buffer.length >= end ? end : undefined
}

/** Sends inline commands, one a line, and returns the raw reply to the last one. */
export const rawCommand = (port: number, ...commands: ReadonlyArray<string>): Effect.Effect<string, Error> =>
  Effect.async<string, Error>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    let buffer = ""
    socket.setEncoding("utf8")
    socket.on("connect", () => socket.write(commands.map((command) => command + "\r\n").join("")))
    socket.on("data", (chunk: string) => {
      buffer += chunk
      let offset = 0
      for (let i = 0; i < commands.length; i++) {
        const end = replyEnd(buffer, offset)
        if (end === undefined) return
        if (i === commands.length - 1) {
          socket.destroy()
          return resume(Effect.succeed(buffer.slice(offset, end)))
        }
        offset = end
      }
    })
    socket.on("error", (error) => resume(Effect.fail(error)))
    return Effect.sync(() => socket.destroy())
  })

export interface Options {
  readonly password?: string
  /** Extra `redis-server` arguments, e.g. `["--enable-debug-command", "local"]`; kept across `restart`. */
  readonly args?: ReadonlyArray<string>
}

const spawn = (port: number, { args = [], password }: Options) =>
  Effect.sync(() =>
    ChildProcess.spawn("redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      ...(password === undefined ? [] : ["--requirepass", password]),
      ...args
    ], { stdio: "ignore" })
  )

const exited = (child: ChildProcess.ChildProcess): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

const answers = (port: number) =>
  rawCommand(port, "PING").pipe(
    Effect.timeoutFail({ duration: "1 second", onTimeout: () => new Error("no answer") }),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("10 seconds"))),
    Effect.orDie
  )

/** Starts a `redis-server` on a free loopback port; the scope's release kills it by pid. */
export const make = (options: Options = {}): Effect.Effect<RedisServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const port = yield* freePort
    let child = yield* spawn(port, options)
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        if (child.exitCode !== null || child.signalCode !== null) return Effect.void
        child.kill("SIGCONT")
        child.kill("SIGKILL")
        return exited(child)
      })
    )
    yield* answers(port)
    const auth = options.password === undefined ? [] : [`AUTH ${options.password}`]
    const server: RedisServer = {
      port,
      url: `redis://127.0.0.1:${port}`,
      pid: () => child.pid!,
      kill: Effect.suspend(() => {
        child.kill("SIGCONT")
        child.kill("SIGKILL")
        return exited(child)
      }),
      restart: Effect.gen(function*() {
        child = yield* spawn(port, options)
        yield* answers(port)
      }),
      freeze: Effect.sync(() => child.kill("SIGSTOP")),
      thaw: Effect.sync(() => child.kill("SIGCONT")),
      command: (command) => Effect.orDie(rawCommand(port, ...auth, command))
    }
    return server
  })

/** `INFO commandstats` calls of one command, e.g. `ping`; 0 when it never ran. */
export const commandCalls = (server: RedisServer, command: string): Effect.Effect<number> =>
  Effect.map(server.command("INFO commandstats"), (info) => {
    const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)
    return match === null ? 0 : Number(match[1])
  })

/** `INFO clients` connected_clients (the connection asking counts itself). */
export const connectedClients = (server: RedisServer): Effect.Effect<number> =>
  Effect.map(server.command("INFO clients"), (info) => Number(/connected_clients:(\d+)/.exec(info)![1]))

/** Calls of every command but `INFO` (which the tests use to ask) and `AUTH`, from `INFO commandstats`. */
export const commandsExceptInfo = (server: RedisServer): Effect.Effect<number> =>
  Effect.map(server.command("INFO commandstats"), (info) =>
    [...info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
      .filter(([, name]) => name !== "info" && name !== "auth")
      .reduce((sum, [, , calls]) => sum + Number(calls), 0))
