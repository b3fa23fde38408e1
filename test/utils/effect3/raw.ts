/** `test/utils/raw.ts` for Effect 3 suites: HTTP byte by byte over a plain TCP socket, as Effects. */
import { Effect } from "effect"
import type { Scope } from "effect"
import * as Plain from "../raw.js"
import { scoped } from "./scoped.js"

export type { Exchange, RawReply } from "../raw.js"
export { statuses } from "../raw.js"

/** Connects, writes `request`, and collects the reply (`raw.exchange`). */
export const exchange = (...args: Parameters<typeof Plain.exchange>): Effect.Effect<Plain.Exchange> =>
  Effect.promise(() => Plain.exchange(...args))

/** One request of `method` and `path`, with `connection: close`; the raw response. */
export const request = (...args: Parameters<typeof Plain.request>): Effect.Effect<Plain.RawReply> =>
  Effect.promise(() => Plain.request(...args))

/** `count` TCP connections that send nothing, or only `send`, for the scope. */
export const idleConnections = (
  ...args: Parameters<typeof Plain.idleConnections>
): Effect.Effect<{ readonly open: () => number }, never, Scope.Scope> => scoped(() => Plain.idleConnections(...args))

/** How connecting to `port` went: `connected` or the error's code. */
export const connectOutcome = (port: number): Effect.Effect<string> => Effect.promise(() => Plain.connectOutcome(port))
