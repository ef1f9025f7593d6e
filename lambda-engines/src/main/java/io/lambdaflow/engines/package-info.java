/**
 * The built-in serving engines, found by name like any plugin: {@code duckdb} ({@link
 * io.lambdaflow.engines.DuckDbEngineFactory}) and {@code spark} ({@link
 * io.lambdaflow.engines.SparkEngineFactory}). Each checks untrusted SQL with its own parser and
 * runs it where it cannot write.
 */
package io.lambdaflow.engines;
