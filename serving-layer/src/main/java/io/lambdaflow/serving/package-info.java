/**
 * The serving layer: answers each view as the batch view at its horizon merged with the speed
 * view's rows past it ({@link io.lambdaflow.serving.ServingLayer}), on an embedded DuckDB engine
 * over locally cached Parquet or on Spark SQL ({@link io.lambdaflow.serving.Engine}), behind an
 * HTTP JSON API ({@link io.lambdaflow.serving.HttpApi}).
 */
package io.lambdaflow.serving;
