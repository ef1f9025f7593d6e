/**
 * The serving layer: answers each view as the batch view at its horizon merged with the speed
 * view's rows past it ({@link io.lambdaflow.serving.ServingLayer}), on a serving engine plugin
 * ({@link io.lambdaflow.engine.Engine}; built in: embedded DuckDB over locally cached Parquet, and
 * Spark SQL), behind an HTTP JSON API ({@link io.lambdaflow.serving.HttpApi}).
 */
package io.lambdaflow.serving;
