package io.lambdaflow.config;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.engine.EngineContext;
import io.lambdaflow.engine.EngineFactory;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SinkSpec;
import io.lambdaflow.spi.SourceFactory;
import io.lambdaflow.spi.SourceSpec;
import io.lambdaflow.spi.SupportsBatchRead;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.Transform;
import io.lambdaflow.spi.TransformFactory;
import io.lambdaflow.spi.WriteContext;
import io.lambdaflow.views.FolderStoreFactory;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Small plugins for validation tests; validation never runs them. */
final class TestPlugins {
  static final ConfigOption<Integer> ROWS =
      ConfigOption.required("rows", OptionTypes.integer(), "How many rows.");
  static final ConfigOption<String> CONDITION =
      ConfigOption.required("condition", OptionTypes.expression(), "Rows to keep.");
  static final ConfigOption<String> PATH =
      ConfigOption.required("path", OptionTypes.string(), "Where to write.");
  static final ConfigOption<String> PASSWORD =
      ConfigOption.optional("credentials", OptionTypes.string(), "The database password.").secret();

  private TestPlugins() {}

  static PluginRegistry registry() {
    return PluginRegistry.of(
        List.of(
            new Memory(),
            new Filter(),
            new Noop(),
            new Out(),
            new StandInEngine(),
            new FolderStoreFactory()));
  }

  static PipelineLoader loader() {
    return new PipelineLoader(registry(), TestPlugins.class.getClassLoader());
  }

  /**
   * An engine named like the default one, for validating serving sections: lambda-core cannot see
   * the built-in engines (lambda-engines depends on it), and validation never starts an engine.
   */
  static final class StandInEngine implements EngineFactory {
    static final ConfigOption<Integer> THREADS =
        ConfigOption.optional("threads", OptionTypes.integer(), "Worker threads.");

    public String name() {
      return "duckdb";
    }

    public String description() {
      return "Stands in for the built-in engine.";
    }

    public Options options() {
      return Options.of(THREADS);
    }

    public Engine create(PluginConfig options, EngineContext context) {
      throw new UnsupportedOperationException("validation tests start no engine");
    }
  }

  /** Batch only. */
  static final class Memory implements SourceFactory {
    public String name() {
      return "memory";
    }

    public String description() {
      return "Rows in memory.";
    }

    public Options options() {
      return Options.of(ROWS);
    }

    public SourceSpec create(PluginConfig config, PluginContext context) {
      return new SupportsBatchRead() {
        public Dataset<Row> readBatch(ReadContext readContext) {
          throw new UnsupportedOperationException();
        }
      };
    }
  }

  static final class Filter implements TransformFactory {
    public String name() {
      return "filter";
    }

    public String description() {
      return "Keeps rows.";
    }

    public Options options() {
      return Options.of(CONDITION);
    }

    public Transform create(PluginConfig config, PluginContext context) {
      return ctx -> ctx.input();
    }
  }

  static final class Noop implements TransformFactory {
    public String name() {
      return "noop";
    }

    public String description() {
      return "Does nothing.";
    }

    public Options options() {
      return Options.of();
    }

    public Transform create(PluginConfig config, PluginContext context) {
      return ctx -> ctx.input();
    }
  }

  /** Batch only; also the dead-letter sink. */
  static final class Out implements SinkFactory {
    public String name() {
      return "out";
    }

    public String description() {
      return "Writes rows.";
    }

    public Options options() {
      return Options.of(PATH, PASSWORD);
    }

    public SinkSpec create(PluginConfig config, PluginContext context) {
      return new SupportsBatchWrite() {
        public void writeBatch(Dataset<Row> data, WriteContext writeContext) {
          throw new UnsupportedOperationException();
        }
      };
    }
  }
}
