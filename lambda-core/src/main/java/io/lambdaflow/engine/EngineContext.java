package io.lambdaflow.engine;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * What the serving layer gives an engine it starts.
 *
 * @param pipelineName the pipeline whose views are served
 * @param cacheFolder a local folder of the serving layer's own (deleted on stop when temporary),
 *     where the engine may spill or cache
 * @param readableFolders the only local folders an engine that reads files should allow: the cache
 *     and, when local, the storage root
 * @param memoryLimit {@code serving.memory-limit}: the most memory, in bytes, an engine that can
 *     bound its memory takes
 * @param spark the pipeline's Spark session, started on first use: an engine that does not call it
 *     starts without Spark
 */
public record EngineContext(
    String pipelineName,
    Path cacheFolder,
    List<String> readableFolders,
    long memoryLimit,
    Supplier<SparkSession> spark) {
  public EngineContext {
    requireNonNull(pipelineName, "pipelineName is null");
    requireNonNull(cacheFolder, "cacheFolder is null");
    readableFolders = List.copyOf(readableFolders);
    requireNonNull(spark, "spark is null");
  }
}
