/**
 * The optional `/metrics` endpoint of the probe server: a service the server looks for when it binds. Only
 * the key lives here, so that the server never loads what serves it (OpenTelemetry) unless it is provided.
 *
 * @internal
 */
import * as Context from "effect/Context"
import type * as Http from "node:http"

/** @internal */
export interface MetricsEndpoint {
  /** Answers `GET`/`HEAD /metrics` (the server answers other methods itself). */
  readonly serve: (request: Http.IncomingMessage, response: Http.ServerResponse) => void
}

/** @internal */
export const MetricsEndpoint: Context.Service<MetricsEndpoint, MetricsEndpoint> = Context.Service<MetricsEndpoint>(
  "@stargazer/health-server-effect4/MetricsEndpoint"
)
