/**
 * The serving layer: merged batch and speed views answered over HTTP. Arrives with the lambda
 * contract issue.
 */
package io.lambdaflow.serving;
