package io.lambdaflow.views;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionRule;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import java.util.List;

/** The built-in view store {@code folders}: Parquet folders under the storage root. */
public final class FolderStoreFactory implements ViewStoreFactory {
  static final ConfigOption<Integer> KEEP_PUBLISHED =
      ConfigOption.optional(
          "keep-published",
          OptionTypes.integer(),
          10,
          "How many published states (one per batch run) stay; older ones are deleted. Batch runs"
              + " clean up what a state older than serving.retain-superseded superseded, so keep"
              + " more than the runs made in that time.");

  @Override
  public String name() {
    return "folders";
  }

  @Override
  public String description() {
    return "Parquet folders under storage-root on any Hadoop file system; a publish and a"
        + " micro-batch commit are each one rename";
  }

  @Override
  public Options options() {
    return Options.of(KEEP_PUBLISHED)
        .withRules(
            config ->
                config.get(KEEP_PUBLISHED) < 2
                    ? List.of(
                        new OptionRule.Violation(
                            KEEP_PUBLISHED.key(),
                            "must be at least 2 (the newest and one before it), got "
                                + config.get(KEEP_PUBLISHED)))
                    : List.of());
  }

  @Override
  public ViewStore open(PluginConfig options, StoreContext context) {
    return new FolderStore(
        context.storageRoot(),
        context.pipelineName(),
        context.hadoop(),
        options.get(KEEP_PUBLISHED));
  }
}
