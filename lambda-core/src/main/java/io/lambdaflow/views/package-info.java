/**
 * The lambda contract's shared parts: where the master dataset, batch views and speed views live
 * ({@link io.lambdaflow.views.ViewStore}), how a view's rows and batch view are computed in Spark
 * ({@link io.lambdaflow.views.ViewQueries}), and the SQL that merges a batch view with the speed
 * view past its horizon ({@link io.lambdaflow.views.MergeSql}).
 */
package io.lambdaflow.views;
