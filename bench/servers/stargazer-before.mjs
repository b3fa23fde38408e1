// stargazer-before: the library as it was before the redesign and the fast path (commit 44b37bf, 0.1.0-pre),
// run the way its examples/service ran it: `Service.withHealthServer` over `RedisClient.layerConfig()`,
// `Service.runMain`. Only with BENCH_BEFORE=<a checkout of that commit, installed and built>: the benchmark
// copies this file into <checkout>/examples, so that every import resolves inside that checkout. Its
// configuration has the former variable names (SG_HEALTH_PING_INTERVAL, SG_HEALTH_PING_TIMEOUT).
import { RedisClient, Service } from "@stargazer/health-server"
import * as Layer from "effect/Layer"

Service.runMain(Service.withHealthServer(Layer.empty).pipe(Layer.provide(RedisClient.layerConfig())))
