package io.lambdaflow.plugins.console;

import static io.lambdaflow.spi.ConfigOption.optional;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SinkSpec;
import io.lambdaflow.spi.StreamWriteContext;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsStreamWrite;
import io.lambdaflow.spi.WriteContext;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;

/** {@code type = console}: prints rows as a table on standard output. */
public final class ConsoleSinkFactory implements SinkFactory {
  static final ConfigOption<Integer> ROWS =
      optional(
          "rows",
          OptionTypes.integer(),
          20,
          "How many rows to print (per micro-batch when streaming).");
  static final ConfigOption<Boolean> TRUNCATE =
      optional(
          "truncate", OptionTypes.bool(), false, "Whether to cut long values to 20 characters.");

  @Override
  public String name() {
    return "console";
  }

  @Override
  public String description() {
    return "Prints rows as a table on standard output; for trying pipelines out.";
  }

  @Override
  public Options options() {
    return Options.of(ROWS, TRUNCATE);
  }

  @Override
  public SinkSpec create(PluginConfig config, PluginContext context) {
    return new ConsoleSink(config.get(ROWS), config.get(TRUNCATE));
  }

  private record ConsoleSink(int rows, boolean truncate)
      implements SupportsBatchWrite, SupportsStreamWrite {
    @Override
    public void writeBatch(Dataset<Row> data, WriteContext context) {
      // Dataset.show's text; printed to System.out (not Scala's Console.out) so that redirecting
      // System.out captures it.
      String table =
          ConsoleTable.show(data, rows, truncate ? 20 : 0, "console " + context.sinkName());
      System.out.print("sink " + context.sinkName() + ":\n" + table);
    }

    @Override
    public boolean replaces() {
      return true; // it keeps nothing: each run's output stands alone
    }

    @Override
    public StreamingQuery startStream(Dataset<Row> data, StreamWriteContext context)
        throws TimeoutException {
      return context
          .writer(data)
          .format("console")
          .option("numRows", rows)
          .option("truncate", truncate)
          .start();
    }
  }
}
