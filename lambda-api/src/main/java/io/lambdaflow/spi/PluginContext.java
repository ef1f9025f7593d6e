package io.lambdaflow.spi;

import static java.util.Objects.requireNonNull;

/**
 * Where a plugin instance sits in its pipeline, given to factories at creation time.
 *
 * @param pipelineName the pipeline's {@code name}
 * @param nodeName the name of this source, transform or sink in the pipeline
 * @param storageRoot the pipeline's storage root (a local path or a Hadoop URI), under which
 *     plugins may keep state of their own in a folder named after the node
 */
public record PluginContext(String pipelineName, String nodeName, String storageRoot) {
  public PluginContext {
    requireNonNull(pipelineName, "pipelineName is null");
    requireNonNull(nodeName, "nodeName is null");
    requireNonNull(storageRoot, "storageRoot is null");
  }
}
