/** `test/utils/redisServer.ts` for Effect 3 suites: a server scoped to the test, its operations as Effects. */
import { Effect } from "effect"
import type { Scope } from "effect"
import type * as Clients from "../redisClients.js"
import * as Plain from "../redisServer.js"
import { attempt, scoped } from "./scoped.js"

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
  /** The server as the Effect-free utilities take it. */
  readonly plain: Plain.RedisServer
}

export type Options = Plain.Options

/** `plain`'s operations as Effects. */
export const effectful = (plain: Plain.RedisServer): RedisServer => ({
  port: plain.port,
  url: plain.url,
  pid: plain.pid,
  kill: Effect.promise(plain.kill),
  restart: Effect.promise(plain.restart),
  freeze: Effect.sync(plain.freeze),
  thaw: Effect.sync(plain.thaw),
  command: (command) => Effect.promise(() => plain.command(command)),
  plain
})

/** Starts a `redis-server` on a loopback port of its own; the scope's release kills it by pid. */
export const make = (options: Options = {}): Effect.Effect<RedisServer, never, Scope.Scope> =>
  Effect.map(scoped(() => Plain.start(options)), effectful)

/** Sends inline commands, one a line, and returns the raw reply to the last one. */
export const rawCommand = (port: number, ...commands: ReadonlyArray<string>): Effect.Effect<string, Error> =>
  attempt(() => Plain.rawCommand(port, ...commands))

/** Every command `server` runs from now on, for as long as the scope lasts (`MONITOR`). */
export const monitor = (server: RedisServer): Effect.Effect<Clients.Monitor, never, Scope.Scope> =>
  scoped(() => Plain.monitor(server.plain))

/** `INFO commandstats` calls of one command, e.g. `ping`; 0 when it never ran. */
export const commandCalls = (server: RedisServer, command: string): Effect.Effect<number> =>
  Effect.promise(() => Plain.commandCalls(server.plain, command))

/** `INFO clients` connected_clients (the connection asking counts itself). */
export const connectedClients = (server: RedisServer): Effect.Effect<number> =>
  Effect.promise(() => Plain.connectedClients(server.plain))

/** Calls of every command but `INFO` and `AUTH`, from `INFO commandstats`. */
export const commandsExceptInfo = (server: RedisServer): Effect.Effect<number> =>
  Effect.promise(() => Plain.commandsExceptInfo(server.plain))
