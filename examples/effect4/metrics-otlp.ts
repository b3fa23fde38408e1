/**
 * The health metrics pushed over OTLP instead of scraped, on Effect 4: `@effect/opentelemetry`'s NodeSdk
 * exports every Effect metric, the library's among them, to an OpenTelemetry collector. The twin of
 * `examples/metrics-otlp.ts`.
 *
 *   OTLP_METRICS_URL=http://127.0.0.1:4318/v1/metrics TSX_TSCONFIG_PATH=tsconfig.base.json \
 *     node --import tsx examples/effect4/metrics-otlp.ts
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { HealthServerLive, RedisClient } from "@stargazer/health-server-effect4"
import * as Layer from "effect/Layer"

// Every Effect metric (health_check, health_checks_total, ...) to the collector, every 10 seconds by default.
const MetricsLive = NodeSdk.layer(() => ({
  resource: { serviceName: "my-service" },
  metricReader: new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: process.env.OTLP_METRICS_URL ?? "http://127.0.0.1:4318/v1/metrics" }),
    exportIntervalMillis: Number(process.env.OTLP_EXPORT_INTERVAL_MILLIS ?? 10_000)
  })
}))

NodeRuntime.runMain(Layer.launch(
  HealthServerLive.pipe(Layer.provide(RedisClient.RedisClientLive), Layer.provideMerge(MetricsLive))
))
