/**
 * The probe routes, to mount in the application's own `effect/http` server over `HealthServer.layerState`:
 * `HttpRouter.serve(Layer.mergeAll(ApiRoutes, HealthRouter.router))`. Its own entry point
 * (`@stargazer/health-server-effect4/HealthRouter`), so the standalone server never loads `HttpRouter` for
 * plain probes.
 *
 * @since 0.1.0
 */
import type * as HttpRouter from "effect/http/HttpRouter"
import type * as Layer from "effect/Layer"
import type * as HealthServer from "./HealthServer.js"
import * as internal from "./internal/routes.js"

/**
 * `/healthz` and `/livez` (liveness: `200 OK`), `/readyz` (readiness: `200 Ready`), `/startupz`
 * (`200 Started`), each `503 Service Unavailable` when failing; per-check `/livez/<name>` and
 * `/readyz/<name>`; `?exclude=<name>`, `?verbose` and `Accept: application/json`; `HEAD` like `GET`, `405` for
 * other methods; `Cache-Control: no-store`. Paths match exactly (a near miss is `404 Not Found`). The handlers
 * read the `HealthState` service.
 *
 * @since 0.1.0
 * @category routing
 */
export const router: Layer.Layer<
  never,
  never,
  HttpRouter.HttpRouter | HttpRouter.Request<"Requires", HealthServer.HealthState>
> = internal.router

/**
 * The same routes as values, for `HttpRouter.addAll` or a router of your own.
 *
 * @since 0.1.0
 * @category routing
 */
export const routes: ReadonlyArray<HttpRouter.Route<never, HealthServer.HealthState>> = internal.routes
