package io.lambdaflow.views;

import static java.util.Objects.requireNonNull;

import org.apache.hadoop.conf.Configuration;

/**
 * What a layer gives the store it opens.
 *
 * @param storageRoot the pipeline's {@code storage-root} (a local path or a Hadoop URI)
 * @param pipelineName the pipeline's name
 * @param hadoop the Hadoop configuration of the layer (Spark's, when it has a session)
 */
public record StoreContext(String storageRoot, String pipelineName, Configuration hadoop) {
  public StoreContext {
    requireNonNull(storageRoot, "storageRoot is null");
    requireNonNull(pipelineName, "pipelineName is null");
    requireNonNull(hadoop, "hadoop is null");
  }
}
