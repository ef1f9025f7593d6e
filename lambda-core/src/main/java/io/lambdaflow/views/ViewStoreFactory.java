package io.lambdaflow.views;

import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginFactory;

/**
 * Opens a {@link ViewStore}, chosen by {@code store { type = NAME, ... }} in a pipeline file (the
 * shorthand {@code store = NAME} works too). The store's own options sit beside {@code type} and
 * are validated with the rest of the file.
 *
 * <p>List the implementation in {@code META-INF/services/io.lambdaflow.views.ViewStoreFactory}.
 */
public interface ViewStoreFactory extends PluginFactory {

  /**
   * Opens the store of one pipeline; cheap, connects to nothing until used. Every layer opens its
   * own.
   */
  ViewStore open(PluginConfig options, StoreContext context);
}
