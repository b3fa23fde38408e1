/**
 * The probe routes, to mount in the application's own `@effect/platform` server over
 * `HealthServer.layerState`: `HttpServer.serveEffect(HealthRouter.router)`. Its own entry point
 * (`@stargazer/health-server/HealthRouter`), so the standalone server never loads `HttpRouter` for plain
 * probes.
 *
 * @since 0.1.0
 */
import type * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HealthServer from "./HealthServer.js"
import * as internal from "./internal/routes.js"

/**
 * `/healthz` and `/livez` (liveness: `200 OK`), `/readyz` (readiness: `200 Ready`), `/startupz`
 * (`200 Started`), each `503 Service Unavailable` when failing; per-check `/livez/<name>` and
 * `/readyz/<name>`; `?exclude=<name>`, `?verbose` and `Accept: application/json`; `HEAD` like `GET`, `405` for
 * other methods; `Cache-Control: no-store`. Paths match exactly (a near miss is `404 Not Found`). Reads the
 * `HealthState` service.
 *
 * @since 0.1.0
 * @category routing
 */
export const router: HttpRouter.HttpRouter<never, HealthServer.HealthState> = internal.router
