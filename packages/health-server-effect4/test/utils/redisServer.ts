/** The repository's `test/utils/redisServer.ts` for this package's tests: a server scoped to the test. */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Clients from "../../../../test/utils/redisClients.js"
import * as Plain from "../../../../test/utils/redisServer.js"
import { scoped } from "./scoped.js"

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

/** `plain`, its operations as Effects. */
export const fromPlain = (plain: Plain.RedisServer): RedisServer => ({
  ...plain,
  kill: Effect.promise(plain.kill),
  restart: Effect.promise(plain.restart),
  freeze: Effect.sync(plain.freeze),
  thaw: Effect.sync(plain.thaw),
  command: (command) => Effect.promise(() => plain.command(command)),
  plain
})

/** Starts a `redis-server` on a loopback port of its own; the scope's release kills it by pid. */
export const make = (options: Plain.Options = {}): Effect.Effect<RedisServer, never, Scope.Scope> =>
  scoped(() => Plain.start(options)).pipe(Effect.map(fromPlain))

/** Every command `server` runs from now on, for as long as the scope lasts (`MONITOR`). */
export const monitor = (server: RedisServer): Effect.Effect<Clients.Monitor, never, Scope.Scope> =>
  scoped(() => Plain.monitor(server.plain))

/** `INFO commandstats` calls of one command, e.g. `ping`; 0 when it never ran. */
export const commandCalls = (server: RedisServer, command: string): Effect.Effect<number> =>
  Effect.promise(() => Plain.commandCalls(server.plain, command))

/** `INFO clients` connected_clients (the connection asking counts itself). */
export const connectedClients = (server: RedisServer): Effect.Effect<number> =>
  Effect.promise(() => Plain.connectedClients(server.plain))
