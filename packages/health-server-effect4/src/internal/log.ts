/**
 * The annotation every log line of the library carries.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** @internal */
export const annotate = Effect.annotateLogs({ package: "@stargazer/health-server-effect4" })
