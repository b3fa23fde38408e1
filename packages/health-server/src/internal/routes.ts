/**
 * The probe routes. Each answer is one of three responses built once at module load; a handler only reads
 * the cached health flag and picks one, so a probe never does I/O.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"

const live = HttpServerResponse.text("OK")
const ready = HttpServerResponse.text("Ready")
const unavailable = HttpServerResponse.text("Service Unavailable", { status: 503 })

/**
 * `GET /healthz` and `GET /readyz` over a cached health flag; any other path is a `404` from the router.
 *
 * @internal
 */
export const make = <R>(healthy: Effect.Effect<boolean, never, R>): HttpRouter.HttpRouter<never, R> =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", Effect.map(healthy, (ok) => ok ? live : unavailable)),
    HttpRouter.get("/readyz", Effect.map(healthy, (ok) => ok ? ready : unavailable))
  )
