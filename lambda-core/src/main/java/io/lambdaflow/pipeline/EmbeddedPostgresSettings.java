package io.lambdaflow.pipeline;

import java.util.List;

/**
 * Whether the launcher starts a PostgreSQL server (real binaries, a child process) before running
 * the pipeline, for demos and laptops; it stops, and its data goes, when the run ends.
 *
 * @param enabled start one
 * @param port its loopback port; jdbc sources and sinks then use url =
 *     "jdbc:postgresql://127.0.0.1:PORT/postgres" (user postgres, no password)
 * @param databases databases to create at start, besides postgres
 */
public record EmbeddedPostgresSettings(boolean enabled, int port, List<String> databases) {
  public EmbeddedPostgresSettings {
    databases = List.copyOf(databases);
  }
}
