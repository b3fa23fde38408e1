/**
 * Real `redis-server` processes for integration tests, each on a loopback port of its own, killed by its pid at
 * `close`. Tests can kill, freeze (SIGSTOP), thaw (SIGCONT) and restart it. Effect-free (promises), for every
 * suite: each line's tests scope it in their own Effect (`acquireRelease` over `start` and `close`).
 *
 * A port is claimed without a race: `redis-server` itself binds a random port of a high range, and when that
 * port is taken it says so (`Address already in use`) and exits, and another one is tried. (Finding a free
 * port first and handing it over would leave a window in which another test could take it.)
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Clients from "./redisClients.js"

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly pid: () => number
  /** SIGKILL, then wait until the process is gone. */
  readonly kill: () => Promise<void>
  /** Start again on the same port and wait until it accepts connections. */
  readonly restart: () => Promise<void>
  readonly freeze: () => void
  readonly thaw: () => void
  /** One command over a fresh connection (RESP inline), authenticated when a password is set. */
  readonly command: (command: string) => Promise<string>
  /** Kills the process (thawed first) and waits until it is gone. */
  readonly close: () => Promise<void>
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
export const rawCommand = (port: number, ...commands: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
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
          return resolve(buffer.slice(offset, end))
        }
        offset = end
      }
    })
    socket.on("error", reject)
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

/** A port of the range, at random. */
export const randomPort = (): number => ports.from + Math.floor(Math.random() * (ports.to - ports.from))

/** Kills `child` by its pid (thawed first, in case it is frozen) and waits until it is gone. */
export const killed = (child: ChildProcess.ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGCONT")
    child.kill("SIGKILL")
  })

/**
 * Spawns `redis-server` with `args` and waits for its own word: `ready` once `readyLine` shows in its output, or
 * `in-use` when it exits saying `Address already in use`. Anything else it says before exiting, or 10 s of
 * silence, rejects with its output. The child is handed to `track` at once, so that it is killed whatever comes.
 */
export const spawnRedis = (
  args: ReadonlyArray<string>,
  readyLine: string,
  track: (child: ChildProcess.ChildProcess) => void
): Promise<"ready" | "in-use"> =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] })
    track(child)
    let output = ""
    let done = false
    const finish = (result: "ready" | "in-use" | Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    // Read it all along (a pipe nobody reads would block the server once full); keep only the start.
    const read = (chunk: Buffer) => {
      if (output.length < 16_384) output += chunk.toString("utf8")
      if (output.includes(readyLine)) finish("ready")
    }
    child.stdout.on("data", read)
    child.stderr.on("data", read)
    // "close", not "exit": at "exit" the end of its output can still be in the pipe (and with it the
    // `Address already in use` of a taken cluster bus port, seen on Node 24).
    child.once("close", (code, signal) =>
      finish(
        output.includes("Address already in use")
          ? "in-use"
          : new Error(`redis-server ${args.join(" ")} exited (${code ?? signal}) before it was ready:\n${output}`)
      ))
    child.once("error", finish)
    const timer = setTimeout(
      () => finish(new Error(`redis-server ${args.join(" ")} not ready after 10 s:\n${output}`)),
      10_000
    )
  })

/** Starts a `redis-server` on a loopback port of its own. */
export const start = async (options: Options = {}): Promise<RedisServer> => {
  let child: ChildProcess.ChildProcess | undefined
  const track = (started: ChildProcess.ChildProcess) => child = started
  const { args = [], password } = options
  const launch = (port: number) =>
    spawnRedis(
      [
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
      ],
      "Ready to accept connections",
      track
    )
  const close = () => child === undefined ? Promise.resolve() : killed(child)
  let port = 0
  try {
    for (let attempt = 1; port === 0; attempt++) {
      const candidate = randomPort()
      if (await launch(candidate) === "ready") port = candidate
      else if (attempt === attempts) throw new Error(`no free port after ${attempts} attempts`)
    }
  } catch (error) {
    await close()
    throw error
  }
  const auth = password === undefined ? [] : [`AUTH ${password}`]
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => child!.pid!,
    kill: close,
    restart: async () => {
      if (await launch(port) !== "ready") {
        throw new Error(`redis-server cannot restart: port ${port} was taken while it was down`)
      }
    },
    freeze: () => child!.kill("SIGSTOP"),
    thaw: () => child!.kill("SIGCONT"),
    command: (command) => rawCommand(port, ...auth, command),
    close
  }
}

/** `INFO commandstats` calls of one command, e.g. `ping`; 0 when it never ran. */
export const commandCalls = async (server: RedisServer, command: string): Promise<number> => {
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await server.command("INFO commandstats"))
  return match === null ? 0 : Number(match[1])
}

/** `INFO clients` connected_clients (the connection asking counts itself). */
export const connectedClients = async (server: RedisServer): Promise<number> =>
  Number(/connected_clients:(\d+)/.exec(await server.command("INFO clients"))![1])

/** Calls of every command but `INFO` (which the tests use to ask) and `AUTH`, from `INFO commandstats`. */
export const commandsExceptInfo = async (server: RedisServer): Promise<number> =>
  [...(await server.command("INFO commandstats")).matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
    .filter(([, name]) => name !== "info" && name !== "auth")
    .reduce((sum, [, , calls]) => sum + Number(calls), 0)

/**
 * Every command `server` runs from now on, until `close` (`MONITOR`): to count the commands of one connection,
 * which `INFO commandstats` cannot tell from the others' (a sentinel PINGs its servers every second).
 */
export const monitor = (server: RedisServer): Promise<Clients.Monitor> => Clients.monitor(server.port)

export interface TempDir {
  readonly path: string
  readonly close: () => Promise<void>
}

/** A directory of its own for one test's processes, removed by `close` (after they are gone). */
export const tempDir = (): TempDir => {
  const path = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sg-health-redis-"))
  return { path, close: async () => Fs.rmSync(path, { recursive: true, force: true }) }
}

/** A new directory `name` below `root`. */
export const subdir = (root: string, name: string): string => {
  const dir = Path.join(root, name)
  Fs.mkdirSync(dir)
  return dir
}
