/**
 * The Prometheus endpoint: the Effect metrics exported through `@effect/opentelemetry` to
 * `@opentelemetry/exporter-prometheus`, whose request handler serves them on the probe server's port.
 *
 * @internal
 */
import * as OtelMetrics from "@effect/opentelemetry/OtelMetrics"
import * as Resource from "@effect/opentelemetry/Resource"
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus"
import type { MetricReader } from "@opentelemetry/sdk-metrics"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Prometheus from "../Prometheus.js"
import { MetricsEndpoint } from "./metricsEndpoint.js"

/** @internal */
export const layer = (options: Prometheus.Options = {}): Layer.Layer<MetricsEndpoint> =>
  Layer.unwrap(Effect.sync(() => {
    // No server of its own (the probe server serves the handler), no scope or target labels: the metrics'
    // own labels only, and nothing about the host.
    const exporter = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      withoutTargetInfo: true
    })
    const endpoint = Layer.succeed(MetricsEndpoint, {
      serve: (request, response) => {
        response.setHeader("cache-control", "no-store")
        exporter.getMetricsRequestHandler(request, response)
      }
    })
    return Layer.merge(
      endpoint,
      // The exporter's own `@opentelemetry/sdk-metrics` may be another patch release than the one
      // `@effect/opentelemetry` sees: the reader is used through `setMetricProducer` and `shutdown` only.
      OtelMetrics.layer(() => exporter as unknown as MetricReader).pipe(
        Layer.provide(Resource.layer({ serviceName: options.serviceName ?? "stargazer-health-server" }))
      )
    )
  }))
