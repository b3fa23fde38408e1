/** The repository's `test/utils/raw.ts` (HTTP byte by byte over a plain TCP socket) for this package's tests. */
import * as Effect from "effect/Effect"
import * as Raw from "../../../../test/utils/raw.js"

export type { RawReply } from "../../../../test/utils/raw.js"

/** One request of `method` and `path` (sent as written), with `connection: close`; the raw response. */
export const request = (...args: Parameters<typeof Raw.request>): Effect.Effect<Raw.RawReply> =>
  Effect.promise(() => Raw.request(...args))

/** How connecting to `port` went: `connected` (then closed) or the error's code, e.g. `ECONNREFUSED`. */
export const connectOutcome = (port: number): Effect.Effect<string> => Effect.promise(() => Raw.connectOutcome(port))
