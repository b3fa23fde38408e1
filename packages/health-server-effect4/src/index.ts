/**
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as HealthCheck from "./HealthCheck.js"

/**
 * @since 0.1.0
 */
export * as HealthServer from "./HealthServer.js"

/**
 * @since 0.1.0
 */
export * as HealthStatus from "./HealthStatus.js"

/**
 * @since 0.1.0
 */
export * as RedisClient from "./RedisClient.js"

/**
 * @since 0.1.0
 */
export * as Runner from "./Runner.js"

/**
 * The application-ready health server, configured from `SG_HEALTH_*`; see `HealthServer.HealthServerLive`.
 *
 * @since 0.1.0
 */
export { HealthServerLive } from "./HealthServer.js"
