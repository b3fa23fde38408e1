/**
 * Real `redis-server` processes for integration tests, each on a loopback port of its own, scoped: released by
 * killing the process by its pid. Tests can kill, freeze (SIGSTOP), thaw (SIGCONT) and restart it.
 *
 * A port is claimed without a race: `redis-server` itself binds a random port of a high range, and when that
 * port is taken it says so (`Address already in use`) and exits, and another one is tried. (Finding a free
 * port first and handing it over would leave a window in which another test could take it.)
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Clients from "../../../../test/utils/redisClients.js"

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly pid: () => number
  /** SIGKILL, then wait until the process is gone. */
  readonly kill: Effect.Effect<void>
  /** Start again on the same port and wait until it accepts connections. */
  readonly restart: Effect.Effect<void>
  readonly freeze: Effect.Effect<void>
  readonly thaw: Effect.Effect<void>
  /** One command over a fresh connection (RESP inline), authenticated when a password is set. */
  readonly command: (command: string) => Effect.Effect<string>
}

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
  Effect.callback<string, Error>((resume) => {
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
  /** Extra `redis-server` arguments, e.g. `["--cluster-enabled", "yes"]`; kept across `restart`. */
  readonly args?: ReadonlyArray<string>
}

/**
 * Ports tried: below Linux's ephemeral range (32768-60999 by default), where the ports the system picks for
 * `port: 0` and for outgoing connections land, so a collision is rare, and retried when it happens. A cluster
 * node also binds port + 10000 (its bus), still below 55535.
 */
const ports = { from: 20_000, to: 32_000 }
const attempts = 20

const random = () => ports.from + Math.floor(Math.random() * (ports.to - ports.from))

const exited = (child: ChildProcess.ChildProcess): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

const stop = (child: ChildProcess.ChildProcess): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (child.exitCode !== null || child.signalCode !== null) return Effect.void
    child.kill("SIGCONT")
    child.kill("SIGKILL")
    return exited(child)
  })

/**
 * Starts `redis-server` on `port`, handing the process to `track` at once (so the caller's scope can kill it),
 * and waits for its own word: `Ready to accept connections`, or `Address already in use` and its exit (then
 * `in-use`). Anything else it says before exiting, or 10 s of silence, is a defect carrying its output.
 */
const start = (
  port: number,
  { args = [], password }: Options,
  track: (child: ChildProcess.ChildProcess) => void
): Effect.Effect<"ready" | "in-use"> =>
  Effect.callback<"ready" | "in-use">((resume) => {
    const child = ChildProcess.spawn("redis-server", [
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
    ], { stdio: ["ignore", "pipe", "pipe"] })
    track(child)
    let output = ""
    let done = false
    const finish = (result: Effect.Effect<"ready" | "in-use">) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resume(result)
    }
    // Read it all along (a pipe nobody reads would block the server once full); keep only the start.
    const read = (chunk: Buffer) => {
      if (output.length < 16_384) output += chunk.toString("utf8")
      if (output.includes("Ready to accept connections")) finish(Effect.succeed("ready"))
    }
    child.stdout.on("data", read)
    child.stderr.on("data", read)
    // "close", not "exit": at "exit" the end of its output can still be in the pipe (and with it the
    // `Address already in use` of a taken cluster bus port, seen on Node 24).
    child.once("close", (code, signal) =>
      finish(
        output.includes("Address already in use")
          ? Effect.succeed("in-use")
          : Effect.die(
            new Error(`redis-server on port ${port} exited (${code ?? signal}) before it was ready:\n${output}`)
          )
      ))
    child.once("error", (error) => finish(Effect.die(error)))
    const timer = setTimeout(
      () => finish(Effect.die(new Error(`redis-server on port ${port} not ready after 10 s:\n${output}`))),
      10_000
    )
    return Effect.sync(() => clearTimeout(timer))
  })

/** Starts a `redis-server` on a loopback port of its own; the scope's release kills it by pid. */
export const make = (options: Options = {}): Effect.Effect<RedisServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    let child: ChildProcess.ChildProcess | undefined
    const track = (started: ChildProcess.ChildProcess) => child = started
    yield* Effect.addFinalizer(() => child === undefined ? Effect.void : stop(child))
    let port = 0
    for (let attempt = 1; port === 0; attempt++) {
      const candidate = random()
      if ((yield* start(candidate, options, track)) === "ready") port = candidate
      else if (attempt === attempts) return yield* Effect.die(new Error(`no free port after ${attempts} attempts`))
    }
    const auth = options.password === undefined ? [] : [`AUTH ${options.password}`]
    const server: RedisServer = {
      port,
      url: `redis://127.0.0.1:${port}`,
      pid: () => child!.pid!,
      kill: Effect.suspend(() => stop(child!)),
      restart: Effect.flatMap(start(port, options, track), (result) =>
        result === "ready"
          ? Effect.void
          : Effect.die(new Error(`redis-server cannot restart: port ${port} was taken while it was down`))),
      freeze: Effect.sync(() => child!.kill("SIGSTOP")),
      thaw: Effect.sync(() => child!.kill("SIGCONT")),
      command: (command) => Effect.orDie(rawCommand(port, ...auth, command))
    }
    return server
  })

/**
 * Every command `server` runs from now on, for as long as the scope lasts (`MONITOR`): to count the commands of
 * one connection, which `INFO commandstats` cannot tell from the others' (a sentinel PINGs its servers every
 * second).
 */
export const monitor = (server: RedisServer): Effect.Effect<Clients.Monitor, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.promise(() => Clients.monitor(server.port)), (monitor) => Effect.sync(monitor.close))

/** `INFO commandstats` calls of one command, e.g. `ping`; 0 when it never ran. */
export const commandCalls = (server: RedisServer, command: string): Effect.Effect<number> =>
  Effect.map(server.command("INFO commandstats"), (info) => {
    const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)
    return match === null ? 0 : Number(match[1])
  })

/** `INFO clients` connected_clients (the connection asking counts itself). */
export const connectedClients = (server: RedisServer): Effect.Effect<number> =>
  Effect.map(server.command("INFO clients"), (info) => Number(/connected_clients:(\d+)/.exec(info)![1]))

/** One command to the server on `port` over a fresh connection, its raw reply (simple or bulk string). */
export const ask = (port: number, command: string): Effect.Effect<string> => Effect.orDie(rawCommand(port, command))

/** A directory of its own for one test's processes, removed at release (after they are gone). */
export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sg-health4-redis-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** A new directory `name` below `root`. */
export const subdir = (root: string, name: string): string => {
  const dir = Path.join(root, name)
  Fs.mkdirSync(dir)
  return dir
}
