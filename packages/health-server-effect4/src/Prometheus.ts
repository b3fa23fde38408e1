/**
 * `GET /metrics` in the Prometheus text format on the probe server's port, from the health metrics the library
 * records with Effect's `Metric` (see the README for every name), exported through `@effect/opentelemetry` and
 * `@opentelemetry/exporter-prometheus`. Its own entry point (`@stargazer/health-server-effect4/Prometheus`):
 * apps that do not use it never load OpenTelemetry. Install the optional peers `@effect/opentelemetry`,
 * `@opentelemetry/api`, `@opentelemetry/sdk-metrics`, `@opentelemetry/resources` and
 * `@opentelemetry/exporter-prometheus`.
 *
 * ```ts
 * HealthServer.layer().pipe(Layer.provide(Prometheus.layer()))
 * ```
 *
 * `HealthServerLive` adds it itself with `SG_HEALTH_METRICS=true`.
 *
 * @since 0.1.0
 */
import type * as Layer from "effect/Layer"
import type * as endpoint from "./internal/metricsEndpoint.js"
import * as internal from "./internal/prometheus.js"

/**
 * What the probe server serves `/metrics` with.
 *
 * @since 0.1.0
 * @category models
 */
export type MetricsEndpoint = endpoint.MetricsEndpoint

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The OpenTelemetry resource's `service.name`; default `stargazer-health-server`. */
  readonly serviceName?: string | undefined
}

/**
 * The endpoint, for the health server it is provided to: `GET` and `HEAD /metrics` (a query is ignored),
 * `405` for other methods, `Cache-Control: no-store`. The metrics are read from the metric registry of the
 * context the layer is built in (the default, global one unless the application provides its own).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: (options?: Options) => Layer.Layer<MetricsEndpoint> = internal.layer
